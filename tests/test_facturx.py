# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal
from pathlib import Path

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.account.tests.common import (
    AccountTestInvoicingCommon,
    AccountTestInvoicingHttpCommon,
)

from ..connectors.facturx.cii import build_cii
from ..connectors.facturx.document import Profile, compute_totals
from ..connectors.facturx.parse import parse_cii
from ..connectors.facturx.pdf import extract_xml, inspect_pdf
from ..connectors.facturx.validation import validate_xml

CEN = (
    "cen",
    Path(__file__).resolve().parents[1]
    / "connectors/tests/data/en16931-cii/EN16931-CII-validation.xslt",
)


class FacturxCommon(AccountTestInvoicingCommon):
    country_code = "FR"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("product.decimal_price").digits = 4
        company = cls.company_data["company"]
        company.write(
            {
                "name": "Atelier Lumière SAS",
                "company_registry": "12345678200010",
                "vat": "FR11123456782",
                "street": "12 rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "sepa_creditor_identifier": "FR12ZZZ123456",
            }
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR76 3000 6000 0112 3456 7890 189",
                "partner_id": company.partner_id.id,
                "allow_out_payment": True,
            }
        )
        chart = cls.env["account.chart.template"].with_company(company)
        cls.tax = {
            name: chart.ref(name)
            for name in (
                "tva_normale",
                "tva_intermediaire",
                "tva_reduite",
                "tva_normale_ttc",
                "tva_normale_encaissement",
                "tva_sale_good_0",
                "tva_sale_good_intra_0",
                "tva_sale_good_export_0",
            )
        }
        cls.tax["exempt"] = cls.tax["tva_sale_good_0"].copy(
            {
                "name": "0% exonéré formation",
                "ubl_cii_tax_exemption_reason_code": "VATEX-EU-132-1I",
            }
        )
        cls.tax["reverse"] = cls.tax["tva_sale_good_0"].copy(
            {
                "name": "Autoliquidation BTP",
                "ubl_cii_tax_category_code": "AE",
                "ubl_cii_tax_exemption_reason_code": "VATEX-EU-AE",
            }
        )
        cls.tax["zero"] = cls.tax["tva_sale_good_0"].copy(
            {"name": "0% taux zéro", "ubl_cii_tax_category_code": "Z"}
        )
        fr, be, us = (cls.env.ref(f"base.{code}") for code in ("fr", "be", "us"))
        partner = cls.env["res.partner"]
        cls.customer = partner.create(
            {
                "name": "Maison Verte SARL",
                "is_company": True,
                "company_registry": "55210055400013",
                "vat": "FR96552100554",
                "street": "1 place Bellecour",
                "zip": "69002",
                "city": "Lyon",
                "country_id": fr.id,
            }
        )
        cls.belgian = partner.create(
            {
                "name": "Brasserie du Parc SRL",
                "is_company": True,
                "vat": "BE0477472701",
                "street": "Rue Royale 10",
                "zip": "1000",
                "city": "Bruxelles",
                "country_id": be.id,
            }
        )
        cls.american = partner.create(
            {
                "name": "Sunrise Lighting Inc.",
                "is_company": True,
                "street": "5 Main Street",
                "zip": "10001",
                "city": "New York",
                "country_id": us.id,
                "peppol_eas": "0060",
                "peppol_endpoint": "123456789",
            }
        )
        cls.service = cls.env["product.product"].create(
            {
                "name": "Conseil en éclairage",
                "type": "service",
                "default_code": "CONSEIL",
            }
        )
        cls.goods = cls.env["product.product"].create(
            {"name": "Lampe d'atelier", "type": "consu", "default_code": "LAMPE-01"}
        )

    def _invoice(self, lines, partner=None, post=True, **values):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.customer).id,
                "invoice_date": "2026-11-02",
                "partner_bank_id": self.bank.id,
                "invoice_payment_term_id": self.env.ref(
                    "account.account_payment_term_30days"
                ).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": (line.get("product") or self.goods).id,
                            "name": line.get("name")
                            or (line.get("product") or self.goods).name,
                            "quantity": line.get("quantity", 1),
                            "price_unit": line["price"],
                            "discount": line.get("discount", 0),
                            "tax_ids": [
                                Command.set(
                                    self.tax[line.get("tax", "tva_normale")].ids
                                )
                            ],
                        }
                    )
                    for line in lines
                ],
                **values,
            }
        )
        if post:
            move.action_post()
        return move


@tagged("post_install", "-at_install")
class TestFacturxMatrix(FacturxCommon):
    """Real Odoo invoices of every kind give Factur-X files without a single
    blocking finding, in EN 16931 (also under the CEN's own rules) and
    EXTENDED."""

    def _scenarios(self):
        credit_origin = self._invoice([{"price": 100}])
        credit_note = credit_origin._reverse_moves(
            [{"invoice_date": "2026-11-05", "ref": "Retour"}]
        )
        credit_note.action_post()
        self.customer.copy({"name": "Maison Verte (prélèvement)"})
        debtor = self.customer.copy(
            {
                "name": "Maison Bleue SAS",
                "sepa_mandate_reference": "MANDAT-2026-015",
                "bank_ids": [
                    Command.create({"acc_number": "FR7610107001011234567890129"})
                ],
            }
        )
        cash_rounding = self.env["account.cash.rounding"].create(
            {
                "name": "0.05",
                "rounding": 0.05,
                "strategy": "add_invoice_line",
                "profit_account_id": self.company_data["default_account_revenue"].id,
                "loss_account_id": self.company_data["default_account_expense"].id,
                "rounding_method": "HALF-UP",
            }
        )
        instalments = self.env.ref("account.account_payment_term_advance_60days")
        return {
            "several VAT rates": self._invoice(
                [
                    {"price": 100, "quantity": 3},
                    {"price": 12.5, "quantity": 2, "tax": "tva_reduite"},
                    {"price": 45, "tax": "tva_intermediaire"},
                ]
            ),
            "exempt line with its reason": self._invoice(
                [
                    {"price": 80},
                    {"price": 250, "tax": "exempt", "product": self.service},
                ]
            ),
            "domestic reverse charge": self._invoice(
                [{"price": 1200, "tax": "reverse"}]
            ),
            "intra-community supply": self._invoice(
                [{"price": 640, "quantity": 2, "tax": "tva_sale_good_intra_0"}],
                partner=self.belgian,
                delivery_date="2026-10-28",
            ),
            "export outside the EU": self._invoice(
                [{"price": 990, "tax": "tva_sale_good_export_0"}],
                partner=self.american,
                delivery_date="2026-10-30",
            ),
            "zero rate": self._invoice([{"price": 75, "tax": "zero"}]),
            "line discounts with precise prices": self._invoice(
                [
                    {"price": 19.3333, "quantity": 7, "discount": 12.5},
                    {"price": 3.1416, "quantity": 11, "discount": 3},
                ]
            ),
            "document-level allowance": self._invoice(
                [
                    {"price": 100, "quantity": 4},
                    {"price": -25, "name": "Remise globale 6,25 %"},
                ]
            ),
            "credit note referencing its invoice": credit_note,
            "direct debit with mandate": self._invoice(
                [{"price": 300}], partner=debtor
            ),
            "services with VAT on debits": self._invoice(
                [{"price": 650, "product": self.service}]
            ),
            "services with VAT on receipts": self._invoice(
                [
                    {
                        "price": 650,
                        "product": self.service,
                        "tax": "tva_normale_encaissement",
                    }
                ]
            ),
            "goods and services, prices with VAT": self._invoice(
                [
                    {"price": 119.99, "quantity": 3, "tax": "tva_normale_ttc"},
                    {"price": 90, "product": self.service},
                ]
            ),
            "public buyer with Chorus Pro references": self._invoice(
                [{"price": 1500}],
                einvoice_service_code="SERVICE-TECH",
                einvoice_commitment_number="EJ-2026-000123",
                einvoice_contract_reference="MARCHE-2025-17",
            ),
            "cash rounding": self._invoice(
                [{"price": 10.33, "quantity": 3}],
                invoice_cash_rounding_id=cash_rounding.id,
            ),
            "instalments": self._invoice(
                [{"price": 2000}], invoice_payment_term_id=instalments.id
            ),
            "no payment term": self._invoice(
                [{"price": 20}], invoice_payment_term_id=False
            ),
        }

    def test_every_scenario_is_valid_in_en16931_and_extended(self):
        scenarios = self._scenarios()
        self.assertGreaterEqual(len(scenarios), 14)
        for name, move in scenarios.items():
            document = move._facturx_document()
            self.assertEqual(
                compute_totals(document).due, Decimal(str(move.amount_total)), name
            )
            for profile in (Profile.EN16931, Profile.EXTENDED):
                with self.subTest(scenario=name, profile=profile.value):
                    extra = [CEN] if profile is Profile.EN16931 else []
                    report = validate_xml(
                        build_cii(document, profile), extra_stylesheets=extra
                    )
                    self.assertEqual(
                        [(f.rule_id, f.message) for f in report.blocking], [], name
                    )

    def test_what_the_file_says(self):
        """Spot checks that the mapping says what the invoice says."""
        scenarios = self._scenarios()
        credit = scenarios["credit note referencing its invoice"]._facturx_document()
        self.assertEqual(credit.type_code, "381")
        self.assertEqual(
            credit.preceding_invoices[0].number,
            scenarios["credit note referencing its invoice"].reversed_entry_id.name,
        )
        intra = scenarios["intra-community supply"]._facturx_document()
        self.assertEqual(intra.lines[0].tax.code, "K")
        self.assertEqual(intra.ship_to.address.country_code, "BE")
        self.assertEqual(intra.buyer.electronic_address.scheme, "0208")
        export = scenarios["export outside the EU"]._facturx_document()
        self.assertEqual(export.lines[0].tax.code, "G")
        debit = scenarios["direct debit with mandate"]._facturx_document()
        self.assertEqual(
            (debit.payment_means.code, debit.payment_means.mandate_reference),
            ("59", "MANDAT-2026-015"),
        )
        transfer = scenarios["several VAT rates"]._facturx_document()
        self.assertEqual(transfer.payment_means.iban, "FR7630006000011234567890189")
        self.assertEqual(transfer.seller.siren, "123456782")
        self.assertEqual(transfer.seller.siret, "12345678200010")
        self.assertEqual(transfer.buyer.electronic_address.value, "552100554")
        self.assertEqual(transfer.business_process, "B1")
        self.assertEqual(
            [note.subject for note in transfer.notes], ["PMT", "PMD", "AAB"]
        )
        debits = scenarios["services with VAT on debits"]._facturx_document()
        receipts = scenarios["services with VAT on receipts"]._facturx_document()
        self.assertEqual(
            (debits.business_process, debits.vat_due_date_code), ("S1", "5")
        )
        self.assertEqual(receipts.vat_due_date_code, "72")
        public = scenarios[
            "public buyer with Chorus Pro references"
        ]._facturx_document()
        self.assertEqual(
            (public.buyer_reference, public.order_reference, public.contract_reference),
            ("SERVICE-TECH", "EJ-2026-000123", "MARCHE-2025-17"),
        )
        discounted = scenarios["line discounts with precise prices"]._facturx_document()
        self.assertEqual(discounted.lines[0].unit_price, Decimal("19.3333"))
        self.assertEqual(discounted.lines[0].net_amount, Decimal("118.42"))
        allowance = scenarios["document-level allowance"]._facturx_document()
        self.assertEqual(allowance.allowance_charges[0].amount, Decimal("25.00"))
        rounding = scenarios["cash rounding"]._facturx_document()
        self.assertEqual(compute_totals(rounding).due, Decimal("37.20"))


@tagged("post_install", "-at_install")
class TestFacturxFile(FacturxCommon, AccountTestInvoicingHttpCommon):
    """The Factur-X PDF attached to the invoice, from Odoo's own screens,
    rendered by wkhtmltopdf with the HTTP server running."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())

    def _generate(self, moves):
        return moves.with_context(force_report_rendering=True).action_facturx_generate()

    def test_generate_attaches_a_valid_pdfa3_that_round_trips(self):
        invoice = self._invoice(
            [
                {"price": 100, "quantity": 3},
                {"price": 12.5, "quantity": 2, "tax": "tva_reduite"},
            ]
        )
        credit_note = invoice._reverse_moves([{"invoice_date": "2026-11-05"}])
        credit_note.action_post()
        attachments = self._generate(invoice | credit_note)
        self.assertEqual(len(attachments), 2)
        for move in invoice | credit_note:
            attachment = move.invoice_pdf_report_id
            self.assertIn(attachment, attachments)
            self.assertTrue(attachment.name.endswith("factur-x.pdf"), attachment.name)
            self.assertEqual(move.facturx_state, "warning")  # only Peppol's notice
            pdf = attachment.raw
            self.assertEqual(inspect_pdf(pdf).problems(Profile.EN16931), [])
            xml = extract_xml(pdf)
            self.assertTrue(validate_xml(xml, Profile.EN16931).valid)
            parsed = parse_cii(xml)
            self.assertEqual(parsed.number, move.name)
            self.assertEqual(parsed.grand_total, Decimal(str(move.amount_total)))
            self.assertEqual(parsed.tax_total, Decimal(str(move.amount_tax)))
            self.assertEqual(parsed.tax_basis, Decimal(str(move.amount_untaxed)))
            self.assertEqual(parsed.buyer.name, "Maison Verte SARL")
            self.assertEqual(parsed.seller.siren, "123456782")
        self.assertEqual(
            parse_cii(extract_xml(credit_note.invoice_pdf_report_id.raw)).type_code,
            "381",
        )
        # Generating again reuses the PDF: same pages, one embedded XML.
        again = self._generate(invoice)
        self.assertEqual(again, invoice.invoice_pdf_report_id)
        self.assertEqual(list(inspect_pdf(again.raw).attachments), ["factur-x.xml"])

    def test_customer_profile_overrides_the_company(self):
        self.customer.facturx_profile = "extended"
        invoice = self._invoice([{"price": 100}])
        pdf = self._generate(invoice).raw
        self.assertEqual(inspect_pdf(pdf).conformance_level, "EXTENDED")
        self.assertEqual(validate_xml(extract_xml(pdf)).profile, Profile.EXTENDED)

    def test_invalid_invoice_is_refused_with_its_rule_ids(self):
        exempt_without_reason = self._invoice(
            [{"price": 250, "tax": "tva_sale_good_0"}]
        )
        intra_without_date = self._invoice(
            [{"price": 640, "tax": "tva_sale_good_intra_0"}], partner=self.belgian
        )
        with self.assertRaises(UserError) as error:
            self._generate(exempt_without_reason | intra_without_date)
        message = str(error.exception)
        self.assertIn(f"{exempt_without_reason.name}: ", message)
        self.assertIn("BR-E-10", message)
        self.assertIn(f"{intra_without_date.name}: ", message)
        self.assertIn("BR-IC-11", message)
        self.assertFalse(exempt_without_reason.invoice_pdf_report_id)

    def test_check_button_records_the_findings(self):
        invoice = self._invoice([{"price": 250, "tax": "tva_sale_good_0"}])
        invoice.action_facturx_check()
        self.assertEqual(invoice.facturx_state, "invalid")
        self.assertIn("BR-E-10", {f["rule_id"] for f in invoice.facturx_findings})
        self.assertIn("BR-E-10", invoice.facturx_findings_html)
        self.assertIn("exemption reason", invoice.facturx_findings_html)

    def test_draft_invoice_is_refused(self):
        with self.assertRaisesRegex(UserError, "posted customer invoices"):
            self._generate(self._invoice([{"price": 10}], post=False))

    def test_send_and_print_sends_the_factur_x(self):
        invoice = self._invoice([{"price": 100}])
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        self.assertIn("facturx_checked", wizard.extra_edis)
        wizard.with_context(force_report_rendering=True).action_send_and_print()
        attachment = invoice.invoice_pdf_report_id
        self.assertTrue(attachment.name.endswith("factur-x.pdf"))
        self.assertEqual(inspect_pdf(attachment.raw).problems(Profile.EN16931), [])
        self.assertEqual(parse_cii(extract_xml(attachment.raw)).number, invoice.name)

    def test_send_and_print_refuses_an_invalid_invoice(self):
        invoice = self._invoice([{"price": 250, "tax": "tva_sale_good_0"}])
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        with self.assertRaisesRegex(UserError, "BR-E-10"):
            wizard.with_context(force_report_rendering=True).action_send_and_print()
        self.assertFalse(invoice.invoice_pdf_report_id)

    def test_portal_download_gives_the_factur_x(self):
        invoice = self._invoice([{"price": 100}])
        self._generate(invoice)
        response = self.url_open(
            invoice.get_portal_url(report_type="pdf", download=True)
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(parse_cii(extract_xml(response.content)).number, invoice.name)

    def test_send_and_print_renders_a_batch_in_one_run(self):
        invoices = self._invoice([{"price": 100}]) | self._invoice(
            [{"price": 45, "quantity": 12}],
            partner=self.belgian,
            delivery_date="2026-10-28",
        )
        self.env["account.move.send"].with_context(
            force_report_rendering=True
        )._generate_and_send_invoices(
            invoices, sending_methods=["manual"], extra_edis={"facturx_checked"}
        )
        for invoice in invoices:
            pdf = invoice.invoice_pdf_report_id.raw
            self.assertEqual(inspect_pdf(pdf).problems(Profile.EN16931), [])
            self.assertEqual(parse_cii(extract_xml(pdf)).number, invoice.name)
