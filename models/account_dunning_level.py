# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountDunningLevel(models.Model):
    """One step of a dunning policy, reached a number of days from the due
    date (negative: before it), with what it does."""

    _name = "account.dunning.level"
    _description = "Dunning level"
    _order = "policy_id, offset_days"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "account.dunning.policy", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    name = fields.Char(required=True, translate=True)
    offset_days = fields.Integer(
        string="Days from Due Date",
        required=True,
        help="Days after the due date this level is reached; negative for a "
        "reminder before the due date.",
    )
    tone = fields.Selection(
        [
            ("notice", "Advance notice"),
            ("courtesy", "Courtesy"),
            ("firm", "Firm"),
            ("formal", "Formal notice"),
            ("litigation", "Litigation"),
        ],
        required=True,
        default="courtesy",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    min_amount = fields.Monetary(
        string="Minimum Overdue Amount",
        help="Customers owing less than this overdue are not reminded at this level.",
    )
    send_email = fields.Boolean(string="Email", default=True)
    send_letter = fields.Boolean(string="Letter")
    phone_call = fields.Boolean(help="Schedules a call for the customer's collector.")
    formal_notice = fields.Boolean(
        help="The letter is a formal notice (mise en demeure), to send by "
        "registered post."
    )
    litigation = fields.Boolean(
        string="Hand Over to Litigation",
        help="Schedules the hand-over of the file for a manager.",
    )
    attach_invoices = fields.Boolean(string="Attach Invoices")
    attach_statement = fields.Boolean(string="Attach Statement of Account")
    auto_send = fields.Boolean(
        string="Send Automatically",
        default=True,
        help="Unchecked: the communication waits for a person's review.",
    )

    _policy_offset_uniq = models.Constraint(
        "unique(policy_id, offset_days)",
        "Two levels of a dunning policy cannot have the same number of days.",
    )
    _min_amount_positive = models.Constraint(
        "CHECK(min_amount >= 0)",
        "The minimum overdue amount of a dunning level cannot be negative.",
    )
