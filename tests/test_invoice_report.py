# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import io
import re

from pypdf import PdfReader

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon


@tagged("post_install", "-at_install")
class TestInvoiceReport(AccountTestInvoicingHttpCommon):
    """The invoice PDF, rendered by wkhtmltopdf with the HTTP server running
    (so that Odoo's web fonts would be downloaded), carries the mentions French
    law requires, as real text."""

    country_code = "FR"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Dupont Bâtiment SARL",
                "is_company": True,
                "company_registry": "52341987700015",
                "street": "4 avenue Jean Jaurès",
                "zip": "69007",
                "city": "Lyon",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        cls.site = cls.env["res.partner"].create(
            {
                "name": "Chantier Confluence",
                "type": "delivery",
                "parent_id": cls.customer.id,
                "street": "112 cours Charlemagne",
                "zip": "69002",
                "city": "Lyon",
                "country_id": cls.env.ref("base.fr").id,
            }
        )

    def _pdf_text(self, invoice):
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        pdf, _ = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account.account_invoices", invoice.ids)
        )
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(page.extract_text() for page in reader.pages)
        fonts = {
            str(font["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()
        }
        return re.sub(r"\s+", " ", text), fonts

    def _invoice(self, lang):
        self.customer.lang = lang
        return self._create_invoice_one_line(
            partner_id=self.customer.id,
            partner_shipping_id=self.site.id,
            price_unit=1000.0,
            tax_ids=self.tax_sale_a,
            invoice_date="2026-05-01",
            invoice_payment_term_id=self.env.ref(
                "account.account_payment_term_30days"
            ).id,
            post=True,
        )

    def test_invoice_pdf_states_the_legal_mentions_in_english(self):
        text, fonts = self._pdf_text(self._invoice("en_US"))
        self.assertTrue(any("Lato" in font for font in fonts), fonts)
        for mention in (
            "Payment due date: 05/31/2026",
            "No discount for early payment.",
            "Late-payment penalties: the ECB main refinancing rate plus 10 points "
            "(12.15 % a year for H1 2026).",
            "Fixed compensation for recovery costs owed on late payment: 40.00 €",
            "Customer SIREN: 523419877",
            "Delivery address: 112 cours Charlemagne, 69002 Lyon, France",
        ):
            self.assertIn(mention, text)
        # Category of operation and VAT on debits (French localisation's text).
        self.assertIn("Goods Delivery", text)
        self.assertIn("Option to pay tax on debits", text)

    def test_invoice_pdf_states_the_legal_mentions_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        text, _fonts = self._pdf_text(self._invoice("fr_FR"))
        for mention in (
            "Date d'échéance du paiement : 31/05/2026",
            "Pas d'escompte pour paiement anticipé.",
            "Pénalités de retard : taux de refinancement de la BCE majoré de 10 points "
            "(12,15 % l'an pour H1 2026).",
            "Indemnité forfaitaire pour frais de recouvrement due en cas de retard "
            "de paiement : 40,00 €",
            "SIREN du client : 523419877",
            "Adresse de livraison : 112 cours Charlemagne, 69002 Lyon, France",
        ):
            self.assertIn(mention, text)
