# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Read back the figures and parties of a CII invoice.

Used to prove a round trip: what we extract from a Factur-X PDF must say
what the invoice says.
"""

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from .cii import NS

HEADER = "rsm:SupplyChainTradeTransaction/ram:"
SUMMATION = HEADER + (
    "ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
)


@dataclass(frozen=True)
class ParsedParty:
    name: str
    siren: str
    vat: str


@dataclass(frozen=True)
class ParsedInvoice:
    number: str
    type_code: str
    issue_date: str  # YYYYMMDD
    currency: str
    seller: ParsedParty
    buyer: ParsedParty
    line_total: Decimal | None
    tax_basis: Decimal
    tax_total: Decimal
    grand_total: Decimal
    due: Decimal
    breakdown: tuple  # of (category, rate, basis, amount)
    line_count: int


def _text(node, path):
    return node.xpath(f"string({path})", namespaces=NS).strip()


def _decimal(node, path):
    text = _text(node, path)
    return Decimal(text) if text else None


def _party(root, role):
    path = f"{HEADER}ApplicableHeaderTradeAgreement/ram:{role}TradeParty/ram:"
    return ParsedParty(
        name=_text(root, path + "Name"),
        siren=_text(root, path + "SpecifiedLegalOrganization/ram:ID"),
        vat=_text(root, path + "SpecifiedTaxRegistration/ram:ID"),
    )


def parse_cii(xml):
    root = etree.fromstring(xml)
    breakdown = tuple(
        (
            _text(tax, "ram:CategoryCode"),
            Decimal(_text(tax, "ram:RateApplicablePercent") or 0),
            Decimal(_text(tax, "ram:BasisAmount")),
            Decimal(_text(tax, "ram:CalculatedAmount")),
        )
        for tax in root.xpath(
            HEADER + "ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax",
            namespaces=NS,
        )
    )
    return ParsedInvoice(
        number=_text(root, "rsm:ExchangedDocument/ram:ID"),
        type_code=_text(root, "rsm:ExchangedDocument/ram:TypeCode"),
        issue_date=_text(
            root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"
        ),
        currency=_text(
            root, HEADER + "ApplicableHeaderTradeSettlement/ram:InvoiceCurrencyCode"
        ),
        seller=_party(root, "Seller"),
        buyer=_party(root, "Buyer"),
        line_total=_decimal(root, SUMMATION + "LineTotalAmount"),
        tax_basis=_decimal(root, SUMMATION + "TaxBasisTotalAmount"),
        tax_total=_decimal(root, SUMMATION + "TaxTotalAmount"),
        grand_total=_decimal(root, SUMMATION + "GrandTotalAmount"),
        due=_decimal(root, SUMMATION + "DuePayableAmount"),
        breakdown=breakdown,
        line_count=len(
            root.xpath(HEADER + "IncludedSupplyChainTradeLineItem", namespaces=NS)
        ),
    )
