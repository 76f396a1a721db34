# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The Factur-X PDF: a PDF/A-3b container with ``factur-x.xml`` embedded.

The ``factur-x`` library embeds the XML and writes the XMP metadata, but
does not make the PDF itself PDF/A: we copy the pages into a clean document
(dropping any earlier attachment or metadata), give it an sRGB output intent
and a file identifier, and hand it to the library as a file path (its
in-memory entry point writes a corrupt header, akretion/factur-x#24).
"""

import hashlib
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import facturx
from lxml import etree
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from .document import Profile

XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
}
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


class PdfError(ValueError):
    """The input PDF cannot become a Factur-X PDF/A-3."""


def srgb_icc_profile():
    """An sRGB ICC profile, built by Little CMS (no file to ship)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _output_intent(writer):
    icc = StreamObject()
    icc.set_data(srgb_icc_profile())
    icc[NameObject("/N")] = NumberObject(3)
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(icc),
        }
    )


def _pdfa_base(pdf_bytes, identifier):
    """The pages of ``pdf_bytes`` in a new document ready for PDF/A-3b."""
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        if reader.is_encrypted:
            raise PdfError("The PDF is encrypted.")
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
    except PdfError:
        raise
    except Exception as error:
        raise PdfError(f"The PDF cannot be read: {error}") from error
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject(
        [writer._add_object(_output_intent(writer))]
    )
    digest = ByteStringObject(hashlib.md5(identifier, usedforsecurity=False).digest())
    writer._ID = ArrayObject([digest, digest])
    return writer


def build_facturx_pdf(
    pdf_bytes, xml, profile, *, title="", author="", subject="", lang=""
):
    """Embed ``xml`` into ``pdf_bytes`` and return a Factur-X PDF/A-3b.

    :param profile: the :class:`Profile` the XML was built for; it sets the
        XMP conformance level and the attachment's relationship (``Data``
        for MINIMUM and BASIC WL, ``Alternative`` above).
    """
    profile = Profile(profile)
    writer = _pdfa_base(pdf_bytes, xml)
    relationship = "alternative" if profile.at_least(Profile.BASIC) else "data"
    with tempfile.TemporaryDirectory(prefix="facturx-") as folder:
        source, target = Path(folder, "invoice.pdf"), Path(folder, "factur-x.pdf")
        with source.open("wb") as stream:
            writer.write(stream)
        facturx.generate_from_file(
            str(source),
            xml,
            flavor="factur-x",
            level=profile.value,
            check_xsd=False,
            pdf_metadata={
                "title": title,
                "author": author,
                "subject": subject,
                "keywords": "Factur-X, Invoice",
            },
            lang=lang or None,
            output_pdf_file=str(target),
            afrelationship=relationship,
        )
        return target.read_bytes()


def extract_xml(pdf_bytes):
    """The ``factur-x.xml`` embedded in a PDF, or None."""
    try:
        filename, xml = facturx.get_xml_from_pdf(io.BytesIO(pdf_bytes), check_xsd=False)
    except Exception as error:
        raise PdfError(f"The PDF cannot be read: {error}") from error
    return xml if filename == facturx.facturx.FACTURX_FILENAME else None


@dataclass
class PdfInspection:
    """What a structural check of a Factur-X PDF found."""

    header: bytes = b""
    file_id: bool = False
    output_intent: str = ""  # its /S, e.g. /GTS_PDFA1, with an ICC profile
    pdfa_part: str = ""
    pdfa_conformance: str = ""
    conformance_level: str = ""  # fx:ConformanceLevel
    document_file_name: str = ""  # fx:DocumentFileName
    attachments: dict = field(default_factory=dict)  # name -> relationship, subtype
    attachments_in_af: list = field(default_factory=list)
    fonts_not_embedded: list = field(default_factory=list)
    encrypted: bool = False

    def problems(self, profile=None):
        """What keeps the file from being a Factur-X PDF/A-3b, in words."""
        problems = []
        if not self.header.startswith(b"%PDF-1."):
            problems.append("the file does not start with a PDF header")
        if not self.file_id:
            problems.append("no document identifier (/ID)")
        if self.output_intent != "/GTS_PDFA1":
            problems.append("no PDF/A output intent with an ICC profile")
        if (self.pdfa_part, self.pdfa_conformance) != ("3", "B"):
            problems.append("the XMP metadata does not declare PDF/A-3b")
        attachment = self.attachments.get("factur-x.xml")
        if not attachment:
            problems.append("no embedded factur-x.xml")
        elif "factur-x.xml" not in self.attachments_in_af:
            problems.append("factur-x.xml is not listed in the document's /AF")
        elif attachment["subtype"] != "/text/xml":
            problems.append("factur-x.xml does not have the MIME type text/xml")
        if self.document_file_name != "factur-x.xml":
            problems.append("the XMP metadata does not name factur-x.xml")
        if profile is not None:
            profile = Profile(profile)
            if self.conformance_level != profile.conformance_level:
                problems.append(
                    f"the XMP conformance level is {self.conformance_level!r}, "
                    f"not {profile.conformance_level!r}"
                )
            expected = "/Alternative" if profile.at_least(Profile.BASIC) else "/Data"
            if attachment and attachment["relationship"] not in (
                expected,
                "/Data",
                "/Source",
            ):
                problems.append(
                    f"factur-x.xml has the relationship {attachment['relationship']}"
                )
            if attachment and not profile.at_least(Profile.BASIC):
                if attachment["relationship"] != "/Data":
                    problems.append("MINIMUM and BASIC WL need the relationship /Data")
        if self.fonts_not_embedded:
            problems.append(
                "fonts not embedded: " + ", ".join(sorted(self.fonts_not_embedded))
            )
        if self.encrypted:
            problems.append("the file is encrypted")
        return problems


def _fonts(resources, seen, missing):
    if not resources:
        return
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if id(font) in seen:
            continue
        seen.add(id(font))
        descriptors = [font.get("/FontDescriptor")]
        for descendant in font.get("/DescendantFonts") or []:
            descriptors.append(descendant.get_object().get("/FontDescriptor"))
        descriptors = [d.get_object() for d in descriptors if d is not None]
        if font.get("/Subtype") == "/Type3":
            continue
        if not any(key in d for d in descriptors for key in FONT_FILES):
            missing.add(str(font.get("/BaseFont", "?")).lstrip("/"))
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            _fonts(xobject.get("/Resources"), seen, missing)


def inspect_pdf(pdf_bytes):
    """Read the PDF/A-3 and Factur-X structure of ``pdf_bytes``."""
    result = PdfInspection(header=pdf_bytes[:8])
    reader = PdfReader(io.BytesIO(pdf_bytes))
    result.encrypted = reader.is_encrypted
    if result.encrypted:
        return result
    result.file_id = bool(reader.trailer.get("/ID"))
    root = reader.trailer["/Root"].get_object()
    for intent in root.get("/OutputIntents") or []:
        intent = intent.get_object()
        if intent.get("/DestOutputProfile") is not None:
            result.output_intent = str(intent.get("/S"))
    metadata = root.get("/Metadata")
    if metadata is not None:
        xmp = etree.fromstring(metadata.get_object().get_data())
        result.pdfa_part = xmp.xpath("string(//pdfaid:part)", namespaces=XMP_NS).strip()
        result.pdfa_conformance = xmp.xpath(
            "string(//pdfaid:conformance)", namespaces=XMP_NS
        ).strip()
        result.conformance_level = xmp.xpath(
            "string(//fx:ConformanceLevel)", namespaces=XMP_NS
        ).strip()
        result.document_file_name = xmp.xpath(
            "string(//fx:DocumentFileName)", namespaces=XMP_NS
        ).strip()
    names = (root.get("/Names") or {}).get("/EmbeddedFiles")
    if names is not None:
        entries = names.get_object().get("/Names") or []
        for index in range(0, len(entries), 2):
            spec = entries[index + 1].get_object()
            embedded = spec["/EF"]["/F"].get_object()
            result.attachments[str(entries[index])] = {
                "relationship": str(spec.get("/AFRelationship", "")),
                "subtype": str(embedded.get("/Subtype", "")),
                "modified": "/ModDate" in (embedded.get("/Params") or {}),
            }
    for spec in root.get("/AF") or []:
        result.attachments_in_af.append(str(spec.get_object().get("/F", "")))
    seen, missing = set(), set()
    for page in reader.pages:
        _fonts(page.get("/Resources"), seen, missing)
    result.fonts_not_embedded = sorted(missing)
    return result
