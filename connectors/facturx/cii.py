# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Build the Cross Industry Invoice (UN/CEFACT D16B) of a Factur-X profile.

Elements are written in the order the profile's XSD requires, and only
those the profile carries: MINIMUM and BASIC WL have no lines, BASIC lacks
some line details, EN 16931 and EXTENDED carry everything we emit.
"""

from decimal import Decimal

from lxml import etree

from .document import Profile, compute_totals

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:"
    "ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}

MIN, BWL, BASIC, EN, EXT = (
    Profile.MINIMUM,
    Profile.BASIC_WL,
    Profile.BASIC,
    Profile.EN16931,
    Profile.EXTENDED,
)


def _tag(name):
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _sub(parent, name, text=None, **attributes):
    element = etree.SubElement(parent, _tag(name), attributes)
    if text is not None:
        element.text = str(text)
    return element


def _amount(value, decimals=2):
    return f"{Decimal(value):.{decimals}f}"


def _price(value):
    """Unit prices keep their precision (2 to 6 decimals, BR-FR-DEC-03)."""
    value = Decimal(value)
    text = f"{value:.6f}".rstrip("0")
    whole, _dot, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _quantity(value):
    text = f"{Decimal(value):.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _rate(value):
    return f"{Decimal(value):.2f}"


def _date(parent, name, value, *, qualified=False):
    holder = _sub(parent, name)
    _sub(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        value.strftime("%Y%m%d"),
        format="102",
    )
    return holder


class _Builder:
    def __init__(self, invoice, profile):
        self.invoice = invoice
        self.profile = Profile(profile)
        self.totals = compute_totals(invoice)

    def has(self, profile):
        return self.profile.at_least(profile)

    def amount(self, value):
        return _amount(value, self.invoice.decimals)

    def build(self):
        root = etree.Element(_tag("rsm:CrossIndustryInvoice"), nsmap=NS)
        self.context(_sub(root, "rsm:ExchangedDocumentContext"))
        self.document(_sub(root, "rsm:ExchangedDocument"))
        transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
        if self.has(BASIC):
            for line in self.invoice.lines:
                self.line(transaction, line)
        self.agreement(_sub(transaction, "ram:ApplicableHeaderTradeAgreement"))
        self.delivery(_sub(transaction, "ram:ApplicableHeaderTradeDelivery"))
        self.settlement(_sub(transaction, "ram:ApplicableHeaderTradeSettlement"))
        return etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", pretty_print=True
        )

    # Header -----------------------------------------------------------------

    def context(self, context):
        if self.invoice.business_process:
            process = _sub(
                context, "ram:BusinessProcessSpecifiedDocumentContextParameter"
            )
            _sub(process, "ram:ID", self.invoice.business_process)
        guideline = _sub(context, "ram:GuidelineSpecifiedDocumentContextParameter")
        _sub(guideline, "ram:ID", self.profile.guideline_id)

    def document(self, document):
        _sub(document, "ram:ID", self.invoice.number)
        _sub(document, "ram:TypeCode", self.invoice.type_code)
        _date(document, "ram:IssueDateTime", self.invoice.issue_date)
        if self.has(BWL):
            for note in self.invoice.notes:
                included = _sub(document, "ram:IncludedNote")
                _sub(included, "ram:Content", note.text)
                if note.subject:
                    _sub(included, "ram:SubjectCode", note.subject)

    # Lines ------------------------------------------------------------------

    def line(self, transaction, line):
        item = _sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _sub(
            _sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.line_id
        )

        product = _sub(item, "ram:SpecifiedTradeProduct")
        if line.gtin:
            _sub(product, "ram:GlobalID", line.gtin, schemeID="0160")
        if line.seller_item_id and self.has(EN):
            _sub(product, "ram:SellerAssignedID", line.seller_item_id)
        _sub(product, "ram:Name", line.name)
        if line.description and line.description != line.name and self.has(EN):
            _sub(product, "ram:Description", line.description)

        agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
        if self.has(EN):
            gross = _sub(agreement, "ram:GrossPriceProductTradePrice")
            _sub(gross, "ram:ChargeAmount", _price(line.unit_price))
        net = _sub(agreement, "ram:NetPriceProductTradePrice")
        _sub(net, "ram:ChargeAmount", _price(line.unit_price))

        delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
        _sub(
            delivery,
            "ram:BilledQuantity",
            _quantity(line.quantity),
            unitCode=line.unit_code,
        )

        settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:TypeCode", "VAT")
        _sub(tax, "ram:CategoryCode", line.tax.code)
        _sub(tax, "ram:RateApplicablePercent", _rate(line.tax.rate))
        if line.discount_amount:
            allowance = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
            indicator = _sub(allowance, "ram:ChargeIndicator")
            _sub(indicator, "udt:Indicator", "false")
            if self.has(EN) and line.discount_percent:
                _sub(allowance, "ram:CalculationPercent", _rate(line.discount_percent))
                _sub(
                    allowance,
                    "ram:BasisAmount",
                    self.amount(line.net_amount + line.discount_amount),
                )
            _sub(allowance, "ram:ActualAmount", self.amount(line.discount_amount))
            _sub(allowance, "ram:ReasonCode", "95")
            _sub(allowance, "ram:Reason", "Discount")
        summation = _sub(
            settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"
        )
        _sub(summation, "ram:LineTotalAmount", self.amount(line.net_amount))

    # Agreement: parties and references --------------------------------------

    def agreement(self, agreement):
        invoice = self.invoice
        if invoice.buyer_reference:
            _sub(agreement, "ram:BuyerReference", invoice.buyer_reference)
        self.party(agreement, "ram:SellerTradeParty", invoice.seller, seller=True)
        self.party(agreement, "ram:BuyerTradeParty", invoice.buyer, seller=False)
        if invoice.order_reference:
            order = _sub(agreement, "ram:BuyerOrderReferencedDocument")
            _sub(order, "ram:IssuerAssignedID", invoice.order_reference)
        if invoice.contract_reference and self.has(BWL):
            contract = _sub(agreement, "ram:ContractReferencedDocument")
            _sub(contract, "ram:IssuerAssignedID", invoice.contract_reference)

    def party(self, parent, name, party, *, seller):
        element = _sub(parent, name)
        if party.siret and self.has(BWL):
            _sub(element, "ram:GlobalID", party.siret, schemeID="0009")
        _sub(element, "ram:Name", party.name)
        if party.siren or (party.trading_name and self.has(BWL)):
            legal = _sub(element, "ram:SpecifiedLegalOrganization")
            if party.siren:
                _sub(legal, "ram:ID", party.siren, schemeID="0002")
            if party.trading_name and self.has(BWL):
                _sub(legal, "ram:TradingBusinessName", party.trading_name)
        if self.has(EN) and (
            party.contact_name or party.contact_phone or party.contact_email
        ):
            contact = _sub(element, "ram:DefinedTradeContact")
            if party.contact_name:
                _sub(contact, "ram:PersonName", party.contact_name)
            if party.contact_phone:
                phone = _sub(contact, "ram:TelephoneUniversalCommunication")
                _sub(phone, "ram:CompleteNumber", party.contact_phone)
            if party.contact_email:
                email = _sub(contact, "ram:EmailURIUniversalCommunication")
                _sub(email, "ram:URIID", party.contact_email)
        if seller or self.has(BWL):
            self.address(element, party.address)
        if party.electronic_address and self.has(BWL):
            uri = _sub(element, "ram:URIUniversalCommunication")
            _sub(
                uri,
                "ram:URIID",
                party.electronic_address.value,
                schemeID=party.electronic_address.scheme,
            )
        if party.vat and (seller or self.has(BWL)):
            registration = _sub(element, "ram:SpecifiedTaxRegistration")
            _sub(registration, "ram:ID", party.vat, schemeID="VA")

    def address(self, parent, address):
        element = _sub(parent, "ram:PostalTradeAddress")
        if self.has(BWL):
            for tag, value in (
                ("ram:PostcodeCode", address.postcode),
                ("ram:LineOne", address.line1),
                ("ram:LineTwo", address.line2),
                ("ram:LineThree", address.line3),
                ("ram:CityName", address.city),
            ):
                if value:
                    _sub(element, tag, value)
        _sub(element, "ram:CountryID", address.country_code)
        if address.subdivision and self.has(BWL):
            _sub(element, "ram:CountrySubDivisionName", address.subdivision)

    # Delivery ---------------------------------------------------------------

    def delivery(self, delivery):
        invoice = self.invoice
        if not self.has(BWL):
            return
        if invoice.ship_to:
            ship_to = _sub(delivery, "ram:ShipToTradeParty")
            _sub(ship_to, "ram:Name", invoice.ship_to.name)
            self.address(ship_to, invoice.ship_to.address)
        if invoice.delivery_date:
            event = _sub(delivery, "ram:ActualDeliverySupplyChainEvent")
            _date(event, "ram:OccurrenceDateTime", invoice.delivery_date)

    # Settlement: payment, taxes, totals -------------------------------------

    def settlement(self, settlement):
        invoice, totals = self.invoice, self.totals
        means = invoice.payment_means
        if self.has(BWL):
            if means and means.creditor_identifier:
                _sub(settlement, "ram:CreditorReferenceID", means.creditor_identifier)
            if invoice.payment_reference:
                _sub(settlement, "ram:PaymentReference", invoice.payment_reference)
        _sub(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
        if self.has(BWL):
            if means:
                self.payment_means(settlement, means)
            for item in totals.breakdown:
                self.tax_breakdown(settlement, item)
            for item in invoice.allowance_charges:
                self.allowance_charge(settlement, item)
            if (
                invoice.payment_terms
                or invoice.due_date
                or (means and means.mandate_reference)
            ):
                terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
                if invoice.payment_terms:
                    _sub(terms, "ram:Description", invoice.payment_terms)
                if invoice.due_date:
                    _date(terms, "ram:DueDateDateTime", invoice.due_date)
                if means and means.mandate_reference:
                    _sub(terms, "ram:DirectDebitMandateID", means.mandate_reference)
        self.summation(
            _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
        )
        if self.has(BWL):
            for preceding in invoice.preceding_invoices:
                reference = _sub(settlement, "ram:InvoiceReferencedDocument")
                _sub(reference, "ram:IssuerAssignedID", preceding.number)
                if preceding.issue_date:
                    _date(
                        reference,
                        "ram:FormattedIssueDateTime",
                        preceding.issue_date,
                        qualified=True,
                    )

    def payment_means(self, settlement, means):
        element = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _sub(element, "ram:TypeCode", means.code)
        if means.debtor_iban:
            debtor = _sub(element, "ram:PayerPartyDebtorFinancialAccount")
            _sub(debtor, "ram:IBANID", means.debtor_iban)
        if means.iban:
            creditor = _sub(element, "ram:PayeePartyCreditorFinancialAccount")
            _sub(creditor, "ram:IBANID", means.iban)
            if means.account_name and self.has(EN):
                _sub(creditor, "ram:AccountName", means.account_name)
        if means.bic and means.iban and self.has(EN):
            institution = _sub(
                element, "ram:PayeeSpecifiedCreditorFinancialInstitution"
            )
            _sub(institution, "ram:BICID", means.bic)

    def tax_breakdown(self, settlement, item):
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:CalculatedAmount", self.amount(item.amount))
        _sub(tax, "ram:TypeCode", "VAT")
        if item.tax.exemption_reason:
            _sub(tax, "ram:ExemptionReason", item.tax.exemption_reason)
        _sub(tax, "ram:BasisAmount", self.amount(item.basis))
        _sub(tax, "ram:CategoryCode", item.tax.code)
        if item.tax.exemption_code:
            _sub(tax, "ram:ExemptionReasonCode", item.tax.exemption_code)
        if self.invoice.vat_due_date_code and item.tax.code == "S":
            _sub(tax, "ram:DueDateTypeCode", self.invoice.vat_due_date_code)
        _sub(tax, "ram:RateApplicablePercent", _rate(item.tax.rate))

    def allowance_charge(self, settlement, item):
        element = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
        indicator = _sub(element, "ram:ChargeIndicator")
        _sub(indicator, "udt:Indicator", "true" if item.is_charge else "false")
        _sub(element, "ram:ActualAmount", self.amount(item.amount))
        if item.reason_code:
            _sub(element, "ram:ReasonCode", item.reason_code)
        if item.reason:
            _sub(element, "ram:Reason", item.reason)
        category = _sub(element, "ram:CategoryTradeTax")
        _sub(category, "ram:TypeCode", "VAT")
        _sub(category, "ram:CategoryCode", item.tax.code)
        _sub(category, "ram:RateApplicablePercent", _rate(item.tax.rate))

    def summation(self, summation):
        totals = self.totals
        if self.has(BWL):
            _sub(summation, "ram:LineTotalAmount", self.amount(totals.line_total))
            if totals.charge_total:
                _sub(
                    summation, "ram:ChargeTotalAmount", self.amount(totals.charge_total)
                )
            if totals.allowance_total:
                _sub(
                    summation,
                    "ram:AllowanceTotalAmount",
                    self.amount(totals.allowance_total),
                )
        _sub(summation, "ram:TaxBasisTotalAmount", self.amount(totals.tax_basis))
        _sub(
            summation,
            "ram:TaxTotalAmount",
            self.amount(totals.tax_total),
            currencyID=self.invoice.currency,
        )
        if totals.rounding and self.has(EN):
            _sub(summation, "ram:RoundingAmount", self.amount(totals.rounding))
        _sub(summation, "ram:GrandTotalAmount", self.amount(totals.grand_total))
        if totals.prepaid and self.has(BWL):
            _sub(summation, "ram:TotalPrepaidAmount", self.amount(totals.prepaid))
        _sub(summation, "ram:DuePayableAmount", self.amount(totals.due))


def build_cii(invoice, profile=Profile.EN16931):
    """The CII XML of ``invoice`` in ``profile``, as UTF-8 bytes."""
    return _Builder(invoice, profile).build()
