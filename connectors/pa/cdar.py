# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Lifecycle status messages of the French reform: UN/CEFACT CDAR, D22B.

Every status of an invoice travels between the platforms as one CDAR
message: the platforms report its transmission (200 to 203, 213 rejected,
acknowledgement type 305, sent by a platform, role ``WK``), the buyer its
processing (204 to 211, type 23, role ``BY``) and the seller what it did
(209 completed, 212 payment received, 220 cancelled, type 23, role ``SE``).

:func:`build_cdar` writes one status; :func:`parse_cdar` reads whatever a
platform delivers, one status per referenced invoice; :func:`validate_cdar`
checks a message against the D22B XSD and the FNFE CDAR schematron (run in
the Saxon worker). Times in a CDAR carry no offset: we write them in UTC and
read them as UTC. Amounts stay :class:`~decimal.Decimal` from end to end.
"""

import importlib.util
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from lxml import etree

from ..errors import PermanentError
from ..facturx.validation import (
    ValidationReport,
    parse_untrusted,
    schematron_findings,
    xsd_findings,
)

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:"
    "CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:"
    "ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
ROOT_TAG = f"{{{NS['rsm']}}}CrossDomainAcknowledgementAndResponse"
GUIDELINE = "urn.cpro.gouv.fr:1p0:CDV:invoice"  # MDT-3
BUSINESS_PROCESS = "REGULATED"  # MDT-2
SIREN_SCHEME = "0002"
SIRET_SCHEME = "0009"
ADDRESS_SCHEME = "0225"  # electronic address of the French directory
CENT = Decimal("0.01")

SELLER, BUYER, PLATFORM = "SE", "BY", "WK"
TRANSMISSION_TYPE = "305"  # MDT-77 of the statuses a platform reports
PROCESSING_TYPE = "23"  # MDT-77 of the statuses a party sends

LIFECYCLE_LABELS = {
    200: "Déposée",
    201: "Émise",
    202: "Reçue",
    203: "Mise à disposition",
    204: "Prise en charge",
    205: "Approuvée",
    206: "Approuvée partiellement",
    207: "En litige",
    208: "Suspendue",
    209: "Complétée",
    210: "Refusée",
    211: "Paiement transmis",
    212: "Encaissée",
    213: "Rejetée",
    214: "Visée",
    220: "Annulée",
    221: "Erreur de routage",
    224: "Demande de paiement direct",
    225: "Affacturée",
    226: "Affacturée confidentiel",
    227: "Changement de compte à payer",
    228: "Non affacturée",
    501: "Irrecevable",
}
# Reported by a platform, not by the seller or the buyer.
TRANSMISSION_STATUSES = frozenset({200, 201, 202, 203, 213, 221, 501})
# MDT-88, the UNCL 1373 code that goes with a processing status.
PROCESS_CONDITIONS = {
    204: "45",
    205: "1",
    206: "49",
    207: "46",
    208: "39",
    209: "37",
    210: "50",
    211: "47",
    212: "47",
}
# A status the receiver cannot act on without knowing why.
REASON_REQUIRED = frozenset({206, 207, 208, 210, 213, 501})
SELLER_STATUSES = frozenset({209, 212, 220})
REASON_CODES = frozenset(
    """NON_TRANSMISE JUSTIF_ABS ROUTAGE_ERR AUTRE COORD_BANC_ERR TX_TVA_ERR
    MONTANTTOTAL_ERR CALCUL_ERR NON_CONFORME DOUBLON DEST_INC DEST_ERR
    TRANSAC_INC EMMET_INC CONTRAT_TERM DOUBLE_FACT CMD_ERR ADR_ERR SIRET_ERR
    CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR PU_ERR REM_ERR QTE_ERR ART_ERR
    MODPAI_ERR QUALITE_ERR LIVR_INCOMP REJ_SEMAN REJ_UNI REJ_COH REJ_ADR
    REJ_CONT_B2G REJ_REF_PJ REJ_ASS_PJ IRR_VIDE_F IRR_TYPE_F IRR_SYNTAX
    IRR_TAILLE_PJ IRR_NOM_PJ IRR_VID_PJ IRR_EXT_DOC IRR_TAILLE_F
    IRR_ANTIVIRUS""".split()
)
ACTION_CODES = frozenset({"NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH"})
# MDT-207: the amount received per VAT rate (212), the amount paid (211).
RECEIVED, PAID = "MEN", "MPA"

# Inbound messages come from outside: no entities, no network, no huge trees.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class CdarError(PermanentError):
    """A CDAR message cannot be read, or a status cannot be written as one."""


@dataclass(frozen=True)
class StatusReason:
    code: str  # MDT-113, such as JUSTIF_ABS
    text: str = ""  # MDT-114
    action: str = ""  # MDT-121, what the receiver is asked to do, such as PIN


@dataclass(frozen=True)
class VatAmount:
    """Part of a payment received (212), tax included, at one VAT rate."""

    rate: Decimal  # percent
    amount: Decimal


@dataclass(frozen=True)
class LifecycleStatus:
    """One status of one invoice, as a CDAR message carries it.

    ``message_id`` may be left empty when building: :func:`build_cdar` then
    derives one from the invoice, the status and the time. A 212 needs
    ``amount``, ``currency``, ``payment_date`` and ``vat_amounts`` adding up
    to ``amount`` (see :func:`split_payment`). ``recipient_address`` is the
    receiver's electronic address (scheme 0225); its SIREN by default.
    """

    message_id: str
    issued_at: datetime  # aware
    invoice_number: str
    invoice_date: date | None
    invoice_type_code: str
    seller_siren: str
    buyer_siren: str
    status_code: int
    status_label: str = ""
    reasons: tuple = ()  # of StatusReason
    amount: Decimal | None = None
    currency: str = ""
    payment_date: date | None = None
    sender_role: str = SELLER  # SE, BY or WK (a platform)
    vat_amounts: tuple = ()  # of VatAmount
    recipient_address: str = ""

    @property
    def label(self):
        return self.status_label or LIFECYCLE_LABELS.get(self.status_code, "")


def message_id_for(status):
    """A message id unique per invoice, status and second."""
    return (
        f"CDV-{status.status_code}-{status.invoice_number}-"
        f"{_utc(status.issued_at):%Y%m%d%H%M%S}"
    )


def split_payment(amount, totals_by_rate):
    """The part of a payment received at each VAT rate, as a 212 reports it.

    :param amount: what was received, tax included.
    :param totals_by_rate: ``{rate: invoice total at that rate, tax included}``.
    :returns: a tuple of :class:`VatAmount`, pro rata of the totals, rounded
        to the cent so that they add up to ``amount`` exactly (the rounding
        difference goes to the largest part).
    """
    totals = {Decimal(rate): Decimal(total) for rate, total in totals_by_rate.items()}
    grand_total = sum(totals.values())
    if not totals or not grand_total:
        raise CdarError("A payment is split by VAT rate over a non-zero invoice total.")
    amount = Decimal(amount)
    parts = {
        rate: (amount * total / grand_total).quantize(CENT, ROUND_HALF_UP)
        for rate, total in totals.items()
    }
    largest = max(parts, key=lambda rate: abs(parts[rate]))
    parts[largest] += amount - sum(parts.values())
    return tuple(VatAmount(rate, parts[rate]) for rate in sorted(parts))


# Building --------------------------------------------------------------------


def _utc(moment):
    if moment.tzinfo is None:
        raise CdarError("Times in a status must be aware datetimes.")
    return moment.astimezone(timezone.utc)


def _cents(value):
    """``value`` with two decimals, or None when it has more."""
    if value is None or value != value.quantize(CENT):
        return None
    return f"{value.quantize(CENT)}"


def _problems(status):
    """Why a status cannot be written (empty when it can)."""
    code, role = status.status_code, status.sender_role
    problems = []
    if code not in LIFECYCLE_LABELS:
        problems.append(f"{code} is not a lifecycle status code.")
    if code in TRANSMISSION_STATUSES and role != PLATFORM:
        problems.append(f"Only a platform (WK) reports status {code}.")
    if code not in TRANSMISSION_STATUSES and role not in (SELLER, BUYER):
        problems.append(f"Status {code} is sent by the seller (SE) or the buyer (BY).")
    if code in SELLER_STATUSES and role != SELLER:
        problems.append(f"Only the seller sends status {code}.")
    if not status.invoice_number:
        problems.append("The invoice number is missing.")
    if not (len(status.seller_siren) == 9 and status.seller_siren.isdigit()):
        problems.append(f"The seller's SIREN {status.seller_siren!r} is not 9 digits.")
    if role == BUYER and not status.buyer_siren:
        problems.append("A status from the buyer needs the buyer's SIREN.")
    if role == SELLER and not (status.buyer_siren or status.recipient_address):
        problems.append("A status to the buyer needs its SIREN or address.")
    if code in REASON_REQUIRED and not status.reasons:
        problems.append(f"Status {code} needs a reason.")
    for reason in status.reasons:
        if reason.code not in REASON_CODES:
            problems.append(f"{reason.code!r} is not a status reason code.")
        if reason.action and reason.action not in ACTION_CODES:
            problems.append(f"{reason.action!r} is not a requested action code.")
    problems += _amount_problems(status)
    return problems


def _amount_problems(status):
    code, amount = status.status_code, status.amount
    if amount is None:
        return ["Status 212 needs the amount received."] if code == 212 else []
    problems = []
    if code not in (211, 212):
        problems.append("Only statuses 211 and 212 carry an amount.")
    if not status.currency:
        problems.append("An amount needs its currency.")
    amounts = [amount] + [part.amount for part in status.vat_amounts]
    if any(_cents(value) is None for value in amounts):
        problems.append("Amounts have at most two decimals.")
    if code == 212:
        if status.payment_date is None:
            problems.append("Status 212 needs the date the payment was received.")
        if not status.vat_amounts:
            problems.append("Status 212 needs the amount received per VAT rate.")
        elif sum(part.amount for part in status.vat_amounts) != amount:
            problems.append("The amounts per VAT rate do not add up to the amount.")
    return problems


class _Writer:
    """Shorthands to write CDAR elements in their namespaces."""

    @staticmethod
    def add(parent, tag, text=None, **attributes):
        prefix, name = tag.split(":")
        element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attributes)
        if text is not None:
            element.text = str(text)
        return element

    def date_time(self, parent, tag, moment):
        holder = self.add(parent, tag)
        self.add(
            holder, "udt:DateTimeString", f"{_utc(moment):%Y%m%d%H%M%S}", format="204"
        )

    def day(self, parent, tag, day, prefix="udt"):
        holder = self.add(parent, tag)
        self.add(holder, f"{prefix}:DateTimeString", f"{day:%Y%m%d}", format="102")

    def party(self, parent, tag, role, siren="", address=""):
        party = self.add(parent, tag)
        if siren:
            self.add(party, "ram:GlobalID", siren, schemeID=SIREN_SCHEME)
        self.add(party, "ram:RoleCode", role)
        if address:
            uri = self.add(party, "ram:URIUniversalCommunication")
            self.add(uri, "ram:URIID", address, schemeID=ADDRESS_SCHEME)
        return party


def build_cdar(status):
    """The CDAR message of one status, checked against the D22B XSD.

    :raises CdarError: when the status misses what its code requires.
    """
    problems = _problems(status)
    if problems:
        raise CdarError(" ".join(problems))
    w = _Writer()
    root = etree.Element(ROOT_TAG, nsmap=NS)
    context = w.add(root, "rsm:ExchangedDocumentContext")
    w.add(
        w.add(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"),
        "ram:ID",
        BUSINESS_PROCESS,
    )
    w.add(
        w.add(context, "ram:GuidelineSpecifiedDocumentContextParameter"),
        "ram:ID",
        GUIDELINE,
    )
    _exchanged_document(w, root, status)
    acknowledgement = w.add(root, "rsm:AcknowledgementDocument")
    w.add(
        w.add(acknowledgement, "ram:MultipleReferencesIndicator"),
        "udt:Indicator",
        "false",
    )
    transmission = status.status_code in TRANSMISSION_STATUSES
    w.add(
        acknowledgement,
        "ram:TypeCode",
        TRANSMISSION_TYPE if transmission else PROCESSING_TYPE,
    )
    w.date_time(acknowledgement, "ram:IssueDateTime", status.issued_at)
    _referenced_document(w, acknowledgement, status)
    _check_xsd(root)
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def _exchanged_document(w, root, status):
    document = w.add(root, "rsm:ExchangedDocument")
    w.add(document, "ram:ID", status.message_id or message_id_for(status))
    w.date_time(document, "ram:IssueDateTime", status.issued_at)
    role = status.sender_role
    w.add(w.add(document, "ram:SenderTradeParty"), "ram:RoleCode", role)
    if role == BUYER:
        issuer, recipient = (BUYER, status.buyer_siren), (SELLER, status.seller_siren)
    elif role == SELLER:
        issuer, recipient = (SELLER, status.seller_siren), (BUYER, status.buyer_siren)
    else:  # a platform reports to the seller
        issuer, recipient = (PLATFORM, ""), (SELLER, status.seller_siren)
    w.party(document, "ram:IssuerTradeParty", issuer[0], issuer[1])
    w.party(
        document,
        "ram:RecipientTradeParty",
        recipient[0],
        recipient[1],
        status.recipient_address or recipient[1],
    )


def _referenced_document(w, acknowledgement, status):
    code = status.status_code
    invoice = w.add(acknowledgement, "ram:ReferenceReferencedDocument")
    w.add(invoice, "ram:IssuerAssignedID", status.invoice_number)
    if code in PROCESS_CONDITIONS:
        w.add(invoice, "ram:StatusCode", PROCESS_CONDITIONS[code])
    w.add(invoice, "ram:TypeCode", status.invoice_type_code)
    if status.invoice_date is not None:
        w.day(invoice, "ram:FormattedIssueDateTime", status.invoice_date, "qdt")
    w.add(invoice, "ram:ProcessConditionCode", code)
    w.add(invoice, "ram:ProcessCondition", status.label)
    w.party(invoice, "ram:IssuerTradeParty", SELLER, status.seller_siren)
    if status.buyer_siren:
        w.party(invoice, "ram:RecipientTradeParty", BUYER, status.buyer_siren)
    details = []
    for sequence, reason in enumerate(status.reasons, start=1):
        detail = w.add(invoice, "ram:SpecifiedDocumentStatus")
        w.add(detail, "ram:ReasonCode", reason.code)
        if reason.text:
            w.add(detail, "ram:Reason", reason.text)
        if reason.action:
            w.add(detail, "ram:RequestedActionCode", reason.action)
        w.add(detail, "ram:SequenceNumeric", sequence)
        details.append(detail)
    if status.amount is None:
        return
    if not details:
        detail = w.add(invoice, "ram:SpecifiedDocumentStatus")
        w.add(detail, "ram:SequenceNumeric", 1)
        details.append(detail)
    if code == 212:
        parts = [(RECEIVED, part.amount, part.rate) for part in status.vat_amounts]
    else:
        parts = [(PAID, status.amount, None)]
    for type_code, amount, rate in parts:
        characteristic = w.add(details[0], "ram:SpecifiedDocumentCharacteristic")
        w.add(characteristic, "ram:TypeCode", type_code)
        w.add(
            characteristic,
            "ram:ValueAmount",
            _cents(amount),
            currencyID=status.currency,
        )
        if status.payment_date is not None:
            w.day(characteristic, "ram:ValueDateTime", status.payment_date)
        if rate is not None:
            w.add(characteristic, "ram:ValuePercent", f"{Decimal(rate).quantize(CENT)}")


# Schemas ---------------------------------------------------------------------


@cache
def artefacts():
    """Where the CDAR XSD and schematron are: in the pyfrctc distribution.

    Found without importing pyfrctc, whose client we do not use.
    """
    spec = importlib.util.find_spec("pyfrctc")
    if spec is None or not spec.submodule_search_locations:
        raise PermanentError(
            "The CDAR schemas come with the pyfrctc package, which is not installed."
        )
    folder = Path(spec.submodule_search_locations[0])
    return (
        folder / "cdar-xsd" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd",
        folder / "cdar-schematron" / "BR-FR-CDV-Schematron-CDAR.xslt",
    )


def _check_xsd(root):
    findings = xsd_findings(artefacts()[0], root)
    if findings:
        raise CdarError(
            "The status does not make a valid CDAR message: "
            + "; ".join(finding.message for finding in findings)
        )


def validate_cdar(xml):
    """Check a CDAR message (bytes) against the D22B XSD, then the FNFE schematron.

    :returns: a :class:`~..facturx.validation.ValidationReport`.
    :raises ValidationUnavailable: when the schematron validator fails.
    """
    root, refusal = parse_untrusted(xml)
    if refusal:
        return ValidationReport(None, (refusal,))
    findings = tuple(xsd_findings(artefacts()[0], root))
    if findings:
        return ValidationReport(None, findings)
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    return ValidationReport(
        None, tuple(schematron_findings(artefacts()[1], text, "cdar"))
    )


# Parsing ---------------------------------------------------------------------


def _text(node, path):
    return (
        node.xpath(f"string({path})", namespaces=NS).strip() if node is not None else ""
    )


def _moment(text, what):
    """A date (8 digits) or an aware UTC datetime (12 or 14 digits)."""
    formats = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
    try:
        moment = datetime.strptime(text, formats[len(text)])
    except (KeyError, ValueError):
        raise CdarError(f"The {what} {text!r} is not a CDAR date.") from None
    return moment.date() if len(text) == 8 else moment.replace(tzinfo=timezone.utc)


def _siren(party):
    """The SIREN of a party: its 0002 id, or the start of its SIRET."""
    if party is None:
        return ""
    siren = _text(party, f"ram:GlobalID[@schemeID='{SIREN_SCHEME}']")
    siret = _text(party, f"ram:GlobalID[@schemeID='{SIRET_SCHEME}']")
    return siren or siret[:9]


def _decimal(text, what):
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CdarError(f"The {what} {text!r} is not a number.") from None


def parse_cdar(xml):
    """Every status a CDAR message carries, one per referenced invoice.

    Tolerant of what the schemas allow but we do not write (several
    acknowledgement or referenced documents, parties given by SIRET); strict
    on what a status cannot do without (a status code, readable dates and
    amounts).

    :raises CdarError: when ``xml`` is not a CDAR status message.
    """
    try:
        root = etree.fromstring(xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise CdarError(f"The status message is not XML: {error}") from None
    if root.tag != ROOT_TAG:
        raise CdarError(
            f"The message is not a CDAR status message: its root is {root.tag!r}."
        )
    document = root.find("rsm:ExchangedDocument", NS)
    sent_by = {}  # role -> SIREN, from the message's parties
    for party in root.xpath(
        "rsm:ExchangedDocument/ram:IssuerTradeParty"
        " | rsm:ExchangedDocument/ram:RecipientTradeParty",
        namespaces=NS,
    ):
        sent_by.setdefault(_text(party, "ram:RoleCode"), _siren(party))
    references = root.xpath(
        "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument", namespaces=NS
    )
    if not references:
        raise CdarError("The status message refers to no invoice.")
    header = {
        "message_id": _text(document, "ram:ID"),
        "sender_role": _text(document, "ram:SenderTradeParty/ram:RoleCode"),
        "issued_at": _text(document, "ram:IssueDateTime/udt:DateTimeString"),
    }
    return [_reference_status(reference, header, sent_by) for reference in references]


def _reference_status(reference, header, sent_by):
    issued = header["issued_at"] or _text(
        reference.getparent(), "ram:IssueDateTime/udt:DateTimeString"
    )
    if not issued:
        raise CdarError("The status message has no issue date.")
    code = _text(reference, "ram:ProcessConditionCode") or _text(
        reference, "ram:SpecifiedDocumentStatus/ram:ProcessConditionCode"
    )
    if not code.isdigit():
        raise CdarError(f"The status code {code!r} is not a number.")
    invoice_date = _text(reference, "ram:FormattedIssueDateTime/qdt:DateTimeString")
    details = reference.findall("ram:SpecifiedDocumentStatus", NS)
    reasons = tuple(
        StatusReason(
            _text(detail, "ram:ReasonCode"),
            _text(detail, "ram:Reason")
            or _text(detail, "ram:IncludedNote/ram:Content"),
            _text(detail, "ram:RequestedActionCode"),
        )
        for detail in details
        if _text(detail, "ram:ReasonCode") or _text(detail, "ram:Reason")
    )
    amounts = _amounts(reference)
    return LifecycleStatus(
        message_id=header["message_id"],
        issued_at=_moment(issued, "issue time"),
        invoice_number=_text(reference, "ram:IssuerAssignedID"),
        invoice_date=_moment(invoice_date, "invoice date") if invoice_date else None,
        invoice_type_code=_text(reference, "ram:TypeCode"),
        seller_siren=_siren(reference.find("ram:IssuerTradeParty", NS))
        or sent_by.get(SELLER, ""),
        buyer_siren=_siren(reference.find("ram:RecipientTradeParty", NS))
        or sent_by.get(BUYER, ""),
        status_code=int(code),
        status_label=_text(reference, "ram:ProcessCondition")
        or LIFECYCLE_LABELS.get(int(code), ""),
        reasons=reasons,
        sender_role=header["sender_role"],
        **amounts,
    )


def _amounts(reference):
    """Amount, currency, payment date and VAT parts of a 211 or 212."""
    characteristics = reference.xpath(
        "ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic"
        f"[ram:TypeCode = '{RECEIVED}' or ram:TypeCode = '{PAID}'][ram:ValueAmount]",
        namespaces=NS,
    )
    if not characteristics:
        return {}
    total, currencies, days, parts = Decimal(0), set(), [], []
    for characteristic in characteristics:
        amount = _decimal(_text(characteristic, "ram:ValueAmount"), "amount")
        total += amount
        currencies.add(characteristic.find("ram:ValueAmount", NS).get("currencyID", ""))
        day = _text(characteristic, "ram:ValueDateTime/udt:DateTimeString")
        if day:
            days.append(_moment(day[:8], "payment date"))
        rate = _text(characteristic, "ram:ValuePercent")
        if rate:
            parts.append(VatAmount(_decimal(rate, "VAT rate"), amount))
    if len(currencies) > 1:
        raise CdarError(
            f"The status mixes currencies: {', '.join(sorted(currencies))}."
        )
    return {
        "amount": total,
        "currency": currencies.pop(),
        "payment_date": days[0] if days else None,
        "vat_amounts": tuple(parts),
    }
