# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class AccountDunningInvoiceMixin(models.AbstractModel):
    """A record about one customer invoice that stops the reminders waiting
    to go out for it (disputes, payment promises)."""

    _name = "account.dunning.invoice.mixin"
    _description = "Record pausing the dunning of an invoice"

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

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.move_id._cancel_pending_dunning()
        return records
