# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountPaymentTermDiscountTier(models.Model):
    """A later, smaller early-payment discount of a payment term.

    The payment term's own discount (Odoo's) is the first tier; these add
    e.g. "2 % within 15 days" after "3 % within 8 days".
    """

    _name = "account.payment.term.discount.tier"
    _description = "Early-payment discount tier"
    _order = "discount_days"

    payment_term_id = fields.Many2one(
        "account.payment.term", required=True, index=True, ondelete="cascade"
    )
    discount_percentage = fields.Float(string="Discount %", required=True)
    discount_days = fields.Integer(string="Within (days)", required=True)

    _percentage_positive = models.Constraint(
        "CHECK(discount_percentage > 0 AND discount_percentage < 100)",
        "A discount tier's percentage is between 0 and 100.",
    )
