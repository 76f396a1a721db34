# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""An invoice as EN 16931 sees it, and the totals it must add up to.

The Odoo layer fills these records from an invoice; :func:`compute_totals`
derives every document total from the line amounts with Decimal arithmetic,
so that the sum rules of EN 16931 (BR-CO-10 to BR-CO-16) hold exactly by
construction. Tax amounts come from the accounting when it booked them, so
the file says what the ledger says.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

CENT = Decimal("0.01")


class Profile(str, Enum):
    """Factur-X profiles, from the poorest to the richest."""

    MINIMUM = "minimum"
    BASIC_WL = "basicwl"
    BASIC = "basic"
    EN16931 = "en16931"
    EXTENDED = "extended"

    @property
    def rank(self):
        return list(Profile).index(self)

    @property
    def guideline_id(self):
        """BT-24, the specification identifier written in the XML."""
        return _GUIDELINE_IDS[self]

    @property
    def conformance_level(self):
        """The value of ``fx:ConformanceLevel`` in the PDF's XMP metadata."""
        return _CONFORMANCE_LEVELS[self]

    @property
    def has_lines(self):
        return self.rank >= Profile.BASIC.rank

    def at_least(self, other):
        return self.rank >= other.rank


_GUIDELINE_IDS = {
    Profile.MINIMUM: "urn:factur-x.eu:1p0:minimum",
    Profile.BASIC_WL: "urn:factur-x.eu:1p0:basicwl",
    Profile.BASIC: "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    Profile.EN16931: "urn:cen.eu:en16931:2017",
    Profile.EXTENDED: "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
}
_CONFORMANCE_LEVELS = {
    Profile.MINIMUM: "MINIMUM",
    Profile.BASIC_WL: "BASIC WL",
    Profile.BASIC: "BASIC",
    Profile.EN16931: "EN 16931",
    Profile.EXTENDED: "EXTENDED",
}


class DocumentError(ValueError):
    """The invoice data cannot make a Factur-X file; ``problems`` says why."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Address:
    country_code: str
    line1: str = ""
    line2: str = ""
    line3: str = ""
    postcode: str = ""
    city: str = ""
    subdivision: str = ""


@dataclass(frozen=True)
class ElectronicAddress:
    """BT-34 / BT-49: where the party receives e-invoices."""

    scheme: str
    value: str


@dataclass(frozen=True)
class Party:
    name: str
    address: Address
    siren: str = ""  # BT-30 / BT-47, scheme 0002
    siret: str = ""  # BT-29 / BT-46, scheme 0009
    vat: str = ""  # BT-31 / BT-48
    electronic_address: ElectronicAddress | None = None
    trading_name: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class TaxCategory:
    """A VAT category and rate (BT-118/119), with the exemption reason if any."""

    code: str  # UNTDID 5305: S, Z, E, AE, K, G, O
    rate: Decimal
    exemption_reason: str = ""  # BT-120
    exemption_code: str = ""  # BT-121 (VATEX)

    @property
    def exempt(self):
        return self.code in ("E", "AE", "K", "G", "O")


@dataclass(frozen=True)
class Line:
    """An invoice line (BG-25). ``net_amount`` is BT-131 as booked."""

    line_id: str
    name: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal  # BT-146, before the line discount
    net_amount: Decimal
    tax: TaxCategory
    description: str = ""
    seller_item_id: str = ""
    gtin: str = ""
    discount_percent: Decimal = Decimal(0)

    @property
    def discount_amount(self):
        """The line allowance (BT-136) that turns price × quantity into BT-131."""
        gross = (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP)
        return gross - self.net_amount


@dataclass(frozen=True)
class AllowanceCharge:
    """A document-level allowance (BG-20) or charge (BG-21)."""

    is_charge: bool
    amount: Decimal
    tax: TaxCategory
    reason: str = ""
    reason_code: str = ""  # UNTDID 5189 (allowances) or 7161 (charges)


@dataclass(frozen=True)
class PaymentMeans:
    """BG-16: a SEPA credit transfer (58) or direct debit (59), or other."""

    code: str
    iban: str = ""
    bic: str = ""
    account_name: str = ""
    mandate_reference: str = ""  # BT-89
    creditor_identifier: str = ""  # BT-90
    debtor_iban: str = ""  # BT-91


@dataclass(frozen=True)
class Note:
    """BG-1: a free-text note with its UNTDID 4451 subject code."""

    text: str
    subject: str = ""


@dataclass(frozen=True)
class PrecedingInvoice:
    number: str  # BT-25
    issue_date: date | None = None  # BT-26


@dataclass(frozen=True)
class Invoice:
    number: str
    type_code: str  # 380 invoice, 381 credit note, 386 prepayment invoice
    issue_date: date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple = ()
    allowance_charges: tuple = ()
    # BT-117 per category as booked; a category left out is computed.
    tax_amounts: dict = field(default_factory=dict)
    notes: tuple = ()
    business_process: str = ""  # BT-23, French billing framework (S1, B1, M1...)
    buyer_reference: str = ""  # BT-10 (Chorus Pro service code)
    order_reference: str = ""  # BT-13 (commitment number)
    contract_reference: str = ""  # BT-12
    preceding_invoices: tuple = ()
    due_date: date | None = None  # BT-9
    payment_terms: str = ""  # BT-20
    payment_means: PaymentMeans | None = None
    payment_reference: str = ""  # BT-83
    delivery_date: date | None = None  # BT-72
    ship_to: Party | None = None  # BG-13
    vat_due_date_code: str = ""  # BT-8: 5 (issue date), 29 (delivery), 72 (paid)
    prepaid_amount: Decimal = Decimal(0)  # BT-113
    rounding_amount: Decimal = Decimal(0)  # BT-114
    decimals: int = 2


@dataclass(frozen=True)
class TaxBreakdown:
    """BG-23: one per VAT category, rate and exemption reason."""

    tax: TaxCategory
    basis: Decimal  # BT-116
    amount: Decimal  # BT-117


@dataclass(frozen=True)
class Totals:
    """BG-22 and BG-23, every amount exact to the cent."""

    line_total: Decimal  # BT-106
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    tax_basis: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    grand_total: Decimal  # BT-112
    prepaid: Decimal  # BT-113
    rounding: Decimal  # BT-114
    due: Decimal  # BT-115
    breakdown: tuple  # of TaxBreakdown


def quantize(amount, decimals=2):
    return Decimal(amount).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def compute_totals(invoice):
    """Every document total, derived from the lines; raises DocumentError."""
    problems = []
    unit = Decimal(1).scaleb(-invoice.decimals)

    def exact(amount, what):
        if Decimal(amount) != Decimal(amount).quantize(unit):
            problems.append(
                f"{what} {amount} has more than {invoice.decimals} decimals"
            )

    bases = defaultdict(Decimal)
    for line in invoice.lines:
        exact(line.net_amount, f"line {line.line_id} amount")
        bases[line.tax] += line.net_amount
    for item in invoice.allowance_charges:
        exact(item.amount, "allowance or charge")
        bases[item.tax] += item.amount if item.is_charge else -item.amount
    for tax in invoice.tax_amounts:
        bases.setdefault(tax, Decimal(0))
    for tax, amount in invoice.tax_amounts.items():
        exact(amount, f"VAT amount at {tax.rate} %")
    if problems:
        raise DocumentError(problems)

    breakdown = tuple(
        TaxBreakdown(
            tax=tax,
            basis=basis,
            amount=invoice.tax_amounts.get(
                tax, quantize(basis * tax.rate / 100, invoice.decimals)
            ),
        )
        for tax, basis in sorted(
            bases.items(), key=lambda item: (item[0].code, item[0].rate)
        )
    )
    line_total = sum((line.net_amount for line in invoice.lines), Decimal(0))
    allowances = sum(
        (i.amount for i in invoice.allowance_charges if not i.is_charge), Decimal(0)
    )
    charges = sum(
        (i.amount for i in invoice.allowance_charges if i.is_charge), Decimal(0)
    )
    tax_basis = line_total - allowances + charges
    tax_total = sum((item.amount for item in breakdown), Decimal(0))
    grand_total = tax_basis + tax_total
    return Totals(
        line_total=line_total,
        allowance_total=allowances,
        charge_total=charges,
        tax_basis=tax_basis,
        tax_total=tax_total,
        grand_total=grand_total,
        prepaid=invoice.prepaid_amount,
        rounding=invoice.rounding_amount,
        due=grand_total - invoice.prepaid_amount + invoice.rounding_amount,
        breakdown=breakdown,
    )
