# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""CDAR lifecycle statuses: built valid, read back exactly, garbage refused."""

import dataclasses
from datetime import date, datetime, timezone
from decimal import Decimal as D

import pytest
from lxml import etree

from ..errors import PermanentError
from ..pa.cdar import (
    LIFECYCLE_LABELS,
    NS,
    CdarError,
    StatusReason,
    VatAmount,
    build_cdar,
    message_id_for,
    parse_cdar,
    split_payment,
    validate_cdar,
)
from .common import lifecycle_status as status

RECEIVED = status(
    212,
    amount=D("1234.56"),
    currency="EUR",
    payment_date=date(2026, 12, 1),
    vat_amounts=(VatAmount(D("20"), D("1034.56")), VatAmount(D("5.5"), D("200.00"))),
)


def assert_valid(xml):
    report = validate_cdar(xml)
    assert report.findings == (), [(f.rule_id, f.message) for f in report.findings]


def test_payment_received_round_trip():
    xml = build_cdar(RECEIVED)
    assert_valid(xml)
    [parsed] = parse_cdar(xml)
    assert parsed == dataclasses.replace(
        RECEIVED,
        message_id=message_id_for(RECEIVED),
        status_label="Encaissée",
    )
    assert str(parsed.amount) == "1234.56"
    assert [str(part.amount) for part in parsed.vat_amounts] == ["1034.56", "200.00"]
    assert parsed.issued_at.tzinfo == timezone.utc
    assert parsed.message_id == "CDV-212-FA-2026-0042-20261203093015"


def test_xsd_and_schematron_both_run():
    xml = build_cdar(RECEIVED)
    # Without its VAT rate, a 212 breaks an FNFE rule, not the XSD.
    no_rate = etree.fromstring(xml)
    for percent in no_rate.iterfind(".//ram:ValuePercent", NS):
        percent.getparent().remove(percent)
    report = validate_cdar(etree.tostring(no_rate))
    assert [(f.rule_id, f.source) for f in report.findings] == [
        ("BR-FR-CDV-14_MDT-207", "cdar")
    ]
    # An element out of place breaks the XSD, and the schematron is not run.
    misplaced = etree.fromstring(xml)
    document = misplaced.find("rsm:ExchangedDocument", NS)
    document.append(document.find("ram:ID", NS))
    report = validate_cdar(etree.tostring(misplaced))
    assert {f.source for f in report.findings} == {"xsd"}
    assert not validate_cdar(b"<not-closed").valid


@pytest.mark.parametrize(
    "code, role, reasons, amount",
    [
        (200, "WK", (), None),
        (202, "WK", (), None),
        (203, "WK", (), None),
        (213, "WK", (StatusReason("REJ_SEMAN", "Rejet sémantique.", "NIN"),), None),
        (204, "BY", (), None),
        (205, "BY", (), None),
        (207, "BY", (StatusReason("QTE_ERR", "Quantité erronée.", "CNP"),), None),
        (208, "BY", (StatusReason("JUSTIF_ABS", "Bon de livraison.", "PIN"),), None),
        (210, "BY", (StatusReason("NON_CONFORME", "Non conforme.", "NOA"),), None),
        (211, "BY", (), D("360.00")),
        (209, "SE", (), None),
        (220, "SE", (StatusReason("AUTRE", "Facture émise par erreur."),), None),
    ],
)
def test_statuses_of_every_party_are_valid(code, role, reasons, amount):
    sent = status(
        code,
        sender_role=role,
        reasons=reasons,
        amount=amount,
        currency="EUR" if amount else "",
        payment_date=date(2026, 12, 1) if amount else None,
    )
    xml = build_cdar(sent)
    assert_valid(xml)
    [parsed] = parse_cdar(xml)
    assert (parsed.status_code, parsed.sender_role, parsed.reasons) == (
        code,
        role,
        reasons,
    )
    assert parsed.label == LIFECYCLE_LABELS[code]
    assert (parsed.seller_siren, parsed.buyer_siren) == ("123456782", "552100554")
    assert parsed.amount == amount


@pytest.mark.parametrize(
    "values, message",
    [
        ({"payment_date": None}, "date the payment was received"),
        ({"vat_amounts": ()}, "per VAT rate"),
        ({"amount": D("1234.50")}, "do not add up"),
        ({"amount": D("1234.561")}, "two decimals"),
        ({"currency": ""}, "its currency"),
        ({"amount": None}, "amount received"),
        ({"sender_role": "BY"}, "Only the seller"),
        ({"sender_role": "WK"}, "is sent by the seller"),
        ({"seller_siren": "12345"}, "not 9 digits"),
        ({"issued_at": datetime(2026, 12, 3, 9, 30)}, "aware"),
    ],
)
def test_an_incomplete_payment_status_is_refused(values, message):
    with pytest.raises(CdarError, match=message):
        build_cdar(dataclasses.replace(RECEIVED, **values))


def test_reasons_and_roles_are_checked():
    with pytest.raises(CdarError, match="needs a reason"):
        build_cdar(status(207, sender_role="BY"))
    with pytest.raises(CdarError, match="not a status reason code"):
        build_cdar(status(207, sender_role="BY", reasons=(StatusReason("FAUX"),)))
    with pytest.raises(CdarError, match="requested action"):
        build_cdar(
            status(207, sender_role="BY", reasons=(StatusReason("QTE_ERR", "", "X"),))
        )
    with pytest.raises(CdarError, match="Only a platform"):
        build_cdar(status(200, sender_role="SE"))
    with pytest.raises(CdarError, match="not a lifecycle status"):
        build_cdar(status(299))
    with pytest.raises(CdarError, match="Only statuses 211 and 212"):
        build_cdar(status(209, amount=D("1.00"), currency="EUR"))
    # The FNFE rules know the invoice type codes.
    report = validate_cdar(build_cdar(status(209, invoice_type_code="261")))
    assert report.valid
    report = validate_cdar(build_cdar(status(209, invoice_type_code="71")))
    assert [f.rule_id for f in report.findings] == ["BR-FR-04_MDT-91"]


def test_recipient_address_defaults_to_the_siren():
    xml = build_cdar(status(209, recipient_address="552100554_55210055400013"))
    assert b'schemeID="0225">552100554_55210055400013<' in xml
    assert_valid(xml)


def _message_with_two_invoices():
    root = etree.fromstring(build_cdar(status(209)))
    acknowledgement = root.find("rsm:AcknowledgementDocument", NS)
    first = acknowledgement.find("ram:ReferenceReferencedDocument", NS)
    second = etree.fromstring(etree.tostring(first))
    second.find("ram:IssuerAssignedID", NS).text = "FA-2026-0043"
    # A party named by its SIRET rather than its SIREN.
    issuer = second.find("ram:IssuerTradeParty/ram:GlobalID", NS)
    issuer.set("schemeID", "0009")
    issuer.text = "12345678200010"
    acknowledgement.append(second)
    acknowledgement.find(
        "ram:MultipleReferencesIndicator/udt:Indicator", NS
    ).text = "true"
    return etree.tostring(root)


def test_a_message_about_several_invoices():
    xml = _message_with_two_invoices()
    assert_valid(xml)
    statuses = parse_cdar(xml)
    assert [(s.invoice_number, s.seller_siren, s.status_code) for s in statuses] == [
        ("FA-2026-0042", "123456782", 209),
        ("FA-2026-0043", "123456782", 209),
    ]


def test_a_time_to_the_minute_is_read():
    xml = build_cdar(status(209)).replace(
        b'format="204">20261203093015<', b'format="203">202612030930<'
    )
    [parsed] = parse_cdar(xml)
    assert parsed.issued_at == datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "xml, message",
    [
        (b"", "not XML"),
        (b"%PDF-1.7 garbage", "not XML"),
        (b"<Invoice xmlns='urn:x'/>", "not a CDAR status message"),
        (
            b"<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm='"
            + NS["rsm"].encode()
            + b"'/>",
            "refers to no invoice",
        ),
    ],
)
def test_garbage_is_refused_clearly(xml, message):
    with pytest.raises(CdarError, match=message) as caught:
        parse_cdar(xml)
    assert isinstance(caught.value, PermanentError)


def test_unreadable_fields_are_refused():
    xml = build_cdar(RECEIVED)
    with pytest.raises(CdarError, match="status code 'abc'"):
        parse_cdar(
            xml.replace(
                b">212</ram:ProcessConditionCode>", b">abc</ram:ProcessConditionCode>"
            )
        )
    with pytest.raises(CdarError, match="not a CDAR date"):
        parse_cdar(xml.replace(b"20261203093015", b"2026-12-03"))
    with pytest.raises(CdarError, match="not a number"):
        parse_cdar(xml.replace(b">200.00<", b">deux cents<"))
    with pytest.raises(CdarError, match="mixes currencies"):
        parse_cdar(xml.replace(b'currencyID="EUR">200.00', b'currencyID="USD">200.00'))


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = (
        build_cdar(status(209))
        .replace(
            b"<?xml version='1.0' encoding='UTF-8'?>",
            b"<?xml version='1.0' encoding='UTF-8'?>"
            + f'<!DOCTYPE x [<!ENTITY leak SYSTEM "file://{secret}">]>'.encode(),
        )
        .replace(b">FA-2026-0042<", b">&leak;<")
    )
    [parsed] = parse_cdar(xml)
    assert "TOP-SECRET" not in parsed.invoice_number
    # Nor handed to Saxon, which would read them.
    [finding] = validate_cdar(xml).findings
    assert (finding.rule_id, finding.source) == ("XML", "xml")
    assert "DTD" in finding.message


def test_labels_cover_the_reform_codes():
    assert set(LIFECYCLE_LABELS) == {
        *range(200, 215),
        220,
        221,
        *range(224, 229),
        501,
    }
    assert LIFECYCLE_LABELS[212] == "Encaissée"
    assert LIFECYCLE_LABELS[213] == "Rejetée"


def test_split_payment_adds_up_to_the_cent():
    parts = split_payment(D("100.00"), {D("20"): D("120.00"), D("5.5"): D("63.30")})
    assert sum(part.amount for part in parts) == D("100.00")
    assert parts == (VatAmount(D("5.5"), D("34.53")), VatAmount(D("20"), D("65.47")))
    assert split_payment(D("360.00"), {D("20"): D("360.00")}) == (
        VatAmount(D("20"), D("360.00")),
    )
    with pytest.raises(CdarError):
        split_payment(D("1"), {})
    xml = build_cdar(
        dataclasses.replace(RECEIVED, amount=D("100.00"), vat_amounts=parts)
    )
    assert_valid(xml)
