# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from ..ecb_rates import RateFileError, half_year_rates, parse_ecb_rate_file
from ..late_penalty import HalfYear

DATA = Path(__file__).parent / "data"


def test_sdmx_csv_gives_the_rate_in_force_on_each_half_year_start():
    observations = parse_ecb_rate_file((DATA / "ecb_mro_sdmx.csv").read_bytes())
    assert observations[0] == (date(2023, 9, 20), D("4.5"))
    assert len(observations) == 9
    rates = half_year_rates(observations, known_until=date(2026, 2, 5))
    assert rates == {
        HalfYear(2024, 1): D("4.5"),
        HalfYear(2024, 2): D("4.25"),
        HalfYear(2025, 1): D("3.15"),
        HalfYear(2025, 2): D("2.15"),
        HalfYear(2026, 1): D("2.15"),
    }


def test_a_half_year_after_the_file_is_current_is_left_out():
    observations = parse_ecb_rate_file((DATA / "ecb_mro_sdmx.csv").read_bytes())
    assert HalfYear(2026, 2) not in half_year_rates(observations, date(2026, 6, 30))
    assert HalfYear(2026, 2) in half_year_rates(observations, date(2026, 7, 1))


def test_data_portal_csv_and_sdmx_ml_read_the_same_rates():
    portal = parse_ecb_rate_file((DATA / "ecb_mro_portal.csv").read_text())
    xml = parse_ecb_rate_file((DATA / "ecb_mro_sdmx.xml").read_bytes())
    assert portal[-1] == xml[-1] == (date(2025, 6, 11), D("2.15"))
    until = date(2025, 12, 31)
    assert half_year_rates(portal, until)[HalfYear(2025, 1)] == D("3.15")
    assert half_year_rates(xml, until) == {
        HalfYear(2025, 1): D("3.15"),
        HalfYear(2025, 2): D("2.15"),
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"a,b\n1,2\n", "Unknown CSV layout"),
        (
            b"TIME_PERIOD,OBS_VALUE\n2025-13-01,2.15\n",
            "Line 2: '2025-13-01' is not a date.",
        ),
        (b"TIME_PERIOD,OBS_VALUE\n2025-06-11,two\n", "Line 2: 'two' is not a rate."),
        (
            b"TIME_PERIOD,OBS_VALUE\n2025-06-11,215\n",
            "Line 2: '215' is not a rate in percent.",
        ),
        (
            b"TIME_PERIOD,OBS_VALUE\n2025-06-11,NaN\n",
            "The file holds no rate observation.",
        ),
        (b"<broken", "The XML is not well formed"),
        (b"\xff\xfe", "The file is not UTF-8 text."),
    ],
)
def test_bad_files_are_refused_with_the_place_at_fault(content, message):
    with pytest.raises(RateFileError, match=message.replace("(", r"\(")):
        parse_ecb_rate_file(content)
