"""The ranges every number in a pack must lie in, checked by the compiler stage ``check_numbers``.

A pack that ``check`` calls valid must score without overflow anywhere (orjson, durable_rules,
the ledger's sums): each number has a documented range (docs/packs.md, "Numbers"), and a number
outside it is a located error. The table below is the one place the ranges live; the docs
list the same table, and a test holds them to it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from ._errors import Problem
from ._model import ConditionValue, Pack


class _Build(Protocol):
    """What this stage needs of the compiler's build (so it does not import the compiler)."""

    pack: Pack
    errors: list[Problem]

    def error(self, code: str, message: str, file: str, path: str | None = None) -> None: ...


@attrs.frozen
class Range:
    """An inclusive range of integers, and what such numbers are, in a pack author's words."""

    low: int
    high: int
    what: str

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high


#: Points: allotments, the total, deductions, grades, caps.
POINTS = Range(0, 10**6, "分值")
#: A section floor's minimum (may be negative: 下不保底 at a set depth).
FLOOR = Range(-(10**6), 10**6, "保底分")
#: Section and article numbers, and references to them.
NUMBER = Range(1, 10**4, "章节号或条款号")
#: Counts: inspections a quarter, months in a streak.
COUNT = Range(1, 10**4, "次数或月数")
#: An integer a condition compares with (a JSON-safe integer: every consumer reads it exactly).
CONDITION = Range(-(2**53 - 1), 2**53 - 1, "条件中的整数")

#: Every range by name, as docs/packs.md lists them.
RANGES: Mapping[str, Range] = {
    "points": POINTS,
    "floor": FLOOR,
    "number": NUMBER,
    "count": COUNT,
    "condition": CONDITION,
}


def pack_numbers(pack: Pack) -> Iterator[tuple[str, str, object, Range]]:
    """Every number of a pack with its file, path (as the compiler's problems write it) and range."""
    meta = pack.meta
    if meta.total is not None:
        yield "pack.toml", "pack.total.value", meta.total.value, POINTS
    if meta.floor.value is not None:
        yield "pack.toml", "pack.floor.value", meta.floor.value, FLOOR
    for i, s in enumerate(pack.sections):
        yield "sections.toml", f"sections[{i}].number", s.number, NUMBER
        if s.allotment is not None:
            yield "sections.toml", f"sections[{i}].allotment.value", s.allotment.value, POINTS
        if s.floor is not None and s.floor.value is not None:
            yield "sections.toml", f"sections[{i}].floor.value", s.floor.value, FLOOR
    for i, a in enumerate(pack.articles):
        yield "articles.toml", f"articles[{i}].number", a.number, NUMBER
        if a.section is not None:
            yield "articles.toml", f"articles[{i}].section", a.section, NUMBER
    for i, r in enumerate(pack.rules):
        path = f"rules[{i}]"
        yield "rules.toml", f"{path}.section", r.section, NUMBER
        if r.article is not None:
            yield "rules.toml", f"{path}.article", r.article, NUMBER
        if r.deduct is not None:
            for key in ("points", "min", "max"):
                value = getattr(r.deduct, key)
                if value is not None:
                    yield "rules.toml", f"{path}.deduct.{key}", value, POINTS
        if r.cap is not None:
            yield "rules.toml", f"{path}.cap.value", r.cap.value, POINTS
        yield from _conditions("rules.toml", f"{path}.when", r.when)
    o = pack.oversight
    f = "oversight.toml"
    for kind, entries in (
        ("ladders", o.ladders),
        ("streaks", o.streaks),
        ("cadences", o.cadences),
        ("deadlines", o.deadlines),
        ("crosschecks", o.crosschecks),
    ):
        for i, entry in enumerate(entries):
            article = getattr(entry, "article", None)
            if article is not None:
                yield f, f"{kind}[{i}].article", article, NUMBER
            when = getattr(entry, "when", None)
            if when is not None:
                yield from _conditions(f, f"{kind}[{i}].when", when)
    for i, st in enumerate(o.streaks):
        yield f, f"streaks[{i}].length.value", st.length.value, COUNT
    for i, cad in enumerate(o.cadences):
        yield f, f"cadences[{i}].min_inspections.value", cad.min_inspections.value, COUNT
    yield from _money_and_oversight_numbers(pack)
    rec = o.recommendation
    if rec is not None:
        if rec.article is not None:
            yield f, "recommendation.article", rec.article, NUMBER
        for i, ex in enumerate(rec.exclude):
            yield from _conditions(f, f"recommendation.exclude[{i}].when", ex.when)


def _money_and_oversight_numbers(pack: Pack) -> Iterator[tuple[str, str, object, Range]]:
    """money.toml's and the thresholds' and sanction groups' integers (issues 9 and 12)."""
    m = pack.money
    for i, rate in enumerate(m.rates):
        for key in ("section", "article"):
            value = getattr(rate, key, None)
            if value is not None:
                yield "money.toml", f"rates[{i}].{key}", value, NUMBER
    for i, fine in enumerate(m.fines):
        if fine.article is not None:
            yield "money.toml", f"fines[{i}].article", fine.article, NUMBER
        for j, action in enumerate(fine.actions):
            if action.start >= 1:  # below 1: the money stage's own invalid_value
                yield "money.toml", f"fines[{i}].actions[{j}].start", action.start, COUNT
        yield from _conditions("money.toml", f"fines[{i}].when", fine.when)
    o = pack.oversight
    for i, t in enumerate(o.thresholds):
        for key in ("section", "article"):
            value = getattr(t, key)
            if value is not None:
                yield "oversight.toml", f"thresholds[{i}].{key}", value, NUMBER
    for i, g in enumerate(o.sanction_groups):
        if g.article is not None:
            yield "oversight.toml", f"sanction_groups[{i}].article", g.article, NUMBER


def _conditions(file: str, path: str, when: Mapping[str, ConditionValue]) -> Iterator[tuple[str, str, object, Range]]:
    for key, value in when.items():
        yield from _condition_ints(file, f"{path}.{key}", value)


def _condition_ints(file: str, path: str, value: Any) -> Iterator[tuple[str, str, object, Range]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield file, path, value, CONDITION
    elif isinstance(value, list):
        for j, item in enumerate(value):
            yield from _condition_ints(file, f"{path}[{j}]", item)
    elif isinstance(value, dict):
        for op, item in value.items():
            yield from _condition_ints(file, f"{path}.{op}", item)


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{text[:12]}…({len(text)} 位)"


def check_numbers(b: _Build) -> None:
    """Compiler stage: every number of the pack lies in its documented range (docs/packs.md)."""
    reported = {(p.file, p.path) for p in b.errors}
    for file, path, value, allowed in pack_numbers(b.pack):
        if value in allowed or (file, path) in reported:
            continue
        b.error(
            "number_out_of_range",
            f"{allowed.what}须在 {allowed.low} 至 {allowed.high} 之间,而不是 {_shown(value)}(范围见 docs/packs.md)",
            file,
            path,
        )


#: Where each kind of entry with an ``id`` lives: file, list name, and how to reach the list.
_ID_LISTS: tuple[tuple[str, str, Callable[[Pack], Sequence[object]]], ...] = (
    ("rules.toml", "rules", lambda p: p.rules),
    ("oversight.toml", "ladders", lambda p: p.oversight.ladders),
    ("oversight.toml", "streaks", lambda p: p.oversight.streaks),
    ("oversight.toml", "cadences", lambda p: p.oversight.cadences),
    ("oversight.toml", "deadlines", lambda p: p.oversight.deadlines),
    ("oversight.toml", "crosschecks", lambda p: p.oversight.crosschecks),
    ("oversight.toml", "thresholds", lambda p: p.oversight.thresholds),
    ("oversight.toml", "sanction_groups", lambda p: p.oversight.sanction_groups),
    ("money.toml", "rates", lambda p: p.money.rates),
    ("money.toml", "fines", lambda p: p.money.fines),
)


def _bad_id(value: str) -> bool:
    return (
        not value
        or value != value.strip()
        or any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in value)
    )


def check_ids(b: _Build) -> None:
    """Compiler stage: every id (a rule's, an oversight entry's, a rate's, a fine's) is a visible
    name — not empty, no control or bidi characters, no surrounding blanks — since ids are shown
    in terminals, documents and workbooks and named by other entries."""
    for file, kind, entries in _ID_LISTS:
        for i, entry in enumerate(entries(b.pack)):
            value = getattr(entry, "id", None)
            if isinstance(value, str) and _bad_id(value):
                b.error(
                    "invalid_id",
                    f"id 须为可见的名称:不能为空,不能含控制字符、方向控制符或换行,首尾不能有空白;而不是 {value[:40]!r}",
                    file,
                    f"{kind}[{i}].id",
                )
