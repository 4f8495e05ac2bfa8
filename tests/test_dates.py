"""PartialDate: the three written forms, their precision, order and display."""

import datetime as dt

import pytest

from site_builder.dates import PartialDate, parse_date


@pytest.mark.parametrize("text, precision, iso, human", [
    ("2024", "year", "2024", "2024"),
    ("2024-10", "month", "2024-10", "October 2024"),
    ("2024-10-16", "day", "2024-10-16", "16 October 2024"),
    ("2024-02-29", "day", "2024-02-29", "29 February 2024"),
    ("0001-01", "month", "0001-01", "January 1"),
    (" 1999-12-31 ", "day", "1999-12-31", "31 December 1999"),
])
def test_forms_keep_their_precision(text, precision, iso, human):
    date = parse_date(text)
    assert (date.precision, date.iso(), str(date), date.human()) == (precision, iso, iso, human)


@pytest.mark.parametrize("text, words", [
    ("2024-13", "month 13 does not exist (01-12)"),
    ("2024-00", "month 0 does not exist"),
    ("2024-02-30", "day 30 does not exist in February 2024 (01-29)"),
    ("2023-02-29", "day 29 does not exist in February 2023 (01-28)"),
    ("2024-04-31", "(01-30)"),
    ("0000", "year 0000 does not exist"),
    ("yesterday", "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
    ("24-10-16", "is not a date"),
    ("2024-1-6", "is not a date"),
    ("2024/10/16", "is not a date"),
    ("2024-10-16T10:00", "is not a date"),
    ("١٩٩٩", "is not a date"),  # Arabic-Indic digits are digits to Python's \d, not to us
    ("", "is not a date"),
])
def test_bad_dates_say_what_is_wrong(text, words):
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    assert words in str(caught.value)
    assert repr(text) in str(caught.value)


def test_period_bounds():
    assert (parse_date("2024").start, parse_date("2024").last) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert (parse_date("2024-02").start, parse_date("2024-02").last) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    day = parse_date("2024-10-16")
    assert day.start == day.last == dt.date(2024, 10, 16)


def test_sort_by_start_then_coarser_first():
    written = ["2024-01-01", "2023-12-31", "2024-01", "2024", "2024-02", "2023", "2024-01-02"]
    ordered = sorted((parse_date(t) for t in written), key=lambda d: d.sort_key)
    assert [d.iso() for d in ordered] == ["2023", "2023-12-31", "2024", "2024-01", "2024-01-01", "2024-01-02", "2024-02"]


def test_dates_are_values():
    assert parse_date("2024-10") == PartialDate(2024, 10)
    assert hash(parse_date("2024")) == hash(PartialDate(2024))
    with pytest.raises(AttributeError):
        parse_date("2024").year = 2025
