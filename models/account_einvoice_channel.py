# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..connectors.chorus_pro.client import ChorusProClient

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


# One client per channel and settings in each process, so that its access
# token serves every job until it expires.
_clients = {}


class AccountEinvoiceChannel(models.Model):
    """Where a company sends its e-invoices, and with which credentials.

    The URLs are fields, so that any compatible server (a sandbox, or the
    local simulators) can be targeted; secrets are readable by
    administrators only.
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
    channel_type = fields.Selection(
        [("chorus_pro", "Chorus Pro")], string="Type", required=True
    )
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
        string="Technical Login",
        groups="base.group_system",
        help="Chorus Pro technical account.",
    )
    password = fields.Char(string="Technical Password", groups="base.group_system")
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
    transmission_ids = fields.One2many("account.einvoice.transmission", "channel_id")

    _positive_timeout = models.Constraint(
        "CHECK (timeout > 0 AND max_attempts > 0 AND unknown_grace_minutes >= 0 "
        "AND report_after_minutes >= 0)",
        "Timeouts, attempts and grace periods must be positive.",
    )

    @api.depends("environment")
    def _compute_urls(self):
        for channel in self:
            if channel.environment in CHORUS_PRO_URLS:
                channel.token_url, channel.api_url = CHORUS_PRO_URLS[
                    channel.environment
                ]

    @api.constrains("token_url", "api_url")
    def _check_urls(self):
        for channel in self:
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
        missing = [
            self._fields[name].string
            for name in ("client_id", "client_secret", "login", "password")
            if not channel[name]
        ]
        if missing:
            raise UserError(
                self.env._(
                    "Channel %(channel)s lacks: %(fields)s.",
                    channel=self.name,
                    fields=", ".join(missing),
                )
            )
        settings = (
            channel.token_url,
            channel.api_url,
            channel.client_id,
            channel.client_secret,
            channel.login,
            channel.password,
            channel.timeout,
        )
        key = (self.env.cr.dbname, channel.id)
        cached = _clients.get(key)
        if cached is None or cached[0] != settings:
            client = ChorusProClient(
                token_url=channel.token_url,
                api_url=channel.api_url,
                client_id=channel.client_id,
                client_secret=channel.client_secret,
                login=channel.login,
                password=channel.password,
                timeout=channel.timeout,
            )
            cached = _clients[key] = (settings, client)
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
