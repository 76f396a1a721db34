# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    discount_tier_ids = fields.One2many(
        "account.payment.term.discount.tier",
        "payment_term_id",
        string="Later Discounts",
        copy=True,
        help="Smaller discounts for later payment, after the first one.",
    )

    @api.constrains(
        "early_discount",
        "discount_percentage",
        "discount_days",
        "early_pay_discount_computation",
        "discount_tier_ids",
    )
    def _check_discount_tiers(self):
        for term in self.filtered("discount_tier_ids"):
            if not term.early_discount:
                raise ValidationError(
                    self.env._("Later discounts need the early discount to be enabled.")
                )
            if term.early_pay_discount_computation == "mixed":
                raise ValidationError(
                    self.env._(
                        "Later discounts cannot reduce the tax base on the invoice "
                        "(which discount will be taken is not known yet): choose "
                        "another tax reduction."
                    )
                )
            days, percentage = term.discount_days, term.discount_percentage
            for tier in term.discount_tier_ids:
                if tier.discount_days <= days or tier.discount_percentage >= percentage:
                    raise ValidationError(
                        self.env._(
                            "Each later discount must run longer and give less than "
                            "the one before (%(percent)s %% within %(days)s days).",
                            percent=percentage,
                            days=days,
                        )
                    )
                days, percentage = tier.discount_days, tier.discount_percentage

    def _early_discount_tiers(self, date_ref):
        """Return ``[(last day, percentage)]`` of every discount, first first."""
        self.ensure_one()
        if not self.early_discount:
            return []
        return [
            (date_ref + relativedelta(days=days), percentage)
            for days, percentage in [
                (self.discount_days, self.discount_percentage),
                *self.discount_tier_ids.mapped(
                    lambda tier: (tier.discount_days, tier.discount_percentage)
                ),
            ]
        ]
