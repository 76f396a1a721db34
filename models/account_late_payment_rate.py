# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..connectors.late_penalty import HalfYear, MissingRateError, RateType


class AccountLatePaymentRate(models.Model):
    """A reference rate for one half-year, as late-payment rules use them.

    French rules take the ECB main refinancing rate in force on 1 January or
    1 July, and the legal interest rates set by decree for each half-year;
    one record holds one of them for the half-year starting on its date.
    """

    _name = "account.late.payment.rate"
    _description = "Late-payment reference rate"
    _order = "rate_type, date desc"

    rate_type = fields.Selection(
        [
            (RateType.ECB_MRO.value, "ECB main refinancing rate"),
            (
                RateType.LEGAL_PROFESSIONAL.value,
                "Legal interest rate (all other cases)",
            ),
            (
                RateType.LEGAL_INDIVIDUAL.value,
                "Legal interest rate (creditor is a private individual)",
            ),
        ],
        required=True,
    )
    date = fields.Date(
        string="Half-year start",
        required=True,
        help="1 January or 1 July: the rate applies to the half-year starting "
        "that day (for the ECB rate: the rate in force that day).",
    )
    rate = fields.Float(
        string="Rate (%)",
        digits=(16, 4),
        required=True,
        help="Annual rate, in percent.",
    )
    half_year = fields.Char(compute="_compute_half_year")

    _rate_type_date_uniq = models.Constraint(
        "unique(rate_type, date)",
        "There is already a rate of this type for this half-year.",
    )

    @api.depends("date")
    def _compute_half_year(self):
        for record in self:
            record.half_year = str(HalfYear.of(record.date)) if record.date else False

    @api.constrains("date")
    def _check_date(self):
        for record in self:
            if record.date.day != 1 or record.date.month not in (1, 7):
                raise ValidationError(
                    self.env._(
                        "A late-payment rate starts a half-year: its date must be "
                        "1 January or 1 July, not %(date)s.",
                        date=record.date,
                    )
                )

    @api.constrains("rate")
    def _check_rate(self):
        for record in self:
            if not -100 < record.rate < 100:
                raise ValidationError(
                    self.env._("A rate is a percentage between -100 and 100.")
                )

    @api.model
    def _rate_lookup(self):
        """Return ``rates(rate_type, half_year) -> Decimal`` over all rates.

        One query; the connectors' penalty computation calls it per slice.
        """
        table = {
            (RateType(record["rate_type"]), HalfYear.of(record["date"])): Decimal(
                str(record["rate"])
            )
            for record in self.sudo().search_read([], ["rate_type", "date", "rate"])
        }

        def rates(rate_type, half_year):
            try:
                return table[rate_type, half_year]
            except KeyError:
                raise MissingRateError(rate_type, half_year) from None

        return rates
