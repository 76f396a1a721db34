# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Factur-X files built from plain invoice data pass every official check."""

import dataclasses
import io
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from ..facturx import check
from ..facturx.batch import merge_html_documents, split_pdf
from ..facturx.cii import NS, build_cii
from ..facturx.document import (
    Address,
    AllowanceCharge,
    DocumentError,
    ElectronicAddress,
    Invoice,
    Line,
    Note,
    Party,
    PaymentMeans,
    PrecedingInvoice,
    Profile,
    TaxCategory,
    compute_totals,
)
from ..facturx.parse import parse_cii
from ..facturx.pdf import build_facturx_pdf, extract_xml, inspect_pdf
from ..facturx.validation import _runner, validate_xml

HERE = Path(__file__).resolve().parent
CEN = ("cen", HERE / "data" / "en16931-cii" / "EN16931-CII-validation.xslt")

S20 = TaxCategory("S", D("20"))
S10 = TaxCategory("S", D("10"))
S55 = TaxCategory("S", D("5.5"))
Z0 = TaxCategory("Z", D("0"))
EXEMPT = TaxCategory("E", D("0"), "Exonération de TVA, article 261-4-4° du CGI")
INTRA = TaxCategory("K", D("0"), "Livraison intracommunautaire", "VATEX-EU-IC")
EXPORT = TaxCategory("G", D("0"), "Exportation hors UE", "VATEX-EU-G")
REVERSE = TaxCategory("AE", D("0"), "Autoliquidation", "VATEX-EU-AE")

SELLER = Party(
    "Atelier Lumière SAS",
    Address("FR", "12 rue de la République", postcode="69002", city="Lyon"),
    siren="123456782",
    siret="12345678200010",
    vat="FR11123456782",
    electronic_address=ElectronicAddress("0225", "123456782"),
    contact_email="compta@atelier-lumiere.example",
)
BUYER = Party(
    "Maison Verte SARL",
    Address("FR", "1 place Bellecour", postcode="69002", city="Lyon"),
    siren="552100554",
    siret="55210055400013",
    vat="FR96552100554",
    electronic_address=ElectronicAddress("0225", "552100554"),
)
BELGIAN = Party(
    "Brasserie du Parc SRL",
    Address("BE", "Rue Royale 10", postcode="1000", city="Bruxelles"),
    vat="BE0477472701",
    electronic_address=ElectronicAddress("0208", "0477472701"),
)
AMERICAN = Party(
    "Sunrise Lighting Inc.",
    Address("US", "5 Main Street", postcode="10001", city="New York"),
    electronic_address=ElectronicAddress("0060", "123456789"),
)
NOTES = (
    Note("Indemnité forfaitaire pour frais de recouvrement : 40 EUR.", "PMT"),
    Note("Pénalités de retard : taux BCE + 10 points.", "PMD"),
    Note("Pas d'escompte pour paiement anticipé.", "AAB"),
)
TRANSFER = PaymentMeans("58", iban="FR7630006000011234567890189", bic="AGRIFRPP")


def line(number, price, quantity="1", tax=S20, **values):
    quantity, price = D(quantity), D(price)
    discount = values.pop("discount_percent", D(0))
    net = (quantity * price * (1 - D(discount) / 100)).quantize(D("0.01"))
    return Line(
        str(number),
        values.pop("name", f"Article {number}"),
        quantity,
        "C62",
        price,
        net,
        tax,
        discount_percent=D(discount),
        **values,
    )


def invoice(**values):
    base = {
        "number": "FA-2026-0042",
        "type_code": "380",
        "issue_date": date(2026, 11, 2),
        "currency": "EUR",
        "seller": SELLER,
        "buyer": BUYER,
        "lines": (line(1, "100.00", "3"),),
        "notes": NOTES,
        "business_process": "B1",
        "due_date": date(2026, 12, 2),
        "payment_terms": "Paiement à 30 jours",
        "payment_means": TRANSFER,
        "payment_reference": "FA-2026-0042",
    }
    base.update(values)
    return Invoice(**base)


SCENARIOS = {
    "several VAT rates": invoice(
        lines=(
            line(1, "100.00", "3"),
            line(2, "12.50", "2", S55),
            line(3, "45.00", tax=S10),
        ),
    ),
    "exempt line with its reason": invoice(
        lines=(line(1, "80.00"), line(2, "250.00", tax=EXEMPT, name="Formation")),
        business_process="M1",
    ),
    "domestic reverse charge": invoice(
        lines=(line(1, "1200.00", tax=REVERSE, name="Travaux sous-traités"),),
        business_process="S1",
    ),
    "intra-community supply": invoice(
        buyer=BELGIAN,
        lines=(line(1, "640.00", "2", INTRA),),
        delivery_date=date(2026, 10, 28),
        ship_to=BELGIAN,
    ),
    "export outside the EU": invoice(
        buyer=AMERICAN,
        lines=(line(1, "990.00", tax=EXPORT),),
        delivery_date=date(2026, 10, 30),
    ),
    "zero rate": invoice(lines=(line(1, "75.00", tax=Z0),)),
    "line discounts with precise prices": invoice(
        lines=(
            line(1, "19.333", "7", discount_percent="12.5"),
            line(2, "3.14159", "11", discount_percent="3"),
        ),
    ),
    "document allowance and charge": invoice(
        lines=(line(1, "100.00", "4"), line(2, "30.00", "2", S55)),
        allowance_charges=(
            AllowanceCharge(False, D("25.00"), S20, "Remise commerciale", "95"),
            AllowanceCharge(True, D("15.00"), S20, "Frais de port", "FC"),
        ),
    ),
    "credit note referencing its invoice": invoice(
        number="AV-2026-0007",
        type_code="381",
        lines=(line(1, "100.00"),),
        preceding_invoices=(PrecedingInvoice("FA-2026-0042", date(2026, 11, 2)),),
        due_date=None,
    ),
    "down payment invoice": invoice(
        type_code="386", lines=(line(1, "500.00", name="Acompte 30 %"),)
    ),
    "direct debit with mandate": invoice(
        payment_means=PaymentMeans(
            "59",
            mandate_reference="MANDAT-2026-015",
            creditor_identifier="FR12ZZZ123456",
            debtor_iban="FR7610107001011234567890129",
        ),
    ),
    "services with VAT on debits": invoice(
        lines=(line(1, "650.00", name="Conseil"),),
        business_process="S1",
        vat_due_date_code="5",
    ),
    "public buyer with Chorus Pro references": invoice(
        buyer_reference="SERVICE-TECH",
        order_reference="EJ-2026-000123",
        contract_reference="MARCHE-2025-17",
    ),
    "cash rounding": invoice(lines=(line(1, "10.33", "3"),), rounding_amount=D("0.01")),
}


@pytest.mark.parametrize("profile", [Profile.EN16931, Profile.EXTENDED])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_has_no_blocking_finding(name, profile):
    stylesheets = [CEN] if profile is Profile.EN16931 else []
    report = validate_xml(
        build_cii(SCENARIOS[name], profile), extra_stylesheets=stylesheets
    )
    assert report.profile is profile
    assert [(f.rule_id, f.message) for f in report.blocking] == []


@pytest.mark.parametrize("profile", [Profile.MINIMUM, Profile.BASIC_WL, Profile.BASIC])
def test_poorer_profiles_are_valid(profile):
    report = validate_xml(build_cii(SCENARIOS["several VAT rates"], profile))
    assert report.profile is profile
    assert report.blocking == ()


def test_totals_worked_example():
    """Three rates and a discount: every total exact to the cent."""
    totals = compute_totals(
        invoice(
            lines=(
                line(1, "19.333", "7", discount_percent="12.5"),  # 118.41
                line(2, "12.50", "2", S55),  # 25.00
                line(3, "45.00", tax=S10),  # 45.00
            ),
            allowance_charges=(AllowanceCharge(False, D("8.41"), S20, "Remise"),),
        )
    )
    assert totals.line_total == D("188.41")
    assert totals.allowance_total == D("8.41")
    assert totals.tax_basis == D("180.00")
    assert [(b.tax.rate, b.basis, b.amount) for b in totals.breakdown] == [
        (D("5.5"), D("25.00"), D("1.38")),
        (D("10"), D("45.00"), D("4.50")),
        (D("20"), D("110.00"), D("22.00")),
    ]
    assert totals.tax_total == D("27.88")
    assert totals.grand_total == D("207.88")
    assert totals.due == D("207.88")


def test_booked_tax_amounts_are_kept():
    booked = invoice(tax_amounts={S20: D("60.01")})
    totals = compute_totals(booked)
    assert totals.tax_total == D("60.01")
    assert totals.grand_total == D("360.01")


def test_amount_with_three_decimals_is_refused():
    bad = invoice(
        lines=(dataclasses.replace(line(1, "10.00"), net_amount=D("10.005")),)
    )
    with pytest.raises(DocumentError, match="more than 2 decimals"):
        compute_totals(bad)


def _mutate(xml, path, text):
    root = etree.fromstring(xml)
    root.xpath(path, namespaces=NS)[0].text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_wrong_grand_total_is_reported():
    xml = build_cii(SCENARIOS["several VAT rates"])
    path = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount"
    grand_total = D(etree.fromstring(xml).xpath(f"string({path})", namespaces=NS))
    report = validate_xml(_mutate(xml, path, str(grand_total + D("0.01"))))
    assert "BR-CO-15" in {f.rule_id for f in report.blocking}


def test_a_file_declaring_a_dtd_is_refused_before_any_rule_reads_it(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the validator")
    xml = build_cii(SCENARIOS["several VAT rates"]).replace(
        b"?>",
        f'?><!DOCTYPE x [<!ENTITY leak SYSTEM "file://{secret}">]>'.encode(),
        1,
    )
    report = validate_xml(xml)
    (finding,) = report.blocking
    assert (finding.rule_id, finding.source) == ("XML", "xml")
    assert "DTD" in finding.message


def test_exempt_line_without_reason_is_reported():
    bare = TaxCategory("E", D("0"))
    report = validate_xml(build_cii(invoice(lines=(line(1, "250.00", tax=bare),))))
    assert "BR-E-10" in {f.rule_id for f in report.blocking}


def test_intra_community_supply_without_delivery_date_is_reported():
    scenario = dataclasses.replace(
        SCENARIOS["intra-community supply"], delivery_date=None
    )
    report = validate_xml(build_cii(scenario))
    assert "BR-IC-11" in {f.rule_id for f in report.blocking}


def test_credit_note_without_its_invoice_is_reported():
    scenario = dataclasses.replace(
        SCENARIOS["credit note referencing its invoice"], preceding_invoices=()
    )
    report = validate_xml(build_cii(scenario))
    assert "BR-FR-CO-05_BT-3" in {f.rule_id for f in report.blocking}


def test_missing_french_notes_are_reported():
    report = validate_xml(build_cii(invoice(notes=())))
    assert {"BR-FR-05_BT-22_PMT", "BR-FR-05_BT-22_PMD", "BR-FR-05_BT-22_AAB"} <= {
        f.rule_id for f in report.blocking
    }


def test_declared_profile_must_match():
    report = validate_xml(build_cii(invoice(), Profile.BASIC), Profile.EN16931)
    assert [f.rule_id for f in report.blocking] == ["BT-24"]


def test_xsd_error_is_blocking():
    xml = build_cii(invoice()).replace(b"<ram:TypeCode>380", b"<ram:Typecode>380", 1)
    xml = xml.replace(b"380</ram:TypeCode>", b"380</ram:Typecode>", 1)
    report = validate_xml(xml)
    assert report.blocking and report.blocking[0].rule_id == "XSD"


def test_validator_process_restarts_after_a_crash():
    validate_xml(build_cii(invoice()))
    _runner._process.kill()
    _runner._process.wait()
    assert validate_xml(build_cii(invoice())).valid


def _report_pdf():
    """A one-page PDF with text, as wkhtmltopdf renders Odoo's reports."""
    html = Path(__file__).resolve().parent / "data" / "facturx_invoice.html"
    result = subprocess.run(
        ["wkhtmltopdf", "--quiet", str(html), "-"], capture_output=True, check=True
    )
    return result.stdout


@pytest.mark.parametrize("profile", list(Profile))
def test_pdf_container_structure(profile):
    xml = build_cii(SCENARIOS["several VAT rates"], profile)
    pdf = build_facturx_pdf(
        _report_pdf(), xml, profile, title="FA-2026-0042", lang="fr_FR"
    )
    inspection = inspect_pdf(pdf)
    assert inspection.problems(profile) == []
    assert inspection.header == b"%PDF-1.6"
    assert pdf.count(b"%PDF-") == 1
    assert inspection.file_id
    assert inspection.output_intent == "/GTS_PDFA1"
    assert (inspection.pdfa_part, inspection.pdfa_conformance) == ("3", "B")
    assert inspection.conformance_level == profile.conformance_level
    expected = "/Alternative" if profile.at_least(Profile.BASIC) else "/Data"
    assert inspection.attachments == {
        "factur-x.xml": {
            "relationship": expected,
            "subtype": "/text/xml",
            "modified": True,
        }
    }
    assert inspection.attachments_in_af == ["factur-x.xml"]


def test_round_trip_through_the_pdf():
    scenario = SCENARIOS["document allowance and charge"]
    xml = build_cii(scenario)
    extracted = extract_xml(build_facturx_pdf(_report_pdf(), xml, Profile.EN16931))
    assert extracted == xml
    assert validate_xml(extracted).valid
    parsed, totals = parse_cii(extracted), compute_totals(scenario)
    assert (parsed.number, parsed.type_code, parsed.currency) == (
        "FA-2026-0042",
        "380",
        "EUR",
    )
    assert (parsed.seller.siren, parsed.buyer.siren) == ("123456782", "552100554")
    assert (parsed.tax_basis, parsed.tax_total, parsed.grand_total) == (
        totals.tax_basis,
        totals.tax_total,
        totals.grand_total,
    )
    assert parsed.breakdown == tuple(
        (b.tax.code, b.tax.rate, b.basis, b.amount) for b in totals.breakdown
    )


def test_a_pdf_rebuilt_from_a_factur_x_keeps_one_attachment():
    first = build_facturx_pdf(_report_pdf(), build_cii(invoice()), Profile.EN16931)
    again = build_facturx_pdf(first, build_cii(invoice()), Profile.EXTENDED)
    inspection = inspect_pdf(again)
    assert list(inspection.attachments) == ["factur-x.xml"]
    assert inspection.conformance_level == "EXTENDED"


def test_check_command(tmp_path):
    good = tmp_path / "good.pdf"
    good.write_bytes(
        build_facturx_pdf(_report_pdf(), build_cii(invoice()), Profile.EN16931)
    )
    bad = tmp_path / "bad.xml"
    bad.write_bytes(build_cii(invoice(notes=())))
    out = io.StringIO()
    assert check.check_file(good, out) == 0
    assert check.check_file(bad, out) == 1
    assert "good.pdf: valid (EN 16931)" in out.getvalue()
    assert "BR-FR-05_BT-22_PMT [fatal]" in out.getvalue()
    result = subprocess.run(
        [sys.executable, "-m", "connectors.facturx.check", str(bad)],
        cwd=HERE.parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "INVALID (EN 16931)" in result.stdout


def test_batch_rendering_cuts_each_document_at_its_first_page():
    documents = [
        (
            "11",
            "<html><head><style>h1{color:#714b67}</style></head><body><h1>A</h1></body></html>",
        ),
        (
            "12",
            "<html><body><h1>B</h1><p style='height:1500px'>long</p>"
            "<p>end-of-B</p></body></html>",
        ),
        (
            "13",
            "<html><body><h1>C</h1><p><a href='https://example.com'>site</a></p></body></html>",
        ),
    ]
    html = merge_html_documents(documents)
    pdf = subprocess.run(
        ["wkhtmltopdf", "--quiet", "-", "-"],
        input=html.encode(),
        capture_output=True,
        check=True,
    ).stdout
    parts = split_pdf(pdf)
    assert list(parts) == ["11", "12", "13"]
    readers = {key: PdfReader(io.BytesIO(part)) for key, part in parts.items()}
    assert [len(reader.pages) for reader in readers.values()] == [1, 2, 1]
    assert "end-of-B" in readers["12"].pages[1].extract_text()
    uris = [
        str(annotation.get_object()["/A"]["/URI"])
        for reader in readers.values()
        for page in reader.pages
        for annotation in page.get("/Annots") or []
    ]
    assert uris == ["https://example.com/"]  # the cut marks are gone, real links stay
