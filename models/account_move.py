# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date, formatLang

from ..connectors.late_penalty import (
    ONE_DAY,
    HalfYear,
    Instalment,
    MissingRateError,
    Payment,
    PenaltyError,
    RateBasis,
    RateBelowFloorError,
    RateType,
    compute_late_penalty,
)
from .account_dunning_run import NEXT_LEVEL_QUERY


@contextmanager
def _cache_overlay(*overlays):
    """Show other values of stored fields to the code run inside, without
    writing them: ``overlays`` are ``(record, field name, value)``."""
    for record, name, _value in overlays:
        record.flush_recordset([name])
    try:
        for record, name, value in overlays:
            record._fields[name]._update_cache(record, value)
        yield
    finally:
        for record, name, _value in overlays:
            record.invalidate_recordset([name])


def _format_number(env, value):
    """Format a rate in the context's language, without trailing zeros."""
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    return formatLang(env, float(value), digits=max(0, -exponent))


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
    late_penalty_interest_amount = fields.Monetary(
        string="Interest Invoiced", readonly=True, copy=False
    )
    early_discount_tiers = fields.Json(
        readonly=True,
        copy=False,
        help="The payment term's discounts when the invoice was posted: "
        "[[last day, percentage], ...].",
    )
    late_penalty_invoice_ids = fields.One2many(
        "account.move", "late_penalty_origin_id", string="Penalty Invoices"
    )
    # Dunning state, kept up to date by the dunning runs (set-based).
    dunning_level_id = fields.Many2one(
        "account.dunning.level",
        string="Dunning Level",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
    )
    dunning_last_date = fields.Date(
        string="Last Reminder", readonly=True, copy=False, index="btree_not_null"
    )
    dunning_next_date = fields.Date(
        string="Next Reminder",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the next level of the customer's dunning policy is due.",
    )
    dunning_excluded = fields.Boolean(
        string="Excluded from Dunning", copy=False, index=True, tracking=True
    )
    dunning_exclusion_reason = fields.Char(copy=False)
    dunning_dispute_ids = fields.One2many(
        "account.move.dispute", "move_id", string="Disputes"
    )
    dunning_promise_ids = fields.One2many(
        "account.payment.promise", "move_id", string="Payment Promises"
    )
    dunning_in_dispute = fields.Boolean(
        string="In Dispute",
        compute="_compute_dunning_in_dispute",
        store=True,
        index=True,
    )
    dunning_promised_until = fields.Date(
        string="Promised Until",
        compute="_compute_dunning_promised_until",
        store=True,
        help="An open payment promise pauses reminders until this day.",
    )
    dunning_thanked = fields.Boolean(readonly=True, copy=False)
    dunning_line_ids = fields.One2many(
        "account.dunning.communication.line",
        "move_id",
        string="Dunning History",
        domain=[("is_preview", "=", False)],
    )
    # An early-payment discount granted after its deadline, on record.
    early_discount_grant_percentage = fields.Float(
        string="Discount Granted (%)", readonly=True, copy=False, tracking=True
    )
    early_discount_grant_reason = fields.Text(
        string="Discount Grant Reason", readonly=True, copy=False
    )
    early_discount_granted_by_id = fields.Many2one(
        "res.users", string="Discount Granted By", readonly=True, copy=False
    )

    def _post(self, soft=True):
        # Keep the discounts as they are on posting: editing the payment term
        # later must not change them.
        for move in self.filtered(lambda m: m.invoice_payment_term_id.early_discount):
            term = move.invoice_payment_term_id.sudo()
            date_ref = move.invoice_date or move.date or fields.Date.context_today(move)
            move.early_discount_tiers = [
                [fields.Date.to_string(last_day), percentage]
                for last_day, percentage in term._early_discount_tiers(date_ref)
            ]
        posted = super()._post(soft=soft)
        posted.filtered(
            lambda move: move.move_type == "out_invoice"
        )._refresh_dunning_next_date()
        return posted

    @api.depends("dunning_dispute_ids.state")
    def _compute_dunning_in_dispute(self):
        for move in self:
            move.dunning_in_dispute = "open" in move.dunning_dispute_ids.mapped("state")

    @api.depends("dunning_promise_ids.state", "dunning_promise_ids.deadline")
    def _compute_dunning_promised_until(self):
        for move in self:
            move.dunning_promised_until = max(
                move.dunning_promise_ids.filtered(lambda p: p.state == "open").mapped(
                    "deadline"
                ),
                default=False,
            )

    def _cancel_pending_dunning(self):
        """Cancel the reminders waiting to go out for these invoices (a
        dispute or a promise came in)."""
        self.env["account.dunning.communication.line"].sudo().search(
            [("move_id", "in", self.ids), ("state", "in", ("to_review", "to_send"))]
        ).communication_id.action_cancel()

    def _cancel_paid_dunning(self):
        """Cancel the reminders waiting to go out whose invoices are all paid."""
        paid = self.filtered(lambda move: move.payment_state in ("paid", "in_payment"))
        if not paid:
            return
        pending = (
            self.env["account.dunning.communication.line"]
            .sudo()
            .search(
                [
                    ("move_id", "in", paid.ids),
                    ("state", "in", ("to_review", "to_send")),
                ]
            )
            .communication_id
        )
        pending.filtered(
            lambda communication: all(
                move.payment_state in ("paid", "in_payment")
                for move in communication.move_ids
            )
        ).action_cancel()
        paid._thank_for_payment()

    def _thank_for_payment(self):
        """Thank the customers who paid invoices they were reminded of."""
        reminded = (
            self.env["account.dunning.communication.line"]
            .sudo()
            .search([("move_id", "in", self.ids), ("state", "=", "sent")])
            .move_id
        )
        for move in reminded.filtered(
            lambda m: m.company_id.dunning_thank_you and not m.dunning_thanked
        ):
            move.dunning_thanked = True
            move.with_context(lang=move.partner_id.lang).message_post(
                body=move.with_context(lang=move.partner_id.lang).env._(
                    "Thank you for your payment of %(invoice)s.", invoice=move.name
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=move.partner_id.ids,
            )

    def _refresh_dunning_next_date(self, on_date=None):
        """Store when each invoice's next dunning level is due (one query)."""
        if not self:
            return
        on_date = on_date or fields.Date.context_today(self)
        self.env.flush_all()
        for company in self.company_id:
            moves = self.filtered(
                lambda move, company=company: move.company_id == company
            )
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE account_move m
                       SET dunning_next_date = n.next_date
                      FROM (
                            SELECT move_id, MIN(next_date) AS next_date
                              FROM (%(query)s) next_level
                             GROUP BY move_id
                      ) n
                     WHERE m.id = n.move_id
                    """,
                    query=SQL(
                        NEXT_LEVEL_QUERY,
                        company_id=company.id,
                        move_ids=moves.ids,
                        date=on_date,
                    ),
                )
            )
        self.invalidate_recordset(["dunning_next_date"])

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
        rates = None  # read once, for the first invoice that needs it
        for move in self:
            values = dict.fromkeys(
                ("days", "interest", "indemnity", "rates", "error"), False
            )
            if move._is_late_penalty_applicable():
                rates = rates or self.env["account.late.payment.rate"]._rate_lookup()
                try:
                    breakdown = move._late_penalty_breakdown(today, rates=rates)
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

    # Waivers and late discount grants are accounting managers' decisions.
    _MANAGER_FIELDS = frozenset(
        {
            "late_penalty_waived",
            "late_penalty_waiver_reason",
            "late_penalty_waived_by_id",
            "early_discount_grant_percentage",
            "early_discount_grant_reason",
            "early_discount_granted_by_id",
        }
    )

    def write(self, vals):
        if self._MANAGER_FIELDS.intersection(vals):
            self._check_receivable_manager()
        return super().write(vals)

    def _check_receivable_manager(self):
        if not (
            self.env.su or self.env.user.has_group("account.group_account_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only accounting administrators can waive penalties or grant "
                    "a discount after its deadline."
                )
            )

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

    def _late_penalty_breakdown(self, at_date, accrued_until=None, rates=None):
        """:param rates: the rate lookup, when the caller already read it."""
        policy = (
            self.env["account.late.payment.policy"]
            .sudo()
            ._for_partner(self.partner_id, self.company_id)
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
                rates or self.env["account.late.payment.rate"]._rate_lookup(),
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
                rate=_format_number(self.env, piece["rate"]),
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
        # The interest owed to date, less what previous penalty invoices
        # charged: a payment found late corrects the next one.
        rates = self.env["account.late.payment.rate"]._rate_lookup()
        breakdown = self._late_penalty_breakdown(at_date, rates=rates)
        invoiced = sum(
            (
                Decimal(str(amount))
                for amount in previous.mapped("late_penalty_interest_amount")
            ),
            Decimal(0),
        )
        interest = max(breakdown["interest"] - invoiced, Decimal(0))
        period_rates = self._late_penalty_breakdown(at_date, accrued_until, rates)[
            "rates"
        ]
        indemnity = Decimal(0) if previous else breakdown["indemnity"]
        if not interest and not indemnity:
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
        if interest:
            lines.append(
                {
                    "name": in_lang.env._(
                        "Late-payment interest on %(invoice)s: %(rates)s",
                        invoice=self.name,
                        rates=in_lang._late_penalty_rates_text(period_rates),
                    ),
                    "account_id": interest_account.id,
                    "price_unit": float(interest),
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
                "invoice_payment_term_id": False,
                "late_penalty_origin_id": self.id,
                "late_penalty_date_to": at_date,
                "late_penalty_interest_amount": float(interest),
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
        self._check_receivable_manager()
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

    # Early-payment discounts: Odoo's single discount is the first tier of the
    # payment term; later tiers and late grants extend its eligibility.

    def _early_discount_tier_list(self):
        """``[(last day, percentage)]`` of the invoice's discounts: as posted,
        or as its payment term gives them for a draft."""
        self.ensure_one()
        if self.early_discount_tiers:
            return [
                (fields.Date.to_date(last_day), percentage)
                for last_day, percentage in self.early_discount_tiers
            ]
        return self.invoice_payment_term_id.sudo()._early_discount_tiers(
            self.invoice_date or self.date or fields.Date.context_today(self)
        )

    def _early_discount_percentage(self, payment_date):
        """The discount percentage a payment on ``payment_date`` earns: the
        first tier whose last day it meets, else a granted one, else 0."""
        self.ensure_one()
        for last_day, percentage in self._early_discount_tier_list():
            if payment_date <= last_day:
                return percentage
        return self.early_discount_grant_percentage

    def _early_discount_offer(self, on_date):
        """The early-payment discount a full payment on ``on_date`` would
        earn, from the invoice's tiers, or None when there is none (no
        discount, deadline passed, or something paid already).

        :return: a dict with ``percentage``, ``last_day`` (the tier's
            deadline), ``days_left``, and in the invoice currency
            ``discount`` and ``amount_due`` (what to pay), as floats rounded
            to the currency; ``<key>_text``, these formatted in the
            context's language, and ``text``: the offer in one sentence.
        """
        self.ensure_one()
        term_line = self.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        if (
            self.state != "posted"
            or self.move_type not in self._early_payment_discount_move_types()
            or self.payment_state != "not_paid"
            or not self.invoice_payment_term_id.early_discount
            or len(term_line) != 1
            or not term_line.discount_date
        ):
            return None
        for last_day, percentage in self._early_discount_tier_list():
            if on_date <= last_day:
                amount_due, _balance = self._early_discount_amounts_due(
                    term_line, percentage
                )
                discount = self.currency_id.round(
                    term_line.amount_currency - amount_due
                )
                # the figures as the customer reads them
                texts = {
                    "percentage_text": _format_number(self.env, percentage),
                    "last_day_text": format_date(self.env, last_day),
                    "amount_due_text": format_amount(
                        self.env, amount_due, self.currency_id
                    ),
                    "discount_text": format_amount(
                        self.env, discount, self.currency_id
                    ),
                }
                return {
                    "percentage": percentage,
                    "last_day": last_day,
                    "days_left": (last_day - on_date).days,
                    "amount_due": amount_due,
                    "discount": discount,
                    **texts,
                    "text": self.env._(
                        "%(invoice)s: %(discount)s (%(percent)s %%) if you pay "
                        "%(amount)s by %(date)s",
                        invoice=self.name,
                        discount=texts["discount_text"],
                        percent=texts["percentage_text"],
                        amount=texts["amount_due_text"],
                        date=texts["last_day_text"],
                    ),
                }
        return None

    def _is_eligible_for_early_payment_discount(self, currency, reference_date):
        if super()._is_eligible_for_early_payment_discount(currency, reference_date):
            return True
        terms = self.line_ids.filtered(lambda line: line.display_type == "payment_term")
        return bool(
            reference_date
            and self.invoice_date
            and len(terms) == 1
            and terms.discount_date  # posted with Odoo's discount
            and self.currency_id == currency
            and self.move_type in self._early_payment_discount_move_types()
            and self.invoice_payment_term_id.early_discount
            and self._early_discount_percentage(reference_date)
            and not (terms.sudo().matched_debit_ids + terms.sudo().matched_credit_ids)
        )

    def _early_discount_amounts_due(self, term_line, percentage):
        """Return the (currency, company currency) amounts due on the payment
        term line after a ``percentage`` discount, computed as Odoo does for
        its own discount (on the total, or on the untaxed amount only)."""
        self.ensure_one()
        rate = Decimal(str(percentage)) / 100
        on_total = (
            self.invoice_payment_term_id.early_pay_discount_computation == "included"
        )
        amounts = []
        for total, untaxed, currency in (
            (
                term_line.amount_currency,
                self.amount_untaxed_in_currency_signed,
                self.currency_id,
            ),
            (term_line.balance, self.amount_untaxed_signed, self.company_currency_id),
        ):
            base = Decimal(str(total if on_total else untaxed))
            due = Decimal(str(total)) - base * rate
            amounts.append(
                float(
                    due.quantize(
                        Decimal(1).scaleb(-currency.decimal_places), ROUND_HALF_UP
                    )
                )
            )
        return tuple(amounts)

    def _get_invoice_counterpart_amls_for_early_payment_discount_per_payment_term_line(
        self,
    ):
        """Book the discount of the tier the payment earns.

        Odoo's code reads its single discount from the payment term and the
        payment term line; when the payment (on the date in the context key
        ``early_discount_payment_date``, else today) earns another tier, it
        runs with the tier's figures overlaid on those records' cache.
        """
        super_method = super()._get_invoice_counterpart_amls_for_early_payment_discount_per_payment_term_line  # noqa: E501
        payment_date = self.env.context.get(
            "early_discount_payment_date"
        ) or fields.Date.context_today(self)
        term_line = self.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        if (
            len(term_line) != 1
            or not term_line.discount_date
            or payment_date <= term_line.discount_date
        ):
            return super_method()
        percentage = self._early_discount_percentage(payment_date)
        if not percentage:
            return super_method()
        due_currency, due = self._early_discount_amounts_due(term_line, percentage)
        with _cache_overlay(
            (self.invoice_payment_term_id, "discount_percentage", percentage),
            (term_line, "discount_amount_currency", due_currency),
            (term_line, "discount_balance", due),
        ):
            return super_method()

    def _get_invoice_next_payment_values(self, custom_amount=None):
        """What the portal, online payment and payment links offer today.

        Odoo builds its "Discount of X if paid within N days" and the
        payment link's discount date from the payment term line, which holds
        its single discount (the first tier): past that deadline, for a later
        tier, it would say "if paid today" with the first tier's date. It
        runs here with today's tier overlaid on the line: its deadline (a
        grant's is today) and amounts.
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        term_line = self.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        percentage = (
            len(term_line) == 1
            and term_line.discount_date
            and today > term_line.discount_date
            and self._early_discount_percentage(today)
        )
        if not percentage:
            return super()._get_invoice_next_payment_values(custom_amount)
        last_day = next(
            (day for day, _percent in self._early_discount_tier_list() if today <= day),
            today,
        )
        due_currency, due = self._early_discount_amounts_due(term_line, percentage)
        with _cache_overlay(
            (term_line, "discount_date", last_day),
            (term_line, "discount_amount_currency", due_currency),
            (term_line, "discount_balance", due),
        ):
            return super()._get_invoice_next_payment_values(custom_amount)

    def _grant_early_discount(self, percentage, reason):
        """Let a payment after the discount deadline earn ``percentage``."""
        self._check_receivable_manager()
        if not 0 < percentage < 100:
            raise UserError(self.env._("A discount is a percentage between 0 and 100."))
        for move in self:
            term = move.invoice_payment_term_id
            if not term.early_discount:
                raise UserError(
                    self.env._(
                        "%(invoice)s has no early-payment discount.", invoice=move.name
                    )
                )
            if term.early_pay_discount_computation == "mixed":
                raise UserError(
                    self.env._(
                        "The discount of %(invoice)s already reduced its VAT on the "
                        "invoice: it cannot be granted at another rate later.",
                        invoice=move.name,
                    )
                )
            move.write(
                {
                    "early_discount_grant_percentage": percentage,
                    "early_discount_grant_reason": reason,
                    "early_discount_granted_by_id": self.env.user.id,
                }
            )
            move.message_post(
                body=self.env._(
                    "Early-payment discount of %(percent)s %% granted after its "
                    "deadline: %(reason)s",
                    percent=percentage,
                    reason=reason,
                )
            )

    # Mentions French law requires on invoices (Code de commerce L441-9 and
    # the 2026 e-invoicing reform), printed by the invoice report.

    def _receivable_invoice_mentions(self):
        """Return the legal mentions to print on this invoice, as text lines
        in the context's language (the report's: the customer's)."""
        self.ensure_one()
        if (
            self.move_type != "out_invoice"
            or self.company_id.account_fiscal_country_id.code != "FR"
        ):
            return []
        env = self.env
        mentions = [
            env._(
                "Payment due date: %(dates)s",
                dates=", ".join(
                    format_date(env, line.date_maturity)
                    for line in self._receivable_instalment_lines()
                ),
            ),
            self._receivable_discount_mention(),
        ]
        policy = (
            env["account.late.payment.policy"]
            .sudo()
            ._for_partner(self.partner_id, self.company_id)
        )
        if policy:
            mentions.append(self._receivable_penalty_mention(policy))
            if policy.indemnity_amount:
                mentions.append(
                    env._(
                        "Fixed compensation for recovery costs owed on late "
                        "payment: %(amount)s",
                        amount=format_amount(
                            env, policy.indemnity_amount, policy.indemnity_currency_id
                        ),
                    )
                )
        customer = self.partner_id.commercial_partner_id
        if siren := customer._receivable_siren():
            mentions.append(env._("Customer SIREN: %(siren)s", siren=siren))
        shipping = self.partner_shipping_id
        if (
            shipping
            and shipping != self.partner_id
            and (shipping._display_address() != self.partner_id._display_address())
        ):
            mentions.append(
                env._(
                    "Delivery address: %(address)s",
                    address=", ".join(
                        part
                        for part in shipping._display_address(
                            without_company=True
                        ).splitlines()
                        if part.strip()
                    ),
                )
            )
        if "l10n_fr_is_company_french" not in self._fields:
            # The French localisation prints these two itself.
            mentions += self._receivable_operation_mentions()
        return [mention for mention in mentions if mention]

    def _receivable_instalment_lines(self):
        return self.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).sorted("date_maturity")

    def _receivable_discount_mention(self):
        tiers = self._early_discount_tier_list()
        if not tiers:
            return self.env._("No discount for early payment.")
        return self.env._(
            "Discount for early payment: %(tiers)s.",
            tiers=", ".join(
                self.env._(
                    "%(percent)s %% if paid by %(date)s",
                    percent=_format_number(self.env, percentage),
                    date=format_date(self.env, last_day),
                )
                for last_day, percentage in tiers
            ),
        )

    def _receivable_penalty_mention(self, policy):
        env = self.env
        due_date = self.invoice_date_due or self.invoice_date
        half_year = HalfYear.of(due_date + ONE_DAY)
        rate_text = ""
        rates = env["account.late.payment.rate"]._rate_lookup()
        basis = RateBasis(policy.rate_basis)
        try:
            if basis is RateBasis.REFERENCE_PLUS_MARGIN:
                rate = rates(RateType.ECB_MRO, half_year) + Decimal(str(policy.margin))
            elif basis is RateBasis.LEGAL:
                rate = rates(RateType(policy.legal_rate_type), half_year)
            else:
                rate = Decimal(str(policy.contractual_rate))
            rate_text = env._(
                " (%(rate)s %% a year for %(period)s)",
                rate=_format_number(env, rate),
                period=str(half_year),
            )
        except MissingRateError:
            pass
        if basis is RateBasis.REFERENCE_PLUS_MARGIN and policy.rate_per_half_year:
            text = env._(
                "Late-payment penalties: the ECB main refinancing rate plus "
                "%(margin)s points%(rate)s.",
                margin=_format_number(env, policy.margin),
                rate=rate_text,
            )
        elif basis is RateBasis.REFERENCE_PLUS_MARGIN:
            text = env._(
                "Late-payment interest: the ECB main refinancing rate in force on "
                "the first day of the half-year in which the delay starts, plus "
                "%(margin)s points%(rate)s.",
                margin=_format_number(env, policy.margin),
                rate=rate_text,
            )
        elif basis is RateBasis.LEGAL:
            text = env._(
                "Late-payment penalties: the legal interest rate%(rate)s.",
                rate=rate_text,
            )
        else:
            text = env._(
                "Late-payment penalties: %(rate)s %% a year.",
                rate=_format_number(env, policy.contractual_rate),
            )
        return text

    def _receivable_operation_mentions(self):
        lines = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        services = lines.filtered(
            lambda line: line.product_id.type == "service"
            or (not line.product_id and "service" in line.tax_ids.mapped("tax_scope"))
        )
        goods = lines - services
        if services and goods:
            category = self.env._("Category of operation: goods and services")
        elif services:
            category = self.env._("Category of operation: services")
        else:
            category = self.env._("Category of operation: goods")
        mentions = [category]
        if "on_invoice" in services.tax_ids.mapped("tax_exigibility"):
            mentions.append(self.env._("Option to pay VAT on debits"))
        return mentions
