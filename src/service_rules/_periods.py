"""Periods and windows: a month (``2027-03``), a quarter (``2027Q1``), a half-year (``2027H1``) or a
year (``2027``), zero-padded; what period a day falls in; a period's first and last days; its
Chinese words. A *window* is a period granularity, or ``none`` (the whole input).

The one definition of period strings: scorecards, ``--period``, ladder and fine windows and
thresholds all read and write them through here.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Final, Literal

import attrs

from ._codes import cn_number

Granularity = Literal["month", "quarter", "half_year", "year"]
Window = Literal["month", "quarter", "half_year", "year", "calendar_year", "none"]

GRANULARITIES: Final[tuple[Granularity, ...]] = ("month", "quarter", "half_year", "year")
"""From the finest to the coarsest."""

WINDOWS: Final[tuple[str, ...]] = (*GRANULARITIES, "calendar_year", "none")
"""``calendar_year`` is the older spelling of ``year``; ``none`` is the whole input."""

GRANULARITY_WORDS: Final[dict[str, str]] = {"month": "月", "quarter": "季度", "half_year": "半年", "year": "年"}
GRANULARITY_EXAMPLES: Final[dict[str, str]] = {
    "month": "2027-03",
    "quarter": "2027Q1",
    "half_year": "2027H1",
    "year": "2027",
}
_PER_YEAR: Final[dict[str, int]] = {"month": 12, "quarter": 4, "half_year": 2, "year": 1}
_MONTHS: Final[dict[str, int]] = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}

YEARS: Final[tuple[int, int]] = (1900, 2099)

_FORMS: Final[list[tuple[re.Pattern[str], Granularity]]] = [
    (re.compile(r"([0-9]{4})-([0-9]{2})"), "month"),
    (re.compile(r"([0-9]{4})Q([0-9])"), "quarter"),
    (re.compile(r"([0-9]{4})H([0-9])"), "half_year"),
    (re.compile(r"([0-9]{4})()"), "year"),
]


@attrs.frozen(order=True, slots=True)
class Period:
    """One period: ``index`` is the month (1–12), quarter (1–4), half (1–2) or 1 for a year.
    Periods of one granularity order by time."""

    year: int
    granularity: Granularity = attrs.field(order=False)
    index: int

    def __str__(self) -> str:
        g = self.granularity
        if g == "month":
            return f"{self.year:04d}-{self.index:02d}"
        if g == "quarter":
            return f"{self.year:04d}Q{self.index}"
        if g == "half_year":
            return f"{self.year:04d}H{self.index}"
        return f"{self.year:04d}"

    @property
    def first(self) -> _dt.date:
        return _dt.date(self.year, (self.index - 1) * _MONTHS[self.granularity] + 1, 1)

    @property
    def last(self) -> _dt.date:
        end_month = self.index * _MONTHS[self.granularity]
        if end_month == 12:
            return _dt.date(self.year, 12, 31)
        return _dt.date(self.year, end_month + 1, 1) - _dt.timedelta(days=1)

    def contains(self, day: _dt.date) -> bool:
        return self.first <= day <= self.last

    def words(self) -> str:
        """``2026Q3`` → 2026年第三季度, ``2026-07`` → 2026年7月, ``2026H2`` → 2026年下半年, ``2026`` → 2026年."""
        g = self.granularity
        if g == "month":
            return f"{self.year}年{self.index}月"
        if g == "quarter":
            return f"{self.year}年第{cn_number(self.index)}季度"
        if g == "half_year":
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        return f"{self.year}年"

    def next(self) -> Period:
        """The period after this one (of the same granularity)."""
        if self.index < _PER_YEAR[self.granularity]:
            return Period(self.year, self.granularity, self.index + 1)
        return Period(self.year + 1, self.granularity, 1)

    def within(self, granularity: Granularity) -> Period:
        """The period of a coarser (or the same) granularity that contains this one."""
        return period_of(self.first, granularity)


def granularity_of(text: str) -> Granularity | None:
    """The granularity a period string is written in, or None when it is no period string."""
    for pattern, g in _FORMS:
        if pattern.fullmatch(text):
            return g
    return None


def parse_period(text: str) -> Period:
    """A period string → :class:`Period`; ValueError (a Chinese message) otherwise."""
    for pattern, g in _FORMS:
        m = pattern.fullmatch(text)
        if m:
            year = int(m.group(1))
            low, high = YEARS
            if not low <= year <= high:
                raise ValueError(f"期间 {text} 的年份须在 {low} 至 {high} 之间")
            index = int(m.group(2)) if m.group(2) else 1
            if not 1 <= index <= _PER_YEAR[g]:
                raise ValueError(f"期间 {text} 不存在:{GRANULARITY_WORDS[g]}的序号须在 1 至 {_PER_YEAR[g]} 之间")
            return Period(year, g, index)
    raise ValueError(f"期间应写作 2027-03(月)、2027Q1(季度)、2027H1(半年)或 2027(年),而不是 {text[:40]!r}")


def parse_period_of(text: str, granularity: Granularity) -> Period:
    """A period string that must be of ``granularity`` (the pack's); ValueError that names the
    pack's granularity otherwise."""
    period = parse_period(text)
    if period.granularity != granularity:
        raise ValueError(
            f"本规则包按{GRANULARITY_WORDS[granularity]}计分,期间应写作 {GRANULARITY_EXAMPLES[granularity]} 的形式,"
            f"而不是 {text}({GRANULARITY_WORDS[period.granularity]})"
        )
    return period


def period_of(day: _dt.date, granularity: Granularity) -> Period:
    """The period of ``granularity`` that contains ``day``."""
    months = _MONTHS[granularity]
    return Period(day.year, granularity, (day.month - 1) // months + 1)


def period_key(date: str, granularity: Granularity) -> str:
    """The period string of an ISO date string already checked by the contract (``YYYY-MM-DD``),
    without building a date: the hot path's form of :func:`period_of`."""
    if granularity == "month":
        return date[:7]
    if granularity == "year":
        return date[:4]
    month = int(date[5:7])
    if granularity == "quarter":
        return f"{date[:4]}Q{(month - 1) // 3 + 1}"
    return f"{date[:4]}H{(month - 1) // 6 + 1}"


def window_key(date: str, window: str) -> str | None:
    """The window a dated item counts in: its period string of the window's granularity, or None
    for ``none`` (one window: the whole input)."""
    if window == "none":
        return None
    if window == "calendar_year":
        return date[:4]
    return period_key(date, window)  # type: ignore[arg-type]


def finer_or_equal(a: Granularity, b: Granularity) -> bool:
    """Whether periods of ``a`` nest inside periods of ``b`` (a month inside a quarter, …)."""
    return GRANULARITIES.index(a) <= GRANULARITIES.index(b)
