# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs


class EinvoiceJobsMixin:
    """Queue transmissions and run their send jobs as queue_job would."""

    def _send(self, invoice):
        with trap_jobs() as trap:
            transmission = invoice.action_einvoice_send()
        trap.assert_jobs_count(1, only=transmission._job_send)
        return transmission

    def _run(self, transmission):
        return transmission.with_context(force_report_rendering=True)._job_send()

    def _run_expecting_retry(self, transmission):
        """Run the job, keeping what it committed before asking to be
        retried (Odoo's assertRaises would roll it back)."""
        try:
            self._run(transmission)
        except RetryableJobError:
            return
        self.fail("The job did not ask to be retried.")

    def _send_under_faults(self, transmissions, peer, path):
        """Send a batch while a fifth of the calls to ``path`` fail in every
        way the peer can inject (server errors, rate limiting, answers lost
        after the peer recorded the document, timeouts) and the token expires
        half-way, then let the jobs be retried as queue_job would, the peer's
        clock moving on."""
        peer.inject("http", path=path, status=500, rate=0.07)
        peer.inject("http", path=path, status=429, rate=0.07)
        peer.inject("drop", path=path, rate=0.06)
        peer.inject("timeout", path=path, count=2, delay=3)
        for number, transmission in enumerate(transmissions):
            if number == len(transmissions) // 2:
                peer.expire_tokens()
            self._run_allowing_retry(transmission)
        peer.clear_faults()
        for _round in range(3):
            peer.advance()
            for transmission in transmissions.filtered(
                lambda t: t.state in ("to_send", "unknown")
            ):
                self._run_allowing_retry(transmission)
        # Some answers were lost before the peer recorded anything: once the
        # grace period is over and the lookup still finds nothing, they are
        # sent again.
        lost = transmissions.filtered(lambda t: t.state == "unknown")
        lost.sending_since = fields.Datetime.subtract(fields.Datetime.now(), hours=2)
        for transmission in lost:
            self._run(transmission)

    def _run_allowing_retry(self, transmission):
        try:
            self._run(transmission)
        except RetryableJobError:
            return
