"""Issue 11, items 2 and 9: the engine only ever sees values on which it and the reference agree.

durable_rules compares strings with ``strncmp`` over lengths cut to 16 bits: naive use lets
``outlet = "A"`` match ``"A" + "x" * 65536`` and ``{gt = "ab!"}`` match ``"ab"``. The compiler
interns every string to a fixed-width symbol before the engine sees it; a differential test
over generated strings (long, prefix-sharing, non-ASCII) shows both matchers decide alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import service_rules as sr
from _variants import cangzhou_with_v18
from service_rules._compiler import InternedMatcher, PythonMatcher
from service_rules._conditions import Condition, all_hold

pytest.importorskip("durable.engine", reason="durable_rules cannot be imported on this Python")
from service_rules._engine import DurableMatcher

LONG = "A" + "x" * 65536


def test_naive_durable_rules_confuses_long_and_prefix_strings() -> None:
    """The engine's own bug, shown first: why strings never reach it as they are."""
    raw = DurableMatcher({"r": (Condition("type", "eq", "finding"), Condition("outlet", "eq", "A"))})
    try:
        assert raw.matches({"type": "finding", "outlet": LONG}) == {"r"}  # wrong: LONG != "A"
    finally:
        raw.close()
    ordered = DurableMatcher({"r": (Condition("type", "eq", "finding"), Condition("tag", "gt", "ab!"))})
    try:
        assert ordered.matches({"type": "finding", "tag": "ab"}) == {"r"}  # wrong: "ab" < "ab!"
    finally:
        ordered.close()


def test_interned_matcher_decides_long_strings_like_the_reference() -> None:
    rules = {"r": (Condition("type", "eq", "finding"), Condition("outlet", "eq", "A"))}
    interned = InternedMatcher(rules, DurableMatcher)
    try:
        assert interned.matches({"type": "finding", "outlet": LONG}) == frozenset()
        assert interned.matches({"type": "finding", "outlet": "A"}) == {"r"}
    finally:
        interned.close()


CONSTANTS = ["A", "ab", "ab!", "HJ-01", "河间", "河间联社", ""]
#: The fields conditions read here: "id" and "sid" are also durable_rules' own names for a fact.
FIELDS = ("outlet", "tag", "employee", "id", "sid")


class Text(str):
    """A generated string that reports itself briefly (some are longer than 65,536 characters)."""

    def __repr__(self) -> str:
        return f"<{len(self)} chars: {str.__repr__(self[:12])}…>" if len(self) > 40 else str.__repr__(self)


def strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(CONSTANTS),
        st.text(max_size=8),
        st.tuples(st.sampled_from(CONSTANTS), st.text(max_size=3)).map("".join),  # sharing a prefix
        st.tuples(st.sampled_from(CONSTANTS), st.sampled_from([65535, 65536, 65537, 131072])).map(
            lambda t: t[0] + "x" * t[1]  # longer than 16 bits can count, sharing a prefix
        ),
        st.tuples(st.sampled_from(["河", "é", "\x00", "a"]), st.sampled_from([1, 2, 65536, 65537, 70000])).map(
            lambda t: t[0] * t[1]
        ),
    ).map(Text)


@st.composite
def conditions(draw: st.DrawFn) -> tuple[Condition, ...]:
    out = [Condition("type", "eq", "finding")]
    for field in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True)):
        op = draw(st.sampled_from(["eq", "in", "ne", "exists"]))
        if op == "in":
            out.append(Condition(field, "in", tuple(draw(st.lists(strings(), min_size=2, max_size=3, unique=True)))))
        elif op == "exists":
            out.append(Condition(field, "exists", draw(st.booleans())))
        else:
            out.append(Condition(field, op, draw(strings())))
    return tuple(out)


@st.composite
def shapes(draw: st.DrawFn) -> dict[str, object]:
    shape: dict[str, object] = {"type": "finding"}
    for field in FIELDS:
        if draw(st.booleans()):
            shape[field] = draw(strings())
    return shape


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rules=st.lists(conditions(), min_size=1, max_size=4), facts=st.lists(shapes(), min_size=1, max_size=6))
def test_durable_and_python_decide_alike_on_any_string(
    rules: list[tuple[Condition, ...]], facts: list[dict[str, object]]
) -> None:
    ids = {f"rule{i}": tuple(_plain(c) for c in conds) for i, conds in enumerate(rules)}
    reference = PythonMatcher(ids)
    engine = InternedMatcher(ids, DurableMatcher)
    try:
        for generated in facts:
            shape = {k: str(v) if isinstance(v, str) else v for k, v in generated.items()}  # exact str
            assert all(type(v) is str for v in shape.values())
            assert engine.matches(generated) == reference.matches(generated)  # Text: a subclass of str
            assert engine.matches(shape) == reference.matches(shape)
            assert reference.matches(shape) == {r for r, c in ids.items() if all_hold(list(c), shape)}
    finally:
        engine.close()


def _plain(c: Condition) -> Condition:
    """The condition with exact ``str`` constants (generated ones are :class:`Text`)."""
    if c.op == "in":
        return Condition(c.field, c.op, tuple(str(v) for v in c.value))
    return Condition(c.field, c.op, str(c.value) if isinstance(c.value, str) else c.value)


def _pack_reading_outlet(tmp_path: Path) -> Path:
    return cangzhou_with_v18(tmp_path, '{ type = "finding", article = 18, outlet = "A" }', "by-outlet")


def _finding(rid: str, outlet: str) -> dict[str, object]:
    return {"type": "finding", "id": rid, "outlet": outlet, "date": "2026-07-01", "article": 18, "points": 2}


def test_a_pack_reading_outlet_decides_long_outlets_like_the_reference(tmp_path: Path) -> None:
    pack = sr.load_pack(_pack_reading_outlet(tmp_path))
    records = [_finding("f1", "A"), _finding("f2", LONG), _finding("f3", "A\x00"), _finding("f4", "AB")]
    results = [
        sr.score(sr.compile_pack(pack, matcher=m), [sr.Records(records)], as_of="2026-11-27")
        for m in ("durable_rules", "python")
    ]
    assert results[0].scorecards == results[1].scorecards
    rules = {o: d.rule for card in results[0].scorecards for d in card.deductions for o in d.observations}
    assert rules == {"f1": "v-18", "f2": "cz-4-item", "f3": "cz-4-item", "f4": "cz-4-item"}


def test_a_17_mb_outlet_is_decided_not_an_aborted_run(tmp_path: Path) -> None:
    """Item 9: one huge outlet id decides its own line; the run goes on."""
    compiled = sr.compile_pack(sr.load_pack(_pack_reading_outlet(tmp_path)), matcher="durable_rules")
    huge = "A" * (17 * 2**20)
    result = sr.score(compiled, [sr.Records([_finding("f1", huge), _finding("f2", "A")])], as_of="2026-11-27")
    assert not result.rejected
    rules = {o: d.rule for card in result.scorecards for d in card.deductions for o in d.observations}
    assert rules == {"f1": "cz-4-item", "f2": "v-18"}


def test_a_pack_reading_the_id_compiles_and_decides_like_the_reference(tmp_path: Path) -> None:
    """Regression (review, session 6): durable_rules keeps a fact's identity in ``id``, so a rule
    reading a record's ``id`` was judged on the engine's own value and the pack failed to
    compile with durable_rules (``id ≠ "f1"`` held for f1). The engine sees field symbols now."""
    folder = cangzhou_with_v18(tmp_path, '{ type = "finding", article = 18, id = { ne = "f1" } }', "by-id")
    pack = sr.load_pack(folder)
    records = [_finding("f1", "A"), _finding("f2", "A"), _finding("id", "B"), _finding("q", "B")]
    results = [
        sr.score(sr.compile_pack(pack, matcher=m), [sr.Records(records)], as_of="2026-11-27")
        for m in ("durable_rules", "python")
    ]
    assert results[0].scorecards == results[1].scorecards and not results[0].rejected  # (the header names the matcher)
    rules_of = {o: d.rule for card in results[0].scorecards for d in card.deductions for o in d.observations}
    assert rules_of == {"f1": "cz-4-item", "f2": "v-18", "id": "v-18", "q": "v-18"}
