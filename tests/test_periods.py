"""Period strings: one definition for months, quarters, half-years and years."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service_rules._periods import (
    GRANULARITIES,
    Period,
    parse_period,
    parse_period_of,
    period_key,
    period_of,
    window_key,
)

days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))


@pytest.mark.parametrize(
    ("text", "first", "last", "words"),
    [
        ("2027-02", dt.date(2027, 2, 1), dt.date(2027, 2, 28), "2027年2月"),
        ("2028-02", dt.date(2028, 2, 1), dt.date(2028, 2, 29), "2028年2月"),
        ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "2026年第三季度"),
        ("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度"),
        ("2027H1", dt.date(2027, 1, 1), dt.date(2027, 6, 30), "2027年上半年"),
        ("2027H2", dt.date(2027, 7, 1), dt.date(2027, 12, 31), "2027年下半年"),
        ("2027", dt.date(2027, 1, 1), dt.date(2027, 12, 31), "2027年"),
    ],
)
def test_bounds_and_words_by_hand(text: str, first: dt.date, last: dt.date, words: str) -> None:
    p = parse_period(text)
    assert (p.first, p.last, p.words(), str(p)) == (first, last, words, text)


@pytest.mark.parametrize(
    "text", ["2027-13", "2027-00", "2027Q5", "2027Q0", "2027H3", "1899", "2100Q1", "27Q1", "2027q1", "", "2027-3"]
)
def test_malformed_periods_are_refused_in_chinese(text: str) -> None:
    with pytest.raises(ValueError, match="期间"):
        parse_period(text)


def test_a_period_of_another_granularity_names_the_packs() -> None:
    with pytest.raises(ValueError, match=r"按月计分.*2027-03"):
        parse_period_of("2027Q1", "month")
    assert str(parse_period_of("2027-01", "month")) == "2027-01"


@given(days, st.sampled_from(GRANULARITIES))
def test_a_day_lies_in_its_period_and_the_fast_key_agrees(day: dt.date, g: str) -> None:
    p = period_of(day, g)  # type: ignore[arg-type]
    assert p.contains(day)
    assert period_key(day.isoformat(), g) == str(p)  # type: ignore[arg-type]
    assert parse_period(str(p)) == p
    assert p.next().first == p.last + dt.timedelta(days=1)


@given(days, st.sampled_from(GRANULARITIES), st.sampled_from(GRANULARITIES))
def test_finer_periods_nest_in_coarser(day: dt.date, a: str, b: str) -> None:
    fine, coarse = sorted([a, b], key=GRANULARITIES.index)
    assert period_of(day, fine).within(coarse) == period_of(day, coarse)  # type: ignore[arg-type]


def test_windows() -> None:
    assert window_key("2026-08-15", "none") is None
    assert window_key("2026-08-15", "calendar_year") == "2026"
    assert window_key("2026-08-15", "half_year") == "2026H2"
    assert Period(2026, "quarter", 3) < Period(2026, "quarter", 4)
