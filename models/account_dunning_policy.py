# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .account_late_payment_policy import CUSTOMER_TYPES


class AccountDunningPolicy(models.Model):
    """An ordered ladder of reminders for a kind of customer.

    A customer follows the policy set on it, else the first policy (by
    sequence) whose rules it matches, else its company's default policy.
    """

    _name = "account.dunning.policy"
    _description = "Dunning policy"
    _order = "company_id, is_default, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    is_default = fields.Boolean(
        string="Default Policy",
        help="Applies to the company's customers that no other policy matches.",
    )
    level_ids = fields.One2many(
        "account.dunning.level", "policy_id", string="Levels", copy=True
    )
    # Assignment rules: every rule set must match; an empty one matches all.
    customer_type = fields.Selection(
        CUSTOMER_TYPES, help="Only for customers of this type."
    )
    country_ids = fields.Many2many(
        "res.country",
        relation="account_dunning_policy_country_rel",
        column1="policy_id",
        column2="country_id",
        string="Countries",
        help="Only for customers of these countries.",
    )
    category_ids = fields.Many2many(
        "res.partner.category",
        relation="account_dunning_policy_category_rel",
        column1="policy_id",
        column2="category_id",
        string="Customer Tags",
        help="Only for customers with one of these tags.",
    )

    _default_per_company_uniq = models.UniqueIndex(
        "(company_id) WHERE is_default AND active",
        "A company has one default dunning policy.",
    )

    @api.constrains("level_ids", "active")
    def _check_levels(self):
        for policy in self.filtered("active"):
            if not policy.level_ids:
                raise ValidationError(
                    self.env._(
                        "The dunning policy %(policy)s needs at least one level.",
                        policy=policy.name,
                    )
                )
