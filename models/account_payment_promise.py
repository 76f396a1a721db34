# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models


class AccountPaymentPromise(models.Model):
    """A customer's promise to pay an invoice by a date: reminders pause
    until that date plus the company's grace period. A promise not kept by
    then is broken, and dunning goes on where it stopped."""

    _name = "account.payment.promise"
    _description = "Payment promise"
    _inherit = ["account.dunning.invoice.mixin", "mail.thread"]
    _order = "date desc, id desc"

    currency_id = fields.Many2one(related="move_id.currency_id")
    date = fields.Date(string="Promised Date", required=True, tracking=True)
    amount = fields.Monetary(required=True, tracking=True)
    source = fields.Selection(
        [
            ("phone", "Phone call"),
            ("email", "Email"),
            ("portal", "Customer portal"),
            ("einvoice", "Buyer's platform (payment sent)"),
            ("other", "Other"),
        ],
        required=True,
        default="phone",
    )
    state = fields.Selection(
        [("open", "Open"), ("kept", "Kept"), ("broken", "Broken")],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    kept = fields.Float(
        string="Kept (share)",
        compute="_compute_kept",
        store=True,
        aggregator="avg",
        help="1 for a kept promise, 0 for a broken one: the average is the "
        "promise-kept rate.",
    )
    deadline = fields.Date(
        compute="_compute_deadline",
        store=True,
        help="The promised date plus the grace period: reminders pause until then.",
    )

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "A promised amount must be positive."
    )

    @api.depends("state")
    def _compute_kept(self):
        for promise in self:
            promise.kept = {"kept": 1.0, "broken": 0.0}.get(promise.state, False)

    @api.depends("date", "company_id.dunning_promise_grace_days")
    def _compute_deadline(self):
        for promise in self:
            promise.deadline = promise.date and promise.date + timedelta(
                days=promise.company_id.dunning_promise_grace_days
            )

    def _settle(self, on_date):
        """Mark open promises kept once the amount promised is paid, and
        broken once their deadline has passed without it."""
        for promise in self.filtered(lambda p: p.state == "open"):
            move = promise.move_id
            paid = move.amount_total - move.amount_residual
            if move.currency_id.compare_amounts(paid, promise.amount) >= 0:
                promise.state = "kept"
            elif promise.deadline < on_date:
                promise.state = "broken"
                promise.message_post(
                    body=self.env._("Promise not kept: dunning resumes.")
                )
