# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

LIFECYCLE_CODES = [
    ("200", "200 Deposited"),
    ("201", "201 Issued by the platform"),
    ("202", "202 Received by the platform"),
    ("203", "203 Made available"),
    ("204", "204 Taken into account"),
    ("205", "205 Approved"),
    ("206", "206 Partly approved"),
    ("207", "207 In dispute"),
    ("208", "208 Suspended"),
    ("209", "209 Completed"),
    ("210", "210 Refused"),
    ("211", "211 Payment sent"),
    ("212", "212 Paid"),
    ("213", "213 Rejected"),
    ("214", "214 Stamped"),
    ("220", "220 Cancelled"),
    ("221", "221 Routing error"),
    ("224", "224 Direct payment requested"),
    ("225", "225 Factored"),
    ("226", "226 Factored (undisclosed)"),
    ("227", "227 Payment account changed"),
    ("228", "228 Not factored"),
    ("501", "501 Unacceptable"),
]


class AccountEinvoiceEvent(models.Model):
    """What happened to a sent invoice, in order; never changed afterwards."""

    _name = "account.einvoice.event"
    _description = "E-invoice Event"
    _order = "date desc, id desc"

    transmission_id = fields.Many2one(
        "account.einvoice.transmission", required=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one(
        related="transmission_id.move_id", store=True, index=True, string="Invoice"
    )
    channel_id = fields.Many2one(related="transmission_id.channel_id")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    kind = fields.Selection(
        [("transport", "Transport"), ("status", "Status")], required=True
    )
    code = fields.Char(required=True, help="The peer's own status code.")
    lifecycle_code = fields.Selection(
        LIFECYCLE_CODES,
        string="Lifecycle",
        help="The French e-invoicing lifecycle status it stands for, if any.",
    )
    message = fields.Text()
    external_id = fields.Char(
        string="Peer Event", help="The peer's identifier of this event."
    )

    _unique_peer_event = models.UniqueIndex(
        "(transmission_id, external_id) WHERE external_id IS NOT NULL"
    )

    def write(self, vals):  # pylint: disable=method-required-super
        # Append-only: an event is never changed once recorded.
        raise UserError(self.env._("The e-invoice timeline cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The e-invoice timeline cannot be changed."))
