# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..connectors.late_penalty import PenaltyTerms, RateBasis, RateType

CUSTOMER_TYPES = [
    ("business", "Business"),
    ("public", "Public buyer"),
    ("consumer", "Consumer"),
]


class AccountLatePaymentPolicy(models.Model):
    """How late-payment interest and the recovery indemnity are charged to
    one type of customer.

    Policies without a company apply to every company; a company's own
    policy for the same customer type takes precedence.
    """

    _name = "account.late.payment.policy"
    _description = "Late-payment penalty policy"
    _order = "company_id, customer_type"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty for a policy shared by every company.",
    )
    customer_type = fields.Selection(CUSTOMER_TYPES, required=True)
    rate_basis = fields.Selection(
        [
            (RateBasis.REFERENCE_PLUS_MARGIN.value, "ECB rate plus a margin"),
            (RateBasis.LEGAL.value, "Legal interest rate"),
            (RateBasis.CONTRACTUAL.value, "Contractual rate"),
        ],
        required=True,
        default=RateBasis.REFERENCE_PLUS_MARGIN.value,
    )
    margin = fields.Float(
        string="Margin (points)",
        digits=(16, 4),
        help="Points added to the ECB main refinancing rate: 10 for French "
        "businesses, 8 for public buyers.",
    )
    legal_rate_type = fields.Selection(
        [
            (RateType.LEGAL_PROFESSIONAL.value, "All other cases"),
            (RateType.LEGAL_INDIVIDUAL.value, "Creditor is a private individual"),
        ],
        default=RateType.LEGAL_PROFESSIONAL.value,
        help="The legal rate depends on the creditor: a company invoicing a "
        "consumer is owed the rate for all other cases.",
    )
    contractual_rate = fields.Float(
        string="Contractual rate (%)",
        digits=(16, 4),
        help="Refused for any half-year where it is below three times the "
        "legal interest rate for all other cases.",
    )
    rate_per_half_year = fields.Boolean(
        string="Rate of each half-year",
        default=True,
        help="Checked: each late day takes the rate of its own half-year "
        "(French business rule). Unchecked: the rate of the half-year in which "
        "the delay started applies to the whole delay (public procurement).",
    )
    leap_year_days = fields.Boolean(
        string="366 days in leap years",
        help="Divide by 366 instead of 365 for late days of a leap year.",
    )
    indemnity_amount = fields.Monetary(
        string="Recovery indemnity",
        currency_field="indemnity_currency_id",
        help="Fixed compensation for recovery costs per late invoice, "
        "converted to the invoice currency. French law: 40 EUR, not owed by "
        "consumers.",
    )
    indemnity_currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.ref("base.EUR"),
    )

    @api.constrains("rate_basis", "contractual_rate")
    def _check_contractual_rate(self):
        """Refuse an agreed rate below the floor of the latest known half-year
        (computations check every half-year they use)."""
        latest = self.env["account.late.payment.rate"].search(
            [("rate_type", "=", RateType.LEGAL_PROFESSIONAL.value)],
            order="date desc",
            limit=1,
        )
        for policy in self.filtered(
            lambda p: p.rate_basis == RateBasis.CONTRACTUAL.value
        ):
            floor = 3 * latest.rate
            if policy.contractual_rate <= 0 or policy.contractual_rate < floor:
                raise ValidationError(
                    self.env._(
                        "The contractual rate %(rate)s %% is below the legal floor "
                        "of %(floor)s %% (3 x the legal interest rate of "
                        "%(half_year)s).",
                        rate=policy.contractual_rate,
                        floor=round(floor, 4),
                        half_year=latest.half_year,
                    )
                )

    @api.constrains("indemnity_amount")
    def _check_indemnity_amount(self):
        if any(policy.indemnity_amount < 0 for policy in self):
            raise ValidationError(
                self.env._("The recovery indemnity cannot be negative.")
            )

    @api.model
    def _for_partner(self, partner, company):
        """Return the policy of ``company`` for the partner's customer type."""
        customer_type = partner.commercial_partner_id.receivable_customer_type
        policies = self.search(
            [
                ("customer_type", "=", customer_type),
                ("company_id", "in", (company.id, False)),
            ]
        )
        return policies.filtered("company_id")[:1] or policies[:1]

    def _penalty_terms(self, currency, company, at_date):
        """Return the connectors' :class:`PenaltyTerms` of this policy, with
        the indemnity converted to ``currency``."""
        self.ensure_one()
        indemnity = self.indemnity_currency_id._convert(
            self.indemnity_amount, currency, company, at_date
        )
        return PenaltyTerms(
            rate_basis=RateBasis(self.rate_basis),
            margin=Decimal(str(self.margin)),
            legal_rate_type=RateType(
                self.legal_rate_type or RateType.LEGAL_PROFESSIONAL.value
            ),
            contractual_rate=Decimal(str(self.contractual_rate)),
            rate_per_half_year=self.rate_per_half_year,
            leap_year_days=self.leap_year_days,
            indemnity=Decimal(str(indemnity)).quantize(
                Decimal(1).scaleb(-currency.decimal_places)
            ),
        )
