"""Partial dates (YYYY, YYYY-MM, YYYY-MM-DD) whose written form is their precision."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

# Spelled out rather than taken from calendar.month_name, which follows the process locale.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
PRECISIONS = ("year", "month", "day")
_FORM = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # ASCII digits only
ALLOWED = "YYYY, YYYY-MM or YYYY-MM-DD"


@dataclass(frozen=True)
class PartialDate:
    """A calendar date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        """'year', 'month' or 'day'."""
        return PRECISIONS[(self.month is not None) + (self.day is not None)]

    @property
    def start(self) -> dt.date:
        """The first day of the period."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> dt.date:
        """The last day of the period."""
        if self.day is not None:
            return self.start
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def sort_key(self) -> tuple:
        """Start of the period first; on the same start, the coarser date first."""
        return (self.start.toordinal(), PRECISIONS.index(self.precision))

    def iso(self) -> str:
        """The date as written: YYYY, YYYY-MM or YYYY-MM-DD."""
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def human(self) -> str:
        """'16 October 2024', 'October 2024' or '2024'."""
        if self.month is None:
            return str(self.year)
        month = MONTHS[self.month - 1]
        if self.day is None:
            return f"{month} {self.year}"
        return f"{self.day} {month} {self.year}"

    def __str__(self) -> str:
        return self.iso()


def parse_date(text: str) -> PartialDate:
    """Parse 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'; ValueError says what is wrong."""
    match = _FORM.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a date ({ALLOWED})")
    year, month, day = (int(g) if g else None for g in match.groups())
    if year < 1:
        raise ValueError(f"{text!r}: year 0000 does not exist ({ALLOWED}, years 0001-9999)")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{text!r}: month {month} does not exist (01-12)")
    if day is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValueError(f"{text!r}: day {day} does not exist in {MONTHS[month - 1]} {year} (01-{last:02d})")
    return PartialDate(year, month, day)
