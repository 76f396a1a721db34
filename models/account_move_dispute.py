# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMoveDispute(models.Model):
    """A disagreement on an invoice (litige): while open, that invoice alone
    gets no reminder."""

    _name = "account.move.dispute"
    _description = "Invoice dispute"
    _inherit = ["account.dunning.invoice.mixin", "mail.thread"]
    _order = "state, date desc, id desc"

    date = fields.Date(required=True, default=fields.Date.context_today)
    reason = fields.Text(required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
    )
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")],
        default="open",
        required=True,
        tracking=True,
    )
    resolution = fields.Text()

    def action_resolve(self):
        self.state = "resolved"
