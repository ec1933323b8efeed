"""Rule conditions: parsed from a rule's ``when`` and evaluated in Python (the reference semantics).

:data:`OPERATORS` is the one table of condition operators: the loader, the compiler, the JSON
Schema and the pack documents all read it (durable_rules' own syntax for each lives in
``_engine``, the only module that knows it). A comparison on an absent field is false; only
``exists = false`` holds for it.
"""

from __future__ import annotations

from collections.abc import Mapping
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
