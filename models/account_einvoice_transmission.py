# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import hashlib
import uuid
from datetime import timedelta, timezone

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

from ..connectors.chorus_pro import statuses as chorus_statuses
from ..connectors.chorus_pro.client import Attachment
from ..connectors.errors import OutcomeUnknownError, PermanentError, TransientError
from ..connectors.pa.cdar import LIFECYCLE_LABELS
from .account_einvoice_event import LIFECYCLE_CODES

TRANSPORT_STATES = [
    ("to_send", "To Send"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("error", "Error"),
    ("unknown", "Unknown"),
    ("cancelled", "Cancelled"),
]
# A transmission in one of these states is over: another one may start.
CLOSED_STATES = ("error", "cancelled")
LIFECYCLE_CODE_VALUES = {code for code, __ in LIFECYCLE_CODES}
# Lifecycle statuses after which nothing more is expected on an invoice.
PA_FINAL_CODES = (210, 212, 213, 220)
PAYLOAD_FORMATS = [
    ("facturx", "Factur-X"),
    ("pdf", "PDF"),
    ("ubl", "UBL (Peppol BIS 3)"),
    ("cdar", "CDAR status message"),
]


class AccountEinvoiceTransmission(models.Model):
    """One invoice sent through one channel: the engine every channel shares.

    The payload is frozen (with its sha256) and the idempotency key exists
    before any network call; the transport state says where the file is,
    the append-only events say what the buyer's side did with it. A send
    that may have reached the peer without an answer leaves the state
    ``unknown``: the document is looked up at the peer before any resend.
    """

    _name = "account.einvoice.transmission"
    _description = "E-invoice Transmission"
    _order = "id desc"
    _rec_name = "move_id"

    move_id = fields.Many2one(
        "account.move", required=True, ondelete="restrict", index=True, readonly=True
    )
    channel_id = fields.Many2one(
        "account.einvoice.channel", required=True, ondelete="restrict", readonly=True
    )
    channel_type = fields.Selection(related="channel_id.channel_type", store=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    document_kind = fields.Selection(
        [("invoice", "Invoice"), ("status", "Status message")],
        default="invoice",
        required=True,
        readonly=True,
        help="The invoice itself, or a lifecycle status the seller owes about "
        "it (such as 212 Paid).",
    )
    payload_format = fields.Selection(
        PAYLOAD_FORMATS, default="facturx", required=True, readonly=True
    )
    processing_rule = fields.Char(
        readonly=True,
        help="The approved platform's processing rule (B2B, B2BInt, B2G...).",
    )
    status_code = fields.Char(
        readonly=True, help="Lifecycle code a status message reports."
    )
    status_reference = fields.Char(
        readonly=True,
        help="What a status message reports on, such as the payment it "
        "announces: the same one is never reported twice.",
    )
    status_amount = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="Amount collected that a 212 status reports.",
    )
    status_date = fields.Date(readonly=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    ack_deadline = fields.Datetime(
        readonly=True,
        help="When the peer's acknowledgement is due: after it, the invoice's "
        "responsible gets an activity.",
    )
    ack_overdue = fields.Boolean(readonly=True)
    state = fields.Selection(
        TRANSPORT_STATES, default="to_send", required=True, readonly=True, index=True
    )
    idempotency_key = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: str(uuid.uuid4()),
        help="Created before any network call and sent with every attempt, so "
        "that the peer and we can recognise the same document.",
    )
    payload_id = fields.Many2one("ir.attachment", readonly=True)
    payload_sha256 = fields.Char(string="Payload SHA-256", readonly=True)
    external_id = fields.Char(
        string="Peer Reference", readonly=True, help="Deposit or flow number."
    )
    external_document_id = fields.Char(
        string="Peer Document", readonly=True, index="btree_not_null"
    )
    business_status = fields.Char(string="Peer Status", readonly=True)
    lifecycle_code = fields.Char(
        readonly=True, help="French e-invoicing lifecycle code (200 to 213)."
    )
    status_changed_at = fields.Datetime(readonly=True)
    final = fields.Boolean(
        readonly=True, help="The peer will not change the status any more."
    )
    attempt_count = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    next_retry_at = fields.Datetime(readonly=True)
    sending_since = fields.Datetime(readonly=True)
    sent_at = fields.Datetime(readonly=True)
    event_ids = fields.One2many(
        "account.einvoice.event", "transmission_id", string="Timeline", readonly=True
    )

    _one_live_per_channel = models.UniqueIndex(
        "(move_id, channel_id) WHERE state NOT IN ('error', 'cancelled') "
        "AND document_kind = 'invoice'",
        "This invoice is already being sent through this channel.",
    )
    _one_status_per_reference = models.UniqueIndex(
        "(move_id, channel_id, status_reference) "
        "WHERE state NOT IN ('error', 'cancelled') AND document_kind = 'status'",
        "This status was already reported for this invoice.",
    )
    _unique_key = models.UniqueIndex("(idempotency_key)")

    # Queueing -------------------------------------------------------------

    def _enqueue(self, eta=None):
        for transmission in self:
            transmission.with_delay(
                channel=f"root.einvoice.{transmission.channel_type}",
                identity_key=f"einvoice-send-{transmission.id}-{transmission.attempt_count}",
                eta=eta,
                description=self.env._(
                    "Send %(invoice)s through %(channel)s",
                    invoice=transmission.move_id.name,
                    channel=transmission.channel_id.name,
                ),
            )._job_send()

    def action_cancel(self):
        """Cancel transmissions that have not left yet; one that may have
        reached the peer cannot be called back."""
        for transmission in self:
            if not transmission._lock() or transmission.state != "to_send":
                raise UserError(
                    self.env._(
                        "Only a transmission still waiting to be sent can be "
                        "cancelled: %(invoice)s is %(state)s.",
                        invoice=transmission.move_id.name,
                        state=transmission.state,
                    )
                )
            transmission.write({"state": "cancelled", "final": True})
            transmission._add_event("transport", "cancelled", self.env.user.name)
        return True

    def action_retry(self):
        """Send again a transmission stopped by an error, as a new one."""
        moves = self.filtered(lambda t: t.state == "error").move_id
        return moves.action_einvoice_send()

    # Sending ---------------------------------------------------------------

    def _can_commit(self):
        return self.env["account.move.send"]._can_commit()

    def _lock(self):
        """Lock the row, or return False when another worker holds it."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM account_einvoice_transmission "
                    "WHERE id = %s FOR UPDATE NOWAIT",
                    [self.id],
                )
        except pg_errors.LockNotAvailable:
            return False
        self.invalidate_recordset()
        return True

    def _job_send(self):
        """Queue job: send the transmission once, whatever happens around."""
        self.ensure_one()
        if not self._lock():
            return "Another worker is sending it."
        if self.state in ("sending", "unknown"):
            # An earlier attempt may have reached the peer: look first.
            found = self.channel_id._einvoice_lookup(self)
            if found:
                self._record_sent(
                    found, self.env._("Found at the peer after an uncertain send.")
                )
                return "Found at the peer."
            grace = timedelta(minutes=self.channel_id.unknown_grace_minutes)
            since = self.sending_since or fields.Datetime.now()
            if fields.Datetime.now() < since + grace:
                self.state = "unknown"
                raise RetryableJobError(
                    "The peer may still be processing an earlier attempt.",
                    seconds=max(60, int(grace.total_seconds() / 4)),
                    ignore_retry=True,
                )
        elif self.state != "to_send":
            return f"Nothing to do in state {self.state}."
        if not self.payload_id:
            try:
                with self.env.cr.savepoint():
                    self._freeze_payload()
            except UserError as error:
                self._record_refusal(str(error))
                return str(error)
        self.write(
            {
                "state": "sending",
                "sending_since": fields.Datetime.now(),
                "attempt_count": self.attempt_count + 1,
            }
        )
        if self._can_commit():
            # A crash from here on leaves "sending": the next attempt looks first.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        try:
            result = self.channel_id._einvoice_send(self)
        except OutcomeUnknownError as error:
            self.write({"state": "unknown", "last_error": str(error)})
            self._add_event("transport", "unknown", str(error))
            if self._can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
            raise RetryableJobError(
                str(error), seconds=60, ignore_retry=True
            ) from error
        except TransientError as error:
            return self._record_transient_error(error)
        except PermanentError as error:
            self._record_refusal(str(error))
            return str(error)
        self._record_sent(result, self.env._("Sent."))
        return result.get("external_id")

    def _freeze_payload(self):
        """The file to send, checked, stored once and never rebuilt."""
        name, data, mimetype = getattr(self, f"_{self.payload_format}_payload")()
        payload = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{self.idempotency_key}-{name}",
                    "raw": data,
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.write(
            {
                "payload_id": payload.id,
                "payload_sha256": hashlib.sha256(data).hexdigest(),
            }
        )

    def _facturx_payload(self):
        move = self.move_id
        attachment = move.invoice_pdf_report_id
        if not attachment or not attachment.name.endswith("factur-x.pdf"):
            attachment = move.action_facturx_generate()
        return attachment.name, attachment.sudo().raw, "application/pdf"

    def _pdf_payload(self):
        """The invoice's PDF as Odoo attaches it (Factur-X for companies),
        made by Send & Print if it is not there yet."""
        move = self.move_id
        if not move.invoice_pdf_report_id:
            self.env["account.move.send"]._generate_and_send_invoices(
                move, sending_methods=["manual"], extra_edis=move._einvoice_email_edis()
            )
        attachment = move.invoice_pdf_report_id
        return attachment.name, attachment.sudo().raw, "application/pdf"

    def _ubl_payload(self):
        move = self.move_id
        name = move._get_invoice_report_filename(extension="xml")
        return name, move._einvoice_ubl(), "application/xml"

    def _cdar_payload(self):
        xml = self.move_id._einvoice_cdar(
            int(self.status_code), self.status_amount, self.status_date
        )
        return (
            f"{self.move_id.name.replace('/', '_')}-{self.status_code}.xml",
            xml,
            "application/xml",
        )

    def _record_sent(self, result, message):
        deadline = self.channel_id.ack_deadline_minutes
        final = result.get("final", self.final)
        self.write(
            {
                "state": result.get("state", "sent"),
                "final": final,
                "ack_deadline": deadline
                and not final
                and fields.Datetime.now() + timedelta(minutes=deadline),
                "sent_at": fields.Datetime.now(),
                "external_id": result.get("external_id"),
                "external_document_id": result.get("external_document_id"),
                "last_error": False,
                "next_retry_at": False,
            }
        )
        self._add_event("transport", "sent", message)

    def _record_transient_error(self, error):
        attempts = self.attempt_count
        if attempts >= self.channel_id.max_attempts:
            self._record_refusal(
                self.env._(
                    "Stopped after %(count)s attempts: %(error)s",
                    count=attempts,
                    error=error,
                )
            )
            return str(error)
        delay = min(3600, 30 * 2 ** (attempts - 1))
        self.write(
            {
                "state": "to_send",
                "last_error": str(error),
                "next_retry_at": fields.Datetime.now() + timedelta(seconds=delay),
            }
        )
        self._add_event("transport", "retry", str(error))
        if self._can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit
        raise RetryableJobError(str(error), seconds=delay, ignore_retry=True)

    def _record_refusal(self, message):
        """The peer said no, or we gave up: a person must act."""
        self.write({"state": "error", "last_error": message, "final": True})
        self._add_event("transport", "error", message)
        self.move_id._einvoice_ask_for_action(
            self.env._("E-invoice not sent: %(error)s", error=message)
        )

    def _add_event(
        self, kind, code, message="", lifecycle_code=False, at=None, external_id=False
    ):
        return self.env["account.einvoice.event"].create(
            {
                "transmission_id": self.id,
                "kind": kind,
                "code": code,
                "lifecycle_code": lifecycle_code,
                "message": message,
                "date": at or fields.Datetime.now(),
                "external_id": external_id,
            }
        )

    def _add_status_event(
        self, code, message, lifecycle_code, at=None, external_id=False, amount=None
    ):
        """Append a status from the buyer's side, and let its lifecycle code
        act on collection."""
        event = self._add_event(
            "status", code, message, lifecycle_code, at=at, external_id=external_id
        )
        if lifecycle_code and self.document_kind == "invoice":
            self.move_id._einvoice_apply_lifecycle(
                int(lifecycle_code),
                self.channel_id.name,
                reason=" ".join(
                    part for part in (not code.isdigit() and code, message) if part
                ),
                amount=amount,
                on_date=at and at.date(),
            )
        return event

    # Tracking -------------------------------------------------------------

    @api.model
    def _cron_track(self):
        """Follow every transmission the peers may still move, per channel."""
        channels = self.env["account.einvoice.channel"].search(
            [("channel_type", "!=", "email")]  # emails get no answer to follow
        )
        for channel in channels:
            tracked = self.search(
                [
                    ("channel_id", "=", channel.id),
                    ("state", "in", ("sent", "delivered")),
                    ("final", "=", False),
                ]
            )
            if tracked:
                channel._einvoice_track(tracked)
                tracked._check_ack_deadline()
                if self._can_commit():
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        stuck = self.search(
            [
                ("state", "in", ("to_send", "sending", "unknown")),
                ("create_date", "<", fields.Datetime.now() - timedelta(minutes=10)),
            ]
        )
        # Queue again what lost its job (a crash, a purge); identity keys
        # keep a queued one from being doubled.
        stuck._enqueue()

    def _check_ack_deadline(self):
        """Ask the responsible to act on documents the peer has not
        acknowledged in time (once per transmission)."""
        overdue = self.filtered(
            lambda t: t.state == "sent"
            and t.ack_deadline
            and t.ack_deadline < fields.Datetime.now()
            and not t.ack_overdue
        )
        for transmission in overdue:
            transmission.ack_overdue = True
            transmission._add_event("transport", "ack_missing")
            transmission.move_id._einvoice_ask_for_action(
                self.env._(
                    "%(channel)s has not acknowledged %(document)s, sent on "
                    "%(date)s: check with the recipient.",
                    channel=transmission.channel_id.name,
                    document=transmission.payload_id.name or transmission.move_id.name,
                    date=transmission.sent_at,
                )
            )

    def _set_business_status(self, status, lifecycle_code, final, at):
        self.write(
            {
                "state": "delivered",
                "business_status": status,
                "lifecycle_code": lifecycle_code or self.lifecycle_code,
                "final": final,
                "status_changed_at": at or fields.Datetime.now(),
            }
        )

    # Chorus Pro -----------------------------------------------------------

    def _chorus_pro_check_deposit(self, client):
        """The deposit of an invoice Chorus Pro does not list yet: still in
        progress, or refused (the reason goes back to the user)."""
        report = client.deposit_report(self.external_id)
        if not report.final:
            return
        reasons = [
            error.message
            for error in report.invoice_errors
            if error.number in (self.move_id.name, "", None)
        ] + [
            f"{error.code} {error.message}".strip() for error in report.technical_errors
        ]
        if reasons or not report.integrated:
            self._add_event("status", report.state, "\n".join(reasons))
            self._record_refusal(
                self.env._(
                    "Chorus Pro refused the deposit %(deposit)s (%(state)s): "
                    "%(reasons)s",
                    deposit=self.external_id,
                    state=report.state,
                    reasons="; ".join(reasons) or "-",
                )
            )

    def _chorus_pro_follow(self, client, invoice):
        """Record the new status of an invoice and the history behind it."""
        known = set(self.event_ids.mapped("external_id"))
        for event in client.invoice_history(invoice.cpp_id):
            event_id = str(event.event_id)
            if event_id in known:
                continue
            self._add_status_event(
                event.status,
                event.comment or "",
                _code(chorus_statuses.lifecycle_code(event.status)),
                at=_datetime(event.at),
                external_id=event_id,
            )
        if not self.external_document_id:
            self.external_document_id = str(invoice.cpp_id)
        self._set_business_status(
            invoice.status,
            _code(chorus_statuses.lifecycle_code(invoice.status)),
            chorus_statuses.is_final(
                invoice.status,
                payment_status_not_reported=self.move_id.commercial_partner_id.chorus_payment_not_reported,
            ),
            _datetime(invoice.changed_at),
        )
        if chorus_statuses.supplier_action(invoice.status) and not (
            chorus_statuses.lifecycle_code(invoice.status)
        ):
            # Statuses with a lifecycle code asked for action with their event.
            self.move_id._einvoice_ask_for_action(
                self.env._(
                    "Chorus Pro: the invoice is %(status)s. %(comment)s",
                    status=invoice.status,
                    comment=invoice.comment or "",
                )
            )

    def _job_chorus_pro_answer(self, action, comment, attachment_ids):
        """Queue job: complete a suspended invoice, or recycle one with the
        invoice's new routing."""
        self.ensure_one()
        client = self.channel_id._chorus_pro_client()
        move = self.move_id
        if action == "complete":
            attachments = self.env["ir.attachment"].sudo().browse(attachment_ids)
            client.complete(
                int(self.external_document_id),
                comment,
                [
                    Attachment(a.name[-50:], a.raw, a.mimetype or "application/pdf")
                    for a in attachments
                ],
            )
        else:
            client.recycle(
                int(self.external_document_id),
                move.commercial_partner_id.company_registry,
                move.einvoice_service_code or "",
                move.einvoice_commitment_number or "",
                comment,
            )
        self._add_event("transport", action, comment)

    # Approved platform (PA) ---------------------------------------------------

    def _pa_acknowledge(self, flow):
        """The platform's transport acknowledgement of our flow."""
        if flow.ack_status == "Ok" and self.state in ("sent", "unknown"):
            self.write(
                {
                    "state": "delivered",
                    "external_id": self.external_id or flow.flow_id,
                    "final": self.final or self.document_kind == "status",
                    "ack_deadline": False,
                }
            )
            self._add_event("transport", "Ok", self.env._("Accepted by the platform."))
        elif flow.ack_status == "Error" and self.state not in CLOSED_STATES:
            details = "; ".join(
                " ".join(
                    part
                    for part in (detail.reason_code, detail.reason_message, detail.item)
                    if part
                )
                for detail in flow.ack_details
            )
            self._record_refusal(
                self.env._(
                    "The platform refused flow %(flow)s: %(details)s",
                    flow=flow.flow_id,
                    details=details or "-",
                )
            )

    def _pa_record_status(self, status, external_id):
        """A lifecycle status (CDAR) about the invoice, from either side."""
        code = status.status_code
        label = status.status_label or LIFECYCLE_LABELS.get(code, "")
        message = "; ".join(
            [label]
            + [
                " ".join(part for part in (reason.code, reason.text) if part)
                for reason in status.reasons
            ]
        )
        at = _datetime(status.issued_at)
        self._add_status_event(
            str(code),
            message,
            str(code) if str(code) in LIFECYCLE_CODE_VALUES else False,
            at=at,
            external_id=external_id,
            amount=status.amount,
        )
        if code == 213:
            self._record_refusal(
                self.env._(
                    "The platform rejected the invoice: %(reasons)s", reasons=message
                )
            )
        elif self.state not in CLOSED_STATES:
            self._set_business_status(
                f"{code} {label}".strip(), str(code), code in PA_FINAL_CODES, at
            )


def _datetime(value):
    """A peer's aware datetime as Odoo stores it (naive UTC), or None."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def _code(code):
    return str(code) if code else False
