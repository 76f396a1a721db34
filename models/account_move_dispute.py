# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class AccountMoveDispute(models.Model):
    """A disagreement on an invoice (litige): while open, that invoice alone
    gets no reminder."""

    _name = "account.move.dispute"
    _description = "Invoice dispute"
    _inherit = ["mail.thread"]
    _order = "state, date desc, id desc"

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("move_type", "=", "out_invoice")],
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", store=True)
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

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        disputes.move_id._cancel_pending_dunning()
        return disputes
