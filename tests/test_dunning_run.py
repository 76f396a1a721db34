# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-01")
class TestDunningRun(AccountTestInvoicingCommon):
    """Invoices due on 1 March 2026 (invoiced 30 January on 30 days) under a
    ladder at -7, +1, +15 and +30 days; today is 1 February 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["account.dunning.policy"].create(
            {
                "name": "Standard",
                "is_default": True,
                "level_ids": [
                    Command.create(
                        {"name": "Before due", "offset_days": -7, "tone": "notice"}
                    ),
                    Command.create({"name": "Courtesy", "offset_days": 1}),
                    Command.create({"name": "Firm", "offset_days": 15, "tone": "firm"}),
                    Command.create(
                        {
                            "name": "Call",
                            "offset_days": 30,
                            "send_email": False,
                            "phone_call": True,
                            "auto_send": False,
                        }
                    ),
                ],
            }
        )
        cls.before_due, cls.courtesy, cls.firm, cls.call = cls.policy.level_ids
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")

    def _invoice(self, partner=None, amount=1000.0, invoice_date="2026-01-30"):
        return self._create_invoice_one_line(
            partner_id=(partner or self.partner_a).id,
            price_unit=amount,
            tax_ids=[],
            invoice_date=invoice_date,
            invoice_payment_term_id=self.term_30_days.id,
            post=True,
        )

    def _run(self, run_date, dry_run=False):
        run = self.env["account.dunning.run"].create(
            {"date": run_date, "dry_run": dry_run}
        )
        run.action_run()
        return run

    def test_invoice_climbs_one_level_when_each_is_due(self):
        invoice = self._invoice()
        self.assertEqual(invoice.invoice_date_due, date(2026, 3, 1))
        self.assertEqual(invoice.dunning_next_date, date(2026, 2, 22))

        self.assertFalse(self._run("2026-02-21").communication_ids)
        run = self._run("2026-02-22")
        self.assertRecordValues(
            run.communication_ids,
            [
                {
                    "partner_id": self.partner_a.id,
                    "level_id": self.before_due.id,
                    "state": "to_send",
                }
            ],
        )
        self.assertRecordValues(
            invoice,
            [
                {
                    "dunning_level_id": self.before_due.id,
                    "dunning_last_date": date(2026, 2, 22),
                    "dunning_next_date": date(2026, 3, 2),
                }
            ],
        )
        # The same day again: nothing twice.
        self.assertFalse(self._run("2026-02-22").communication_ids)

        for run_date, level, next_date in (
            ("2026-03-02", self.courtesy, date(2026, 3, 16)),
            ("2026-03-16", self.firm, date(2026, 3, 31)),
            ("2026-03-31", self.call, False),
        ):
            run = self._run(run_date)
            self.assertEqual(run.communication_ids.level_id, level, run_date)
            self.assertEqual(invoice.dunning_next_date, next_date, run_date)
        # A level that waits for review.
        self.assertEqual(run.communication_ids.state, "to_review")
        self.assertFalse(self._run("2026-06-30").communication_ids)
        self.assertEqual(
            invoice.dunning_line_ids.level_id,
            self.before_due | self.courtesy | self.firm | self.call,
        )

    def test_late_first_reminder_starts_at_the_first_level_after_due(self):
        invoice = self._invoice()
        run = self._run("2026-04-15")  # 45 days late, never reminded
        # Not the reminder before the due date, not the last level either.
        self.assertEqual(run.communication_ids.level_id, self.courtesy)
        # The next level keeps the gap between the two levels.
        self.assertEqual(invoice.dunning_next_date, date(2026, 4, 29))

    def test_one_communication_per_customer_in_the_tone_of_the_latest_invoice(self):
        older = self._invoice(invoice_date="2026-01-15")  # due 14 February
        newer = self._invoice()  # due 1 March
        self._run("2026-02-15")  # older: courtesy
        run = self._run("2026-03-01")  # older: firm; newer: before due
        self.assertEqual(len(run.communication_ids), 1)
        communication = run.communication_ids
        self.assertEqual(communication.level_id, self.firm)
        self.assertEqual(communication.move_ids, older | newer)
        self.assertEqual(communication.amount_residual, 2000.0)
        self.assertEqual(older.dunning_level_id, self.firm)
        self.assertEqual(newer.dunning_level_id, self.before_due)

    def test_dry_run_shows_what_would_be_sent_and_changes_nothing(self):
        invoice = self._invoice()
        preview = self._run("2026-03-02", dry_run=True)
        self.assertRecordValues(
            preview.communication_ids,
            [{"state": "preview", "level_id": self.courtesy.id}],
        )
        self.assertEqual(preview.communication_ids.move_ids, invoice)
        self.assertFalse(invoice.dunning_level_id)
        self.assertFalse(invoice.dunning_line_ids)
        # The real run then sends exactly what the preview showed.
        run = self._run("2026-03-02")
        self.assertEqual(run.communication_ids.level_id, self.courtesy)
        self.assertEqual(run.communication_ids.move_ids, invoice)

    def test_concurrent_runs_never_remind_the_same_level_twice(self):
        invoice = self._invoice()
        first = self.env["account.dunning.run"].create({"date": "2026-02-22"})
        second = self.env["account.dunning.run"].create({"date": "2026-02-22"})
        # Both selected the invoice before either recorded anything.
        due_first, due_second = first._due_invoices(), second._due_invoices()
        first._create_communications(due_first)
        second._create_communications(due_second)
        self.assertEqual(len(first.communication_ids), 1)
        self.assertFalse(second.communication_ids)
        self.assertEqual(len(invoice.dunning_line_ids), 1)

    def test_excluded_invoices_and_small_debts_are_not_reminded(self):
        excluded = self._invoice()
        excluded.write(
            {"dunning_excluded": True, "dunning_exclusion_reason": "Disputed"}
        )
        self.courtesy.min_amount = 50.0
        small = self._invoice(partner=self.partner_b, amount=30.0)
        self._run("2026-02-22")
        run = self._run("2026-03-02")
        self.assertFalse(run.communication_ids)
        self.assertEqual(small.dunning_level_id, self.before_due)
        self.assertFalse(excluded.dunning_level_id)

    def test_policy_follows_the_customer_rules_and_override(self):
        public_policy = self.env["account.dunning.policy"].create(
            {
                "name": "Public buyers",
                "customer_type": "public",
                "level_ids": [
                    Command.create({"name": "Public reminder", "offset_days": 10})
                ],
            }
        )
        self.partner_b.receivable_customer_type = "public"
        public_invoice = self._invoice(partner=self.partner_b)
        self._invoice()
        run = self._run("2026-03-11")
        self.assertEqual(
            {c.partner_id: c.level_id for c in run.communication_ids},
            {self.partner_a: self.courtesy, self.partner_b: public_policy.level_ids},
        )
        self.assertFalse(public_invoice.dunning_next_date)

        self.partner_a.dunning_policy_id = public_policy
        other = self._invoice(invoice_date="2026-02-01")
        self.assertEqual(other.dunning_next_date, date(2026, 3, 13))

    def test_bad_levels_are_refused(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.policy.level_ids = [
                    Command.create({"name": "Twin", "offset_days": 15})
                ]
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.courtesy.min_amount = -1.0
                self.env.flush_all()
        with self.assertRaisesRegex(ValidationError, "needs at least one level"):
            self.env["account.dunning.policy"].create({"name": "Empty"})

    def test_dispute_suspends_that_invoice_only(self):
        disputed = self._invoice()
        other = self._invoice()
        dispute = self.env["account.move.dispute"].create(
            {"move_id": disputed.id, "reason": "Two lamps delivered broken"}
        )
        self.assertTrue(disputed.dunning_in_dispute)
        run = self._run("2026-03-02")
        self.assertEqual(run.communication_ids.move_ids, other)
        dispute.action_resolve()
        self.assertFalse(disputed.dunning_in_dispute)
        run = self._run("2026-03-03")
        self.assertEqual(run.communication_ids.move_ids, disputed)

    def test_promise_pauses_reminders_and_a_broken_one_escalates(self):
        invoice = self._invoice()
        self._run("2026-03-02")  # courtesy
        promise = self.env["account.payment.promise"].create(
            {"move_id": invoice.id, "date": "2026-03-20", "amount": 1000.0}
        )
        # Grace period of 3 days: reminders pause until 23 March.
        self.assertEqual(promise.deadline, date(2026, 3, 23))
        self.assertEqual(invoice.dunning_promised_until, date(2026, 3, 23))
        self.assertFalse(self._run("2026-03-16").communication_ids)
        self.assertFalse(self._run("2026-03-23").communication_ids)
        run = self._run("2026-03-24")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(run.communication_ids.level_id, self.firm)

    def test_promise_kept_when_paid_in_time(self):
        invoice = self._invoice()
        promise = self.env["account.payment.promise"].create(
            {"move_id": invoice.id, "date": "2026-03-20", "amount": 1000.0}
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2026-03-18"})._create_payments()
        self._run("2026-03-24")
        self.assertEqual(promise.state, "kept")

    def test_dispute_or_promise_cancels_the_reminder_waiting_to_go_out(self):
        invoice = self._invoice()
        communication = self._run("2026-03-02").communication_ids
        self.assertEqual(communication.state, "to_send")
        self.env["account.move.dispute"].create(
            {"move_id": invoice.id, "reason": "Price not as quoted"}
        )
        self.assertEqual(communication.state, "cancelled")

    def test_unmatched_payment_covering_the_debt_holds_reminders_back(self):
        self._invoice()
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.partner_a.id,
                "amount": 1000.0,
                "date": "2026-02-27",
            }
        )
        payment.action_post()
        run = self._run("2026-03-02")
        self.assertFalse(run.communication_ids)
        activity = self.partner_a.activity_ids
        self.assertEqual(activity.summary, "Reconcile payments before any reminder")
        # Not a second task on the next run.
        self._run("2026-03-03")
        self.assertEqual(len(self.partner_a.activity_ids), 1)
