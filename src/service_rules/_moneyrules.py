"""Money rules of a pack (``money.toml``), checked and compiled: point rates, fines, the ledger.

The compiler stage ``check_money`` reports every problem located; :func:`compile_money` turns the
checked data into Decimals once, so scoring never parses an amount. Amounts are yuan: strings
(``"12.50"``) or integers, at most two decimals, never floats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

import attrs

from ._conditions import Condition, all_hold, parse_when, values_of
from ._errors import Problem
from ._model import Amount, FineRule, Pack
from ._templates import problems as template_problems

CENT = Decimal("0.01")
#: The largest amount a pack may state, and the most a fine can come to (one occurrence).
MAX_YUAN = Decimal("1000000000")
#: What a fine's ``when`` may read of a deduction, and the type of each.
FINE_FIELDS: dict[str, type] = {"type": str, "rule": str, "article": int, "section": int, "tag": str}
#: What "the same thing" may be made of (``same``).
SAME_KEYS: tuple[str, ...] = ("rule", "article", "section", "tag")
FILE = "money.toml"


class _Build(Protocol):
    """What this stage needs of the compiler's build (so it does not import the compiler)."""

    pack: Pack
    errors: list[Problem]

    def error(self, code: str, message: str, file: str, path: str | None = None) -> None: ...


# An amount written as a string: ASCII digits, at most two decimals — not " 50 ", "1e3", "1_000",
# "５０" or "-0", which Decimal() would take. At most 30 digits before the point, so no amount
# overflows the decimal context when it is rounded (the range check, MAX_YUAN, follows).
_AMOUNT = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,2})?")
# A factor written as a string: ASCII digits and a decimal point (the range, 1–100, follows).
_FACTOR = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?")


def parse_amount(value: Amount) -> Decimal | None:
    """An amount as written (``"12.50"``, ``10``) → Decimal, or None when it is not an amount of
    yuan (a float, more than two decimals, negative, not finite, not plain ASCII digits, or more
    than 30 digits — which would overflow the decimal context when rounded)."""
    if type(value) is int:
        if not 0 <= value < 10**30:
            return None
        return Decimal(value)
    if type(value) is str and _AMOUNT.fullmatch(value):
        return Decimal(value)
    return None


def yuan(amount: Decimal) -> str:
    """The contract's form of an amount: a string with two decimals (``"12.50"``)."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


@attrs.frozen
class CompiledFine:
    rule: FineRule
    conditions: tuple[Condition, ...]
    first: Decimal | None
    factor: Decimal | None
    steps: tuple[Decimal, ...]
    cap: Decimal | None

    def amounts(self) -> Iterator[Decimal]:
        """The amounts of the 1st, 2nd, … occurrence, to the cent, each at most the cap: the nth
        step (the last repeating), or the previous amount × factor rounded to the cent (half up)
        — once at the cap, always the cap. Constant work per occurrence, whatever the count."""
        cap = self.cap
        if self.steps:
            for step in self.steps:
                yield step if cap is None or step <= cap else cap
            last = self.steps[-1] if cap is None or self.steps[-1] <= cap else cap
            while True:
                yield last
        assert self.first is not None
        value = self.first if cap is None or self.first <= cap else cap
        factor = self.factor
        while True:
            yield value
            if factor is not None and factor != 1 and (cap is None or value < cap):
                value = (value * factor).quantize(CENT, rounding=ROUND_HALF_UP)
                if cap is not None and value > cap:
                    value = cap

    def amount(self, n: int) -> Decimal:
        """The amount of the ``n``-th occurrence (1-based)."""
        for i, value in enumerate(self.amounts(), start=1):
            if i == n:
                return value
        raise AssertionError("unreachable")  # pragma: no cover - amounts() never ends

    def counts(self, view: Mapping[str, Any]) -> bool:
        return all_hold(list(self.conditions), view)


@attrs.frozen
class MoneyRules:
    """A pack's money, compiled: the rate of each rule, the fines, how the ledger shares."""

    #: rule id → yuan per point (only rules some rate reaches)
    rates: Mapping[str, Decimal]
    #: rule id → the id of the rate that reaches it
    rate_of: Mapping[str, str]
    fines: tuple[CompiledFine, ...]
    #: "full", "split", or None (no employee ledger)
    share: str | None
    action_labels: Mapping[str, str]

    @property
    def has_rates(self) -> bool:
        return bool(self.rates)


def compile_money(pack: Pack) -> MoneyRules:
    """The checked ``money.toml`` of ``pack`` as Decimals (call after :func:`stage` found no error)."""
    m = pack.money
    by_scope: dict[tuple[str, Any], tuple[Decimal, str]] = {}
    for r in m.rates:
        amount = parse_amount(r.per_point)
        assert amount is not None
        by_scope[_scope(r.section, r.rule)] = (amount, r.id)
    rates: dict[str, Decimal] = {}
    rate_of: dict[str, str] = {}
    for rule in pack.rules:
        if rule.outcome != "deduct":
            continue
        for scope in (("rule", rule.id), ("section", rule.section), ("pack", None)):
            if scope in by_scope:
                rates[rule.id], rate_of[rule.id] = by_scope[scope]
                break
    fines = []
    for f in m.fines:
        conditions, _ = parse_when(f.when)
        fines.append(
            CompiledFine(
                rule=f,
                conditions=tuple(conditions),
                first=parse_amount(f.first) if f.first is not None else None,
                factor=_factor(f.factor) if f.factor is not None else None,
                steps=tuple(a for a in (parse_amount(s) for s in f.steps) if a is not None),
                cap=parse_amount(f.cap) if f.cap is not None else None,
            )
        )
    return MoneyRules(
        rates=rates,
        rate_of=rate_of,
        fines=tuple(fines),
        share=m.employees.share if m.employees is not None else None,
        action_labels=dict(m.action_labels),
    )


def _scope(section: int | None, rule: str | None) -> tuple[str, Any]:
    if rule is not None:
        return ("rule", rule)
    if section is not None:
        return ("section", section)
    return ("pack", None)


def _factor(value: Amount) -> Decimal | None:
    if type(value) is str and _FACTOR.fullmatch(value):
        factor: Decimal | None = Decimal(value)
    elif type(value) is int:
        factor = Decimal(value)
    else:
        factor = None
    if factor is None or factor < 1 or factor > 100:
        return None
    return factor


def stage(b: _Build) -> None:
    """The compiler stage ``check_money``: every amount, scope, condition and text of money.toml."""
    pack = b.pack
    m = pack.money
    rules = {r.id: r for r in pack.rules}
    sections = {s.number: s for s in pack.sections}
    articles = {a.number for a in pack.articles}
    tags = {t for a in pack.articles for t in a.tags}

    def note(prov: str, text: str | None, path: str) -> None:
        if prov != "literal" and not (text and text.strip()):
            b.error(
                "provenance_note_missing",
                f"a number that is {prov} needs a note saying {'how it was read' if prov == 'interpreted' else 'why it was assumed'}",
                FILE,
                path,
            )

    def amount(value: Amount, path: str, *, positive: bool = True) -> Decimal | None:
        parsed = parse_amount(value)
        if parsed is None or parsed > MAX_YUAN or (positive and parsed == 0):
            least = "more than 0" if positive else "at least 0"
            b.error(
                "invalid_amount",
                f"expected an amount of yuan {least} and at most {MAX_YUAN} with at most two decimals, "
                f'as a string ("12.50") or an integer, found {value!r}',
                FILE,
                path,
            )
            return None
        return parsed

    scopes: dict[tuple[str, Any], str] = {}
    for i, r in enumerate(m.rates):
        path = f"rates[{i}]"
        amount(r.per_point, f"{path}.per_point")
        note(r.provenance, r.note, f"{path}.note")
        if r.section is not None and r.rule is not None:
            b.error(
                "rate_scope", "a rate is for the pack, a section or a rule: give section or rule, not both", FILE, path
            )
        if r.section is not None:
            s = sections.get(r.section)
            if s is None:
                b.error("unknown_section", f"the pack declares no section {r.section}", FILE, f"{path}.section")
            elif not s.scored:
                b.error(
                    "section_not_scored",
                    f"section {r.section} is not scored: nothing is deducted in it",
                    FILE,
                    f"{path}.section",
                )
        if r.rule is not None:
            rule = rules.get(r.rule)
            if rule is None:
                b.error("unknown_rule", f"the pack has no rule {r.rule!r}", FILE, f"{path}.rule")
            elif rule.outcome != "deduct":
                b.error(
                    "rate_on_no_deduction",
                    f"rule {r.rule} deducts nothing (outcome {rule.outcome!r})",
                    FILE,
                    f"{path}.rule",
                )
        if r.article is not None and r.article not in articles:
            b.error("unknown_article", f"the pack declares no article {r.article}", FILE, f"{path}.article")
        scope = _scope(r.section, r.rule)
        if scope in scopes:
            what = {"pack": "the whole pack", "section": f"section {scope[1]}", "rule": f"rule {scope[1]}"}[scope[0]]
            b.error("duplicate_rate", f"rates {scopes[scope]} and {r.id} are both for {what}", FILE, path)
        else:
            scopes[scope] = r.id
    seen: set[str] = set()
    for i, f in enumerate(m.fines):
        _check_fine(b, f, f"fines[{i}]", seen, rules, sections, articles, tags, note, amount)
    if m.employees is not None:
        note(m.employees.provenance, m.employees.note, "employees.note")


def _check_fine(
    b: _Build,
    f: FineRule,
    path: str,
    seen: set[str],
    rules: Mapping[str, Any],
    sections: Mapping[int, Any],
    articles: set[int],
    tags: set[str],
    note: Any,
    amount: Any,
) -> None:
    if f.id in seen:
        b.error("duplicate_rule", f"fine id {f.id!r} is used twice", FILE, f"{path}.id")
    seen.add(f.id)
    note(f.provenance, f.note, f"{path}.note")
    note(f.window_provenance, f.window_note, f"{path}.window_note")
    conditions, bad = parse_when(f.when)
    for key, message in bad:
        b.error("invalid_condition", message, FILE, f"{path}.when.{key}")
    for c in conditions:
        where = f"{path}.when.{c.field}"
        expected = FINE_FIELDS.get(c.field)
        if expected is None:
            b.error(
                "unknown_field",
                f"a fine counts deductions, which carry no field {c.field!r} (known: {', '.join(FINE_FIELDS)})",
                FILE,
                where,
            )
            continue
        if c.op in ("gt", "gte", "lt", "lte") and expected is not int:
            b.error("condition_type", f"{c.field} holds text; {c.op} orders numbers only", FILE, where)
        for v in values_of(c):
            if type(v) is not expected:
                b.error("condition_type", f"{c.field} holds {expected.__name__} values, not {v!r}", FILE, where)
            elif c.field == "type" and v not in ("finding", "complaint"):
                b.error("invalid_value", f"deductions are of findings or complaints, not {v!r}", FILE, where)
            elif c.field == "rule" and v not in rules:
                b.error("unknown_rule", f"the pack has no rule {v!r}", FILE, where)
            elif c.field == "article" and v not in articles:
                b.error("unknown_article", f"the pack declares no article {v}", FILE, where)
            elif c.field == "section" and v not in sections:
                b.error("unknown_section", f"the pack declares no section {v}", FILE, where)
            elif c.field == "tag" and v not in tags:
                b.error("unknown_tag", f"no article declares the tag {v!r}", FILE, where)
    if not f.same:
        b.error(
            "same_missing",
            f"'same' names what counts as the same thing: some of {', '.join(SAME_KEYS)}",
            FILE,
            f"{path}.same",
        )
    for j, key in enumerate(f.same):
        if key not in SAME_KEYS:
            b.error("unknown_field", f"'same' may name {', '.join(SAME_KEYS)}, not {key!r}", FILE, f"{path}.same[{j}]")
    if len(set(f.same)) != len(f.same):
        b.error("invalid_value", "'same' names a field twice", FILE, f"{path}.same")
    if f.steps and (f.first is not None or f.factor is not None):
        b.error("fine_amounts", "give 'steps', or 'first' (with an optional 'factor'), not both", FILE, path)
    if not f.steps and f.first is None:
        b.error("fine_amounts", "a fine needs 'first' (with an optional 'factor') or 'steps'", FILE, path)
    if f.first is not None:
        amount(f.first, f"{path}.first")
    for j, s in enumerate(f.steps):
        amount(s, f"{path}.steps[{j}]")
    cap = amount(f.cap, f"{path}.cap") if f.cap is not None else None
    if f.factor is not None:
        factor = _factor(f.factor)
        if factor is None:
            b.error(
                "invalid_factor",
                f'a factor is a number from 1 to 100, as an integer (2) or a string ("1.5"), found {f.factor!r}',
                FILE,
                f"{path}.factor",
            )
        elif factor > 1 and f.cap is None:
            b.error(
                "fine_cap_missing",
                "a fine that grows with each repeat needs a 'cap' per occurrence",
                FILE,
                f"{path}.cap",
            )
    first = parse_amount(f.first) if f.first is not None else None
    if cap is not None and first is not None and first > cap:
        b.error("invalid_amount", f"the first amount {first} is above the cap {cap}", FILE, f"{path}.cap")
    for j, a in enumerate(f.actions):
        where = f"{path}.actions[{j}]"
        if a.start < 1:
            b.error(
                "invalid_value", f"an action starts at an occurrence from 1 on, not {a.start}", FILE, f"{where}.start"
            )
        if not a.action.strip() or not a.label.strip():
            b.error("invalid_value", "an action needs a code and a label", FILE, where)
    if f.article is not None and f.article not in articles:
        b.error("unknown_article", f"the pack declares no article {f.article}", FILE, f"{path}.article")
    for message in template_problems(f.reason, "fine"):
        b.error(
            "unknown_placeholder" if "does not provide" in message else "invalid_template",
            message,
            FILE,
            f"{path}.reason",
        )
