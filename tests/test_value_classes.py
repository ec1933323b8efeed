"""A value's class (``_conditions.ValueClasses``): values of one class are judged alike by every
condition, so the caches of verdicts can be keyed by class; and the number of classes stays as
small as the conditions, whatever the input's values (regression: a generic pack's findings,
each with its own measured time, made a verdict, a question to durable_rules and ~4 KiB per line:
100,000 findings 7.96 s and 475 MiB, now 1.35 s and 65 MiB)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import service_rules as sr
from _variants import questions_to
from service_rules._conditions import OPERATORS, Condition, ValueClasses, holds

#: Values that meet the constants (the same numbers and strings), and everything else a field
#: may hold: another type of number, a bool (never a number here), NaN, infinities, None.
VALUES = st.one_of(
    st.integers(min_value=-3, max_value=3),
    st.sampled_from([-3.0, 0.0, 0.5, 2.0, 1e300, math.inf, -math.inf, math.nan, True, False, None]),
    st.floats(min_value=-4, max_value=4),
    st.sampled_from(["a", "b", "", "ab", "語"]),
    st.integers(min_value=-(2**60), max_value=2**60),
)


@st.composite
def conditions(draw: st.DrawFn) -> list[Condition]:
    out = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        op = draw(st.sampled_from(sorted(OPERATORS)))
        if op == "exists":
            out.append(Condition("x", op, draw(st.booleans())))
        elif op == "in":
            out.append(Condition("x", op, tuple(draw(st.lists(VALUES, min_size=1, max_size=3)))))
        else:
            out.append(Condition("x", op, draw(VALUES)))
    return out


@settings(max_examples=400, deadline=None)
@given(conds=conditions(), values=st.lists(VALUES, min_size=2, max_size=25))
def test_values_of_one_class_are_judged_alike_by_every_condition(conds: list[Condition], values: list[Any]) -> None:
    classes = ValueClasses(conds)
    groups: dict[Any, list[Any]] = {}
    for v in values:
        groups.setdefault(classes.of("x", v), []).append(v)
    for members in groups.values():
        for c in conds:
            verdicts = {holds(c, {"x": v}) for v in members}
            assert len(verdicts) == 1, (c, members)


def test_numbers_fall_in_as_few_classes_as_the_constants_allow() -> None:
    """k distinct constants of a type: at most 2k + 1 classes of that type's numbers (below,
    equal to each, between each two, above), however many numbers come."""
    conds = [Condition("x", "lte", 300), Condition("x", "gt", 10), Condition("x", "in", (5, 7, 7.5))]
    classes = ValueClasses(conds)
    ints = {classes.of("x", v) for v in range(-1000, 100_000, 7)}
    assert len(ints) <= 2 * 4 + 1
    assert classes.of("x", 300) != classes.of("x", 301) != classes.of("x", 299)
    assert classes.of("x", 7.5) != classes.of("x", 7)  # a float constant is no int's
    assert classes.of("x", "anything") == classes.of("x", "else") is ValueClasses.OTHER_TEXT
    assert classes.of("y", 12345) == classes.of("y", 1)  # a field no condition reads: one class


def _generic_quarter(path: Path, findings: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(findings):
            line = {"type": "finding", "id": f"F{i}", "outlet": f"O-{i % 20:03d}", "date": "2026-08-01"}
            out.write(json.dumps({**line, "article": 701, "measured": i * 7 % 997}) + "\n")


def test_distinct_measured_times_ask_the_matcher_once_per_class(tmp_path: Path) -> None:
    """Every finding its own measured time: the matcher is asked at most once per class of them
    (two here: within the pack's 300-second limit, and above it; compiling may have asked
    already), and the result is the one of asking it at every line (``reuse_matches=False``)."""
    path = tmp_path / "measured.jsonl"
    _generic_quarter(path, 3000)
    compiled = sr.compile_pack(sr.load_pack("generic"))
    asked = questions_to(compiled)
    cached = len(compiled._matches)  # (compiling asked about the shapes the pack names)
    reused = sr.score(compiled, [path], as_of="2026-11-27")
    assert len([s for s in asked if s.get("type") == "finding"]) <= 2
    assert len(compiled._matches) - cached <= 2  # before: one per distinct time (997)
    every = sr.score(sr.compile_pack(sr.load_pack("generic")), [path], as_of="2026-11-27", reuse_matches=False)
    assert reused.to_json() == every.to_json()
    assert sum(len(c.deductions) for c in reused.scorecards) > 0
    assert any(c.dismissed for c in reused.scorecards)  # both sides of the limit were met
