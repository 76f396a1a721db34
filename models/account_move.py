# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..connectors.late_penalty import (
    Instalment,
    MissingRateError,
    Payment,
    PenaltyError,
    RateBelowFloorError,
    compute_late_penalty,
)


class AccountMove(models.Model):
    _inherit = "account.move"

    days_overdue = fields.Integer(
        compute="_compute_days_overdue",
        help="Days elapsed since the due date while an amount is still due; "
        "zero when the invoice is paid or not yet due.",
    )
    # Late-payment penalty accrued to date, per the customer's policy.
    late_penalty_days = fields.Integer(
        string="Days Late", compute="_compute_late_penalty"
    )
    late_penalty_interest = fields.Monetary(
        string="Late-payment Interest", compute="_compute_late_penalty"
    )
    late_penalty_indemnity = fields.Monetary(
        string="Recovery Indemnity", compute="_compute_late_penalty"
    )
    late_penalty_rates = fields.Char(
        string="Interest Rates", compute="_compute_late_penalty"
    )
    late_penalty_error = fields.Char(compute="_compute_late_penalty")
    late_penalty_waived = fields.Boolean(
        string="Penalties Waived", readonly=True, copy=False, tracking=True
    )
    late_penalty_waiver_reason = fields.Text(readonly=True, copy=False)
    late_penalty_waived_by_id = fields.Many2one(
        "res.users", string="Waived By", readonly=True, copy=False
    )
    # On a penalty invoice: the invoice it charges and the last day it covers.
    late_penalty_origin_id = fields.Many2one(
        "account.move",
        string="Penalties For",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    late_penalty_date_to = fields.Date(
        string="Interest Until", readonly=True, copy=False
    )
    late_penalty_invoice_ids = fields.One2many(
        "account.move", "late_penalty_origin_id", string="Penalty Invoices"
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

    @api.depends("line_ids.matched_credit_ids", "invoice_date_due", "state")
    def _compute_late_penalty(self):
        today = fields.Date.context_today(self)
        for move in self:
            values = dict.fromkeys(
                ("days", "interest", "indemnity", "rates", "error"), False
            )
            if move._is_late_penalty_applicable():
                try:
                    breakdown = move.late_penalty_breakdown(today)
                except UserError as error:
                    values["error"] = error.args[0]
                else:
                    values.update(
                        days=breakdown["days_late"],
                        interest=float(breakdown["interest"]),
                        indemnity=float(breakdown["indemnity"]),
                        rates=move._late_penalty_rates_text(breakdown["rates"]),
                    )
            move.late_penalty_days = values["days"]
            move.late_penalty_interest = values["interest"]
            move.late_penalty_indemnity = values["indemnity"]
            move.late_penalty_rates = values["rates"]
            move.late_penalty_error = values["error"]

    def _is_late_penalty_applicable(self):
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and not self.late_penalty_origin_id
        )

    def late_penalty_breakdown(self, at_date=None):
        """Return the late-payment penalty of this invoice on ``at_date``.

        Interest runs on the amount left to pay of each instalment, from the
        day after its due date to ``at_date`` (or its payment), with the
        rates of the customer's late-payment policy.

        :return: a dict with, in the invoice currency, ``interest`` and
            ``indemnity`` (Decimal), ``days_late``, and ``rates``: a list of
            dicts (``date_from``, ``date_to``, ``days``, ``base``, ``rate``
            in percent, ``half_year``), one per period with its own rate or
            outstanding amount.
        :raise UserError: when no policy applies or a rate is missing.
        """
        self.ensure_one()
        at_date = fields.Date.to_date(at_date) or fields.Date.context_today(self)
        return self._late_penalty_breakdown(at_date)

    def _late_penalty_breakdown(self, at_date, accrued_until=None):
        policy = self.env["account.late.payment.policy"]._for_partner(
            self.partner_id, self.company_id
        )
        if not policy:
            raise UserError(
                self.env._(
                    "No late-payment policy applies to %(partner)s (customer "
                    "type: %(type)s).",
                    partner=self.partner_id.commercial_partner_id.display_name,
                    type=self.partner_id.commercial_partner_id.receivable_customer_type,
                )
            )
        currency = self.currency_id
        try:
            result = compute_late_penalty(
                self._late_penalty_instalments(at_date),
                at_date,
                policy._penalty_terms(currency, self.company_id, at_date),
                self.env["account.late.payment.rate"]._rate_lookup(),
                decimals=currency.decimal_places,
                accrued_until=accrued_until,
            )
        except PenaltyError as error:
            raise UserError(self._late_penalty_error_message(error)) from error
        return {
            "currency": currency,
            "policy": policy,
            "days_late": result.days_late,
            "interest": result.interest,
            "indemnity": result.indemnity,
            "total": result.total,
            "rates": [
                {
                    "date_from": piece.date_from,
                    "date_to": piece.date_to,
                    "days": piece.days,
                    "base": piece.base,
                    "rate": piece.rate,
                    "half_year": str(piece.half_year),
                }
                for piece in result.slices
            ],
        }

    def _late_penalty_instalments(self, at_date):
        """The instalments of the invoice with the payments and credit notes
        reconciled with them up to ``at_date``, in the invoice currency."""
        return [
            Instalment(
                amount=Decimal(str(line.amount_currency)),
                due_date=line.date_maturity,
                payments=tuple(
                    Payment(
                        partial.credit_move_id.date,
                        Decimal(str(partial.debit_amount_currency)),
                    )
                    for partial in line.matched_credit_ids
                    if partial.credit_move_id.date <= at_date
                ),
            )
            for line in self.line_ids.filtered(
                lambda line: line.display_type == "payment_term"
                and line.amount_currency > 0
            )
        ]

    def _late_penalty_error_message(self, error):
        if isinstance(error, MissingRateError):
            return self.env._(
                "The late-payment penalty needs the %(rate)s for %(period)s: add "
                "it in Accounting > Configuration > Late-payment Rates.",
                rate=dict(
                    self.env["account.late.payment.rate"]
                    ._fields["rate_type"]
                    ._description_selection(self.env)
                )[error.rate_type.value],
                period=str(error.half_year),
            )
        if isinstance(error, RateBelowFloorError):
            return self.env._(
                "The contractual late-payment rate %(rate)s %% is below the legal "
                "floor of %(floor)s %% for %(period)s.",
                rate=error.rate,
                floor=error.floor,
                period=str(error.half_year),
            )
        return str(error)

    def _late_penalty_rates_text(self, rates):
        return ", ".join(
            self.env._(
                "%(rate)s %% from %(date_from)s to %(date_to)s",
                rate=piece["rate"].normalize(),
                date_from=format_date(self.env, piece["date_from"]),
                date_to=format_date(self.env, piece["date_to"]),
            )
            for piece in rates
        )

    def action_invoice_late_penalty(self):
        """Create the customer invoice of the interest and indemnity owed on
        this invoice up to today, outside the scope of VAT."""
        self.ensure_one()
        penalty = self._create_late_penalty_invoice(fields.Date.context_today(self))
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": penalty.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _create_late_penalty_invoice(self, at_date):
        self.ensure_one()
        if not self._is_late_penalty_applicable():
            raise UserError(
                self.env._("Late-payment penalties apply to posted customer invoices.")
            )
        if self.late_penalty_waived:
            raise UserError(
                self.env._(
                    "The penalties of %(invoice)s were waived.", invoice=self.name
                )
            )
        previous = self.late_penalty_invoice_ids.filtered(
            lambda move: move.state != "cancel"
        )
        if any(move.state == "draft" for move in previous):
            raise UserError(
                self.env._(
                    "A draft penalty invoice for %(invoice)s is waiting: post or "
                    "cancel it first.",
                    invoice=self.name,
                )
            )
        accrued_until = max(previous.mapped("late_penalty_date_to"), default=None)
        if accrued_until and accrued_until >= at_date:
            raise UserError(
                self.env._(
                    "The penalties of %(invoice)s are invoiced up to %(date)s already.",
                    invoice=self.name,
                    date=accrued_until,
                )
            )
        breakdown = self._late_penalty_breakdown(at_date, accrued_until)
        indemnity = Decimal(0) if previous else breakdown["indemnity"]
        if not breakdown["interest"] and not indemnity:
            raise UserError(
                self.env._(
                    "%(invoice)s owes no late-payment penalty.", invoice=self.name
                )
            )
        interest_account, indemnity_account = self.company_id._late_penalty_accounts()
        if not interest_account or not indemnity_account:
            raise UserError(
                self.env._(
                    "Set the late-payment interest and recovery indemnity accounts "
                    "in the Accounting settings first."
                )
            )
        # Labels in the customer's language.
        in_lang = self.with_context(lang=self.partner_id.lang or self.env.lang)
        lines = []
        if breakdown["interest"]:
            lines.append(
                {
                    "name": in_lang.env._(
                        "Late-payment interest on %(invoice)s: %(rates)s",
                        invoice=self.name,
                        rates=in_lang._late_penalty_rates_text(breakdown["rates"]),
                    ),
                    "account_id": interest_account.id,
                    "price_unit": float(breakdown["interest"]),
                }
            )
        if indemnity:
            lines.append(
                {
                    "name": in_lang.env._(
                        "Fixed compensation for recovery costs on %(invoice)s",
                        invoice=self.name,
                    ),
                    "account_id": indemnity_account.id,
                    "price_unit": float(indemnity),
                }
            )
        return self.create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "journal_id": self.journal_id.id,
                "currency_id": self.currency_id.id,
                "invoice_date": at_date,
                "invoice_origin": self.name,
                "fiscal_position_id": False,
                "late_penalty_origin_id": self.id,
                "late_penalty_date_to": at_date,
                "invoice_line_ids": [
                    Command.create(
                        {**line, "quantity": 1, "tax_ids": [Command.clear()]}
                    )
                    for line in lines
                ],
            }
        )

    def _waive_late_penalty(self, reason):
        """Record that no penalty will be claimed on these invoices."""
        for move in self:
            move.write(
                {
                    "late_penalty_waived": True,
                    "late_penalty_waiver_reason": reason,
                    "late_penalty_waived_by_id": self.env.user.id,
                }
            )
            move.message_post(
                body=self.env._(
                    "Late-payment penalties waived: %(reason)s", reason=reason
                )
            )
