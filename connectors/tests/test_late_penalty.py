# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Hand-worked examples of late-payment penalties.

Rates (percent): ECB main refinancing rate in force on 1 January 2024 4.50,
1 January 2025 3.15, 1 July 2025 2.15; French legal interest rate for
professionals H2 2025 2.76.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from ..late_penalty import (
    HalfYear,
    Instalment,
    MissingRateError,
    Payment,
    PenaltyTerms,
    RateBasis,
    RateBelowFloorError,
    RateType,
    compute_late_penalty,
)

RATES = {
    (RateType.ECB_MRO, HalfYear(2024, 1)): D("4.50"),
    (RateType.ECB_MRO, HalfYear(2025, 1)): D("3.15"),
    (RateType.ECB_MRO, HalfYear(2025, 2)): D("2.15"),
    (RateType.LEGAL_PROFESSIONAL, HalfYear(2025, 2)): D("2.76"),
    (RateType.LEGAL_INDIVIDUAL, HalfYear(2025, 2)): D("6.65"),
}


def rates(rate_type, half_year):
    try:
        return RATES[rate_type, half_year]
    except KeyError:
        raise MissingRateError(rate_type, half_year) from None


B2B = PenaltyTerms(
    rate_basis=RateBasis.REFERENCE_PLUS_MARGIN,
    margin=D(10),
    indemnity=D(40),
)
PUBLIC = PenaltyTerms(
    rate_basis=RateBasis.REFERENCE_PLUS_MARGIN,
    margin=D(8),
    rate_per_half_year=False,
    indemnity=D(40),
)
CONSUMER = PenaltyTerms(rate_basis=RateBasis.LEGAL)


def test_b2b_invoice_47_days_late_across_1_july():
    # 16-30 June: 1200 x 13.15 % x 15 / 365 = 6.484931...
    # 1 July - 1 August: 1200 x 12.15 % x 32 / 365 = 12.782465...
    result = compute_late_penalty(
        [Instalment(D("1200.00"), date(2025, 6, 15))], date(2025, 8, 1), B2B, rates
    )
    assert result.days_late == 47
    assert [(s.date_from, s.date_to, s.days, s.rate) for s in result.slices] == [
        (date(2025, 6, 16), date(2025, 6, 30), 15, D("13.15")),
        (date(2025, 7, 1), date(2025, 8, 1), 32, D("12.15")),
    ]
    assert result.interest == D("19.27")
    assert result.indemnity == D(40)
    assert result.total == D("59.27")


def test_b2b_invoice_with_two_partial_payments():
    # 500 paid on 25 June, 300 on 10 July: the base drops the day after.
    #   16-25 June   1200 x 13.15 % x 10 / 365 = 4.323287...
    #   26-30 June    700 x 13.15 % x  5 / 365 = 1.260958...
    #   1-10 July     700 x 12.15 % x 10 / 365 = 2.330136...
    #   11 July-1 Aug 400 x 12.15 % x 22 / 365 = 2.929315...
    payments = [
        Payment(date(2025, 7, 10), D("300.00")),
        Payment(date(2025, 6, 25), D("500.00")),
    ]
    result = compute_late_penalty(
        [Instalment(D("1200.00"), date(2025, 6, 15), tuple(payments))],
        date(2025, 8, 1),
        B2B,
        rates,
    )
    assert [(s.days, s.base, s.rate) for s in result.slices] == [
        (10, D("1200.00"), D("13.15")),
        (5, D("700.00"), D("13.15")),
        (10, D("700.00"), D("12.15")),
        (22, D("400.00"), D("12.15")),
    ]
    assert result.interest == D("10.84")
    assert result.indemnity == D(40)


def test_public_buyer_rate_frozen_at_the_half_year_the_delay_started():
    # ECB 1 January 2025 (3.15) + 8 points for all 60 days, across 1 July:
    # 5040 x 11.15 % x 60 / 365 = 92.376986...
    result = compute_late_penalty(
        [Instalment(D("5040.00"), date(2025, 6, 20))], date(2025, 8, 19), PUBLIC, rates
    )
    assert result.days_late == 60
    assert [(s.days, s.rate) for s in result.slices] == [(60, D("11.15"))]
    assert result.interest == D("92.38")
    assert result.indemnity == D(40)


def test_consumer_pays_legal_interest_and_no_indemnity():
    # 800 x 2.76 % x 60 / 365 = 3.629589...
    result = compute_late_penalty(
        [Instalment(D("800.00"), date(2025, 9, 30))],
        date(2025, 11, 29),
        CONSUMER,
        rates,
    )
    assert result.days_late == 60
    assert result.interest == D("3.63")
    assert result.indemnity == D(0)


def test_contractual_rate_below_three_times_the_legal_rate_is_refused():
    # Floor in H2 2025: 3 x 2.76 = 8.28 %.
    terms = PenaltyTerms(
        rate_basis=RateBasis.CONTRACTUAL, contractual_rate=D("8"), indemnity=D(40)
    )
    with pytest.raises(RateBelowFloorError) as error:
        compute_late_penalty(
            [Instalment(D("1000.00"), date(2025, 9, 30))],
            date(2025, 10, 30),
            terms,
            rates,
        )
    assert error.value.floor == D("8.28")
    assert error.value.half_year == HalfYear(2025, 2)

    # 1000 x 9 % x 30 / 365 = 7.397260...
    terms = PenaltyTerms(
        rate_basis=RateBasis.CONTRACTUAL, contractual_rate=D("9"), indemnity=D(40)
    )
    result = compute_late_penalty(
        [Instalment(D("1000.00"), date(2025, 9, 30))], date(2025, 10, 30), terms, rates
    )
    assert result.interest == D("7.40")


def test_missing_rate_names_the_half_year():
    with pytest.raises(MissingRateError) as error:
        compute_late_penalty(
            [Instalment(D("1000.00"), date(2025, 12, 15))],
            date(2026, 1, 10),
            B2B,
            rates,
        )
    assert error.value.half_year == HalfYear(2026, 1)
    assert error.value.rate_type is RateType.ECB_MRO
    assert str(error.value) == "No ECB main refinancing rate for H1 2026"


def test_leap_year_counts_366_days_when_the_policy_says_so():
    # 21 February - 1 March 2024: 10 days at 14.50 %.
    args = ([Instalment(D("1000.00"), date(2024, 2, 20))], date(2024, 3, 1))
    # 1000 x 14.5 % x 10 / 365 = 3.972602...
    assert compute_late_penalty(*args, B2B, rates).interest == D("3.97")
    # 1000 x 14.5 % x 10 / 366 = 3.961748...
    leap = PenaltyTerms(
        rate_basis=RateBasis.REFERENCE_PLUS_MARGIN, margin=D(10), leap_year_days=True
    )
    result = compute_late_penalty(*args, leap, rates)
    assert result.slices[0].year_days == 366
    assert result.interest == D("3.96")


def test_interest_stops_on_the_day_of_full_payment():
    # Paid in full on 5 July: 15 days at 13.15 %, 5 days at 12.15 %.
    # 1200 x (13.15 % x 15 + 12.15 % x 5) / 365 = 8.482191...
    paid = (Payment(date(2025, 7, 5), D("1200.00")),)
    result = compute_late_penalty(
        [Instalment(D("1200.00"), date(2025, 6, 15), paid)],
        date(2025, 8, 1),
        B2B,
        rates,
    )
    assert result.days_late == 20
    assert result.interest == D("8.48")
    assert result.indemnity == D(40)


def test_only_days_after_a_previous_claim_count():
    # Interest already invoiced up to 10 July: 11 July - 1 August, 22 days.
    # 1200 x 12.15 % x 22 / 365 = 8.787945...
    result = compute_late_penalty(
        [Instalment(D("1200.00"), date(2025, 6, 15))],
        date(2025, 8, 1),
        B2B,
        rates,
        accrued_until=date(2025, 7, 10),
    )
    assert result.days_late == 47
    assert result.interest == D("8.79")


def test_nothing_is_owed_before_or_on_the_due_date():
    result = compute_late_penalty(
        [Instalment(D("1200.00"), date(2025, 6, 15))], date(2025, 6, 15), B2B, rates
    )
    assert (result.days_late, result.interest, result.indemnity) == (0, D(0), D(0))
    assert result.slices == ()


def test_each_instalment_is_late_from_its_own_due_date():
    # 600 due 15 June, 600 due 15 July, nothing paid, on 1 August:
    #   600 x (13.15 % x 15 + 12.15 % x 32) / 365 = 9.633698...
    #   600 x 12.15 % x 17 / 365 = 3.395342...
    instalments = [
        Instalment(D("600.00"), date(2025, 6, 15)),
        Instalment(D("600.00"), date(2025, 7, 15)),
    ]
    result = compute_late_penalty(instalments, date(2025, 8, 1), B2B, rates)
    assert result.days_late == 47
    assert result.interest == D("13.03")
    assert result.indemnity == D(40)


def test_a_later_claim_keeps_the_public_rate_of_the_first_half_year():
    # Delay from 21 June 2025; claimed up to 10 July, then up to 19 August:
    # the second claim still takes H1 2025's rate, 11.15 %.
    # 5040 x 11.15 % x 40 / 365 = 61.584657... -> 61.58
    result = compute_late_penalty(
        [Instalment(D("5040.00"), date(2025, 6, 20))],
        date(2025, 8, 19),
        PUBLIC,
        rates,
        accrued_until=date(2025, 7, 10),
    )
    assert [(s.days, s.rate) for s in result.slices] == [(40, D("11.15"))]
    assert result.interest == D("61.58")
