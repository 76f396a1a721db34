# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestAccountMove(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")

    def _invoice(self, invoice_date, amount=1000.0, post=True):
        return self._create_invoice_one_line(
            price_unit=amount,
            invoice_date=invoice_date,
            invoice_payment_term_id=self.term_30_days.id,
            post=post,
        )

    def _pay(self, invoice, amount, payment_date):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": payment_date})._create_payments()

    def test_addon_is_installed(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "account_receivable_gateway")]
        )
        self.assertEqual(module.state, "installed")

    def test_invoice_form_has_dunning_tab(self):
        arch = self.env["account.move"].get_view(view_type="form")["arch"]
        page = etree.fromstring(arch).xpath("//page[@name='dunning']")
        self.assertEqual(len(page), 1)
        self.assertEqual(page[0].get("string"), "Dunning")
        self.assertTrue(page[0].xpath(".//field[@name='days_overdue']"))

    @freeze_time("2026-11-23")
    def test_days_overdue_counts_from_due_date(self):
        # Invoiced on 1 September on 30 days: due on 1 October, 53 days ago.
        invoice = self._invoice("2026-09-01")
        self.assertEqual(invoice.invoice_date_due, fields.Date.to_date("2026-10-01"))
        self.assertEqual(invoice.days_overdue, 53)

        # Still overdue while any amount is left to pay.
        self._pay(invoice, 400.0, "2026-11-10")
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.days_overdue, 53)

        self._pay(invoice, invoice.amount_residual, "2026-11-20")
        self.assertEqual(invoice.days_overdue, 0)

    @freeze_time("2026-11-23")
    def test_days_overdue_is_zero_when_not_due_or_draft(self):
        due_today = self._invoice("2026-10-24")
        self.assertEqual(due_today.invoice_date_due, fields.Date.to_date("2026-11-23"))
        self.assertEqual(due_today.days_overdue, 0)

        draft = self._invoice("2026-09-01", post=False)
        self.assertEqual(draft.days_overdue, 0)

    def test_dunning_tab_is_translated_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        arch = (
            self.env["account.move"]
            .with_context(lang="fr_FR")
            .get_view(view_type="form")["arch"]
        )
        page = etree.fromstring(arch).xpath("//page[@name='dunning']")[0]
        self.assertEqual(page.get("string"), "Relances")
