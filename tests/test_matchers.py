"""Differential test: durable_rules and the pure-Python matcher decide every condition alike.

Generated conjunctions of every operator the compiler emits (eq, in, ne, gt, gte, lt, lte,
exists true/false) over typed fields, lowered for durable_rules and evaluated by the
reference semantics, on generated facts. Runs wherever durable_rules can be imported.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service_rules._conditions import Condition, all_hold

pytest.importorskip("durable.engine", reason="durable_rules cannot be imported on this Python")
from service_rules._engine import DurableMatcher

FIELDS = {
    "article": st.integers(min_value=1, max_value=8),
    "persons": st.integers(min_value=-2, max_value=6),
    "tag": st.sampled_from(["harsh_tone", "forbidden_phrase", "drunk_on_duty", "语气生硬"]),
    "channel": st.sampled_from(["phone", "written"]),
    "verified": st.booleans(),
}
ORDERED = ("article", "persons", "tag", "channel")


@st.composite
def conditions(draw: st.DrawFn) -> list[Condition]:
    out = [Condition("type", "eq", "finding")]  # every rule's positive test
    for field in draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=3, unique=True)):
        value = FIELDS[field]
        ops = ["eq", "in", "ne", "exists"] + (["gt", "gte", "lt", "lte"] if field in ORDERED else [])
        op = draw(st.sampled_from(ops))
        if op == "in":
            out.append(Condition(field, "in", tuple(draw(st.lists(value, min_size=2, max_size=3, unique=True)))))
        elif op == "exists":
            out.append(Condition(field, "exists", draw(st.booleans())))
        else:
            out.append(Condition(field, op, draw(value)))
    return out


@st.composite
def facts(draw: st.DrawFn) -> dict[str, object]:
    fact: dict[str, object] = {"type": "finding"}
    for field, value in FIELDS.items():
        if draw(st.booleans()):
            fact[field] = draw(value)
    return fact


@settings(max_examples=150, deadline=None)
@given(rules=st.lists(conditions(), min_size=1, max_size=6), shapes=st.lists(facts(), min_size=1, max_size=15))
def test_durable_rules_decides_like_the_reference(
    rules: list[list[Condition]], shapes: list[dict[str, object]]
) -> None:
    ids = {f"rule{i}": conds for i, conds in enumerate(rules)}
    matcher = DurableMatcher(ids)
    for shape in shapes:
        expected = frozenset(rid for rid, conds in ids.items() if all_hold(conds, shape))
        assert matcher.matches(shape) == expected, shape
