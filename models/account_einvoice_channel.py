# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import secrets
from datetime import timedelta, timezone

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..connectors.chorus_pro.client import ChorusProClient
from ..connectors.errors import ConnectorError, PermanentError
from ..connectors.pa.cdar import parse_cdar
from ..connectors.pa.client import PlatformClient
from ..connectors.pa.webhook import verify_webhook
from ..connectors.sftp.client import SftpClient, SftpSettings

_logger = logging.getLogger(__name__)

CHORUS_PRO_URLS = {
    "sandbox": (
        "https://sandbox-oauth.piste.gouv.fr/api/oauth/token",
        "https://sandbox-api.piste.gouv.fr",
    ),
    "production": (
        "https://oauth.piste.gouv.fr/api/oauth/token",
        "https://api.piste.gouv.fr",
    ),
}

CHANNEL_TYPES = [
    ("chorus_pro", "Chorus Pro"),
    ("pa", "Approved Platform (PA)"),
    ("sftp", "SFTP Drop"),
    ("email", "Email"),
]
# How a customer's invoices travel (a channel set on the customer is the
# route of its type), and the channel type serving each route.
EINVOICE_ROUTES = [
    ("chorus_pro", "Chorus Pro"),
    ("pa", "Approved platform"),
    ("pa_international", "Approved platform, international (Peppol)"),
    ("sftp", "SFTP drop"),
    ("email", "Email"),
]
ROUTE_CHANNEL_TYPES = {
    "chorus_pro": "chorus_pro",
    "pa": "pa",
    "pa_international": "pa",
    "sftp": "sftp",
    "email": "email",
}
# Channel types reached over HTTP with OAuth2 client credentials.
HTTP_CHANNEL_TYPES = ("chorus_pro", "pa")

PA_SYNTAXES = {"facturx": "Factur-X", "ubl": "UBL", "cdar": "CDAR"}
# Flows changed this long before the last one seen are searched again, so
# that one updated in the same instant is not missed; seeing a flow twice
# changes nothing.
SYNC_OVERLAP = timedelta(minutes=1)
WEBHOOK_ROUTE = "/account_receivable_gateway/pa/%s/webhook"

# One client per channel and settings in each process, so that its access
# token serves every job until it expires.
_clients = {}


class AccountEinvoiceChannel(models.Model):
    """Where a company sends its e-invoices, and with which credentials:
    Chorus Pro, an approved platform, an SFTP drop, or email.

    The URLs are fields, so that any compatible server (a sandbox, or the
    local simulators) can be targeted; secrets are readable by
    administrators only. Each type ``t`` gives the transmission engine its
    ``_t_send``, ``_t_lookup``, ``_t_track`` and ``_t_health_check``.
    """

    _name = "account.einvoice.channel"
    _description = "E-invoicing Channel"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    channel_type = fields.Selection(CHANNEL_TYPES, string="Type", required=True)
    environment = fields.Selection(
        [("sandbox", "Sandbox"), ("production", "Production"), ("custom", "Custom")],
        required=True,
        default="sandbox",
    )
    token_url = fields.Char(
        string="Token URL",
        compute="_compute_urls",
        store=True,
        readonly=False,
        precompute=True,
    )
    api_url = fields.Char(
        string="API URL",
        compute="_compute_urls",
        store=True,
        readonly=False,
        precompute=True,
    )
    client_id = fields.Char(string="Client ID", groups="base.group_system")
    client_secret = fields.Char(groups="base.group_system")
    login = fields.Char(
        groups="base.group_system",
        help="Chorus Pro technical account, or SFTP user name.",
    )
    password = fields.Char(
        groups="base.group_system",
        help="Chorus Pro technical account's password, or SFTP password.",
    )
    timeout = fields.Integer(string="Timeout (s)", default=30, required=True)
    max_attempts = fields.Integer(
        default=8,
        required=True,
        help="Attempts after which a transmission that keeps failing for a "
        "temporary reason stops and waits for a person.",
    )
    unknown_grace_minutes = fields.Integer(
        string="Unknown Outcome Grace (min)",
        default=60,
        required=True,
        help="How long the peer may take to show a document it may have "
        "received before it is sent again (it is always looked up first).",
    )
    report_after_minutes = fields.Integer(
        string="Deposit Report After (min)",
        default=15,
        required=True,
        help="A deposited invoice normally shows up in the peer's search once "
        "processed; after this delay, the deposit's own report is read to "
        "find out why it does not.",
    )
    ack_deadline_minutes = fields.Integer(
        string="Acknowledgement Deadline (min)",
        default=24 * 60,
        help="How long the peer may take to acknowledge a document it took "
        "(approved platform, SFTP partner) before the invoice's responsible "
        "is asked to check. 0 waits forever.",
    )
    payload_format = fields.Selection(
        [("facturx", "Factur-X"), ("ubl", "UBL (Peppol BIS 3)")],
        string="File Format",
        default="facturx",
        required=True,
        help="Format of the files dropped on an SFTP channel.",
    )
    # Approved platform (PA)
    pa_webhook_secret = fields.Char(
        string="Webhook Secret",
        groups="base.group_system",
        copy=False,
        help="Shared with the platform, which signs its notifications with it.",
    )
    pa_webhook_id = fields.Char(string="Webhook", readonly=True, copy=False)
    pa_synced_until = fields.Datetime(
        string="Synchronised Until",
        readonly=True,
        copy=False,
        help="The platform's time of the last change read from it.",
    )
    # SFTP drop
    sftp_host = fields.Char(string="SFTP Host")
    sftp_port = fields.Integer(string="SFTP Port", default=22)
    sftp_private_key = fields.Text(
        string="Private Key",
        groups="base.group_system",
        help="OpenSSH or PEM private key, used instead of the password when set.",
    )
    sftp_host_key_fingerprint = fields.Char(
        string="Host Key Fingerprint",
        help="The server's SHA256 fingerprint, as `ssh-keygen -l` prints it: a "
        "server showing another key is refused.",
    )
    sftp_upload_dir = fields.Char(string="Upload Folder", default="in")
    sftp_ack_dir = fields.Char(
        string="Acknowledgement Folder",
        default="out",
        help="Where the partner writes <file>.ack (done) or <file>.error (refused).",
    )
    sftp_done_dir = fields.Char(
        string="Done Folder", help="Where the partner moves files it processed."
    )
    sftp_error_dir = fields.Char(
        string="Error Folder", help="Where the partner moves files it refused."
    )
    sftp_filename_template = fields.Char(
        string="File Name",
        default="{invoice}_{key}.{extension}",
        required=True,
        help="{invoice}: invoice number; {key}: first characters of the "
        "transmission's key, which make the name unique; {extension}.",
    )
    transmission_ids = fields.One2many("account.einvoice.transmission", "channel_id")

    _positive_timeout = models.Constraint(
        "CHECK (timeout > 0 AND max_attempts > 0 AND unknown_grace_minutes >= 0 "
        "AND report_after_minutes >= 0 AND ack_deadline_minutes >= 0)",
        "Timeouts, attempts and grace periods must be positive.",
    )

    @api.depends("environment", "channel_type")
    def _compute_urls(self):
        for channel in self:
            if (
                channel.channel_type == "chorus_pro"
                and channel.environment in CHORUS_PRO_URLS
            ):
                channel.token_url, channel.api_url = CHORUS_PRO_URLS[
                    channel.environment
                ]

    @api.constrains("token_url", "api_url", "channel_type")
    def _check_urls(self):
        for channel in self.filtered(lambda c: c.channel_type in HTTP_CHANNEL_TYPES):
            for url in (channel.token_url, channel.api_url):
                if not url or not url.startswith(("https://", "http://")):
                    raise ValidationError(
                        self.env._(
                            "Channel %(channel)s needs web addresses (http or https) "
                            "for its token and its API.",
                            channel=channel.name,
                        )
                    )

    def _chorus_pro_client(self):
        """A client for this channel, with its secrets (read as superuser)."""
        self.ensure_one()
        channel = self.sudo()
        self._missing_settings(("client_id", "client_secret", "login", "password"))
        return self._cached_client(
            ChorusProClient,
            token_url=channel.token_url,
            api_url=channel.api_url,
            client_id=channel.client_id,
            client_secret=channel.client_secret,
            login=channel.login,
            password=channel.password,
            timeout=channel.timeout,
        )

    def _cached_client(self, factory, **settings):
        """The process's client for this channel, made again when its
        settings change."""
        key = (self.env.cr.dbname, self.id)
        cached = _clients.get(key)
        if cached is None or cached[0] != (factory, settings):
            cached = _clients[key] = ((factory, settings), factory(**settings))
        return cached[1]

    @api.model
    def _for_move(self, move, channel_type):
        return self.search(
            [
                ("company_id", "=", move.company_id.id),
                ("channel_type", "=", channel_type),
            ],
            limit=1,
        )

    @api.model
    def _email_channel(self, company):
        """The company's email channel, made on first use: it needs no
        settings, and lets every invoice sent by email share the timeline."""
        channel = self.sudo().search(
            [("company_id", "=", company.id), ("channel_type", "=", "email")],
            limit=1,
        )
        return channel or self.sudo().create(
            {
                "name": self.env._("Email"),
                "channel_type": "email",
                "environment": "custom",
                "company_id": company.id,
            }
        )

    def _missing_settings(self, names):
        """Raise naming the settings among ``names`` this channel lacks."""
        channel = self.sudo()
        missing = [self._fields[name].string for name in names if not channel[name]]
        if missing:
            raise UserError(
                self.env._(
                    "Channel %(channel)s lacks: %(fields)s.",
                    channel=self.name,
                    fields=", ".join(missing),
                )
            )

    # What each channel type does for the engine: _<type>_send returns the
    # peer's references, _<type>_lookup finds a document sent without an
    # answer, _<type>_track follows the sent ones.

    def _einvoice_send(self, transmission):
        return getattr(self, f"_{self.channel_type}_send")(transmission)

    def _einvoice_lookup(self, transmission):
        return getattr(self, f"_{self.channel_type}_lookup")(transmission)

    def _einvoice_track(self, transmissions):
        return getattr(self, f"_{self.channel_type}_track")(transmissions)

    def _chorus_pro_send(self, transmission):
        move = transmission.move_id
        filename = (
            f"{move.name.replace('/', '_')}_{transmission.idempotency_key[:8]}.pdf"
        )
        deposit = self._chorus_pro_client().deposit(
            filename, transmission.payload_id.sudo().raw
        )
        return {"external_id": deposit.number}

    def _chorus_pro_lookup(self, transmission):
        """Chorus Pro takes no key of ours, but an invoice number is unique
        per supplier: the invoice found under it is the one we sent."""
        found = self._chorus_pro_client().search_invoices(
            invoice_number=transmission.move_id.name
        )
        if not found:
            return None
        return {
            "external_id": found[0].deposit_number,
            "external_document_id": str(found[0].cpp_id),
        }

    def _chorus_pro_track(self, transmissions):
        """One paged search over the invoices deposited since the oldest one
        tracked covers them all; history is read only for those whose
        status changed, deposit reports only for those still missing after
        the channel's delay."""
        client = self._chorus_pro_client()
        since = min(transmissions.mapped("sent_at")).date()
        found = {
            invoice.number: invoice
            for invoice in client.search_invoices(deposited_from=since)
        }
        late = fields.Datetime.subtract(
            fields.Datetime.now(), minutes=self.report_after_minutes
        )
        for transmission in transmissions:
            invoice = found.get(transmission.move_id.name)
            if invoice is None:
                if transmission.sent_at <= late:
                    transmission._chorus_pro_check_deposit(client)
            elif invoice.status != transmission.business_status:
                transmission._chorus_pro_follow(client, invoice)

    def action_test_connection(self):
        """Reach the peer with the channel's settings and say how it went."""
        self.ensure_one()
        try:
            reachable = getattr(self, f"_{self.channel_type}_health_check")()
        except ConnectorError as error:
            raise UserError(
                self.env._(
                    "%(channel)s refused the connection: %(error)s",
                    channel=self.name,
                    error=error,
                )
            ) from error
        if not reachable:
            raise UserError(
                self.env._(
                    "%(channel)s does not answer at the moment; try again later.",
                    channel=self.name,
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(channel)s answers with these settings.", channel=self.name
                ),
            },
        }

    def _chorus_pro_health_check(self):
        return self._chorus_pro_client().health_check()

    def _email_health_check(self):
        return True

    # Email: Odoo's own sending, recorded on the timeline like any channel.

    def _email_send(self, transmission):
        move = transmission.move_id
        if not move.partner_id.email:
            raise PermanentError(
                self.env._(
                    "%(customer)s has no email address to send %(invoice)s to.",
                    customer=move.partner_id.display_name,
                    invoice=move.name,
                )
            )
        self.env["account.move.send"].with_context(
            einvoice_transmission_id=transmission.id
        )._generate_and_send_invoices(
            move, sending_methods=["email"], extra_edis=move._einvoice_email_edis()
        )
        message = move.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        return {"external_id": str(message.id or ""), "final": True}

    def _email_lookup(self, transmission):
        """A mail posted on the invoice after the send started is ours."""
        message = transmission.move_id.message_ids.filtered(
            lambda m: m.message_type == "comment"
            and m.create_date >= transmission.sending_since
        )[:1]
        return message and {"external_id": str(message.id), "final": True}

    def _email_track(self, transmissions):
        """Emails get no answer to follow."""

    # Approved platform (PA): the Flow API of XP Z12-013. Invoices go up as
    # flows keyed by the transmission's idempotency key; acknowledgements and
    # the buyer's lifecycle statuses come back as flows, found by a search on
    # what changed since the last one, or announced by the webhook.
    def _pa_client(self):
        self.ensure_one()
        self._missing_settings(("client_id", "client_secret"))
        channel = self.sudo()
        return self._cached_client(
            PlatformClient,
            token_url=channel.token_url,
            api_url=channel.api_url,
            client_id=channel.client_id,
            client_secret=channel.client_secret,
            timeout=channel.timeout,
        )

    def _pa_health_check(self):
        return self._pa_client().health_check()

    def _pa_send(self, transmission):
        payload = transmission.payload_id.sudo()
        submission = self._pa_client().submit_flow(
            payload.name.removeprefix(f"{transmission.idempotency_key}-"),
            payload.raw,
            syntax=PA_SYNTAXES[transmission.payload_format],
            processing_rule=transmission.processing_rule or "B2B",
            tracking_id=transmission.idempotency_key,
            flow_type="CustomerInvoiceLC"
            if transmission.document_kind == "status"
            else "CustomerInvoice",
        )
        return {"external_id": submission.flow_id}

    def _pa_lookup(self, transmission):
        """The platform keeps our idempotency key as the flow's trackingId."""
        flows = self._pa_client().search_flows(tracking_id=transmission.idempotency_key)
        return flows and {"external_id": flows[0].flow_id}

    def _pa_track(self, transmissions):
        self._pa_sync()

    def _pa_sync(self):
        """Read every flow that changed since the last synchronisation in
        one paged search, and apply it."""
        self.ensure_one()
        client = self._pa_client()
        since = self.pa_synced_until
        flows = client.search_flows(
            updated_after=(since - SYNC_OVERLAP).replace(tzinfo=timezone.utc)
            if since
            else None
        )
        self._pa_apply_flows(client, flows)
        if flows:
            latest = max(flow.updated_at for flow in flows)
            latest = latest.astimezone(timezone.utc).replace(tzinfo=None)
            self.pa_synced_until = max(latest, since or latest)

    def _pa_apply_flows(self, client, flows):
        """Acknowledgements of our flows, and lifecycle statuses for us."""
        Transmission = self.env["account.einvoice.transmission"]
        ours = {
            flow.tracking_id: flow
            for flow in flows
            if flow.direction == "Out" and flow.tracking_id
        }
        if ours:
            for transmission in Transmission.search(
                [("channel_id", "=", self.id), ("idempotency_key", "in", list(ours))]
            ):
                transmission._pa_acknowledge(ours[transmission.idempotency_key])
        lifecycle = [
            flow
            for flow in flows
            if flow.direction == "In" and flow.flow_type.endswith("LC")
        ]
        if not lifecycle:
            return
        Event = self.env["account.einvoice.event"]
        known = set(
            Event.search(
                [
                    ("transmission_id.channel_id", "=", self.id),
                    ("external_id", "in", [f"{flow.flow_id}#0" for flow in lifecycle]),
                ]
            ).mapped("external_id")
        )
        statuses = [
            (flow, index, status)
            for flow in lifecycle
            if f"{flow.flow_id}#0" not in known
            for index, status in enumerate(
                parse_cdar(client.flow_document(flow.flow_id))
            )
        ]
        numbers = {status.invoice_number for __, __, status in statuses}
        transmissions = {
            transmission.move_id.name: transmission
            for transmission in Transmission.search(
                [
                    ("channel_id", "=", self.id),
                    ("document_kind", "=", "invoice"),
                    ("move_id.name", "in", list(numbers)),
                    ("state", "not in", ("to_send", "cancelled")),
                ],
                order="id",
            )
        }
        for flow, index, status in statuses:
            transmission = transmissions.get(status.invoice_number)
            if transmission is None:
                _logger.warning(
                    "Lifecycle flow %s of channel %s is about invoice %s, which "
                    "was not sent through it: left aside.",
                    flow.flow_id,
                    self.id,
                    status.invoice_number,
                )
                continue
            transmission._pa_record_status(status, f"{flow.flow_id}#{index}")

    def _pa_job_flow(self, flow_id):
        """Queue job: apply a flow the platform announced by its webhook."""
        self.ensure_one()
        client = self._pa_client()
        self._pa_apply_flows(client, [client.get_flow(flow_id)])

    def _pa_webhook(self, body, headers):
        """A notification from the platform: checked, then queued. The
        caller answers only once this is committed, so a notification lost
        here is sent again; one received twice is queued once."""
        self.ensure_one()
        secret = self.sudo().pa_webhook_secret
        if not secret:
            raise PermanentError(
                self.env._(
                    "Channel %(channel)s expects no notification.", channel=self.name
                )
            )
        notification = verify_webhook(body, headers, secret)
        self.with_delay(
            channel="root.einvoice.pa",
            identity_key=f"pa-flow-{self.id}-{notification.flow_id}-"
            f"{notification.updated_at}",
            description=self.env._(
                "Read flow %(flow)s from %(channel)s",
                flow=notification.flow_id,
                channel=self.name,
            ),
        )._pa_job_flow(notification.flow_id)

    def action_pa_register_webhook(self):
        """Subscribe to the platform's notifications, at this database's
        address, with a new shared secret."""
        for channel in self:
            secret = secrets.token_urlsafe(32)
            url = channel.get_base_url() + WEBHOOK_ROUTE % channel.id
            webhook = channel._pa_client().register_webhook(url, secret=secret)
            channel.sudo().write(
                {"pa_webhook_secret": secret, "pa_webhook_id": webhook.webhook_id}
            )
        return True

    # SFTP drop: files are dropped under a temporary name then renamed; the
    # partner answers with acknowledgement files, or moves ours to a done or
    # error folder.
    def _sftp_client(self):
        self.ensure_one()
        channel = self.sudo()
        self._missing_settings(
            ("sftp_host", "login", "sftp_host_key_fingerprint", "sftp_upload_dir")
        )
        return SftpClient(
            SftpSettings(
                host=channel.sftp_host,
                port=channel.sftp_port,
                username=channel.login,
                password=channel.password or None,
                private_key=channel.sftp_private_key or None,
                host_key_fingerprint=channel.sftp_host_key_fingerprint,
                upload_dir=channel.sftp_upload_dir,
                ack_dir=channel.sftp_ack_dir or channel.sftp_upload_dir,
                done_dir=channel.sftp_done_dir or None,
                error_dir=channel.sftp_error_dir or None,
                timeout=channel.timeout,
            )
        )

    def _sftp_health_check(self):
        """Log in and find every folder."""
        with self._sftp_client() as client:
            client.check()
        return True

    def _sftp_filename(self, transmission):
        """Derived from what the transmission keeps, so that every attempt
        writes the same name."""
        payload = transmission.payload_id
        return self.sftp_filename_template.format(
            invoice=transmission.move_id.name.replace("/", "_"),
            key=transmission.idempotency_key[:8],
            extension=payload.name.rsplit(".", 1)[-1] if payload else "pdf",
        )

    def _sftp_send(self, transmission):
        with self._sftp_client() as client:
            receipt = client.upload(
                self._sftp_filename(transmission),
                transmission.payload_id.sudo().raw,
            )
        return {"external_id": receipt.path}

    def _sftp_lookup(self, transmission):
        with self._sftp_client() as client:
            presence = client.find(self._sftp_filename(transmission))
        return presence and {"external_id": presence.path}

    def _sftp_track(self, transmissions):
        """One connection reads the acknowledgements of every file sent."""
        names = {
            self._sftp_filename(transmission): transmission
            for transmission in transmissions
        }
        with self._sftp_client() as client:
            acks = client.read_acks(list(names))
        for name, ack in acks.items():
            transmission = names[name]
            at = ack.at and ack.at.astimezone(timezone.utc).replace(tzinfo=None)
            if ack.status == "done":
                transmission.write(
                    {"state": "delivered", "final": True, "ack_deadline": False}
                )
                transmission._add_event("transport", "done", ack.reason or name, at=at)
            else:
                transmission._record_refusal(
                    self.env._(
                        "The recipient refused %(file)s: %(reason)s",
                        file=name,
                        reason=ack.reason or "-",
                    )
                )
