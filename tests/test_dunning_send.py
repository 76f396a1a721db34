# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.tests.common import trap_jobs


@tagged("post_install", "-at_install")
@freeze_time("2026-02-01")
class TestDunningSend(AccountTestInvoicingCommon):
    """Sending happens in queue_job jobs; invoices due on 1 March 2026."""

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
                            "name": "Courtesy reminder",
                            "offset_days": 1,
                            "attach_invoices": True,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Phone call",
                            "offset_days": 30,
                            "send_email": False,
                            "phone_call": True,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Formal notice",
                            "offset_days": 45,
                            "tone": "formal",
                            "send_email": False,
                            "send_letter": True,
                            "formal_notice": True,
                            "auto_send": False,
                        }
                    ),
                ],
            }
        )
        cls.courtesy, cls.call, cls.notice = cls.policy.level_ids
        cls.partner_a.email = "accounts@partner-a.example"
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")

    def _invoice(self, partner=None):
        return self._create_invoice_one_line(
            partner_id=(partner or self.partner_a).id,
            price_unit=1000.0,
            tax_ids=[],
            invoice_date="2026-01-30",
            invoice_payment_term_id=self.term_30_days.id,
            post=True,
        )

    def _run(self, run_date):
        run = self.env["account.dunning.run"].create({"date": run_date})
        with trap_jobs() as trap:
            run.action_run()
            trap.assert_jobs_count(
                len(run.communication_ids.filtered(lambda c: c.state == "to_send"))
                and 1
            )
            trap.perform_enqueued_jobs()
        return run.communication_ids

    def test_email_reminder_is_sent_in_a_job_with_the_invoices(self):
        invoice = self._invoice()
        communication = self._run("2026-03-02")
        self.assertEqual(communication.state, "sent")
        message = communication.message_ids.filtered(
            lambda m: m.message_type == "comment" and self.partner_a in m.partner_ids
        )
        self.assertEqual(len(message), 1)
        self.assertIn("Courtesy reminder", message.subject)
        self.assertIn(invoice.name, message.body)
        self.assertEqual(len(message.attachment_ids), 1)

    def test_customer_without_email_gets_a_letter_and_a_task(self):
        self.partner_b.email = False
        self._invoice(self.partner_b)
        communication = self._run("2026-03-02")
        self.assertEqual(communication.state, "sent")
        self.assertTrue(communication.letter_attachment_id)
        self.assertIn("no email address", communication.message_ids[0].body)
        self.assertEqual(
            communication.activity_ids.summary, "Send the dunning letter by post"
        )

    def test_call_level_schedules_a_call_for_the_collector(self):
        self._invoice()
        self._run("2026-03-02")
        communication = self._run("2026-03-31")
        self.assertEqual(
            communication.activity_ids.activity_type_id,
            self.env.ref("mail.mail_activity_data_call"),
        )

    def test_formal_notice_waits_for_review_then_goes_by_registered_post(self):
        self._invoice()
        self._run("2026-03-02")
        self._run("2026-03-31")
        communication = self._run("2026-04-15")
        self.assertEqual(communication.state, "to_review")
        with trap_jobs() as trap:
            communication.action_send()
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        self.assertEqual(communication.state, "sent")
        self.assertTrue(communication.registered_post)
        self.assertTrue(communication.letter_attachment_id)

    def test_payment_cancels_the_reminder_waiting_to_go_out(self):
        invoice = self._invoice()
        run = self.env["account.dunning.run"].create({"date": "2026-03-02"})
        with trap_jobs():
            run.action_run()
        communication = run.communication_ids
        self.assertEqual(communication.state, "to_send")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2026-03-02"})._create_payments()
        self.assertEqual(communication.state, "cancelled")
        # The job that would have sent it does nothing.
        communication._send()
        self.assertEqual(communication.state, "cancelled")

    def test_worklist_lists_manual_actions_most_urgent_first(self):
        small = self._invoice()
        big = self._create_invoice_one_line(
            partner_id=self.partner_b.id,
            price_unit=5000.0,
            tax_ids=[],
            invoice_date="2026-01-30",
            invoice_payment_term_id=self.term_30_days.id,
            post=True,
        )
        self.partner_b.email = "ap@partner-b.example"
        self._run("2026-03-02")
        self._run("2026-03-31")  # phone calls for both customers
        with freeze_time("2026-03-31"):
            rows = self.env["account.dunning.worklist"].search(
                [("partner_id", "in", (self.partner_a | self.partner_b).ids)]
            )
            self.assertEqual(rows.partner_id, big.partner_id | small.partner_id)
            self.assertEqual(rows[0].partner_id, self.partner_b)
            # Days overdue as of the database's today (the view cannot be frozen).
            self.env.cr.execute("SELECT CURRENT_DATE - DATE '2026-03-01'")
            self.assertEqual(rows[0].days_overdue, self.env.cr.fetchone()[0])
            self.assertIn("Call", rows[0].action)

    def test_statement_attached_and_thanks_after_payment(self):
        self.courtesy.attach_statement = True
        self.env.company.dunning_thank_you = True
        invoice = self._invoice()
        communication = self._run("2026-03-02")
        message = communication.message_ids.filtered(
            lambda m: m.message_type == "comment"
        )
        self.assertEqual(
            sorted(message.attachment_ids.mapped("name")),
            sorted(
                [
                    f"{invoice._get_report_base_filename()}.pdf",
                    "Statement of account 2026-03-02.pdf",
                ]
            ),
        )
        self.assertEqual(self.partner_a.dunning_communication_count, 1)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2026-03-05"})._create_payments()
        self.assertIn("Thank you for your payment", invoice.message_ids[0].body)
        self.assertIn(self.partner_a, invoice.message_ids[0].partner_ids)

    def test_reminder_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.partner_a.lang = "fr_FR"
        self._invoice()
        communication = self._run("2026-03-02")
        message = communication.message_ids.filtered(
            lambda m: m.message_type == "comment"
        )
        self.assertIn("Sauf erreur de notre part", message.body)
        self.assertIn("Montant dû", message.body)

    def test_reminder_shows_the_penalties_accrued(self):
        self.partner_a.is_company = True  # a business: interest and indemnity
        invoice = self._invoice()
        with freeze_time("2026-03-16"):
            communication = self._run("2026-03-16")
            message = communication.message_ids.filtered(
                lambda m: m.message_type == "comment"
            )
            self.assertEqual(invoice.late_penalty_days, 15)
            accrued = invoice.late_penalty_interest + invoice.late_penalty_indemnity
            self.assertTrue(accrued)
            self.assertIn(f"{accrued:,.2f}", message.body)
