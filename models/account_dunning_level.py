# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountDunningLevel(models.Model):
    """One step of a dunning policy, reached a number of days from the due
    date (negative: before it), with what it does.

    A discount reminder counts its days from the deadline of the invoice's
    early-payment discount instead: it is sent once per invoice, while the
    discount is still open, and is no step of the ladder (the invoice keeps
    its level).
    """

    _name = "account.dunning.level"
    _description = "Dunning level"
    _order = "policy_id, offset_days"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "account.dunning.policy", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    name = fields.Char(required=True, translate=True)
    offset_from = fields.Selection(
        [
            ("due_date", "Due date"),
            ("discount_date", "Discount deadline"),
        ],
        string="Counted From",
        required=True,
        default="due_date",
        help="Due date: a step of the dunning ladder. Discount deadline: a "
        "reminder that the invoice's early-payment discount ends soon, sent "
        "once while the discount is open and nothing is paid yet.",
    )
    offset_days = fields.Integer(
        string="Days",
        required=True,
        help="Days after the due date (or the discount deadline) this level is "
        "reached; negative for a reminder before it.",
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
    attach_invoices = fields.Boolean()
    attach_statement = fields.Boolean(string="Attach Statement of Account")
    auto_send = fields.Boolean(
        string="Send Automatically",
        default=True,
        help="Unchecked: the communication waits for a person's review.",
    )

    _policy_offset_uniq = models.Constraint(
        "unique(policy_id, offset_from, offset_days)",
        "Two levels of a dunning policy cannot have the same number of days.",
    )
    _discount_before_deadline = models.Constraint(
        "CHECK(offset_from != 'discount_date' OR offset_days <= 0)",
        "A discount reminder is sent before the discount's deadline: its number "
        "of days cannot be positive.",
    )
    _min_amount_positive = models.Constraint(
        "CHECK(min_amount >= 0)",
        "The minimum overdue amount of a dunning level cannot be negative.",
    )

    def _rank(self):
        """How advanced the level is, to give a customer's message the tone
        of its most advanced invoice: any step of the ladder before a
        discount reminder."""
        self.ensure_one()
        return (self.offset_from == "due_date", self.offset_days)
