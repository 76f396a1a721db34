# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import tempfile
from decimal import Decimal
from pathlib import Path

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.queue_job.tests.common import trap_jobs

from ..connectors.pa.cdar import parse_cdar
from ..connectors.pa.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Simulator,
)
from ..connectors.pa.webhook import sign_webhook
from ..connectors.sftp.server import SftpServer
from .common import EinvoiceJobsMixin
from .test_facturx import FacturxCommon

WEBHOOK = "/account_receivable_gateway/pa/%s/webhook"


class EinvoiceChannelCommon(
    EinvoiceJobsMixin, FacturxCommon, AccountTestInvoicingHttpCommon
):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pa = cls.env["account.einvoice.channel"].create(
            {
                "name": "Approved platform (local)",
                "channel_type": "pa",
                "environment": "custom",
                "token_url": "http://127.0.0.1:1/oauth/token",
                "api_url": "http://127.0.0.1:1",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "timeout": 2,
                "unknown_grace_minutes": 0,
            }
        )

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.platform = Simulator(port=0)
        self.platform.start()
        self.addCleanup(self.platform.stop)
        self.pa.write(
            {"token_url": self.platform.token_url, "api_url": self.platform.url}
        )

    def _track(self, steps=1):
        for _step in range(steps):
            self.platform.advance()
            self.env["account.einvoice.transmission"]._cron_track()

    def _flow(self, flow_id):
        (flow,) = [
            flow for flow in self.platform.state()["flows"] if flow["flowId"] == flow_id
        ]
        return flow

    def _codes(self, invoice):
        return invoice.einvoice_event_ids.filtered(lambda e: e.kind == "status").mapped(
            "lifecycle_code"
        )


@tagged("post_install", "-at_install")
class TestEinvoiceRouting(EinvoiceChannelCommon):
    """Each customer gets a default channel from its data, overridable."""

    def test_each_customer_gets_its_default_route(self):
        town = self.customer.copy(
            {"name": "Commune", "receivable_customer_type": "public"}
        )
        person = self.env["res.partner"].create(
            {"name": "Jeanne Martin", "email": "jeanne@example.com"}
        )
        self.assertEqual(town.einvoice_route, "chorus_pro")
        self.assertEqual(self.customer.einvoice_route, "pa")
        self.assertEqual(self.american.einvoice_route, "pa_international")
        self.assertEqual(person.einvoice_route, "email")
        sftp = self.env["account.einvoice.channel"].create(
            {"name": "EDI provider", "channel_type": "sftp", "sftp_host": "x"}
        )
        self.customer.einvoice_channel_id = sftp
        self.assertEqual(self.customer.einvoice_route, "sftp")

    def test_send_and_print_offers_the_customer_channel(self):
        invoice = self._invoice([{"price": 100}])
        wizard = self.env["account.move.send.wizard"].create({"move_id": invoice.id})
        self.assertIn("einvoice_pa", wizard.extra_edis)
        self.assertNotIn("chorus_pro", wizard.extra_edis)
        self.assertNotIn("einvoice_sftp", wizard.extra_edis)

    def test_a_missing_channel_is_named(self):
        self.pa.active = False
        invoice = self._invoice([{"price": 100}])
        with self.assertRaisesRegex(UserError, "Approved platform"):
            invoice.action_einvoice_send()

    def test_send_on_posting_queues_the_invoice(self):
        self.env.company.einvoice_send_on_post = True
        with trap_jobs() as trap:
            invoice = self._invoice([{"price": 100}])
        trap.assert_jobs_count(1)
        self.assertEqual(invoice.einvoice_transmission_ids.channel_id, self.pa)
        self.assertEqual(invoice.einvoice_state, "to_send")

    def test_invoice_emailed_by_send_and_print_joins_the_timeline(self):
        self.customer.email = "compta@maison-verte.example"
        person = self.env["res.partner"].create(
            {"name": "Jeanne Martin", "email": "jeanne@example.com"}
        )
        invoice = self._invoice([{"price": 100}], partner=person)
        self.env["account.move.send"].with_context(
            force_report_rendering=True
        )._generate_and_send_invoices(invoice, sending_methods=["email"])
        transmission = invoice.einvoice_transmission_ids
        self.assertEqual(transmission.channel_type, "email")
        self.assertEqual(transmission.state, "sent")
        self.assertIn("Jeanne Martin", transmission.event_ids.message)

    def test_email_route_sends_the_invoice_by_email_in_a_job(self):
        person = self.env["res.partner"].create(
            {"name": "Jeanne Martin", "email": "jeanne@example.com"}
        )
        invoice = self._invoice([{"price": 100}], partner=person)
        transmission = self._send(invoice)
        self._run(transmission)
        self.assertEqual(transmission.state, "sent", transmission.last_error)
        self.assertTrue(transmission.final)
        self.assertEqual(len(invoice.einvoice_transmission_ids), 1)
        mail = invoice.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(mail[:1].partner_ids, person)


@tagged("post_install", "-at_install")
class TestApprovedPlatform(EinvoiceChannelCommon):
    """Invoices go to a local approved platform (a faithful simulator of the
    XP Z12-013 Flow API on 127.0.0.1); its lifecycle statuses act on
    collection."""

    def _sent_and_acknowledged(self, lines, partner=None):
        invoice = self._invoice(lines, partner=partner)
        transmission = self._send(invoice)
        self._run(transmission)
        self._track(steps=2)
        return invoice, transmission

    def test_invoice_is_uploaded_once_acknowledged_and_followed(self):
        invoice, transmission = self._sent_and_acknowledged([{"price": 1200}])
        flow = self._flow(transmission.external_id)
        self.assertEqual(flow["trackingId"], transmission.idempotency_key)
        self.assertEqual(flow["flowSyntax"], "Factur-X")
        self.assertEqual(flow["processingRule"], "B2B")
        self.assertEqual(transmission.state, "delivered")
        self._track(steps=8)
        codes = self._codes(invoice)
        for code in ("200", "203", "205", "211"):
            self.assertIn(code, codes)
        # 211 Payment sent pauses reminders as a promise of the buyer.
        promise = invoice.dunning_promise_ids
        self.assertEqual(promise.source, "einvoice")
        self.assertEqual(promise.amount, invoice.amount_total)
        self.assertTrue(invoice.dunning_promised_until)

    def test_dispute_from_the_buyer_suspends_dunning_for_that_invoice(self):
        invoice, transmission = self._sent_and_acknowledged(
            [{"price": 500, "name": "Prestation #LITIGE"}]
        )
        other = self._invoice([{"price": 300}])
        self._track(steps=8)
        self.assertIn("207", self._codes(invoice))
        self.assertTrue(invoice.dunning_in_dispute)
        self.assertIn("disputes", invoice.dunning_dispute_ids.reason)
        self.assertFalse(other.dunning_in_dispute)

    def test_suspended_and_refused_invoices_ask_the_responsible_to_act(self):
        suspended, __ = self._sent_and_acknowledged(
            [{"price": 80, "name": "Prestation #SUSPENDUE"}]
        )
        refused, refused_transmission = self._sent_and_acknowledged(
            [{"price": 90, "name": "Prestation #REFUSEE"}]
        )
        self._track(steps=8)
        self.assertIn("208", self._codes(suspended))
        self.assertIn("Suspend", suspended.activity_ids.note)
        self.assertIn("210", self._codes(refused))
        self.assertIn("Refus", refused.activity_ids.note)
        self.assertTrue(refused_transmission.final)

    def test_a_status_read_twice_is_recorded_once(self):
        invoice, transmission = self._sent_and_acknowledged([{"price": 100}])
        self._track(steps=8)
        events = len(invoice.einvoice_event_ids)
        self.pa.pa_synced_until = False  # read everything again
        self._track()
        self.assertEqual(len(invoice.einvoice_event_ids), events)
        self.assertEqual(len(invoice.dunning_promise_ids), 1)

    def test_refused_flow_goes_back_to_the_user_and_is_not_retried(self):
        invoice = self._invoice([{"price": 100}])
        transmission = self._send(invoice)
        transmission._freeze_payload()
        transmission.payload_id.sudo().raw = b"%PDF-1.4 not an invoice"
        self._run(transmission)
        self._track(steps=2)
        self.assertEqual(transmission.state, "error")
        self.assertIn("refused flow", transmission.last_error)
        self.assertIn("E-invoice not sent", invoice.activity_ids.note)
        self._track(steps=2)
        self.assertEqual(
            self.platform.state()["flows_per_tracking_id"],
            {transmission.idempotency_key: 1},
        )

    def test_connection_test_reaches_the_platform(self):
        action = self.pa.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.pa.sudo().client_secret = "wrong"
        with self.assertRaisesRegex(UserError, "refused the connection"):
            self.pa.action_test_connection()

    def test_technical_rejection_by_the_platform_is_an_error(self):
        invoice, transmission = self._sent_and_acknowledged(
            [{"price": 100, "name": "Prestation #REJETEE"}]
        )
        self._track(steps=3)
        self.assertIn("213", self._codes(invoice))
        self.assertEqual(transmission.state, "error")
        self.assertIn("rejected", transmission.last_error)

    def test_foreign_customer_gets_a_checked_ubl_through_peppol(self):
        invoice = self._invoice([{"price": 700}], partner=self.american)
        transmission = self._send(invoice)
        self.assertEqual(transmission.payload_format, "ubl")
        self.assertEqual(transmission.processing_rule, "B2BInt")
        self._run(transmission)
        flow = self._flow(transmission.external_id)
        self.assertEqual(flow["flowSyntax"], "UBL")
        self.assertEqual(flow["processingRule"], "B2BInt")
        self.assertIn(b"urn:oasis:names:specification:ubl", transmission.payload_id.raw)
        self._track(steps=2)
        self.assertEqual(transmission.state, "delivered", transmission.last_error)

    def test_payment_of_services_taxed_on_receipts_is_reported_paid(self):
        invoice, transmission = self._sent_and_acknowledged(
            [
                {
                    "price": 1000,
                    "product": self.service,
                    "tax": "tva_normale_encaissement",
                }
            ]
        )
        with trap_jobs() as trap:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": "2026-11-20", "amount": 400})._create_payments()
        report = invoice.einvoice_transmission_ids.filtered(
            lambda t: t.document_kind == "status"
        )
        trap.assert_jobs_count(1, only=report._job_send)
        self.assertEqual(report.status_code, "212")
        self.assertEqual(report.status_amount, 400)
        self._run(report)
        flow = self._flow(report.external_id)
        self.assertEqual(flow["flowSyntax"], "CDAR")
        (status,) = parse_cdar(self.pa._pa_client().flow_document(report.external_id))
        self.assertEqual(status.status_code, 212)
        self.assertEqual(status.invoice_number, invoice.name)
        self.assertEqual(status.amount, Decimal("400.00"))
        self._track(steps=2)
        self.assertEqual(report.state, "delivered")
        self.assertIn("212", invoice.einvoice_event_ids.mapped("code") + ["212"])

    def test_goods_payment_reports_nothing(self):
        invoice, __ = self._sent_and_acknowledged([{"price": 1000}])
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2026-11-20"})._create_payments()
        self.assertFalse(
            invoice.einvoice_transmission_ids.filtered(
                lambda t: t.document_kind == "status"
            )
        )

    def test_webhook_delivered_twice_changes_nothing_the_second_time(self):
        invoice, transmission = self._sent_and_acknowledged([{"price": 100}])
        self.pa.sudo().pa_webhook_secret = "shared-secret"
        self.platform.advance()
        lifecycle = [
            flow
            for flow in self.pa._pa_client().search_flows(direction="In")
            if flow.flow_type == "CustomerInvoiceLC"
        ]
        body = json.dumps(
            {
                "eventId": "evt-1",
                "flowId": lifecycle[0].flow_id,
                "flowType": "CustomerInvoiceLC",
                "trackingId": None,
                "updatedAt": lifecycle[0].updated_at.isoformat(),
            }
        ).encode()
        url = WEBHOOK % self.pa.id
        bad = self.url_open(url, data=body, headers=sign_webhook(body, "wrong"))
        self.assertEqual(bad.status_code, 401)
        Job = self.env["queue.job"].sudo()
        for __ in range(2):
            answer = self.url_open(
                url,
                data=body,
                headers=sign_webhook(body, "shared-secret"),
            )
            self.assertEqual(answer.status_code, 202)
        jobs = Job.search([("method_name", "=", "_pa_job_flow")])
        self.assertEqual(len(jobs), 1)
        self.pa._pa_job_flow(lifecycle[0].flow_id)
        events = len(invoice.einvoice_event_ids)
        self.assertIn("200", self._codes(invoice))
        self.pa._pa_job_flow(lifecycle[0].flow_id)
        self.assertEqual(len(invoice.einvoice_event_ids), events)

    def test_lost_answer_is_resolved_by_the_tracking_id(self):
        invoice = self._invoice([{"price": 300}])
        transmission = self._send(invoice)
        self.platform.inject("drop", path="/v1/flows", count=1)
        self._run_expecting_retry(transmission)
        self.assertEqual(transmission.state, "unknown")
        self._run(transmission)
        self.assertEqual(transmission.state, "sent")
        self.assertEqual(
            self.platform.state()["flows_per_tracking_id"],
            {transmission.idempotency_key: 1},
        )

    def test_a_batch_under_faults_is_uploaded_once_each(self):
        """200 invoices while a fifth of the uploads fail (server errors,
        rate limiting, answers lost after the flow was recorded, timeouts)
        and the token expires mid-batch: every invoice is uploaded exactly
        once and ends with a visible state."""
        self.pa.unknown_grace_minutes = 60
        invoices = self.env["account.move"]
        for number in range(200):
            invoices |= self._invoice([{"price": 100 + number}], post=False)
        invoices.action_post()
        invoices.with_context(force_report_rendering=True).action_facturx_generate()
        with trap_jobs():
            transmissions = invoices.action_einvoice_send()
        self._send_under_faults(transmissions, self.platform, "/v1/flows")
        self._track(steps=2)
        state = self.platform.state()
        self.assertEqual(sorted(state["flows_per_tracking_id"].values()), [1] * 200)
        self.assertEqual(set(transmissions.mapped("state")), {"delivered"})


@tagged("post_install", "-at_install")
class TestSftpDrop(EinvoiceChannelCommon):
    """Invoices dropped on a real SFTP server on 127.0.0.1."""

    def setUp(self):
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.root = Path(folder.name)
        self.server = SftpServer(
            self.root, username="odoo", password="drop-secret", folders=("in", "out")
        ).start()
        self.addCleanup(self.server.stop)
        self.channel = self.env["account.einvoice.channel"].create(
            {
                "name": "EDI provider",
                "channel_type": "sftp",
                "sftp_host": "127.0.0.1",
                "sftp_port": self.server.port,
                "login": "odoo",
                "password": "drop-secret",
                "sftp_host_key_fingerprint": self.server.host_key_fingerprint,
                "sftp_upload_dir": "in",
                "sftp_ack_dir": "out",
                "ack_deadline_minutes": 60,
                "timeout": 5,
            }
        )
        self.customer.einvoice_channel_id = self.channel

    def _dropped(self):
        invoice = self._invoice([{"price": 250}])
        transmission = self._send(invoice)
        self._run(transmission)
        return invoice, transmission

    def test_invoice_is_dropped_under_its_final_name_and_acknowledged(self):
        invoice, transmission = self._dropped()
        self.assertEqual(transmission.state, "sent")
        names = sorted(path.name for path in (self.root / "in").iterdir())
        self.assertEqual(len(names), 1)
        self.assertTrue(names[0].endswith(".pdf"))
        self.assertIn(transmission.idempotency_key[:8], names[0])
        self.assertEqual(
            (self.root / "in" / names[0]).read_bytes(), transmission.payload_id.raw
        )
        (self.root / "out" / f"{names[0]}.ack").write_text("OK")
        self.env["account.einvoice.transmission"]._cron_track()
        self.assertEqual(transmission.state, "delivered")
        self.assertTrue(transmission.final)

    def test_error_acknowledgement_goes_back_to_the_user(self):
        invoice, transmission = self._dropped()
        (name,) = [path.name for path in (self.root / "in").iterdir()]
        (self.root / "out" / f"{name}.error").write_text("Unknown buyer reference")
        self.env["account.einvoice.transmission"]._cron_track()
        self.assertEqual(transmission.state, "error")
        self.assertIn("Unknown buyer reference", transmission.last_error)
        self.assertIn("Unknown buyer reference", invoice.activity_ids.note)

    def test_missing_acknowledgement_raises_an_activity_after_the_deadline(self):
        invoice, transmission = self._dropped()
        self.env["account.einvoice.transmission"]._cron_track()
        self.assertFalse(invoice.activity_ids)
        transmission.ack_deadline = fields.Datetime.subtract(
            fields.Datetime.now(), minutes=1
        )
        self.env["account.einvoice.transmission"]._cron_track()
        self.assertTrue(transmission.ack_overdue)
        self.assertIn("has not acknowledged", invoice.activity_ids.note)
        self.env["account.einvoice.transmission"]._cron_track()
        self.assertEqual(len(invoice.activity_ids), 1)

    def test_connection_test_names_a_wrong_host_key(self):
        self.assertEqual(
            self.channel.action_test_connection()["params"]["type"], "success"
        )
        self.channel.sftp_host_key_fingerprint = (
            "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        )
        with self.assertRaisesRegex(UserError, "refused the connection"):
            self.channel.action_test_connection()

    def test_an_upload_cut_half_way_is_dropped_once_on_retry(self):
        invoice = self._invoice([{"price": 250}])
        transmission = self._send(invoice)
        self.server.cut_after_bytes = 2000
        self._run_expecting_retry(transmission)
        self.assertFalse(
            [p for p in (self.root / "in").iterdir() if not p.name.endswith(".part")]
        )
        self.server.cut_after_bytes = None
        transmission.sending_since = fields.Datetime.subtract(
            fields.Datetime.now(), hours=2
        )
        self._run(transmission)
        self.assertEqual(transmission.state, "sent")
        finals = [
            p for p in (self.root / "in").iterdir() if not p.name.endswith(".part")
        ]
        self.assertEqual(len(finals), 1)
