# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""UBL 2.1 invoices and credit notes checked against EN 16931 (and BR-FR)."""

from pathlib import Path

import pytest
from lxml import etree

from ..facturx.validation import ValidationReport
from ..ubl import UblReport, validate_ubl

DATA = Path(__file__).resolve().parent / "data" / "ubl"
INVOICE = (DATA / "invoice_bis3.xml").read_bytes()
CREDIT_NOTE = (DATA / "credit_note_bis3.xml").read_bytes()
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
CBC = f"{{{NS['cbc']}}}"
# French legal mentions (BR-FR-05) and billing mode S1 (BR-FR-08): what a
# file for the French platforms has that a Peppol one need not.
FRENCH_NOTES = (
    "#PMT#Indemnité forfaitaire pour frais de recouvrement : 40 €.",
    "#PMD#Pénalités de retard : trois fois le taux d'intérêt légal.",
    "#AAB#Pas d'escompte pour paiement anticipé.",
)


def _mutate(xml, path, text):
    root = etree.fromstring(xml)
    root.xpath(path, namespaces=NS)[0].text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _french(xml):
    root = etree.fromstring(xml)
    root.find(f"{CBC}ProfileID").text = "S1"
    anchor = root.find(f"{CBC}InvoiceTypeCode")
    for text in reversed(FRENCH_NOTES):
        note = etree.Element(f"{CBC}Note")
        note.text = text
        anchor.addnext(note)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_bis3_invoice_is_valid():
    report = validate_ubl(INVOICE)
    assert isinstance(report, UblReport) and isinstance(report, ValidationReport)
    assert report.valid, report.blocking
    assert report.findings == ()
    assert report.document == "Invoice"
    assert report.customization_id.startswith("urn:cen.eu:en16931:2017")


def test_credit_note_is_valid():
    report = validate_ubl(CREDIT_NOTE)
    assert report.valid, report.blocking
    assert report.document == "CreditNote"


def test_wrong_total_is_reported_by_its_rule():
    # 250.00 + 50.00 VAT is not 300.01; the amount due follows the total so
    # that only the total is wrong.
    xml = _mutate(INVOICE, "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "300.01")
    xml = _mutate(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount", "300.01")
    report = validate_ubl(xml)
    assert not report.valid
    assert [(f.rule_id, f.severity, f.source) for f in report.blocking] == [
        ("BR-CO-15", "fatal", "en16931")
    ]
    assert "BT-112" in report.blocking[0].message


def test_wrong_line_total_in_a_credit_note():
    xml = _mutate(CREDIT_NOTE, "//cac:CreditNoteLine/cbc:CreditedQuantity", "3")
    xml = _mutate(xml, "//cac:CreditNoteLine/cbc:LineExtensionAmount", "75.00")
    assert "BR-CO-10" in {f.rule_id for f in validate_ubl(xml).blocking}


def test_warnings_do_not_block():
    xml = INVOICE.replace(
        b"<cbc:IssueDate>",
        b"<cbc:CopyIndicator>false</cbc:CopyIndicator>\n  <cbc:IssueDate>",
        1,
    )
    report = validate_ubl(xml)
    assert report.valid
    assert [(f.rule_id, f.severity) for f in report.warnings] == [
        ("UBL-CR-004", "warning")
    ]


def test_xsd_error_blocks_before_the_rules():
    xml = INVOICE.replace(b"<cbc:DueDate>", b"<cbc:PaymentDueDate>", 1).replace(
        b"</cbc:DueDate>", b"</cbc:PaymentDueDate>", 1
    )
    report = validate_ubl(xml)
    assert {(f.rule_id, f.source) for f in report.blocking} == {("XSD", "xsd")}
    assert "PaymentDueDate" in report.blocking[0].message


def test_french_rules_on_request():
    assert validate_ubl(INVOICE).valid
    report = validate_ubl(INVOICE, french_rules=True)
    assert {"BR-FR-05_BT-22-1", "BR-FR-08_BT-23"} <= set(report.rule_ids)
    assert {f.source for f in report.blocking} == {"br-fr"}
    french = validate_ubl(_french(INVOICE), french_rules=True)
    assert french.valid, french.blocking


@pytest.mark.parametrize(
    "xml, rule_id, words",
    [
        (b"%PDF-1.7 not xml", "XML", "not well-formed XML"),
        (b"", "XML", "not well-formed XML"),
        (
            b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:'
            b'data:standard:CrossIndustryInvoice:100"/>',
            "UBL",
            "not a UBL 2.1 invoice or credit note: its root element is "
            "'CrossIndustryInvoice'",
        ),
        (b"<Invoice/>", "UBL", "in namespace 'none'"),
    ],
    ids=["garbage", "empty", "cii", "no-namespace"],
)
def test_not_ubl_is_a_clear_blocking_finding(xml, rule_id, words):
    report = validate_ubl(xml)
    assert not report.valid
    assert report.document is None
    assert [f.rule_id for f in report.blocking] == [rule_id]
    assert words in report.blocking[0].message


def test_a_dtd_is_refused_and_its_entities_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "{secret}">]>'
    ).encode() + INVOICE.split(b"?>", 1)[1].replace(
        b"<cbc:Name>Brass wall lamp", b"<cbc:Name>&x;", 1
    )
    report = validate_ubl(xml)
    assert [f.rule_id for f in report.blocking] == ["XML"]
    assert "DTD" in report.blocking[0].message
    assert all("TOP-SECRET" not in f.message for f in report.findings)
