"""Rule conditions: parsed from a rule's ``when``, evaluated in Python, lowered for durable_rules.

One meaning, two evaluators: :func:`holds` is the reference semantics and :func:`lower`
produces the durable_rules JSON that must decide identically (the compiler checks both on
every shape it can enumerate). A comparison on an absent field is false; only
``exists = false`` holds for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

OPERATORS = ("eq", "in", "ne", "gt", "gte", "lt", "lte", "exists")
_ORDERED = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


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


def lower(conditions: list[Condition]) -> dict[str, Any]:
    """The durable_rules expression of a conjunction of conditions (nesting depth ≤ 2)."""
    tests: list[dict[str, Any]] = []
    for c in conditions:
        if c.op == "eq":
            tests.append({c.field: c.value})
        elif c.op == "in":
            tests.append({"$or": [{c.field: v} for v in c.value]})
        elif c.op == "ne":
            tests.append({"$neq": {c.field: c.value}})
        elif c.op == "exists":
            tests.append({("$ex" if c.value else "$nex"): {c.field: 1}})
        else:
            tests.append({_ORDERED[c.op]: {c.field: c.value}})
    return tests[0] if len(tests) == 1 else {"$and": tests}
