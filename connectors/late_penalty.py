# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Late-payment interest and recovery indemnity, computed exactly.

Interest runs from the day after the due date up to and including the day
of payment (or the reference date). Each late day earns
``outstanding x annual rate / days in the year``; the day counts, amounts and
rates are exact Decimals and the total is rounded once, to the currency.

The rate of a day depends on its half-year: French law takes the ECB main
refinancing rate in force on 1 January for the first half-year and on
1 July for the second (B2B), or freezes it at the half-year in which the
delay started (public procurement).
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from itertools import pairwise

ONE_DAY = datetime.timedelta(days=1)
HUNDRED = Decimal(100)


class PenaltyError(Exception):
    """The penalty cannot be computed as the terms ask."""


class MissingRateError(PenaltyError):
    """A rate table has no rate for a half-year the computation needs."""

    def __init__(self, rate_type, half_year):
        self.rate_type = rate_type
        self.half_year = half_year
        super().__init__(f"No {rate_type.label} rate for {half_year}")


class RateBelowFloorError(PenaltyError):
    """An agreed B2B rate is below the legal floor for a half-year."""

    def __init__(self, rate, floor, half_year):
        self.rate = rate
        self.floor = floor
        self.half_year = half_year
        super().__init__(
            f"The agreed rate {rate} % is below the legal floor of {floor} % "
            f"(3 x the legal interest rate) for {half_year}"
        )


class RateType(Enum):
    """The rate tables a penalty can be based on."""

    ECB_MRO = "ecb_mro"
    LEGAL_PROFESSIONAL = "legal_professional"
    LEGAL_INDIVIDUAL = "legal_individual"

    @property
    def label(self):
        return {
            RateType.ECB_MRO: "ECB main refinancing",
            RateType.LEGAL_PROFESSIONAL: "legal interest (all other cases)",
            RateType.LEGAL_INDIVIDUAL: "legal interest (private individual creditor)",
        }[self]


class RateBasis(Enum):
    """How the annual interest rate of a policy is found."""

    REFERENCE_PLUS_MARGIN = "reference_plus_margin"  # ECB rate + points
    LEGAL = "legal"  # French legal interest rate
    CONTRACTUAL = "contractual"  # agreed rate, at least the legal floor


@dataclass(frozen=True, order=True)
class HalfYear:
    year: int
    half: int  # 1: January to June, 2: July to December

    @classmethod
    def of(cls, day):
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self):
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    def next(self):
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)

    def __str__(self):
        return f"H{self.half} {self.year}"


@dataclass(frozen=True)
class PenaltyTerms:
    """What a late-payment policy says, in plain values.

    :param rate_basis: where the annual rate comes from.
    :param margin: points added to the ECB rate (REFERENCE_PLUS_MARGIN).
    :param legal_rate_type: which legal rate table (LEGAL).
    :param contractual_rate: the agreed annual rate in percent (CONTRACTUAL).
    :param floor_multiplier: the agreed rate must be at least this times the
        legal interest rate for professionals (French law: 3).
    :param rate_per_half_year: True to take each half-year's own rate (French
        B2B); False to keep the rate of the half-year the delay started in
        (French public procurement).
    :param leap_year_days: count 366 days in leap years instead of 365.
    :param indemnity: the fixed recovery indemnity, in the invoice currency.
    """

    rate_basis: RateBasis
    margin: Decimal = Decimal(0)
    legal_rate_type: RateType = RateType.LEGAL_PROFESSIONAL
    contractual_rate: Decimal | None = None
    floor_multiplier: Decimal = Decimal(3)
    rate_per_half_year: bool = True
    leap_year_days: bool = False
    indemnity: Decimal = Decimal(0)


@dataclass(frozen=True)
class Payment:
    """An amount paid (or credited) on a date, in the invoice currency."""

    date: datetime.date
    amount: Decimal


@dataclass(frozen=True)
class InterestSlice:
    """Late days with the same outstanding amount, rate and year length."""

    date_from: datetime.date  # first late day of the slice
    date_to: datetime.date  # last late day of the slice, included
    base: Decimal
    rate: Decimal  # annual, percent
    year_days: int
    half_year: HalfYear

    @property
    def days(self):
        return (self.date_to - self.date_from).days + 1

    @property
    def interest(self):
        """Unrounded interest of the slice."""
        return self.base * self.rate / HUNDRED * self.days / self.year_days


@dataclass(frozen=True)
class PenaltyBreakdown:
    days_late: int
    slices: tuple[InterestSlice, ...]
    interest: Decimal  # rounded once, to the currency
    indemnity: Decimal

    @property
    def total(self):
        return self.interest + self.indemnity


@dataclass(frozen=True)
class Instalment:
    """An amount due on a date (tax included), and what was paid of it."""

    amount: Decimal
    due_date: datetime.date
    payments: tuple[Payment, ...] = ()


def compute_late_penalty(
    instalments, at_date, terms, rates, decimals=2, accrued_until=None
):
    """Compute the late-payment penalty of an invoice.

    :param instalments: the invoice's :class:`Instalment` records (one for
        a single due date); a payment stops interest on its amount after
        its own day.
    :param at_date: the day up to which interest runs, included.
    :param terms: a :class:`PenaltyTerms`.
    :param rates: ``rates(rate_type, half_year) -> Decimal`` (percent);
        raises :class:`MissingRateError` when it has no such rate.
    :param decimals: the currency's number of decimals.
    :param accrued_until: interest already claimed up to this day, included
        (a previous penalty invoice): only the days after it count.
    :return: a :class:`PenaltyBreakdown`; the indemnity is owed once per
        invoice, as soon as one instalment is late.
    """
    days_late = 0
    slices = []
    for instalment in instalments:
        payments = sorted(instalment.payments, key=lambda payment: payment.date)
        paid_off = _paid_off_date(instalment.amount, payments)
        last_day = min(at_date, paid_off) if paid_off else at_date
        days_late = max(days_late, (last_day - instalment.due_date).days)
        delay_start = instalment.due_date + ONE_DAY
        first_day = delay_start
        if accrued_until and accrued_until >= first_day:
            first_day = accrued_until + ONE_DAY
        # A frozen rate is the one of the half-year the delay started in.
        rate_of = _rate_function(terms, rates, HalfYear.of(delay_start))
        slices += _slices(
            instalment.amount, first_day, last_day, payments, rate_of, terms
        )
    interest = sum((s.interest for s in slices), Decimal(0))
    return PenaltyBreakdown(
        days_late=days_late,
        slices=tuple(slices),
        interest=interest.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP),
        indemnity=terms.indemnity if days_late else Decimal(0),
    )


def _paid_off_date(amount, payments):
    paid = Decimal(0)
    for payment in payments:
        paid += payment.amount
        if paid >= amount:
            return payment.date
    return None


def _slices(amount, first_day, last_day, payments, rate_of, terms):
    if last_day < first_day:
        return []
    cuts = {first_day, last_day + ONE_DAY}
    half_year = HalfYear.of(first_day).next()
    while half_year.start <= last_day:
        cuts.add(half_year.start)
        half_year = half_year.next()
    cuts.update(
        payment.date + ONE_DAY
        for payment in payments
        if first_day < payment.date + ONE_DAY <= last_day
    )
    slices = []
    for start, stop in pairwise(sorted(cuts)):
        base = amount - sum(
            (payment.amount for payment in payments if payment.date < start),
            Decimal(0),
        )
        if base <= 0:
            break
        half_year = HalfYear.of(start)
        year_days = 366 if terms.leap_year_days and calendar.isleap(start.year) else 365
        current = InterestSlice(
            start, stop - ONE_DAY, base, rate_of(half_year), year_days, half_year
        )
        previous = slices[-1] if slices else None
        if previous and (previous.base, previous.rate, previous.year_days) == (
            current.base,
            current.rate,
            current.year_days,
        ):
            slices[-1] = InterestSlice(
                previous.date_from,
                current.date_to,
                base,
                current.rate,
                year_days,
                previous.half_year,
            )
        else:
            slices.append(current)
    return slices


def _rate_function(terms, rates, first_half_year):
    """Return ``half_year -> annual rate`` for the terms."""

    def rate_half_year(half_year):
        return half_year if terms.rate_per_half_year else first_half_year

    if terms.rate_basis is RateBasis.REFERENCE_PLUS_MARGIN:
        return lambda half_year: (
            rates(RateType.ECB_MRO, rate_half_year(half_year)) + terms.margin
        )
    if terms.rate_basis is RateBasis.LEGAL:
        return lambda half_year: rates(terms.legal_rate_type, rate_half_year(half_year))

    def contractual(half_year):
        floor = terms.floor_multiplier * rates(RateType.LEGAL_PROFESSIONAL, half_year)
        if terms.contractual_rate < floor:
            raise RateBelowFloorError(terms.contractual_rate, floor, half_year)
        return terms.contractual_rate

    return contractual
