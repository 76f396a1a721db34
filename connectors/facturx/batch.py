# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Render many HTML documents in one wkhtmltopdf run, then cut the PDF.

wkhtmltopdf spends most of its time starting up, and the build Debian ships
(against an unpatched Qt) accepts one input document only. So the documents
are laid out one after the other in a single HTML document, each starting
on a new page with an invisible link that names it; in the PDF, that link
says on which page each document starts, and is then removed.
"""

import io

import lxml.html
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject

MARKER = "https://document-split.invalid/"


def merge_html_documents(documents):
    """One HTML document made of ``documents`` (a list of ``(key, html)``),
    each on its own pages; the head (styles) of the first is used for all."""
    merged = None
    for index, (key, html) in enumerate(documents):
        tree = lxml.html.document_fromstring(html)
        section = lxml.html.Element("div")
        if index:
            section.set("style", "page-break-before: always;")
        marker = lxml.html.Element(
            "a", href=f"{MARKER}{key}", style="display:block;width:1px;height:1px;"
        )
        section.append(marker)
        body = tree.body
        for child in list(body):
            section.append(child)
        if merged is None:
            merged = tree
        merged.body.append(section)
    return lxml.html.tostring(merged, encoding="unicode", doctype="<!DOCTYPE html>")


def split_pdf(pdf_bytes):
    """Cut a PDF made from :func:`merge_html_documents` into ``{key: pdf}``."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    starts = []
    for number, page in enumerate(reader.pages):
        annotations = page.get("/Annots")
        if not annotations:
            continue
        kept = ArrayObject()
        for annotation in annotations:
            uri = str((annotation.get_object().get("/A") or {}).get("/URI") or "")
            if uri.startswith(MARKER):
                starts.append((number, uri[len(MARKER) :]))
            else:
                kept.append(annotation)
        page[NameObject("/Annots")] = kept
    result = {}
    for index, (first, key) in enumerate(starts):
        last = starts[index + 1][0] if index + 1 < len(starts) else len(reader.pages)
        writer = PdfWriter()
        for number in range(first, last):
            writer.add_page(reader.pages[number])
        stream = io.BytesIO()
        writer.write(stream)
        result[key] = stream.getvalue()
    return result
