# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountLatePenaltyWaive(models.TransientModel):
    _name = "account.late.penalty.waive"
    _description = "Waive late-payment penalties"

    move_ids = fields.Many2many(
        "account.move",
        default=lambda self: self.env.context.get("active_ids"),
        required=True,
    )
    reason = fields.Text(required=True)

    def action_waive(self):
        self.move_ids._waive_late_penalty(self.reason)
        return {"type": "ir.actions.act_window_close"}
