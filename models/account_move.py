# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    days_overdue = fields.Integer(
        compute="_compute_days_overdue",
        help="Days elapsed since the due date while an amount is still due; "
        "zero when the invoice is paid or not yet due.",
    )

    @api.depends("invoice_date_due", "amount_residual", "state")
    def _compute_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            overdue = (
                move.state == "posted"
                and move.is_sale_document()
                and not move.currency_id.is_zero(move.amount_residual)
                and move.invoice_date_due
                and move.invoice_date_due < today
            )
            move.days_overdue = (today - move.invoice_date_due).days if overdue else 0
