"""The hot path's shortcut never accepts a record the contract's full check would reject.

``RecordType.fast_ok`` is generated straight-line code run on every input line (by the serial
reader and by every worker of the parallel one); when it says True, ``check`` is skipped. So for
any record: ``fast_ok(o)`` implies ``check(o)`` passes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from service_rules import _facts
from service_rules._facts import RECORD_TYPES, Reject

DATES = ("2026-07-01", "2026-02-30", "1899-12-31", "2100-01-01", "2026-7-1", "２０２６-07-01")
for _d in DATES[:1]:
    _facts.parse_date(_d, "date")  # in the cache fast_ok consults

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**54), 2**54),
    st.sampled_from([0, 1, -1, 10**4, 10**4 + 1, 2**53 - 1, 2**53, -(2**53 - 1), -(2**53)]),
    st.text(max_size=4),
    st.sampled_from(
        ["", " ", "\u3000", "x", "county", "city", "phone", "written", "2026Q3", "2026Q5", "2026-07", "2026-13"]
    ),
    st.sampled_from(DATES),
    st.lists(st.sampled_from(["a", "b", "", " ", "a"]), max_size=3),
    st.lists(st.integers(0, 2), max_size=2),
    st.floats(allow_nan=False),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


CANDIDATES: list[Any] = [
    None, True, False, 0, 1, 3, -1, 10**4, 10**4 + 1, 2**53 - 1, 2**53, "", " ", "x", "county", "phone",
    "2026Q3", "2026-07", *DATES, ["a"], ["a", "a"], [], 1.5, *_facts.LAPSE_KINDS,
]  # fmt: skip


def _valid(name: str, field: str) -> list[Any]:
    """Values the field's own checker accepts (the full check also parses dates)."""
    if field in RECORD_TYPES[name].dates:
        return [DATES[0]]
    check = RECORD_TYPES[name].fields[field]
    kind = _facts._KIND.get(check)
    allowed = sorted(kind[1]) if kind is not None and isinstance(kind[1], frozenset) else []  # an enum's values
    return [v for v in [*CANDIDATES, *allowed] if v is not None and check(v) is None]


@st.composite
def records(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """Valid records but for at most one field: missing, unknown, or any value (boundaries often)."""
    name = draw(st.sampled_from(sorted(RECORD_TYPES)))
    spec = RECORD_TYPES[name]
    optional = draw(st.lists(st.sampled_from(list(spec.optional)), unique=True, max_size=3))
    record: dict[str, Any] = {"type": name}
    for k in [*spec.required, *optional]:
        record[k] = draw(st.sampled_from(_valid(name, k)))
    odd = draw(st.sampled_from([None, "extra", *spec.fields]))
    if odd is not None and odd != "type":
        if draw(st.integers(0, 9)) == 0:
            record.pop(odd, None)
        else:
            record[odd] = draw(st.sampled_from(CANDIDATES) if draw(st.integers(0, 4)) else values)
    return name, record


@settings(max_examples=4000, deadline=None)
@given(case=records())
def test_fast_ok_implies_check(case: tuple[str, dict[str, Any]]) -> None:
    name, record = case
    spec = RECORD_TYPES[name]
    accepted = spec.fast_ok(record)
    event(f"fast_ok {accepted}")
    if accepted:
        try:
            spec.check(record)
        except Reject as exc:  # pragma: no cover - the failure this test exists for
            pytest.fail(f"fast_ok accepted what check rejects ({exc.code}: {exc.message}): {record!r}")


def _base(name: str) -> dict[str, Any]:
    spec = RECORD_TYPES[name]
    return {"type": name, **{k: _valid(name, k)[0] for k in [*spec.required, *spec.optional]}}


@pytest.mark.parametrize("name", sorted(RECORD_TYPES))
def test_fast_ok_implies_check_for_every_single_change(name: str) -> None:
    """Every field of a complete valid record changed to every candidate value (or removed),
    and an unknown field added: fast_ok never says yes where check says no."""
    spec = RECORD_TYPES[name]
    base = _base(name)
    assert spec.fast_ok(base)
    spec.check(base)
    changed: list[dict[str, Any]] = [{**base, "extra": 1}]
    for field in spec.fields:
        if field == "type":
            continue
        changed.append({k: v for k, v in base.items() if k != field})
        changed += [{**base, field: value} for value in [*CANDIDATES, 2**60, -(2**60), "\u3000", "a\n"]]
    for record in changed:
        if spec.fast_ok(record):
            try:
                spec.check(record)
            except Reject as exc:
                pytest.fail(f"fast_ok accepted what check rejects ({exc.code}): {record!r}")


@settings(max_examples=3000, deadline=None)
@given(case=records())
def test_the_version_for_a_shape_says_what_the_general_one_says(case: tuple[str, dict[str, Any]]) -> None:
    """fast_ok runs a version made for the record's field names (most lines share a few): on
    every record whose names are allowed it answers as the general version does (which tests
    every field, present or not), so it too never accepts what check rejects."""
    name, record = case
    spec = RECORD_TYPES[name]
    keys = record.keys()
    if keys <= spec._allowed and spec._required <= keys:
        assert spec._generate_fast_ok(tuple(record))(record) == spec._generate_fast_ok()(record)


def test_a_record_of_an_unknown_shape_takes_the_general_version() -> None:
    """Past MAX_SHAPES shapes (hostile input: every line its own order of fields) no more
    versions are made; the general one still answers."""
    spec = _facts.RecordType("t", "id", {"id": _facts._str}, {f"f{i}": _facts._str for i in range(9)})
    for i in range(_facts.MAX_SHAPES + 20):
        fields = [f"f{j}" for j in range(9) if i >> j & 1]
        assert spec.fast_ok({"type": "t", "id": "x", **dict.fromkeys(fields, "v")})
        assert not spec.fast_ok({"type": "t", "id": "x", **dict.fromkeys(fields, "")} | {"f0": ""})
    assert len(spec._shapes) == _facts.MAX_SHAPES
    assert not spec.fast_ok({"type": "t", "id": "x", "nope": 1})  # a name not allowed: no version, no
