# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.queue_job.tests.common import trap_jobs

from ..connectors.chorus_pro.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_LOGIN,
    DEFAULT_PASSWORD,
    Simulator,
)
from .common import EinvoiceJobsMixin
from .test_facturx import FacturxCommon

RIVECOURT = "21600412700017"  # a buyer of the simulator's default seed
HOSPITAL = "26690012500011"  # requires a service code


@tagged("post_install", "-at_install")
class TestChorusProTransmission(
    EinvoiceJobsMixin, FacturxCommon, AccountTestInvoicingHttpCommon
):
    """Invoices to public buyers go to a local Chorus Pro (a faithful
    simulator on 127.0.0.1) and are followed to payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel = cls.env["account.einvoice.channel"].create(
            {
                "name": "Chorus Pro (local)",
                "channel_type": "chorus_pro",
                "environment": "custom",
                "token_url": "http://127.0.0.1:1/api/oauth/token",
                "api_url": "http://127.0.0.1:1",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "login": DEFAULT_LOGIN,
                "password": DEFAULT_PASSWORD,
                "timeout": 2,
                "unknown_grace_minutes": 0,
                "report_after_minutes": 0,
            }
        )
        cls.town = cls.env["res.partner"].create(
            {
                "name": "Commune de Rivecourt",
                "is_company": True,
                "receivable_customer_type": "public",
                "company_registry": RIVECOURT,
                "street": "1 place de la Mairie",
                "zip": "60000",
                "city": "Rivecourt",
                "country_id": cls.env.ref("base.fr").id,
            }
        )

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.chorus = Simulator(port=0)
        self.chorus.start()
        self.addCleanup(self.chorus.stop)
        self.channel.write(
            {"token_url": self.chorus.token_url, "api_url": self.chorus.url}
        )

    def _track(self, steps=1):
        for _step in range(steps):
            self.chorus.advance()
            self.env["account.einvoice.transmission"]._cron_track()

    def _state(self):
        return self.chorus.state()

    def test_invoice_goes_to_chorus_pro_and_is_followed_to_payment(self):
        invoice = self._invoice([{"price": 1200}], partner=self.town)
        transmission = self._send(invoice)
        self.assertEqual(transmission.state, "to_send")
        self.assertTrue(transmission.idempotency_key)
        self._run(transmission)
        self.assertEqual(transmission.state, "sent")
        self.assertEqual(len(transmission.payload_sha256), 64)
        self.assertEqual(
            self._state()["deposits_per_invoice_number"], {invoice.name: 1}
        )
        self._track(steps=3)
        self.assertEqual(transmission.state, "delivered")
        self.assertTrue(transmission.external_document_id)
        self._track(steps=6)
        self.assertEqual(transmission.business_status, "MISE_EN_PAIEMENT")
        self.assertTrue(transmission.final)
        self.assertEqual(invoice.einvoice_status, "MISE_EN_PAIEMENT")
        codes = transmission.event_ids.filtered(lambda e: e.kind == "status").mapped(
            "code"
        )
        for status in ("DEPOSEE", "MISE_A_DISPOSITION", "MANDATEE", "MISE_EN_PAIEMENT"):
            self.assertIn(status, codes)
        paid = transmission.event_ids.filtered(lambda e: e.code == "MISE_EN_PAIEMENT")
        self.assertEqual(paid.lifecycle_code, "211")
        # A final invoice costs no more calls.
        calls = sum(self._state()["calls"].values())
        self._track()
        self.assertEqual(sum(self._state()["calls"].values()), calls)

    def test_a_fresh_deposit_costs_no_report_while_it_is_processed(self):
        self.channel.report_after_minutes = 15
        invoice = self._invoice([{"price": 100}], partner=self.town)
        transmission = self._send(invoice)
        self._run(transmission)
        self._track()  # still processing: one search, no deposit report
        calls = self._state()["calls"]
        self.assertNotIn("/cpro/transverses/v1/consulterCRDetaille", calls)
        self.assertEqual(calls["/cpro/factures/v1/rechercher/fournisseur"], 1)
        self.assertEqual(transmission.state, "sent")
        self._track(steps=2)
        self.assertEqual(transmission.state, "delivered")

    def test_a_transmission_is_cancelled_only_before_it_leaves(self):
        invoice = self._invoice([{"price": 100}], partner=self.town)
        transmission = self._send(invoice)
        transmission.action_cancel()
        self.assertEqual(transmission.state, "cancelled")
        self.assertEqual(self._run(transmission), "Nothing to do in state cancelled.")
        self.assertEqual(self._state()["deposits_per_invoice_number"], {})
        again = self._send(invoice)  # a new one may start
        self.assertNotEqual(again, transmission)
        self._run(again)
        with self.assertRaisesRegex(UserError, "still waiting to be sent"):
            again.action_cancel()

    def test_sending_twice_reuses_the_transmission(self):
        invoice = self._invoice([{"price": 100}], partner=self.town)
        first = self._send(invoice)
        with trap_jobs():
            self.assertEqual(invoice.action_einvoice_send(), first)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.env["account.einvoice.transmission"].create(
                {"move_id": invoice.id, "channel_id": self.channel.id}
            )

    def test_lost_answer_is_looked_up_before_any_resend(self):
        invoice = self._invoice([{"price": 300}], partner=self.town)
        transmission = self._send(invoice)
        self.chorus.inject("drop", path="/cpro/factures/v1/deposer/flux", count=1)
        self._run_expecting_retry(transmission)
        self.assertEqual(transmission.state, "unknown")
        self.chorus.advance()
        self.chorus.advance()
        self._run(transmission)  # Chorus Pro lists it now: no second deposit
        self.assertEqual(transmission.state, "sent")
        self.assertEqual(
            self._state()["deposits_per_invoice_number"], {invoice.name: 1}
        )

    def test_a_second_worker_never_deposits_what_the_first_is_sending(self):
        """Worker A committed "sending" and is waiting for Chorus Pro (or
        died there); worker B, given the same job, must not deposit again
        before the peer had time to show A's deposit."""
        self.channel.unknown_grace_minutes = 60
        invoice = self._invoice([{"price": 70}], partner=self.town)
        transmission = self._send(invoice)
        self._run(transmission)  # A's deposit went through...
        self.assertEqual(
            self._state()["deposits_per_invoice_number"], {invoice.name: 1}
        )
        transmission.write(  # ...but A never recorded the answer
            {
                "state": "sending",
                "sending_since": fields.Datetime.now(),
                "external_id": False,
            }
        )
        self._run_expecting_retry(transmission)  # B: too early to tell
        self.assertEqual(transmission.state, "unknown")
        self.chorus.advance()
        self.chorus.advance()
        self._run(transmission)  # B, later: A's deposit is found
        self.assertEqual(transmission.state, "sent")
        self.assertTrue(transmission.external_id)
        self.assertEqual(
            self._state()["deposits_per_invoice_number"], {invoice.name: 1}
        )

    def test_temporary_failure_is_retried_and_refusal_is_not(self):
        invoice = self._invoice([{"price": 50}], partner=self.town)
        transmission = self._send(invoice)
        self.chorus.inject(
            "http", status=503, path="/cpro/factures/v1/deposer/flux", count=1
        )
        self._run_expecting_retry(transmission)
        self.assertEqual(transmission.state, "to_send")
        self.assertTrue(transmission.next_retry_at)
        self._run(transmission)
        self.assertEqual(transmission.state, "sent")
        self.assertEqual(transmission.attempt_count, 2)

    def test_refused_deposit_goes_back_to_the_user(self):
        invoice = self._invoice(
            [{"price": 80, "name": "Prestation #REJETEE"}], partner=self.town
        )
        transmission = self._send(invoice)
        self._run(transmission)
        self._track(steps=8)
        self.assertEqual(transmission.business_status, "REJETEE")
        self.assertEqual(
            transmission.event_ids.filtered(
                lambda e: e.code == "REJETEE"
            ).lifecycle_code,
            "210",
        )

    def test_deposit_refused_by_chorus_pro_goes_back_with_its_reason(self):
        stranger = self.town.copy(
            {"name": "Commune inconnue", "company_registry": "21330063500017"}
        )
        invoice = self._invoice([{"price": 40}], partner=stranger)
        transmission = self._send(invoice)
        self._run(transmission)
        self._track(steps=3)
        self.assertEqual(transmission.state, "error")
        self.assertIn("refused the deposit", transmission.last_error)
        self.assertIn("E-invoice not sent", invoice.activity_ids.note)

    def test_suspended_invoice_asks_its_responsible_to_act(self):
        invoice = self._invoice(
            [{"price": 80, "name": "Prestation #SUSPENDUE"}], partner=self.town
        )
        transmission = self._send(invoice)
        self._run(transmission)
        self._track(steps=5)
        self.assertEqual(transmission.business_status, "SUSPENDUE")
        self.assertIn("SUSPENDUE", invoice.activity_ids.note)

    def test_buyer_requirements_are_enforced_at_posting(self):
        hospital = self.town.copy(
            {
                "name": "Centre hospitalier",
                "company_registry": HOSPITAL,
                "chorus_requirement": "service",
            }
        )
        with self.assertRaisesRegex(UserError, "a service code"):
            self._invoice([{"price": 10}], partner=hospital)
        with self.assertRaisesRegex(UserError, "FACTURES_PUBLIQUES"):
            self._invoice(
                [{"price": 10}],
                partner=hospital,
                einvoice_service_code="FACTURES_PUBLIQUES",
            )
        invoice = self._invoice(
            [{"price": 10}], partner=hospital, einvoice_service_code="PHARMACIE"
        )
        self.assertEqual(invoice.state, "posted")

    def test_event_timeline_is_append_only(self):
        invoice = self._invoice([{"price": 100}], partner=self.town)
        transmission = self._send(invoice)
        self._run(transmission)
        with self.assertRaises(UserError):
            transmission.event_ids[:1].message = "changed"
        with self.assertRaises(UserError):
            transmission.event_ids.unlink()

    def test_a_batch_under_faults_is_deposited_once_each(self):
        """200 invoices while a fifth of the deposits fail (server errors,
        rate limiting, answers lost after the deposit was recorded, timeouts)
        and the token expires mid-batch: every invoice is deposited exactly
        once and ends with a visible state."""
        self.channel.unknown_grace_minutes = 60
        invoices = self.env["account.move"]
        for number in range(200):
            invoices |= self._invoice(
                [{"price": 100 + number}], partner=self.town, post=False
            )
        invoices.action_post()
        invoices.with_context(force_report_rendering=True).action_facturx_generate()
        with trap_jobs():
            transmissions = invoices.action_einvoice_send()
        self._send_under_faults(
            transmissions, self.chorus, "/cpro/factures/v1/deposer/flux"
        )
        self._track(steps=3)
        state = self._state()
        self.assertEqual(
            sorted(state["deposits_per_invoice_number"].values()), [1] * 200
        )
        self.assertEqual(set(transmissions.mapped("state")), {"delivered"})
        self.assertEqual(state["calls"]["/api/oauth/token"], 2)

    def test_public_buyer_is_refreshed_from_chorus_pro(self):
        hospital = self.town.copy(
            {"name": "CH de Valfleuri", "company_registry": HOSPITAL}
        )
        with trap_jobs() as trap:
            hospital.action_chorus_refresh()
        trap.assert_jobs_count(1)
        trap.perform_enqueued_jobs()
        self.assertTrue(hospital.chorus_structure_id)
        self.assertEqual(hospital.chorus_requirement, "service")
        services = {
            s.code: s
            for s in hospital.with_context(active_test=False).chorus_service_ids
        }
        self.assertTrue(services["PHARMACIE"].commitment_required)
        self.assertTrue(services["SERVICES-TECHNIQUES"].active)
        self.assertFalse(services["FACTURES_PUBLIQUES"].active)
        with self.assertRaisesRegex(UserError, "PHARMACIE requires one"):
            self._invoice(
                [{"price": 10}], partner=hospital, einvoice_service_code="PHARMACIE"
            )
        with self.assertRaisesRegex(UserError, "INCONNU is not one"):
            self._invoice(
                [{"price": 10}], partner=hospital, einvoice_service_code="INCONNU"
            )

    def test_send_and_print_offers_chorus_pro_for_public_buyers(self):
        invoice = self._invoice([{"price": 100}], partner=self.town)
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        self.assertIn("chorus_pro", wizard.extra_edis)
        with trap_jobs() as trap:
            wizard.with_context(force_report_rendering=True).action_send_and_print()
        trap.assert_jobs_count(1)
        transmission = invoice.einvoice_transmission_ids
        self.assertEqual(transmission.state, "to_send")
        self._run(transmission)
        self.assertEqual(transmission.state, "sent")
        other = self._invoice([{"price": 100}])
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=other.ids)
            .create({})
        )
        self.assertNotIn("chorus_pro", wizard.extra_edis)

    def _answer(self, invoice, action, **values):
        wizard = (
            self.env["account.einvoice.chorus.answer"]
            .with_context(active_id=invoice.id)
            .create({"move_id": invoice.id, "action": action, **values})
        )
        with trap_jobs() as trap:
            wizard.action_confirm()
        trap.assert_jobs_count(1)
        trap.perform_enqueued_jobs()

    def test_suspended_invoice_is_completed_and_goes_on_to_payment(self):
        invoice = self._invoice(
            [{"price": 80, "name": "Prestation #SUSPENDUE"}], partner=self.town
        )
        transmission = self._send(invoice)
        self._run(transmission)
        self._track(steps=5)
        self.assertEqual(invoice.einvoice_status, "SUSPENDUE")
        proof = self.env["ir.attachment"].create(
            {
                "name": "bon_livraison.pdf",
                "raw": b"%PDF-1.4 proof",
                "mimetype": "application/pdf",
            }
        )
        self._answer(
            invoice,
            "complete",
            comment="Bon de livraison signé joint.",
            attachment_ids=proof.ids,
        )
        self._track(steps=8)
        self.assertEqual(invoice.einvoice_status, "MISE_EN_PAIEMENT")
        self.assertIn("COMPLETEE", transmission.event_ids.mapped("code"))

    def test_invoice_to_recycle_gets_its_new_routing(self):
        invoice = self._invoice(
            [{"price": 80, "name": "Prestation #A_RECYCLER"}], partner=self.town
        )
        transmission = self._send(invoice)
        self._run(transmission)
        self._track(steps=5)
        self.assertEqual(invoice.einvoice_status, "A_RECYCLER")
        self._answer(invoice, "recycle", comment="Bon service.", service_code="ECOLES")
        self.assertEqual(invoice.einvoice_service_code, "ECOLES")
        self._track(steps=8)
        self.assertEqual(invoice.einvoice_status, "MISE_EN_PAIEMENT")
        with self.assertRaisesRegex(UserError, "status A_RECYCLER"):
            self.env["account.einvoice.chorus.answer"].create(
                {"move_id": invoice.id, "action": "recycle", "comment": "again"}
            ).action_confirm()

    def test_send_job_may_commit_its_progress(self):
        """queue_job forbids commits unless the job function allows them; the
        send job commits "sending" before it calls the peer."""
        functions = self.env["queue.job.function"].sudo()
        name = functions.job_function_name("account.einvoice.transmission", "_job_send")
        self.assertTrue(functions.job_config(name).allow_commit)
