# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Read the ECB's published files of the main refinancing rate.

The ECB publishes the series (FM.B.U2.EUR.4F.KR.MRR_FR.LEV) as SDMX-CSV
(data API, ``format=csvdata``), as the data portal's CSV export and as
SDMX-ML. Each gives dated observations; the penalty rules need the rate in
force on the first day of each half-year.
"""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from lxml import etree

from .late_penalty import HalfYear


class RateFileError(ValueError):
    """The file is not an ECB rate file we can read."""


def parse_ecb_rate_file(content):
    """Return the ``(date, rate)`` observations of an ECB file, by date.

    :param content: the file's bytes or text (SDMX-CSV, portal CSV, SDMX-ML).
    :raises RateFileError: with the line or element at fault.
    """
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RateFileError("The file is not UTF-8 text.") from error
    text = content.lstrip("\ufeff").strip()
    if not text:
        raise RateFileError("The file is empty.")
    observations = _parse_xml(text) if text.startswith("<") else _parse_csv(text)
    if not observations:
        raise RateFileError("The file holds no rate observation.")
    return sorted(observations)


def half_year_rates(observations, known_until):
    """Return ``{HalfYear: rate}`` for each half-year start the file covers.

    A half-year is covered when its first day falls between the first
    observation and ``known_until`` (the day the file is known to be
    current): the rate in force on that day is the last one observed
    on or before it.
    """
    if not observations:
        return {}
    rates = {}
    half_year = HalfYear.of(observations[0][0])
    if half_year.start < observations[0][0]:
        half_year = half_year.next()
    index = 0
    current = None
    while half_year.start <= known_until:
        while index < len(observations) and observations[index][0] <= half_year.start:
            current = observations[index][1]
            index += 1
        rates[half_year] = current
        half_year = half_year.next()
    return rates


def _parse_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    header = [name.strip().upper() for name in rows[0]]
    if "TIME_PERIOD" in header and "OBS_VALUE" in header:
        date_column, value_column = (
            header.index("TIME_PERIOD"),
            header.index("OBS_VALUE"),
        )
    elif header[:1] == ["DATE"] and len(header) >= 3:
        # Data portal export: DATE, TIME PERIOD, then the series' values.
        date_column, value_column = 0, len(header) - 1
    else:
        raise RateFileError(
            "Unknown CSV layout: expected SDMX-CSV columns TIME_PERIOD and "
            "OBS_VALUE, or the ECB data portal's DATE column."
        )
    observations = []
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(date_column, value_column):
            raise RateFileError(f"Line {line_number}: missing columns.")
        observation = _observation(
            row[date_column], row[value_column], f"Line {line_number}"
        )
        if observation:
            observations.append(observation)
    return observations


def _parse_xml(text):
    try:
        root = etree.fromstring(text.encode())
    except etree.XMLSyntaxError as error:
        raise RateFileError(f"The XML is not well formed: {error}") from error
    observations = []
    for obs in root.iter("{*}Obs"):
        if obs.get("TIME_PERIOD") is not None:  # structure-specific
            date_text, value_text = obs.get("TIME_PERIOD"), obs.get("OBS_VALUE", "")
        else:  # generic
            dimension = obs.find("{*}ObsDimension")
            value = obs.find("{*}ObsValue")
            date_text = dimension.get("value") if dimension is not None else ""
            value_text = value.get("value", "") if value is not None else ""
        observation = _observation(date_text, value_text, f"Line {obs.sourceline}")
        if observation:
            observations.append(observation)
    return observations


def _observation(date_text, value_text, where):
    value_text = value_text.strip()
    if value_text in ("", "NaN", "-"):
        return None  # no observation that day
    try:
        day = datetime.date.fromisoformat(date_text.strip()[:10])
    except ValueError as error:
        raise RateFileError(f"{where}: {date_text!r} is not a date.") from error
    try:
        rate = Decimal(value_text)
    except InvalidOperation as error:
        raise RateFileError(f"{where}: {value_text!r} is not a rate.") from error
    if not rate.is_finite() or not Decimal(-100) < rate < Decimal(100):
        raise RateFileError(f"{where}: {value_text!r} is not a rate in percent.")
    return day, rate
