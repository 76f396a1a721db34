# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.tests.common import trap_jobs


@tagged("post_install", "-at_install")
class TestDunningReport(AccountTestInvoicingCommon):
    """The reports read the database's today: dates here are relative to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute("SELECT CURRENT_DATE")
        cls.today = cls.env.cr.fetchone()[0]
        cls.policy = cls.env["account.dunning.policy"].create(
            {
                "name": "Standard",
                "is_default": True,
                "level_ids": [Command.create({"name": "Courtesy", "offset_days": 1})],
            }
        )
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")

    def _invoice(self, days_overdue, partner=None, amount=100.0):
        return self._create_invoice_one_line(
            partner_id=(partner or self.partner_a).id,
            price_unit=amount,
            tax_ids=[],
            invoice_date=self.today - timedelta(days=30 + days_overdue),
            invoice_payment_term_id=self.term_30_days.id,
            post=True,
        )

    def test_ageing_buckets(self):
        invoices = {days: self._invoice(days) for days in (-10, 20, 45, 75, 100)}
        rows = self.env["account.dunning.ageing.report"].search(
            [("move_id", "in", [invoice.id for invoice in invoices.values()])]
        )
        self.assertEqual(
            {row.move_id: row.bucket for row in rows},
            {
                invoices[-10]: "0_not_due",
                invoices[20]: "1_30",
                invoices[45]: "31_60",
                invoices[75]: "61_90",
                invoices[100]: "over_90",
            },
        )
        groups = self.env["account.dunning.ageing.report"]._read_group(
            [("id", "in", rows.ids)], [], ["amount_residual:sum", "amount_overdue:sum"]
        )
        self.assertEqual(groups, [(500.0, 400.0)])

    def test_level_effectiveness_is_the_share_paid_within_15_days(self):
        self.partner_a.email = "a@example.com"
        self.partner_b.email = "b@example.com"
        paid = self._invoice(5)
        unpaid = self._invoice(5, partner=self.partner_b)
        run = self.env["account.dunning.run"].create(
            {"date": self.today - timedelta(days=4)}
        )
        with trap_jobs() as trap:
            run.action_run()
            trap.perform_enqueued_jobs()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": self.today})._create_payments()
        self.env.flush_all()  # the report is a view over the tables
        groups = self.env["account.dunning.level.report"]._read_group(
            [("move_id", "in", (paid | unpaid).ids)],
            ["level_id"],
            ["paid_within_15_days:avg", "__count"],
        )
        self.assertEqual(groups, [(self.policy.level_ids, 0.5, 2)])

    def test_promise_kept_rate(self):
        invoice = self._invoice(5)
        kept, broken = self.env["account.payment.promise"].create(
            [
                {"move_id": invoice.id, "date": self.today, "amount": 10.0},
                {"move_id": invoice.id, "date": self.today, "amount": 10.0},
            ]
        )
        kept.state, broken.state = "kept", "broken"
        self.env.flush_all()
        groups = self.env["account.payment.promise"]._read_group(
            [("id", "in", (kept | broken).ids)], [], ["kept:avg"]
        )
        self.assertEqual(groups, [(0.5,)])
