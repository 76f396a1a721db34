# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountEarlyDiscountGrant(models.TransientModel):
    _name = "account.early.discount.grant"
    _description = "Grant an early-payment discount after its deadline"

    move_id = fields.Many2one(
        "account.move",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    discount_percentage = fields.Float(
        string="Discount %",
        required=True,
        compute="_compute_discount_percentage",
        store=True,
        readonly=False,
        precompute=True,
    )
    reason = fields.Text(required=True)

    @api.depends("move_id")
    def _compute_discount_percentage(self):
        for wizard in self:
            term = wizard.move_id.invoice_payment_term_id
            wizard.discount_percentage = (
                term.discount_tier_ids[-1:].discount_percentage
                or term.discount_percentage
            )

    @api.constrains("discount_percentage")
    def _check_discount_percentage(self):
        for wizard in self:
            if not 0 < wizard.discount_percentage < 100:
                raise ValidationError(
                    self.env._("A discount is a percentage between 0 and 100.")
                )

    def action_grant(self):
        self.move_id._grant_early_discount(self.discount_percentage, self.reason)
        return {"type": "ir.actions.act_window_close"}
