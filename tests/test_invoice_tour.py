# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon


@tagged("post_install", "-at_install")
class TestInvoiceTour(AccountTestInvoicingHttpCommon):
    def test_posted_invoice_shows_dunning_tab(self):
        """An accountant opens a posted invoice and reads how late it is."""
        today = fields.Date.context_today(self.env["account.move"])
        invoice = self._create_invoice_one_line(
            price_unit=1200.0,
            invoice_date=today - timedelta(days=42),
            invoice_payment_term_id=self.env.ref(
                "account.account_payment_term_30days"
            ).id,
            post=True,
        )
        self.assertEqual(invoice.days_overdue, 12)
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "account_receivable_gateway_invoice_dunning_tab",
            login=self.env.user.login,
        )
