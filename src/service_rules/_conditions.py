"""Rule conditions: parsed from a rule's ``when`` and evaluated in Python (the reference semantics).

:data:`OPERATORS` is the one table of condition operators: the loader, the compiler, the JSON
Schema and the pack documents all read it (durable_rules' own syntax for each lives in
``_engine``, the only module that knows it). A comparison on an absent field is false; only
``exists = false`` holds for it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

import attrs


@attrs.frozen
class Operator:
    """One condition operator: its name in a pack, its sign in documents, what it compares."""

    name: str
    sign: str
    meaning: str
    #: Compares by order (numbers only on the contract's typed fields).
    ordered: bool = False


#: Every operator a ``when`` table may use, in documentation order.
OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("eq", "=", "equals"),
        Operator("in", "∈", "equals one of a non-empty list"),
        Operator("ne", "≠", "differs from (an absent field differs from nothing: false)"),
        Operator("gt", ">", "greater than", ordered=True),
        Operator("gte", "≥", "greater than or equal to", ordered=True),
        Operator("lt", "<", "less than", ordered=True),
        Operator("lte", "≤", "less than or equal to", ordered=True),
        Operator("exists", "存在", "the field is present (true) or absent (false)"),
    )
}


@attrs.frozen
class Condition:
    """``field op value``; ``in`` holds a tuple of values."""

    field: str
    op: str
    value: Any


def parse_when(when: Mapping[str, Any]) -> tuple[list[Condition], list[tuple[str, str]]]:
    """A rule's ``when`` table → conditions, plus (key path, message) for each malformed entry."""
    conditions: list[Condition] = []
    problems: list[tuple[str, str]] = []
    for field, spec in when.items():
        if isinstance(spec, list):
            if not spec:
                problems.append((field, "an empty list matches nothing"))
                continue
            conditions.append(Condition(field, "in", tuple(spec)) if len(spec) > 1 else Condition(field, "eq", spec[0]))
        elif isinstance(spec, dict):
            if not spec:
                problems.append((field, "an empty table of operators"))
            for op, value in spec.items():
                if op not in OPERATORS:
                    problems.append(
                        (f"{field}.{op}", f"unknown operator {op!r} (expected one of {', '.join(OPERATORS)})")
                    )
                    continue
                if op == "in":
                    if not isinstance(value, list) or not value:
                        problems.append((f"{field}.in", "expected a non-empty list"))
                        continue
                    value = tuple(value)
                elif op == "exists":
                    if type(value) is not bool:
                        problems.append((f"{field}.exists", "expected true or false"))
                        continue
                elif isinstance(value, list):
                    problems.append((f"{field}.{op}", "expected a single value, found a list"))
                    continue
                conditions.append(Condition(field, op, value))
        else:
            conditions.append(Condition(field, "eq", spec))
    return conditions, problems


def values_of(condition: Condition) -> tuple[Any, ...]:
    """The literal values a condition compares with (none for ``exists``)."""
    if condition.op == "exists":
        return ()
    return condition.value if condition.op == "in" else (condition.value,)


_MISSING = object()


def holds(condition: Condition, fact: Mapping[str, Any]) -> bool:
    """The reference semantics of one condition on one fact."""
    value = fact.get(condition.field, _MISSING)
    op = condition.op
    if op == "exists":
        return (value is not _MISSING) is condition.value
    if value is _MISSING:
        return False
    if op == "eq":
        return bool(value == condition.value and type(value) is type(condition.value))
    if op == "in":
        return any(value == v and type(value) is type(v) for v in condition.value)
    if op == "ne":
        return not (value == condition.value and type(value) is type(condition.value))
    if type(value) is bool or not isinstance(value, (int, float, str)) or type(value) is not type(condition.value):
        return False
    bound: Any = condition.value
    if op == "gt":
        return bool(value > bound)
    if op == "gte":
        return bool(value >= bound)
    if op == "lt":
        return bool(value < bound)
    return bool(value <= bound)


def all_hold(conditions: list[Condition], fact: Mapping[str, Any]) -> bool:
    return all(holds(c, fact) for c in conditions)


class ValueClasses:
    """Values of a field that every condition on it judges alike, as one key.

    What :func:`holds` makes of a number depends only on where it stands among the numbers of its
    own type that the conditions on its field compare with (below the first, equal to one,
    between two, above the last): comparisons are by type, and a number never equals a constant
    of another type. A string depends only on which constant it equals, if any (conditions on
    strings test equality only; an ordered one on a string gets no class). So a cache keyed by
    :meth:`of` rather than by the value holds the same verdicts and stays as small as the
    pack's conditions, whatever numbers the input carries (a measured time in seconds, one a
    line, could otherwise make a verdict and a question to the engine per line).
    """

    #: The class of NaN (every comparison false, unequal to everything), and of a string equal to
    #: no constant.
    NAN, OTHER_TEXT = object(), object()

    def __init__(self, conditions: Iterable[Condition]) -> None:
        numbers: dict[tuple[str, type], set[Any]] = {}
        texts: dict[str, set[str]] = {}
        self.exact: set[str] = set()  # fields a string is ordered on: no class for their strings
        for c in conditions:
            for v in values_of(c):
                if type(v) is int or type(v) is float:
                    numbers.setdefault((c.field, type(v)), set()).add(v)
                elif type(v) is str:
                    texts.setdefault(c.field, set()).add(v)
                    if OPERATORS[c.op].ordered:
                        self.exact.add(c.field)
        self.numbers = {k: tuple(sorted(v for v in vs if v == v)) for k, vs in numbers.items()}
        self.texts = {k: frozenset(vs) for k, vs in texts.items()}

    def of(self, field: str, value: Any) -> Any:
        """``value``'s class for the conditions on ``field`` (a value of no other kind: itself)."""
        kind = type(value)
        if kind is int or kind is float:
            if value != value:
                return self.NAN
            cuts = self.numbers.get((field, kind), ())
            i = bisect_left(cuts, value)
            return (kind, 2 * i + 1 if i < len(cuts) and cuts[i] == value else 2 * i)
        if kind is str and field not in self.exact:
            return value if value in self.texts.get(field, ()) else self.OTHER_TEXT
        return value
