# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The "your discount ends in N days" reminder.

Term: 3 % within 8 days, then 2 % within 15 days, net 30 days, the discount
on the total. Invoice of 1000.00 plus 20 % VAT = 1200.00, dated 2 March
2026: 3 % (36.00, pay 1164.00) until 10 March, 2 % (24.00, pay 1176.00)
until 17 March, due 1 April. The reminder level is 3 days before the
deadline of the discount running: 7 March for the first tier.
"""

from datetime import date
from decimal import Decimal

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.tests.common import trap_jobs


@tagged("post_install", "-at_install")
@freeze_time("2026-03-02")
class TestDunningDiscount(AccountTestInvoicingCommon):
    country_code = "FR"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["account.dunning.policy"].create(
            {
                "name": "Standard",
                "is_default": True,
                "level_ids": [
                    Command.create(
                        {
                            "name": "Discount ending",
                            "offset_from": "discount_date",
                            "offset_days": -3,
                            "tone": "notice",
                        }
                    ),
                    Command.create(
                        {"name": "Before due", "offset_days": -7, "tone": "notice"}
                    ),
                    Command.create({"name": "Courtesy reminder", "offset_days": 1}),
                ],
            }
        )
        cls.before_due, cls.discount, cls.courtesy = cls.policy.level_ids.sorted(
            lambda level: (level.offset_days, level.offset_from)
        )
        cls.term = cls.env["account.payment.term"].create(
            {
                "name": "3 % 8 days, 2 % 15 days, net 30",
                "early_discount": True,
                "discount_percentage": 3.0,
                "discount_days": 8,
                "early_pay_discount_computation": "included",
                "discount_tier_ids": [
                    Command.create({"discount_percentage": 2.0, "discount_days": 15})
                ],
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 30}
                    )
                ],
            }
        )
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")
        cls.partner_a.email = "accounts@partner-a.example"

    def _invoice(self, term=None, invoice_date="2026-03-02", partner=None):
        return self._create_invoice_one_line(
            partner_id=(partner or self.partner_a).id,
            price_unit=1000.0,
            tax_ids=self.tax_sale_a,
            invoice_date=invoice_date,
            invoice_payment_term_id=(term or self.term).id,
            post=True,
        )

    def _run(self, run_date, dry_run=False):
        run = self.env["account.dunning.run"].create(
            {"date": run_date, "dry_run": dry_run}
        )
        run.action_run()
        return run.communication_ids

    def _send(self, communications):
        with trap_jobs() as trap:
            communications._enqueue_sending()
            trap.perform_enqueued_jobs()
        return communications.message_ids.filtered(
            lambda m: m.message_type == "comment" and self.partner_a in m.partner_ids
        )

    def test_offer_follows_the_tier_of_the_day(self):
        invoice = self._invoice()
        for on_date, expected in (
            ("2026-03-10", (3.0, date(2026, 3, 10), 0, "36.00", "1164.00")),
            ("2026-03-11", (2.0, date(2026, 3, 17), 6, "24.00", "1176.00")),
            ("2026-03-17", (2.0, date(2026, 3, 17), 0, "24.00", "1176.00")),
        ):
            offer = invoice._early_discount_offer(date.fromisoformat(on_date))
            self.assertEqual(
                (
                    offer["percentage"],
                    offer["last_day"],
                    offer["days_left"],
                    Decimal(str(offer["discount"])).quantize(Decimal("0.01")),
                    Decimal(str(offer["amount_due"])).quantize(Decimal("0.01")),
                ),
                (*expected[:3], Decimal(expected[3]), Decimal(expected[4])),
                on_date,
            )
        self.assertIsNone(invoice._early_discount_offer(date(2026, 3, 18)))

    def test_sent_three_days_before_the_deadline_once(self):
        invoice = self._invoice()
        self.assertEqual(invoice.dunning_next_date, date(2026, 3, 7))
        self.assertFalse(self._run("2026-03-06"))
        preview = self._run("2026-03-07", dry_run=True)
        self.assertRecordValues(
            preview, [{"state": "preview", "level_id": self.discount.id}]
        )
        communication = self._run("2026-03-07")
        self.assertRecordValues(
            communication,
            [
                {
                    "partner_id": self.partner_a.id,
                    "level_id": self.discount.id,
                    "state": "to_send",
                    "amount_residual": 1200.0,
                }
            ],
        )
        # No step of the ladder: the invoice waits for the one before due.
        self.assertRecordValues(
            invoice,
            [
                {
                    "dunning_level_id": False,
                    "dunning_last_date": False,
                    "dunning_next_date": date(2026, 3, 25),
                }
            ],
        )
        self.assertEqual(invoice.dunning_line_ids.level_id, self.discount)
        # Not again for the second tier.
        for run_date in ("2026-03-08", "2026-03-14", "2026-03-17"):
            self.assertFalse(self._run(run_date), run_date)
        self.assertEqual(self._run("2026-03-25").level_id, self.before_due)

        with freeze_time("2026-03-07"):
            message = self._send(communication)
        self.assertEqual(communication.state, "sent")
        self.assertEqual(
            message.subject,
            f"{self.env.company.name}: your early-payment discount ends soon",
        )
        for text in (invoice.name, "36.00", "03/10/2026", "ends in 3 days", "1,164.00"):
            self.assertIn(text, message.body)

    def test_first_tier_missed_reminds_of_the_second(self):
        invoice = self._invoice()
        # No run from 7 to 10 March: on 14 March the 2 % ends in 3 days.
        self.assertFalse(self._run("2026-03-11"))
        communication = self._run("2026-03-14")
        self.assertEqual(communication.level_id, self.discount)
        with freeze_time("2026-03-14"):
            message = self._send(communication)
        for text in (invoice.name, "24.00", "03/17/2026", "ends in 3 days", "1,176.00"):
            self.assertIn(text, message.body)

    def test_not_sent_without_discount_once_paid_or_after_the_deadline(self):
        no_discount = self._invoice(term=self.term_30_days)
        partly_paid = self._invoice(partner=self.partner_b)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=partly_paid.ids
        ).create({"payment_date": "2026-03-05", "amount": 100.0})._create_payments()
        paid = self._invoice()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": "2026-03-05"})._create_payments()
        self.assertEqual(paid.payment_state, "paid")
        late = self._invoice(invoice_date="2026-02-10")  # 2 % ended 25 February
        for run_date in ("2026-03-07", "2026-03-14"):
            self._run(run_date)
        self.assertFalse(
            (no_discount | partly_paid | paid | late).dunning_line_ids.filtered(
                lambda line: line.level_id == self.discount
            )
        )
        # The late one got its notice before the due date (12 March) all the same.
        self.assertEqual(late.dunning_level_id, self.before_due)

    def test_discount_ended_before_sending_cancels_the_reminder(self):
        self._invoice()
        communication = self._run("2026-03-07")
        with freeze_time("2026-03-18"):
            self.assertFalse(self._send(communication))
        self.assertEqual(communication.state, "cancelled")

    def test_grouped_with_an_overdue_invoice_in_one_message(self):
        overdue = self._invoice(term=self.term_30_days, invoice_date="2026-02-01")
        discounted = self._invoice()
        communication = self._run("2026-03-07")
        self.assertEqual(len(communication), 1)
        self.assertRecordValues(
            communication,
            [{"level_id": self.courtesy.id, "amount_residual": 2400.0}],
        )
        self.assertEqual(communication.move_ids, overdue | discounted)
        self.assertEqual(overdue.dunning_level_id, self.courtesy)
        self.assertFalse(discounted.dunning_level_id)
        self.assertEqual(discounted.dunning_line_ids.level_id, self.discount)
        with freeze_time("2026-03-07"):
            message = self._send(communication)
        self.assertEqual(len(message), 1)
        self.assertIn("Courtesy reminder", message.subject)
        self.assertIn("Unless we are mistaken", message.body)
        for text in (
            "Early-payment discounts you can still deduct",
            discounted.name,
            "36.00",
            "1,164.00",
            "03/10/2026",
        ):
            self.assertIn(text, message.body)

    def test_same_invoice_at_two_levels_counts_once(self):
        # Net 14 days with 3 % within 10 days: due 16 March, 7 days before is
        # 9 March, as is 3 days before the discount ends (12 March).
        term = self.term.copy(
            {
                "discount_days": 10,
                "discount_tier_ids": [Command.clear()],
                "line_ids": [
                    Command.clear(),
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 14}
                    ),
                ],
            }
        )
        invoice = self._invoice(term=term)
        communication = self._run("2026-03-09")
        self.assertRecordValues(
            communication,
            [{"level_id": self.before_due.id, "amount_residual": 1200.0}],
        )
        self.assertEqual(
            invoice.dunning_line_ids.level_id, self.before_due | self.discount
        )
        self.assertEqual(invoice.dunning_level_id, self.before_due)

    def test_discount_reminder_is_before_the_deadline(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.discount.offset_days = 2
                self.env.flush_all()
        # A step of the ladder may have the same number of days.
        self.policy.level_ids = [
            Command.create({"name": "Three days before due", "offset_days": -3})
        ]

    def test_letter_lists_the_discounts_still_open(self):
        invoice = self._invoice()
        communication = self._run("2026-03-07")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_receivable_gateway.report_dunning_letter", communication.ids
            )[0]
            .decode()
        )
        self.assertIn("Early-payment discounts you can still deduct", html)
        self.assertIn(invoice.name, html)
        self.assertIn("36.00", html)
