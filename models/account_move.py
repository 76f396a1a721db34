# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, html2plaintext
from odoo.tools.misc import format_amount, format_date, formatLang

from ..connectors.facturx import document as fx
from ..connectors.facturx.batch import merge_html_documents, split_pdf
from ..connectors.facturx.cii import build_cii
from ..connectors.facturx.pdf import build_facturx_pdf
from ..connectors.facturx.validation import (
    Finding,
    ValidationReport,
    ValidationUnavailable,
    validate_xml,
)
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
from ..connectors.pa.cdar import LifecycleStatus, build_cdar, split_payment
from ..connectors.ubl import validate_ubl
from .account_dunning_run import NEXT_LEVEL_QUERY
from .account_einvoice_channel import EINVOICE_ROUTES, ROUTE_CHANNEL_TYPES
from .account_einvoice_event import LIFECYCLE_CODES
from .account_einvoice_transmission import CLOSED_STATES, TRANSPORT_STATES
from .account_move_send import FACTURX_EDI


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
    # E-invoicing: the buyer's references and the last Factur-X check.
    einvoice_service_code = fields.Char(
        string="Buyer Service Code",
        help="Service of the buyer that must receive the invoice, such as a "
        "public buyer's Chorus Pro service code (BT-10).",
    )
    einvoice_commitment_number = fields.Char(
        string="Commitment Number",
        size=50,
        copy=False,
        help="The buyer's purchase order or legal commitment number (BT-13). "
        "Left empty, the customer reference is used.",
    )
    einvoice_contract_reference = fields.Char(
        string="Contract Reference",
        help="The contract or public procurement reference (BT-12).",
    )
    einvoice_transmission_ids = fields.One2many(
        "account.einvoice.transmission", "move_id", string="E-invoice Transmissions"
    )
    einvoice_event_ids = fields.One2many(
        "account.einvoice.event", "move_id", string="E-invoice Timeline"
    )
    einvoice_state = fields.Selection(
        TRANSPORT_STATES,
        string="E-invoice Delivery",
        compute="_compute_einvoice_state",
        store=True,
        index="btree_not_null",
        help="Where the e-invoice is on its way: the state of its latest transmission.",
    )
    einvoice_status = fields.Char(
        string="E-invoice Status",
        compute="_compute_einvoice_state",
        store=True,
        help="The last status the buyer's platform reported.",
    )
    facturx_state = fields.Selection(
        [
            ("valid", "Valid"),
            ("warning", "Valid with warnings"),
            ("invalid", "Invalid"),
        ],
        string="Factur-X Check",
        readonly=True,
        copy=False,
        help="Result of the last check of the invoice's Factur-X against the "
        "XSD, the profile's rules and the French rules. An invalid invoice "
        "cannot be sent as an e-invoice.",
    )
    facturx_findings = fields.Json(
        string="Factur-X Check Details", readonly=True, copy=False
    )
    facturx_findings_html = fields.Html(
        string="Factur-X Findings",
        compute="_compute_facturx_findings_html",
        sanitize=False,
    )
    # Dunning state, kept up to date by the dunning runs (set-based).
    dunning_level_id = fields.Many2one(
        "account.dunning.level",
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
        for move in self.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.commercial_partner_id.receivable_customer_type == "public"
        ):
            move._chorus_pro_check_routing()
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
        posted.filtered(
            lambda move: move.is_sale_document()
            and move.company_id.einvoice_send_on_post
        )._einvoice_send_on_post()
        return posted

    def _einvoice_send_on_post(self):
        """Queue each invoice for its customer's channel; one that cannot
        go stays posted, and its responsible is told why."""
        for move in self:
            try:
                with self.env.cr.savepoint():
                    move.action_einvoice_send()
            except UserError as error:
                move._einvoice_ask_for_action(
                    self.env._("E-invoice not sent: %(error)s", error=error)
                )

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
        if not self.invoice_payment_term_id:
            return []
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
                mentions.append(self._receivable_indemnity_mention(policy))
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

    def _receivable_indemnity_mention(self, policy):
        return self.env._(
            "Fixed compensation for recovery costs owed on late payment: %(amount)s",
            amount=format_amount(
                self.env, policy.indemnity_amount, policy.indemnity_currency_id
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
            rate_text = ""  # the half-year's rate is not known yet
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

    def _receivable_operation_lines(self):
        """The invoice's (goods, services) product lines."""
        lines = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        services = lines.filtered(
            lambda line: line.product_id.type == "service"
            or (not line.product_id and "service" in line.tax_ids.mapped("tax_scope"))
        )
        return lines - services, services

    def _receivable_operation_mentions(self):
        goods, services = self._receivable_operation_lines()
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

    # E-invoice transmissions ----------------------------------------------

    @api.depends(
        "einvoice_transmission_ids.state", "einvoice_transmission_ids.business_status"
    )
    def _compute_einvoice_state(self):
        for move in self:
            latest = move.einvoice_transmission_ids.sorted("id", reverse=True)[:1]
            move.einvoice_state = latest.state
            move.einvoice_status = latest.business_status

    def action_einvoice_send(self):
        """Create (or reuse) each invoice's transmission to the channel that
        serves its customer, and queue it; nothing leaves in this request."""
        transmissions = self.env["account.einvoice.transmission"]
        for move in self:
            channel, values = move._einvoice_route()
            move._einvoice_check_sendable(channel)
            live = move.einvoice_transmission_ids.filtered(
                lambda t, channel=channel: t.channel_id == channel
                and t.document_kind == "invoice"
                and t.state not in CLOSED_STATES
            )
            transmissions |= live or transmissions.create(
                {"move_id": move.id, "channel_id": channel.id, **values}
            )
        transmissions.filtered(lambda t: t.state == "to_send")._enqueue()
        return transmissions

    def _einvoice_route(self):
        """The channel serving the invoice's customer, and how the invoice
        travels on it: (channel, transmission values)."""
        self.ensure_one()
        customer = self.commercial_partner_id.with_company(self.company_id)
        route = customer.einvoice_route
        Channel = self.env["account.einvoice.channel"]
        if route == "email":
            return Channel._email_channel(self.company_id), {"payload_format": "pdf"}
        channel = self._einvoice_routed_channel(customer, route)
        if not channel:
            raise UserError(
                self.env._(
                    "%(customer)s receives its invoices through %(route)s, but "
                    "%(company)s has no such channel (Accounting › Configuration "
                    "› E-invoicing Channels).",
                    customer=customer.name,
                    route=dict(EINVOICE_ROUTES)[route],
                    company=self.company_id.name,
                )
            )
        values = {}
        if route == "pa_international":
            values = {"payload_format": "ubl", "processing_rule": "B2BInt"}
        elif channel.channel_type == "pa":
            public = customer.receivable_customer_type == "public"
            values = {"processing_rule": "B2G" if public else "B2B"}
        elif channel.channel_type == "sftp":
            values = {"payload_format": channel.payload_format}
        return channel, values

    def _einvoice_email_edis(self):
        """What an emailed invoice carries: a checked Factur-X for a
        company, the plain PDF for a consumer."""
        return {FACTURX_EDI} if self.commercial_partner_id.is_company else set()

    def _einvoice_routed_to(self, channel_type):
        """Whether the invoice goes through a channel of this type, which
        the company has."""
        if not self._facturx_applicable():
            return False
        customer = self.commercial_partner_id.with_company(self.company_id)
        route = customer.einvoice_route
        return ROUTE_CHANNEL_TYPES[route] == channel_type and bool(
            self._einvoice_routed_channel(customer, route)
        )

    def _einvoice_routed_channel(self, customer, route):
        """The customer's own channel, or the company's one for the route."""
        channel = customer.einvoice_channel_id
        if channel and channel.company_id == self.company_id:
            return channel
        return self.env["account.einvoice.channel"]._for_move(
            self, ROUTE_CHANNEL_TYPES[route]
        )

    def _einvoice_check_sendable(self, channel):
        self.ensure_one()
        if not self._facturx_applicable():
            raise UserError(
                self.env._(
                    "Only posted customer invoices and credit notes are sent as "
                    "e-invoices: %(invoice)s",
                    invoice=self.display_name,
                )
            )
        if channel.channel_type == "chorus_pro":
            self._chorus_pro_check_routing()

    def _chorus_pro_check_routing(self):
        """What the public buyer requires, refused with the missing item."""
        customer = self.commercial_partner_id
        problems = []
        service = self.einvoice_service_code or ""
        commitment = self.einvoice_commitment_number or ""
        if service.strip().upper() == "FACTURES_PUBLIQUES":
            problems.append(
                self.env._(
                    "The service code FACTURES_PUBLIQUES is reserved to invoices "
                    "between public bodies."
                )
            )
        required = customer.chorus_requirement
        if required == "service_or_commitment" and not (service or commitment):
            problems.append(self.env._("a service code or a commitment number"))
        if required in ("service", "service_and_commitment") and not service:
            problems.append(self.env._("a service code"))
        if required in ("commitment", "service_and_commitment") and not commitment:
            problems.append(self.env._("a commitment number"))
        services = customer.chorus_service_ids
        if service and services:
            known = services.filtered(lambda s: s.code == service and s.active)
            if not known:
                problems.append(
                    self.env._(
                        "an active service code of the buyer (%(code)s is not one)",
                        code=service,
                    )
                )
            elif known[:1].commitment_required and not commitment:
                problems.append(
                    self.env._(
                        "a commitment number (service %(code)s requires one)",
                        code=service,
                    )
                )
        if problems:
            raise UserError(
                self.env._(
                    "%(invoice)s cannot go to Chorus Pro; %(customer)s requires: "
                    "%(items)s.",
                    invoice=self.display_name,
                    customer=customer.name,
                    items="; ".join(problems),
                )
            )

    def _einvoice_ask_for_action(self, note):
        """An activity for the invoice's responsible (or the current user),
        unless the same one is already open."""
        for move in self:
            if note in move.activity_ids.mapped(lambda a: html2plaintext(a.note or "")):
                continue
            move.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("E-invoice needs your attention"),
                note=note,
                user_id=(move.invoice_user_id or self.env.user).id,
            )

    def _einvoice_record_email(self, message):
        """Send & Print emailed the invoice: its delivery joins the timeline
        like any other channel's."""
        self.ensure_one()
        channel = self.env["account.einvoice.channel"]._email_channel(self.company_id)
        Transmission = self.env["account.einvoice.transmission"].sudo()
        transmission = self.einvoice_transmission_ids.filtered(
            lambda t: t.channel_id == channel
            and t.document_kind == "invoice"
            and t.state not in CLOSED_STATES
        )[:1]
        if not transmission:
            transmission = Transmission.create(
                {
                    "move_id": self.id,
                    "channel_id": channel.id,
                    "state": "sent",
                    "final": True,
                    "attempt_count": 1,
                    "sent_at": fields.Datetime.now(),
                    "external_id": str(message.id),
                    "payload_format": "pdf",
                }
            )
            if self.invoice_pdf_report_id:
                transmission._freeze_payload()
        transmission._add_event(
            "transport",
            "sent",
            self.env._(
                "Emailed to %(recipients)s.",
                recipients=", ".join(message.partner_ids.mapped("display_name")),
            ),
            external_id=str(message.id),
        )

    def _einvoice_apply_lifecycle(
        self, code, platform, reason="", amount=None, on_date=None
    ):
        """What a lifecycle status from the buyer's side changes in
        collection: 207 opens a dispute, 208 and 210 ask the responsible to
        act, 211 pauses reminders as a payment promise, 212 ends them."""
        self.ensure_one()
        responsible = self.invoice_user_id or self.company_id.dunning_collector_id
        if code == 207:
            if not self.dunning_in_dispute:
                self.env["account.move.dispute"].create(
                    {
                        "move_id": self.id,
                        "reason": self.env._(
                            "%(platform)s: the buyer disputes the invoice. %(reason)s",
                            platform=platform,
                            reason=reason,
                        ).strip(),
                        "user_id": (responsible or self.env.user).id,
                    }
                )
        elif code in (208, 210):
            self._einvoice_ask_for_action(
                self.env._(
                    "%(platform)s: the invoice is %(status)s. %(reason)s",
                    platform=platform,
                    status=dict(LIFECYCLE_CODES)[str(code)],
                    reason=reason,
                ).strip()
            )
        elif code == 211:
            residual = self.amount_residual
            promised = self.currency_id.round(min(float(amount or residual), residual))
            if self.currency_id.compare_amounts(promised, 0) > 0:
                self.env["account.payment.promise"].create(
                    {
                        "move_id": self.id,
                        "date": on_date or fields.Date.context_today(self),
                        "amount": promised,
                        "source": "einvoice",
                    }
                )
        elif code == 212 and not self.dunning_excluded:
            self.write(
                {
                    "dunning_excluded": True,
                    "dunning_exclusion_reason": self.env._(
                        "Paid, as %(platform)s reports (212).", platform=platform
                    ),
                }
            )

    def _einvoice_report_collection(self, partials):
        """Report 212 (paid) through the approved platform for each payment of
        an invoice of services taxed on receipts: the seller owes it."""
        Transmission = self.env["account.einvoice.transmission"]
        reports = Transmission
        for move in self:
            sent = move.einvoice_transmission_ids.filtered(
                lambda t: t.document_kind == "invoice"
                and t.channel_type == "pa"
                and t.state in ("sent", "delivered")
            )[:1]
            if not sent or not move._einvoice_vat_on_receipts():
                continue
            receivable = move.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            for partial in partials:
                # Only what pays the receivable; tax cash-basis entries too
                # reconcile lines of the invoice.
                if partial.debit_move_id in receivable:
                    amount = partial.debit_amount_currency
                elif partial.credit_move_id in receivable:
                    amount = partial.credit_amount_currency
                else:
                    continue
                reports |= Transmission.create(
                    {
                        "move_id": move.id,
                        "channel_id": sent.channel_id.id,
                        "document_kind": "status",
                        "payload_format": "cdar",
                        "processing_rule": sent.processing_rule,
                        "status_code": "212",
                        "status_reference": f"partial-{partial.id}",
                        "status_amount": amount,
                        "status_date": partial.max_date,
                    }
                )
        reports._enqueue()

    def _einvoice_vat_on_receipts(self):
        """Whether the invoice sells services whose VAT is due on receipts."""
        services = self._receivable_operation_lines()[1]
        return "on_payment" in services.tax_ids.mapped("tax_exigibility")

    def _einvoice_ubl(self):
        """The invoice in UBL (Peppol BIS 3) by Odoo's own builder, checked
        against the EN 16931 UBL rules."""
        self.ensure_one()
        xml, errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(self)
        if errors:
            raise UserError(
                self.env._(
                    "The UBL of %(invoice)s cannot be made: %(errors)s",
                    invoice=self.name,
                    errors="; ".join(errors),
                )
            )
        report = validate_ubl(xml)
        if report.blocking:
            raise UserError(
                self.env._(
                    "The UBL of %(invoice)s breaks these rules: %(rules)s",
                    invoice=self.name,
                    rules="; ".join(
                        f"{finding.rule_id}: {finding.message}"
                        for finding in report.blocking
                    ),
                )
            )
        return xml

    def _einvoice_cdar(self, code, amount, on_date):
        """The CDAR message of a lifecycle status the seller reports; a
        payment (212) is split by VAT rate pro rata of the invoice."""
        self.ensure_one()
        totals = defaultdict(Decimal)
        for line in self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        ):
            rate = sum(
                line.tax_ids.filtered(lambda t: t.amount_type == "percent").mapped(
                    "amount"
                )
            )
            totals[Decimal(str(rate))] += Decimal(str(line.price_total))
        amount = amount and Decimal(str(amount))
        return build_cdar(
            LifecycleStatus(
                message_id="",
                issued_at=datetime.now(timezone.utc),
                invoice_number=self.name,
                invoice_date=self.invoice_date,
                invoice_type_code="381" if self.move_type == "out_refund" else "380",
                seller_siren=self.company_id.partner_id._receivable_siren() or "",
                buyer_siren=self.commercial_partner_id._receivable_siren() or "",
                status_code=code,
                amount=amount or None,
                currency=self.currency_id.name,
                payment_date=on_date,
                vat_amounts=split_payment(amount, totals) if code == 212 else (),
            )
        )

    # Factur-X ---------------------------------------------------------------

    @api.depends("facturx_findings")
    @api.depends_context("lang")
    def _compute_facturx_findings_html(self):
        explanations = self._facturx_explanations()
        for move in self:
            rows = [
                Markup("<tr><td><code>%s</code></td><td>%s</td><td>%s</td></tr>")
                % (
                    finding["rule_id"],
                    finding["severity"] or self.env._("unflagged"),
                    Markup("%s<br/><small class='text-muted'>%s</small>")
                    % (
                        explanations.get(_rule_family(finding["rule_id"]), ""),
                        finding["message"],
                    ),
                )
                for finding in move.facturx_findings or []
            ]
            move.facturx_findings_html = rows and Markup(
                "<table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
                "<th>%s</th></tr></thead><tbody>%s</tbody></table>"
            ) % (
                self.env._("Rule"),
                self.env._("Severity"),
                self.env._("Finding"),
                Markup("").join(rows),
            )

    def _facturx_explanations(self):
        """What to do about the findings our invoices can run into, keyed by
        rule family; the rule's own text is shown below it."""
        return {
            "BR-FR-05": self.env._(
                "A mandatory French note is missing: recovery indemnity "
                "(PMT), late-payment penalties (PMD) or early-payment "
                "discount (AAB). Check the customer's late-payment "
                "policy."
            ),
            "BR-FR-08": self.env._(
                "The billing framework (BT-23) is missing or unknown."
            ),
            "BR-FR-09": self.env._(
                "A SIRET must have 14 digits and start with the SIREN: "
                "check the company registry of the company and the "
                "customer."
            ),
            "BR-FR-10": self.env._(
                "The company's SIREN is missing: fill in its company "
                "registry (SIRET) or its French VAT number."
            ),
            "BR-FR-11": self.env._(
                "The customer's SIREN is missing: fill in its company "
                "registry (SIRET) or its French VAT number."
            ),
            "BR-FR-12": self.env._(
                "The customer has no electronic invoicing address: give "
                "it a SIREN, or a Peppol identifier for a foreign "
                "customer."
            ),
            "BR-FR-13": self.env._(
                "The company has no electronic invoicing address: fill in its SIREN."
            ),
            "BR-FR-16": self.env._("This VAT rate does not exist in France."),
            "BR-FR-CO-05": self.env._(
                "A credit note must name the invoice it corrects: "
                "create it by reversing that invoice."
            ),
            "BR-E-10": self.env._(
                "An exempt line needs an exemption reason: set the "
                "exemption reason code or the legal notes on its tax."
            ),
            "BR-IC-11": self.env._(
                "An intra-community supply needs its delivery date: fill "
                "in the invoice's delivery date."
            ),
            "BR-IC-12": self.env._(
                "An intra-community supply needs the delivery country: "
                "give the customer or the delivery address a country."
            ),
            "BR-CO-10": self.env._("The sum of the lines does not match the total."),
            "BR-CO-15": self.env._("The total with VAT does not match the amounts."),
            "BR-CO-16": self.env._("The amount due does not match the totals."),
            "BR-S-08": self.env._("The VAT of a rate does not match its lines."),
            "XSD": self.env._("The file does not follow the Factur-X schema."),
            "DATA": self.env._("The invoice cannot be expressed as an e-invoice."),
        }

    def _facturx_profile(self):
        self.ensure_one()
        return fx.Profile(
            self.commercial_partner_id.facturx_profile
            or self.company_id.facturx_profile
        )

    def _facturx_applicable(self):
        self.ensure_one()
        return self.state == "posted" and self.move_type in (
            "out_invoice",
            "out_refund",
        )

    def _facturx_check(self):
        """Build and validate each invoice's CII, record the result, and
        return ``{move: (xml or None, report)}``."""
        results = {}
        for move in self:
            profile = move._facturx_profile()
            try:
                xml = build_cii(move._facturx_document(), profile)
                report = validate_xml(xml, profile)
            except fx.DocumentError as error:
                xml = None
                report = ValidationReport(
                    profile,
                    tuple(
                        Finding("DATA", "fatal", problem) for problem in error.problems
                    ),
                )
            except ValidationUnavailable as error:
                raise UserError(
                    self.env._(
                        "The Factur-X rules could not be checked, so nothing was "
                        "generated or sent. Try again; if it persists, tell your "
                        "administrator.\n%(error)s",
                        error=error,
                    )
                ) from error
            move.write(
                {
                    "facturx_state": "invalid"
                    if report.blocking
                    else "warning"
                    if report.findings
                    else "valid",
                    "facturx_findings": [
                        {
                            "rule_id": f.rule_id,
                            "severity": f.severity,
                            "message": f.message,
                            "blocking": f.blocking,
                        }
                        for f in report.findings
                    ],
                }
            )
            results[move] = (xml, report)
        return results

    def _facturx_blocking_message(self, checks):
        lines = [
            self.env._(
                "%(invoice)s: %(rules)s",
                invoice=move.name,
                rules=", ".join(sorted({f.rule_id for f in report.blocking})),
            )
            for move, (_xml, report) in checks.items()
            if report.blocking
        ]
        return lines and self.env._(
            "These invoices cannot become valid Factur-X files; see the "
            "findings on their E-invoicing tab:\n%(lines)s",
            lines="\n".join(lines),
        )

    def action_facturx_check(self):
        """Check the Factur-X of the invoices and show the result."""
        self._facturx_check()
        return True

    def action_facturx_generate(self):
        """Attach a checked Factur-X PDF/A-3 to each invoice as its PDF and
        return the attachments; raise when a file would be invalid."""
        not_applicable = self.filtered(lambda move: not move._facturx_applicable())
        if not_applicable:
            raise UserError(
                self.env._(
                    "Factur-X is made for posted customer invoices and credit "
                    "notes only: %(names)s",
                    names=", ".join(not_applicable.mapped("display_name")),
                )
            )
        checks = self._facturx_check()
        if message := self._facturx_blocking_message(checks):
            raise UserError(message)
        return self._facturx_attach({move: xml for move, (xml, _r) in checks.items()})

    def action_facturx_download(self):
        attachment = self.action_facturx_generate()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment[:1].id}?download=true",
            "target": "download",
        }

    def _facturx_filename(self):
        return self._get_invoice_report_filename(extension="pdf")[:-4] + "-factur-x.pdf"

    def _facturx_pdf(self, pdf, xml):
        """Wrap a rendered invoice PDF and its checked XML into a Factur-X."""
        self.ensure_one()
        return build_facturx_pdf(
            pdf,
            xml,
            self._facturx_profile(),
            title=self.name,
            author=self.company_id.name,
            subject=self.env._(
                "Invoice %(number)s from %(company)s",
                number=self.name,
                company=self.company_id.name,
            ),
            lang=self.partner_id.lang or "",
        )

    def _facturx_attach(self, xml_by_move):
        """Make each invoice's PDF its Factur-X: from the PDF it already has,
        or from one report rendering for all those without one."""
        attachments = self.env["ir.attachment"]
        to_render = self.browse(
            move.id for move in xml_by_move if not move.invoice_pdf_report_id
        )
        rendered = to_render._facturx_render_pdfs()
        for move, xml in xml_by_move.items():
            existing = move.sudo().invoice_pdf_report_id
            data = move._facturx_pdf(rendered.get(move.id) or existing.raw, xml)
            values = {"name": move._facturx_filename(), "raw": data}
            if existing:
                existing.write(values)
                attachment = existing
            else:
                attachment = (
                    self.env["ir.attachment"]
                    .sudo()
                    .create(
                        {
                            **values,
                            "mimetype": "application/pdf",
                            "res_model": move._name,
                            "res_id": move.id,
                            "res_field": "invoice_pdf_report_file",
                        }
                    )
                )
                move.message_main_attachment_id = attachment
            move.invalidate_recordset(
                ["invoice_pdf_report_id", "invoice_pdf_report_file"]
            )
            attachments |= attachment
        return attachments.sudo(False)

    def _facturx_render_pdfs(self, reports=None):
        """Render the invoice report for all these invoices in one
        wkhtmltopdf run per report (see ``connectors/facturx/batch.py``);
        return ``{move id: pdf bytes}``.

        :param reports: ``{move: ir.actions.report}``, by default each
            invoice's usual report.
        """
        sender = self.env["account.move.send"]
        by_report = {}
        for move in self:
            report = (reports or {}).get(move) or sender._get_default_pdf_report_id(
                move
            )
            by_report[report] = by_report.get(report, self.browse()) | move
        result = {}
        for report, moves in by_report.items():
            actions = (
                self.env["ir.actions.report"]
                .with_company(moves.company_id[:1])
                .with_context(debug=False)
            )
            html = actions._render_qweb_html(
                report.report_name, moves.ids, data={"report_type": "pdf"}
            )[0]
            bodies, ids, header, footer, paper = actions._prepare_html(
                html, report_model=report.model
            )
            pdf = actions._run_wkhtmltopdf(
                [merge_html_documents(list(zip(ids, bodies, strict=True)))],
                report_ref=report.report_name,
                header=header,
                footer=footer,
                specific_paperformat_args=paper,
            )
            result.update({int(key): data for key, data in split_pdf(pdf).items()})
        return result

    def _facturx_document(self):
        """The invoice as the connectors' :class:`fx.Invoice`."""
        self.ensure_one()
        company, customer = self.company_id, self.commercial_partner_id
        currency = self.currency_id
        refund = self.move_type == "out_refund"
        categories = {}

        def category(tax):
            if tax not in categories:
                categories[tax] = self._facturx_tax_category(tax)
            return categories[tax]

        lines, allowances, problems = [], [], []
        sign = 1 if refund else -1  # amounts in the file are positive
        for line in self.invoice_line_ids.filtered(
            lambda item: item.display_type == "product"
        ):
            taxes = line.tax_ids.flatten_taxes_hierarchy()
            if len(taxes) > 1:
                problems.append(
                    self.env._("Line “%(line)s” has several taxes.", line=line.name)
                )
                continue
            tax = category(taxes)
            # What is booked, which Odoo's price_subtotal may miss by a cent.
            amount = _decimal(sign * line.amount_currency, currency)
            if amount < 0 and not refund:
                allowances.append(
                    fx.AllowanceCharge(
                        False, -amount, tax, (line.name or "")[:100], "95"
                    )
                )
                continue
            lines.append(self._facturx_line(line, len(lines) + 1, amount, tax))
        if problems:
            raise fx.DocumentError(problems)

        tax_amounts = {}
        for tax_line in self.line_ids.filtered("tax_line_id"):
            key = category(tax_line.tax_line_id)
            tax_amounts[key] = tax_amounts.get(key, Decimal(0)) + _decimal(
                sign * tax_line.amount_currency, currency
            )
        rounding = sum(
            (
                _decimal(sign * line.amount_currency, currency)
                for line in self.line_ids.filtered(
                    lambda item: item.display_type == "rounding"
                )
            ),
            Decimal(0),
        )
        goods, services = self._receivable_operation_lines()
        process = "M1" if goods and services else "S1" if services else "B1"
        vat_due_code = ""
        if services:
            on_debits = "on_invoice" in services.tax_ids.mapped("tax_exigibility")
            vat_due_code = "5" if on_debits else "72"
        origin = self.reversed_entry_id
        intra = any(line.tax.code == "K" for line in lines)
        shipping = self.partner_shipping_id
        document = fx.Invoice(
            number=self.name,
            type_code="381" if refund else "386" if self._is_downpayment() else "380",
            issue_date=self.invoice_date,
            currency=currency.name,
            seller=self._facturx_party(company.partner_id, seller=True),
            buyer=self._facturx_party(customer),
            lines=tuple(lines),
            allowance_charges=tuple(allowances),
            tax_amounts=tax_amounts,
            notes=self._facturx_notes(),
            business_process=process,
            buyer_reference=self.einvoice_service_code or "",
            order_reference=self.einvoice_commitment_number or self.ref or "",
            contract_reference=self.einvoice_contract_reference or "",
            preceding_invoices=tuple(
                fx.PrecedingInvoice(move.name, move.invoice_date) for move in origin
            ),
            due_date=None if refund else self.invoice_date_due,
            payment_terms=self.invoice_payment_term_id.name or "",
            payment_means=None if refund else self._facturx_payment_means(),
            payment_reference=(self.payment_reference or self.name)[:140],
            # A credit note corrects the supply of the invoice it reverses.
            delivery_date=self.delivery_date or origin.delivery_date or None,
            ship_to=self._facturx_party(shipping)
            if shipping and (intra or shipping != self.partner_id)
            else None,
            vat_due_date_code=vat_due_code,
            rounding_amount=rounding,
            decimals=currency.decimal_places,
        )
        totals = fx.compute_totals(document)
        if totals.due != _decimal(self.amount_total, currency):
            raise fx.DocumentError(
                [
                    self.env._(
                        "The e-invoice total %(file)s differs from the invoice "
                        "total %(invoice)s.",
                        file=totals.due,
                        invoice=self.amount_total,
                    )
                ]
            )
        return document

    def _facturx_line(self, line, number, amount, tax):
        quantity = Decimal(str(line.quantity))
        discount = Decimal(str(line.discount or 0))
        if line.tax_ids.filtered("price_include") and quantity:
            # Odoo's price includes the tax; the file needs it without.
            price = (amount / (1 - discount / 100) / quantity).quantize(Decimal("1e-6"))
        else:
            price = Decimal(str(line.price_unit))
        product = line.product_id
        # The line's label is what the invoice prints; the product names it
        # when the label is empty.
        name = (line.name or "").strip().splitlines()[0:1] or [product.name or "-"]
        name = name[0]
        return fx.Line(
            line_id=str(number),
            name=name[:200],
            quantity=quantity,
            unit_code=self.env["account.edi.common"]._get_uom_unece_code(
                line.product_uom_id
            ),
            unit_price=price,
            net_amount=amount,
            tax=tax,
            description=line.name or "",
            seller_item_id=product.default_code or "",
            gtin=product.barcode
            if product.barcode and len(product.barcode) in (8, 12, 13, 14)
            else "",
            discount_percent=discount,
        )

    def _facturx_tax_category(self, tax):
        """The EN 16931 VAT category of an Odoo tax (Odoo's own rules), with
        its exemption reason: the tax's code, or its legal notes."""
        common = self.env["account.edi.common"]
        customer, supplier = self.commercial_partner_id, self.company_id.partner_id
        code = common._get_tax_category_code(customer, supplier, tax)
        rate = Decimal(str(tax.amount)) if tax and code in ("S", "Z") else Decimal(0)
        if code == "S" and not rate:
            code = "Z"
        reason, reason_code = "", ""
        if code in ("E", "AE", "K", "G", "O"):
            exemption = common._get_tax_exemption_reason(customer, supplier, tax)
            reason_code = exemption.get("tax_exemption_reason_code") or ""
            notes = html2plaintext(tax.invoice_legal_notes or "") if tax else ""
            if tax and (tax.ubl_cii_tax_exemption_reason_code or code in ("K", "G")):
                reason = exemption.get("tax_exemption_reason") or ""
            reason = (notes or reason).strip()
        return fx.TaxCategory(code, rate, reason[:1000], reason_code)

    def _facturx_party(self, partner, seller=False):
        siren = partner._receivable_siren() or ""
        registry = (partner.company_registry or "").replace(" ", "")
        siret = registry if registry.isdigit() and len(registry) == 14 else ""
        if siren:
            address = fx.ElectronicAddress("0225", siren)
        elif not seller and partner.peppol_eas and partner.peppol_endpoint:
            address = fx.ElectronicAddress(partner.peppol_eas, partner.peppol_endpoint)
        else:
            address = None
        return fx.Party(
            name=partner.name,
            address=fx.Address(
                country_code=partner.country_id.code or "",
                line1=partner.street or "",
                line2=partner.street2 or "",
                postcode=partner.zip or "",
                city=partner.city or "",
            ),
            siren=siren,
            siret=siret,
            vat=partner.vat or "",
            electronic_address=address,
            contact_email=(partner.email or "") if seller else "",
        )

    def _facturx_notes(self):
        """The French mandatory notes: recovery indemnity (PMT), penalties
        (PMD) and early-payment discount (AAB), in the customer's language."""
        move = self.with_context(lang=self.partner_id.lang or self.env.lang)
        env = move.env
        policy = (
            env["account.late.payment.policy"]
            .sudo()
            ._for_partner(self.partner_id, self.company_id)
        )
        if policy and policy.indemnity_amount:
            indemnity = move._receivable_indemnity_mention(policy)
        else:
            indemnity = env._("No fixed compensation for recovery costs applies.")
        if policy:
            penalties = move._receivable_penalty_mention(policy)
        else:
            penalties = env._("No late-payment penalties apply.")
        return (
            fx.Note(indemnity, "PMT"),
            fx.Note(penalties, "PMD"),
            fx.Note(move._receivable_discount_mention(), "AAB"),
        )

    def _facturx_payment_means(self):
        customer = self.commercial_partner_id
        if customer.sepa_mandate_reference and self.company_id.sepa_creditor_identifier:
            return fx.PaymentMeans(
                "59",
                mandate_reference=customer.sepa_mandate_reference,
                creditor_identifier=self.company_id.sepa_creditor_identifier,
                debtor_iban=customer.bank_ids[:1].sanitized_acc_number or "",
            )
        bank = self.partner_bank_id
        if not bank:
            return None
        return fx.PaymentMeans(
            "58" if bank.acc_type == "iban" else "30",
            iban=bank.sanitized_acc_number,
            bic=bank.bank_bic or "",
            account_name=bank.acc_holder_name or "",
        )


def _decimal(amount, currency):
    return Decimal(str(amount)).quantize(
        Decimal(1).scaleb(-currency.decimal_places), ROUND_HALF_UP
    )


def _rule_family(rule_id):
    """BR-FR-05_BT-22_PMT -> BR-FR-05; BR-CO-15 -> BR-CO-15."""
    return rule_id.split("_")[0]
