"""Checks, then lowering: a loaded :class:`Pack` → a :class:`CompiledPack` ready to score.

The compiler is a list of named stages (:data:`STAGES`), each adding located problems.
Errors stop compilation (all of them reported together); warnings are kept on the result.
After lowering, every shape of observation the pack can see is enumerated and decided both
by durable_rules and by the reference semantics; any disagreement is an engine error, and
a shape two rules would both deduct for is a pack error (double counting).
"""

from __future__ import annotations

import itertools
import math
import re
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import attrs

from . import _condition_numbers, _facts, _moneyrules, _sanction_checks, _templates, _verbatim
from ._amendments import Versions, versions_of
from ._conditions import OPERATORS, Condition, ValueClasses, all_hold, parse_when, values_of
from ._errors import EngineError, PackError, Problem, UsageError
from ._limits import check_ids, check_numbers
from ._model import Article, Floor, Ladder, Pack, Rule, Section, floor_of

#: More sibling tests than 512 under one node break durable_rules (docs/engine.md): counted on
#: what the engine receives, every alternative of an ``in`` list included, and the one rule the
#: engine module adds of its own (the release sentinel).
MAX_RULES = 511
_ABSENT = object()


@attrs.frozen
class CompiledRule:
    rule: Rule
    conditions: tuple[Condition, ...]
    record_type: str
    #: Every rule this one replaces, directly or through others.
    replaces: frozenset[str]

    @property
    def id(self) -> str:
        return self.rule.id


class Matcher(Protocol):
    """The interface both matchers share: the ids of the rules a shape matches."""

    name: str

    def matches(self, shape: dict[str, Any]) -> frozenset[str]: ...

    def close(self) -> None: ...


class PythonMatcher:
    """The reference semantics of the conditions, in plain Python."""

    name = "python"

    def __init__(self, conditions: dict[str, tuple[Condition, ...]]) -> None:
        self._rules = [(rid, list(conds)) for rid, conds in conditions.items()]

    def matches(self, shape: dict[str, Any]) -> frozenset[str]:
        return frozenset(rid for rid, conds in self._rules if all_hold(conds, shape))

    def close(self) -> None:
        """Nothing to free."""


class InternedMatcher:
    """A matcher that only ever sees short symbols in place of strings (issue 11, item 2).

    durable_rules compares strings with ``strncmp`` over lengths cut to 16 bits, so a long or
    prefix-sharing string can match a constant it differs from. Every string constant of the
    conditions gets a symbol of one fixed width; every other string becomes the one ``OTHER``
    symbol, which equals no constant. Conditions on strings only test equality (``check``
    refuses ordering on strings), so the engine decides on symbols exactly as the reference
    decides on the strings: by construction, whatever the length or content of the input.

    Field names are symbols too (``f0000000``…): durable_rules keeps a fact's identity in its
    ``id`` and ``sid`` fields (the matcher sets them), so a condition on a record's own ``id``
    was judged on the engine's ``"q"`` — ``id ≠ "X-1"`` held for X-1 itself, and the pack failed
    to compile. No field of a pack can be one of the engine's own names now.
    """

    OTHER = "s" + "-" * 7

    def __init__(self, conditions: dict[str, tuple[Condition, ...]], lower: Callable[..., Matcher]) -> None:
        self.symbols: dict[str, str] = {}
        #: each field a condition reads → its name for the engine
        self.fields: dict[str, str] = {}
        for conds in conditions.values():
            for c in conds:
                if c.field not in self.fields:
                    self.fields[c.field] = f"f{len(self.fields):07d}"
                for v in values_of(c):
                    if type(v) is str and v not in self.symbols:
                        self.symbols[v] = f"s{len(self.symbols):07d}"
        if len(self.symbols) >= 10**7:  # pragma: no cover - far beyond any pack limit
            raise EngineError("too many distinct string constants for the engine")
        self.inner = lower({rid: tuple(self._condition(c) for c in conds) for rid, conds in conditions.items()})
        self.name = self.inner.name

    def _symbol(self, value: Any) -> Any:
        if isinstance(value, str):  # a subclass of str equals no constant in the reference either
            return self.symbols.get(value, self.OTHER) if type(value) is str else self.OTHER
        return value

    def _condition(self, c: Condition) -> Condition:
        c = attrs.evolve(c, field=self.fields[c.field])
        if c.op == "in":
            return attrs.evolve(c, value=tuple(self._symbol(v) for v in c.value))
        if c.op in ("eq", "ne"):
            return attrs.evolve(c, value=self._symbol(c.value))
        return c  # exists, and ordering (numbers only)

    def matches(self, shape: dict[str, Any]) -> frozenset[str]:
        """The rules whose conditions hold for ``shape`` (its fields no condition reads left out)."""
        symbol, fields = self._symbol, self.fields
        return self.inner.matches({fields[k]: symbol(v) for k, v in shape.items() if k in fields})

    @property
    def ruleset_name(self) -> str | None:
        """The engine's name for the ruleset (durable_rules), for tests and debugging."""
        name = getattr(self.inner, "ruleset_name", None)
        return name if isinstance(name, str) else None

    def close(self) -> None:
        self.inner.close()


@attrs.define
class _Build:
    pack: Pack
    errors: list[Problem] = attrs.Factory(list)
    warnings: list[Problem] = attrs.Factory(list)
    sections: dict[int, Section] = attrs.Factory(dict)
    articles: dict[int, Article] = attrs.Factory(dict)
    rules: dict[str, CompiledRule] = attrs.Factory(dict)
    rule_index: dict[str, int] = attrs.Factory(dict)
    watches: dict[str, Watch] = attrs.Factory(dict)
    lapse_kinds: tuple[str, ...] = ()

    def error(self, code: str, message: str, file: str, path: str | None = None) -> None:
        self.errors.append(Problem(code, message, file=file, path=path))

    def warn(self, code: str, message: str, file: str, path: str | None = None) -> None:
        self.warnings.append(Problem(code, message, file=file, path=path, severity="warning"))


def _check_provenance(b: _Build) -> None:
    """interpreted and assumed numbers must say how or why."""

    def need_note(prov: str, note: str | None, file: str, path: str) -> None:
        if prov != "literal" and not (note and note.strip()):
            b.error(
                "provenance_note_missing",
                f"a number that is {prov} needs a note saying {'how it was read' if prov == 'interpreted' else 'why it was assumed'}",
                file,
                path,
            )

    meta = b.pack.meta
    need_note(meta.floor.provenance, meta.floor.note, "pack.toml", "pack.floor")
    if meta.total:
        need_note(meta.total.provenance, meta.total.note, "pack.toml", "pack.total")
    for i, s in enumerate(b.pack.sections):
        if s.allotment:
            need_note(s.allotment.provenance, s.allotment.note, "sections.toml", f"sections[{i}].allotment")
        if s.floor:
            need_note(s.floor.provenance, s.floor.note, "sections.toml", f"sections[{i}].floor")
    for i, r in enumerate(b.pack.rules):
        if r.deduct:
            need_note(r.deduct.provenance, r.deduct.note, "rules.toml", f"rules[{i}].deduct")
        if r.cap:
            need_note(r.cap.provenance, r.cap.note, "rules.toml", f"rules[{i}].cap")


def _check_floor(b: _Build, floor: Floor, file: str, path: str) -> None:
    """A floor's policy and value agree (a layer that changes the policy replaces the table)."""
    if floor.policy == "minimum" and floor.value is None:
        b.error("floor_value_missing", "policy 'minimum' needs a value", file, f"{path}.value")
    if floor.policy == "none" and floor.value is not None:
        hint = (
            "; a layer that changes an inherited floor's policy replaces the table whole: "
            'floor = { replace = true, policy = "none", … }'
            if len(b.pack.layers) > 1
            else ""
        )
        b.error("floor_value_unexpected", f"policy 'none' takes no value{hint}", file, f"{path}.value")


def _check_sections(b: _Build) -> None:
    _check_floor(b, b.pack.meta.floor, "pack.toml", "pack.floor")
    for i, s in enumerate(b.pack.sections):
        if s.floor is not None:
            _check_floor(b, s.floor, "sections.toml", f"sections[{i}].floor")
    for i, s in enumerate(b.pack.sections):
        path = f"sections[{i}]"
        if s.number in b.sections:
            b.error("duplicate_section", f"section {s.number} is declared twice", "sections.toml", f"{path}.number")
            continue
        b.sections[s.number] = s
        if s.scored and s.allotment is None:
            b.error(
                "allotment_missing",
                f"scored section {s.number} needs an allotment",
                "sections.toml",
                f"{path}.allotment",
            )
        if not s.scored and s.allotment is not None:
            b.warn(
                "allotment_unused",
                f"section {s.number} is not scored; its allotment is never used",
                "sections.toml",
                f"{path}.allotment",
            )
        if s.allotment is not None and s.allotment.value < 0:
            b.error("negative_allotment", "an allotment cannot be negative", "sections.toml", f"{path}.allotment.value")
    for i, s in enumerate(b.pack.sections):
        floor = floor_of(b.pack.meta, s)
        if floor.policy != "minimum" or floor.value is None:
            continue
        if s.scored and s.allotment is not None and floor.value > s.allotment.value:
            b.error(
                "floor_above_allotment",
                f"the floor {floor.value} is above section {s.number}'s allotment of {s.allotment.value}",
                *(
                    ("pack.toml", "pack.floor.value")
                    if s.floor is None
                    else ("sections.toml", f"sections[{i}].floor.value")
                ),
            )
    total = b.pack.meta.total
    if total is not None:
        stated = sum(s.allotment.value for s in b.sections.values() if s.scored and s.allotment)
        if stated != total.value:
            b.error(
                "total_mismatch",
                f"scored sections' allotments add up to {stated}, the pack states a total of {total.value}",
                "pack.toml",
                "pack.total",
            )


def _check_articles(b: _Build) -> None:
    for i, a in enumerate(b.pack.articles):
        path = f"articles[{i}]"
        if a.number in b.articles:
            b.error("duplicate_article", f"article {a.number} is declared twice", "articles.toml", f"{path}.number")
            continue
        b.articles[a.number] = a
        if a.section is not None and a.section not in b.sections:
            b.error(
                "unknown_section",
                f"article {a.number} names section {a.section}, which the pack does not declare",
                "articles.toml",
                f"{path}.section",
            )
        if a.status == "missing":
            if a.text:
                b.error(
                    "missing_with_text",
                    f"article {a.number} is declared missing but has a text",
                    "articles.toml",
                    f"{path}.text",
                )
            if a.tags:
                b.error(
                    "missing_with_tags",
                    f"article {a.number} is declared missing but has tags",
                    "articles.toml",
                    f"{path}.tags",
                )
        else:
            if not (a.text and a.text.strip()):
                b.error(
                    "text_missing",
                    f"article {a.number} is {a.status} and needs its text",
                    "articles.toml",
                    f"{path}.text",
                )
            if a.section is None:
                b.error(
                    "section_missing",
                    f"article {a.number} has a text and needs its section",
                    "articles.toml",
                    f"{path}.section",
                )


def _field_types(record_type: str) -> dict[str, type]:
    return dict(_facts.RECORD_TYPES[record_type].value_types)


def _check_rules(b: _Build) -> None:
    known_tags = {t for a in b.pack.articles for t in a.tags}
    parsed: dict[str, tuple[Rule, list[Condition], str]] = {}
    for i, r in enumerate(b.pack.rules):
        path = f"rules[{i}]"
        if r.id in parsed:
            b.error("duplicate_rule", f"rule id {r.id!r} is used twice", "rules.toml", f"{path}.id")
            continue
        section = b.sections.get(r.section)
        if section is None:
            b.error(
                "unknown_section",
                f"rule {r.id} names section {r.section}, which the pack does not declare",
                "rules.toml",
                f"{path}.section",
            )
        elif not section.scored:
            b.error(
                "section_not_scored",
                f"rule {r.id} deducts in section {r.section}, which is not scored",
                "rules.toml",
                f"{path}.section",
            )
        if r.article is not None:
            art = b.articles.get(r.article)
            if art is None:
                b.error(
                    "unknown_article",
                    f"rule {r.id} names article {r.article}, which the pack does not declare",
                    "rules.toml",
                    f"{path}.article",
                )
            elif art.section is not None and art.section != r.section:
                b.error(
                    "section_mismatch",
                    f"rule {r.id} is in section {r.section} but article {r.article} is in section {art.section}",
                    "rules.toml",
                    f"{path}.section",
                )
        _check_deduct(b, r, path, section)
        conditions, bad = parse_when(r.when)
        for key, message in bad:
            b.error("invalid_condition", message, "rules.toml", f"{path}.when.{key}")
        record_type = _check_conditions(b, conditions, path, known_tags)
        _check_template(b, r.reason, "deduction", "rules.toml", f"{path}.reason")
        parsed[r.id] = (r, conditions, record_type or "")
    _link_supersedes(b, parsed)


def _check_template(b: _Build, text: str, kind: str, file: str, path: str) -> None:
    """A reason of one kind of rule, by the one grammar of :mod:`._templates`."""
    for message in _templates.problems(text, kind):
        b.error("unknown_placeholder" if "does not provide" in message else "invalid_template", message, file, path)


def _check_deduct(b: _Build, r: Rule, path: str, section: Section | None) -> None:
    d = r.deduct
    if r.outcome != "deduct":
        if d is not None:
            b.error(
                "deduct_unexpected",
                f"outcome {r.outcome!r} deducts nothing; remove 'deduct'",
                "rules.toml",
                f"{path}.deduct",
            )
        return
    if d is None:
        b.error("deduct_missing", "a rule with outcome 'deduct' needs a 'deduct' table", "rules.toml", f"{path}.deduct")
        return
    if d.kind == "graded":
        if d.points is not None:
            b.error(
                "points_unexpected",
                "a graded deduction takes 'min' and 'max', not 'points'",
                "rules.toml",
                f"{path}.deduct.points",
            )
        if d.min is None or d.max is None:
            b.error("range_missing", "a graded deduction needs 'min' and 'max'", "rules.toml", f"{path}.deduct")
        elif not 0 <= d.min <= d.max:
            b.error("bad_range", f"expected 0 ≤ min ≤ max, found {d.min}–{d.max}", "rules.toml", f"{path}.deduct")
        elif section is not None and section.allotment is not None and d.max > section.allotment.value:
            b.error(
                "range_exceeds_allotment",
                f"a grade of up to {d.max} cannot fit section {section.number}'s allotment of {section.allotment.value}",
                "rules.toml",
                f"{path}.deduct.max",
            )
    else:
        if d.min is not None or d.max is not None:
            b.error(
                "range_unexpected",
                f"a {d.kind} deduction takes 'points', not 'min'/'max'",
                "rules.toml",
                f"{path}.deduct",
            )
        if d.points is None:
            b.error("points_missing", f"a {d.kind} deduction needs 'points'", "rules.toml", f"{path}.deduct.points")
        elif d.points <= 0:
            b.error("bad_points", f"points must be positive, found {d.points}", "rules.toml", f"{path}.deduct.points")
    if r.cap is not None and r.cap.value <= 0:
        b.error("bad_cap", f"a cap must be positive, found {r.cap.value}", "rules.toml", f"{path}.cap.value")


def _check_conditions(
    b: _Build,
    conditions: list[Condition],
    path: str,
    known_tags: set[str],
    file: str = "rules.toml",
    allowed: tuple[str, ...] = ("finding", "complaint"),
) -> str | None:
    types = [c for c in conditions if c.field == "type"]
    if len(types) != 1 or types[0].op != "eq" or types[0].value not in allowed:
        wanted = " or ".join(f'`type = "{t}"`' for t in allowed)
        b.error("type_condition", f"`when` needs {wanted} (every rule's positive test)", file, f"{path}.when.type")
        return None
    record_type = str(types[0].value)
    fields = _field_types(record_type)
    for c in conditions:
        if c.field == "type":
            continue
        where = f"{path}.when.{c.field}"
        if c.field not in fields:
            b.error(
                "unknown_field",
                f"{record_type} facts have no field {c.field!r} (known: {', '.join(sorted(fields))})",
                file,
                where,
            )
            continue
        expected = fields[c.field]
        for v in values_of(c):
            if type(v) is not expected:
                b.error(
                    "condition_type",
                    f"{c.field} holds {expected.__name__} values, the condition compares with {v!r}",
                    file,
                    where,
                )
            elif c.field == "tag" and v not in known_tags:
                b.error("unknown_tag", f"no article declares the tag {v!r}", file, where)
            elif c.field == "article" and v not in b.articles:
                b.error("unknown_article", f"the pack declares no article {v}", file, where)
            elif c.field == "section" and v not in b.sections:
                b.error("unknown_section", f"the pack declares no section {v}", file, where)
        if OPERATORS[c.op].ordered and expected is not int:
            b.error(
                "condition_type",
                f"{c.field} holds {expected.__name__} values; {c.op} orders numbers only (use eq, in or ne)",
                file,
                where,
            )
    return record_type


def _link_supersedes(b: _Build, parsed: dict[str, tuple[Rule, list[Condition], str]]) -> None:
    direct = {rid: set(r.supersedes) for rid, (r, _, _) in parsed.items()}
    for i, (rid, (r, _, rtype)) in enumerate(parsed.items()):
        for other in r.supersedes:
            if other not in parsed:
                b.error(
                    "unknown_rule",
                    f"rule {rid} supersedes {other!r}, which does not exist",
                    "rules.toml",
                    f"rules[{i}].supersedes",
                )
            elif parsed[other][2] != rtype:
                b.error(
                    "supersedes_other_type",
                    f"rule {rid} ({rtype}) supersedes {other} ({parsed[other][2]})",
                    "rules.toml",
                    f"rules[{i}].supersedes",
                )
    for i, rid in enumerate(parsed):
        seen: set[str] = set()
        stack = [x for x in direct[rid] if x in parsed]
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            stack.extend(y for y in direct[x] if y in parsed)
        if rid in seen:
            b.error(
                "supersede_cycle",
                f"rule {rid} supersedes itself through a cycle",
                "rules.toml",
                f"rules[{i}].supersedes",
            )
        r, conds, rtype = parsed[rid]
        b.rules[rid] = CompiledRule(r, tuple(conds), rtype, frozenset(seen))
    b.rule_index = {rid: i for i, rid in enumerate(parsed)}


@attrs.frozen
class Watch:
    """Conditions of an oversight rule (a ladder or an exclusion) on one record type."""

    id: str
    conditions: tuple[Condition, ...]
    record_type: str


def _check_watch(
    b: _Build,
    kind: str,
    ident: str,
    when: dict[str, Any],
    subject: str,
    subject_type: str,
    reason: str,
    path: str,
    allowed: tuple[str, ...],
) -> None:
    """The conditions, subject field and reason of a ladder or streak; registers what it watches."""
    f = "oversight.toml"
    conditions, bad = parse_when(when)
    for key, message in bad:
        b.error("invalid_condition", message, f, f"{path}.when.{key}")
    rtype = _check_conditions(b, conditions, path, {t for a in b.pack.articles for t in a.tags}, f, allowed)
    if rtype is not None:
        _check_subject(b, rtype, subject, subject_type, f, path)
        b.watches[f"{kind}:{ident}"] = Watch(ident, tuple(conditions), rtype)
    _check_template(b, reason, kind, f, f"{path}.reason")


#: The field that names a subject of each type, per record type (a finding's ``employees`` is a
#: list: each named employee is counted).
_SUBJECT_FIELDS: dict[str, frozenset[str]] = {
    "employee": frozenset({"employee", "employees"}),
    "outlet": frozenset({"outlet"}),
    "county": frozenset({"county"}),
}


def _check_subject(b: _Build, rtype: str, subject: str, subject_type: str, f: str, path: str) -> None:
    """A ladder's or streak's subject is a field its facts carry, of text (or a finding's list of
    employees), and names what ``subject_type`` says: otherwise the rule would never count."""
    spec = _facts.RECORD_TYPES[rtype]
    texts = {name for name, t in spec.value_types.items() if t is str} | ({"employees"} & set(spec.fields))
    texts.discard("type")
    if subject not in spec.fields:
        hint = " (a finding names its employees in 'employees')" if subject == "employee" and rtype == "finding" else ""
        b.error("unknown_field", f"{rtype} facts have no field {subject!r} to name the subject{hint}", f, f"{path}.subject")
    elif subject not in texts:
        b.error(
            "subject_field_type",
            f"{rtype}.{subject} is not text and cannot name a subject (text fields: {', '.join(sorted(texts))})",
            f,
            f"{path}.subject",
        )
    else:
        for kind, names in _SUBJECT_FIELDS.items():
            if (subject in names) != (subject_type == kind) and (subject in names or subject_type == kind):
                b.error(
                    "subject_mismatch",
                    f"subject_type {subject_type!r} but the subject is {rtype}.{subject}",
                    f,
                    f"{path}.subject_type",
                )
                break


def _check_ladder_same(b: _Build, lad: Ladder, path: str) -> None:
    """A ladder's ``same``: fields its facts carry (a lapse: ``kind``), each once, never the subject."""
    f = "oversight.toml"
    watch = b.watches.get(f"ladder:{lad.id}")
    if watch is None or not lad.same:
        return
    fields = {"kind"} if watch.record_type == "lapse" else set(_facts.RECORD_TYPES[watch.record_type].value_types)
    fields -= {"id", lad.subject}
    for i, name in enumerate(lad.same):
        if name not in fields:
            b.error(
                "unknown_field",
                f"'same' counts apart per fields of the {watch.record_type} facts ({', '.join(sorted(fields))}), not {name!r}",
                f,
                f"{path}.same[{i}]",
            )
    if len(set(lad.same)) != len(lad.same):
        b.error("invalid_value", "'same' names a field twice", f, f"{path}.same")


def _check_oversight(b: _Build) -> None:
    o = b.pack.oversight
    f = "oversight.toml"
    known_tags = {t for a in b.pack.articles for t in a.tags}

    def note(prov: str, text: str | None, path: str) -> None:
        if prov != "literal" and not (text and text.strip()):
            b.error("provenance_note_missing", f"a rule part that is {prov} needs a note", f, path)

    derived = (
        {c.lapse for c in o.cadences if c.lapse}
        | {x.lapse for x in o.crosschecks}
        | {d.lapse for d in o.deadlines if d.lapse}
    )
    b.lapse_kinds = tuple(sorted({str(k) for k in _facts.FINITE_DOMAINS[("lapse", "kind")]} | derived))
    seen: set[str] = set()
    for i, lad in enumerate(o.ladders):
        path = f"ladders[{i}]"
        if lad.id in seen:
            b.error("duplicate_rule", f"id {lad.id!r} is used twice", f, f"{path}.id")
        seen.add(lad.id)
        note(lad.window_provenance, lad.window_note, f"{path}.window_note")
        note(lad.steps_provenance, lad.steps_note, f"{path}.steps_note")
        if not lad.steps:
            b.error("steps_missing", "a ladder needs at least one step", f, f"{path}.steps")
        _check_watch(
            b, "ladder", lad.id, lad.when, lad.subject, lad.subject_type, lad.reason, path, ("lapse", "complaint", "finding")
        )
        _check_ladder_same(b, lad, path)
    for i, st in enumerate(o.streaks):
        path = f"streaks[{i}]"
        if st.id in seen:
            b.error("duplicate_rule", f"id {st.id!r} is used twice", f, f"{path}.id")
        seen.add(st.id)
        note(st.length.provenance, st.length.note, f"{path}.length")
        if st.length.value < 1:
            b.error("invalid_value", "a streak is at least 1 month long", f, f"{path}.length.value")
        _check_watch(b, "streak", st.id, st.when, st.subject, st.subject_type, st.reason, path, ("star",))
    by_domain = tuple(str(v) for v in _facts.FINITE_DOMAINS[("inspection", "by")])
    for i, cad in enumerate(o.cadences):
        path = f"cadences[{i}]"
        note(cad.min_inspections.provenance, cad.min_inspections.note, f"{path}.min_inspections")
        if cad.by not in by_domain:
            b.error("invalid_value", f"inspections are by {' or '.join(by_domain)}, not {cad.by!r}", f, f"{path}.by")
        if cad.min_inspections.value < 1:
            b.error("invalid_value", "min_inspections must be at least 1", f, f"{path}.min_inspections.value")
        _check_template(b, cad.reason, "cadence", f, f"{path}.reason")
    for i, dl in enumerate(o.deadlines):
        path = f"deadlines[{i}]"
        note(dl.month.provenance, dl.month.note, f"{path}.month")
        note(dl.day.provenance, dl.day.note, f"{path}.day")
        if not 1 <= dl.month.value <= 3:
            b.error("invalid_value", "month is the month of the next quarter: 1, 2 or 3", f, f"{path}.month.value")
        if not 1 <= dl.day.value <= 28:
            b.error("invalid_value", "day must be 1–28 (a day every month has)", f, f"{path}.day.value")
        _check_template(b, dl.late_reason, "deadline_late", f, f"{path}.late_reason")
        _check_template(b, dl.missing_reason, "deadline_missing", f, f"{path}.missing_reason")
    for i, x in enumerate(o.crosschecks):
        path = f"crosschecks[{i}]"
        note(x.provenance, x.note, f"{path}.note")
        for key in ("by", "against"):
            if getattr(x, key) not in by_domain:
                b.error("invalid_value", f"inspections are by {' or '.join(by_domain)}", f, f"{path}.{key}")
        _check_template(b, x.reason, "crosscheck", f, f"{path}.reason")
    rec = o.recommendation
    if rec is not None:
        for i, ex in enumerate(rec.exclude):
            path = f"recommendation.exclude[{i}]"
            note(ex.provenance, ex.note, f"{path}.note")
            _check_template(b, ex.reason, "exclusion", f, f"{path}.reason")
            conditions, bad = parse_when(ex.when)
            for key, message in bad:
                b.error("invalid_condition", message, f, f"{path}.when.{key}")
            rtype = _check_conditions(b, conditions, path, known_tags, f, ("finding", "complaint"))
            if rtype is not None:
                b.watches[f"exclude:{ex.code}"] = Watch(ex.code, tuple(conditions), rtype)


def _check_layers(b: _Build) -> None:
    """An override that changes nothing is almost always a mistake (a misspelt key, a cap = {})."""
    for change in b.pack.changes:
        if change.action == "override" and not change.changed:
            b.warn(
                "override_noop",
                f"the override of {change.kind} {change.key} changes nothing in what {change.base_layer} defines",
                change.file,
                None,
            )


def _check_item_caps(b: _Build) -> None:
    """Where every deducting rule of a section is capped (items with their points), the caps
    should add up to the section's allotment: more can never be lost, less leaves points no
    finding can take."""
    by_section: dict[int, list[Rule]] = {}
    for r in b.pack.rules:
        if r.outcome == "deduct":
            by_section.setdefault(r.section, []).append(r)
    for number, rules in sorted(by_section.items()):
        section = b.sections.get(number)
        if section is None or section.allotment is None or any(r.cap is None for r in rules):
            continue
        caps = sum(r.cap.value for r in rules if r.cap is not None)
        if caps != section.allotment.value:
            b.warn(
                "caps_allotment_mismatch",
                f"the capped rules of section {number} can take {caps} points in all; its allotment is "
                f"{section.allotment.value}",
                "sections.toml",
                f"sections[{b.pack.sections.index(section)}].allotment",
            )


def _alternatives(conditions: tuple[Condition, ...]) -> int:
    """How many alternative tests a conjunction becomes in the engine (each ``in`` list multiplies)."""
    return math.prod(len(c.value) for c in conditions if c.op == "in")


def _check_engine_limits(b: _Build) -> None:
    """Deduction rules and oversight conditions share one durable_rules ruleset: the limit is
    counted on the alternatives the engine receives, not on the rules that produce them."""
    count = sum(_alternatives(r.conditions) for r in b.rules.values())
    count += sum(_alternatives(w.conditions) for w in b.watches.values())
    if count > MAX_RULES:
        b.error(
            "too_many_rules",
            f"the rules and oversight conditions come to {count} alternative tests (each value of an `in` "
            f"list counts); durable_rules fails beyond {MAX_RULES}",
            "rules.toml",
            "rules",
        )


def _check_period_parts(b: _Build) -> None:
    """Oversight parts bound to periods. Cadences, cross-checks and recommendations are judged per
    the pack's period; a report deadline is not: a report record names its quarter, so deadlines
    need a quarterly pack. A ladder over the whole input has no year or window to name."""
    for i, lad in enumerate(b.pack.oversight.ladders):
        if lad.window != "none":
            continue
        try:
            names = set(_templates.parse(lad.reason).names)
        except _templates.TemplateError:
            continue  # reported by check_oversight
        for name in sorted(names & {"year", "window"}):
            b.warn(
                "placeholder_empty",
                f'ladder {lad.id} counts over the whole input (window = "none"): {{{name}}} always reads as nothing',
                "oversight.toml",
                f"ladders[{i}].reason",
            )
    granularity = b.pack.meta.period
    if granularity == "quarter":
        return
    for i, _dl in enumerate(b.pack.oversight.deadlines):
        b.error(
            "period_unsupported",
            f"report deadlines are judged per quarter (a report names its quarter); this pack scores per "
            f"{granularity}: score per quarter, or leave the deadlines out",
            "oversight.toml",
            f"deadlines[{i}]",
        )


#: Stages in order; each reads what earlier ones built and adds problems.
STAGES: list[tuple[str, Callable[[_Build], None]]] = [
    ("check_provenance", _check_provenance),
    ("check_sections", _check_sections),
    ("check_articles", _check_articles),
    ("check_rules", _check_rules),
    ("check_oversight", _check_oversight),
    ("check_period_parts", _check_period_parts),
    ("check_thresholds", _sanction_checks.check_thresholds),
    ("check_sanction_groups", _sanction_checks.check_sanction_groups),
    ("check_supersede_points", _sanction_checks.check_supersede_points),
    ("check_item_caps", _check_item_caps),
    ("check_layers", _check_layers),
    ("check_engine_limits", _check_engine_limits),
    ("check_verbatim", _verbatim.stage),
    ("check_condition_numbers", _condition_numbers.stage),
    ("check_numbers", check_numbers),
    ("check_ids", check_ids),
    ("check_money", _moneyrules.stage),
]


class CompiledPack:
    """A checked pack, lowered to its matcher, with the decision of every shape it can see.

    Immutable once built (the memo of decided shapes only grows). It can be pickled (a process
    pool receives it and lowers it again) and frees its engine ruleset when closed, at the end of
    a ``with`` block, or when collected.
    """

    #: An amended pack's versions (the original text, this one, first), each compiled; None without amendments.
    versions: Versions[CompiledPack] | None = None

    def __init__(
        self,
        pack: Pack,
        b: _Build,
        matcher: Matcher,
        *,
        shape_fields: dict[str, tuple[str, ...]],
        classes: ValueClasses,
    ) -> None:
        self.pack = pack
        self.sections = b.sections
        self.scored_sections = tuple(s for s in sorted(b.sections.values(), key=lambda s: s.number) if s.scored)
        self.articles = b.articles
        self.rules = b.rules
        self.rule_order = b.rule_index
        #: located warnings, set by compile_pack once every shape has been checked
        self.warnings: tuple[Problem, ...] = ()
        self.matcher = matcher
        #: For each record type, the fields its rules read (the projection that decides a match).
        self.shape_fields = shape_fields
        self.assessable_sections = frozenset(
            a.section for a in b.articles.values() if a.status != "missing" and a.section is not None
        ) | frozenset(r.rule.section for r in b.rules.values() if r.record_type != "finding")
        self._matches: dict[tuple[Any, ...], frozenset[str]] = {}
        #: What the matcher's verdict depends on in a value (its class): the key of every cache
        #: of verdicts, so that they hold one per class, not one per value
        self.classes = classes
        self.watches = b.watches
        self.lapse_kinds = b.lapse_kinds
        self.oversight = pack.oversight
        self._ladders = {lad.id: lad for lad in pack.oversight.ladders}
        #: Point rates, fines and the employee ledger (money.toml), as Decimals.
        self.money = _moneyrules.compile_money(pack)
        self._closer = weakref.finalize(self, matcher.close)

    @property
    def name(self) -> str:
        return self.pack.meta.name

    @property
    def closed(self) -> bool:
        return not self._closer.alive

    def close(self) -> None:
        """Free the engine's ruleset now; scoring with a closed pack raises :class:`EngineError`."""
        self._closer()
        for version in self.versions.items[1:] if self.versions is not None else ():
            version.close()

    def __enter__(self) -> CompiledPack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # Locks and engine handles do not travel: the receiving process lowers the pack again
        # (a few milliseconds), with the same matcher, and decides exactly alike.
        return (_recompile, (self.pack, self.matcher.name))

    def in_force(self, day: str) -> CompiledPack:
        """The version in force on ``day`` (``YYYY-MM-DD``): itself for a pack without amendments.
        What judges an observation of that day."""
        return self if self.versions is None else self.versions.at(day)

    def in_force_at_end(self, period: str) -> CompiledPack:
        """The version in force on the last day of ``period``: what gives a period's allotments,
        floors, cadences and other period-level quantities."""
        return self if self.versions is None else self.versions.at_end(period)

    def match(self, shape: dict[str, Any], *, reuse: bool = True) -> frozenset[str]:
        """Every rule and oversight rule whose conditions hold for ``shape`` (one question to the
        matcher). With ``reuse`` (the default) a shape already asked about is not asked again: a
        rule's verdict depends only on the fields its conditions read, and on each only through its
        class (:class:`_conditions.ValueClasses`)."""
        of = self.classes.of
        key = tuple(sorted((k, of(k, v)) for k, v in shape.items()))
        if reuse:
            hit = self._matches.get(key)
            if hit is not None:
                return hit
        found = self.matcher.matches(shape)
        if reuse:
            self._matches[key] = found
        return found

    def decision(self, matched: frozenset[str]) -> tuple[str, ...]:
        """The deduction rules left once supersession is done (one, unless the pack is ambiguous)."""
        rules = [rid for rid in matched if rid in self.rules]
        replaced: set[str] = set()
        for rid in rules:
            replaced |= self.rules[rid].replaces
        return tuple(sorted((r for r in rules if r not in replaced), key=self.rule_order.__getitem__))

    def oversight_ladder(self, ladder_id: str) -> Ladder:
        """The ladder of an id the matcher returned (``ladder:<id>``)."""
        return self._ladders[ladder_id]

    @staticmethod
    def watchers(matched: frozenset[str], prefix: str) -> tuple[str, ...]:
        """The ids (without ``prefix``) of the oversight rules of one kind (``ladder:``, ``exclude:``, ``streak:``)."""
        return tuple(sorted(w[len(prefix) :] for w in matched if w.startswith(prefix)))

    def decide(self, shape: dict[str, Any], *, reuse: bool = True) -> tuple[str, ...]:
        return self.decision(self.match(shape, reuse=reuse))

    def watching(self, shape: dict[str, Any], prefix: str, *, reuse: bool = True) -> tuple[str, ...]:
        return self.watchers(self.match(shape, reuse=reuse), prefix)


def _recompile(pack: Pack, matcher: str) -> CompiledPack:
    return compile_pack(pack, matcher=matcher)


def _domain(b: _Build, record_type: str, field: str) -> list[Any] | None:
    """The values of ``field`` that can tell rules apart: its finite domain, or else every
    constant the conditions compare it with and its neighbours (integers) or one other value
    (strings) — a partition of the field by the conditions. Absent where it is optional."""
    spec = _facts.RECORD_TYPES[record_type]
    dom = _facts.FINITE_DOMAINS.get((record_type, field))
    if dom is not None:
        values: list[Any] = list(dom)
    else:
        kind = spec.value_types.get(field)
        constants = {
            v
            for conds in [*(r.conditions for r in b.rules.values()), *(w.conditions for w in b.watches.values())]
            for c in conds
            if c.field == field
            for v in values_of(c)
        }
        if kind is int:
            values = sorted({n for v in constants for n in (v - 1, v, v + 1) if n >= 0})
        elif kind is str:
            values = [*sorted(constants), "\u0000other"]
        elif kind is bool:
            values = [True, False]
        else:
            return None
    optional = field in spec.optional and (record_type, field) not in _facts.DEFAULTS
    return [*values, _ABSENT] if optional else values


def _enumerate_shapes(b: _Build, record_type: str, fields: tuple[str, ...]) -> Iterator[dict[str, Any]] | None:
    """Every shape of ``record_type`` facts the pack can tell apart, or None if a field is unbounded."""
    own = ("article", "section", "tag") if record_type == "finding" else ()
    others = [f for f in fields if f not in own]
    domains = []
    for f in others:
        dom = _domain(b, record_type, f)
        if dom is None:
            return None
        domains.append(dom)

    def bases() -> Iterator[dict[str, Any]]:
        if record_type != "finding":
            yield {}
            return
        for a in sorted(b.articles.values(), key=lambda a: a.number):
            sec = b.sections.get(a.section) if a.section is not None else None
            if a.status == "missing" or sec is None or not sec.scored:
                continue
            for tag in [None, *sorted(a.tags)]:
                full = {"article": a.number, "section": a.section, "tag": tag}
                yield {f: full[f] for f in fields if f in full and full[f] is not None}

    def shapes() -> Iterator[dict[str, Any]]:
        for base in bases():
            for combo in itertools.product(*domains):
                shape: dict[str, Any] = {"type": record_type, **base}
                shape.update({f: v for f, v in zip(others, combo, strict=True) if v is not _ABSENT})
                yield shape

    return shapes()


def _fields_read(b: _Build, rule_ids: tuple[str, ...]) -> set[str]:
    """The fields the given rules' conditions read (``type`` always)."""
    return {"type"} | {c.field for rid in rule_ids for c in b.rules[rid].conditions}


def _only(shape: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in shape.items() if k in fields}


def _describe(shape: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in shape.items())


def default_matcher() -> str:
    """``durable_rules`` where it can be imported, else ``python``."""
    try:
        from . import _engine  # noqa: F401
    except ImportError:
        return "python"
    return "durable_rules"


def compile_pack(pack: Pack, *, matcher: str = "auto") -> CompiledPack:
    """Check a loaded pack and lower it; raise :class:`PackError` listing every error.

    ``matcher`` is ``"durable_rules"`` (the engine), ``"python"`` (the reference
    semantics) or ``"auto"``: durable_rules where it can be imported (not on Python 3.13,
    for which it has no working release), else python. Both decide identically.
    """
    if not isinstance(pack, Pack):
        raise UsageError(f"pack: expected a loaded Pack (load_pack(...)), found {type(pack).__name__}", param="pack")
    if matcher == "auto":
        matcher = default_matcher()
    if matcher not in ("python", "durable_rules"):
        raise UsageError(f"matcher={matcher!r}: expected 'auto', 'durable_rules' or 'python'")
    b = _Build(pack)
    for _name, stage in STAGES:
        stage(b)
    if b.errors:
        raise PackError(_locate(pack, b.errors), location=pack.root, warnings=_locate(pack, b.warnings))
    everything: dict[str, tuple[Condition, ...]] = {rid: r.conditions for rid, r in b.rules.items()}
    everything.update({wid: w.conditions for wid, w in b.watches.items()})
    types = {rid: r.record_type for rid, r in b.rules.items()} | {wid: w.record_type for wid, w in b.watches.items()}
    shape_fields: dict[str, tuple[str, ...]] = {}
    for rid, conds in everything.items():
        rtype = types[rid]
        extra = {c.field for c in conds if c.field != "type"}
        shape_fields[rtype] = tuple(sorted(set(shape_fields.get(rtype, ())) | extra))
    reference = PythonMatcher(everything)
    chosen: Matcher
    if matcher == "python":
        chosen = reference
    elif matcher == "durable_rules":
        from ._engine import DurableMatcher

        chosen = InternedMatcher(everything, DurableMatcher)
    else:  # pragma: no cover - checked above
        raise UsageError(f"matcher={matcher!r}")
    classes = ValueClasses(itertools.chain.from_iterable(everything.values()))
    compiled = CompiledPack(pack, b, chosen, shape_fields=shape_fields, classes=classes)
    _check_shapes(b, compiled, reference)
    if b.errors:
        raise PackError(_locate(pack, b.errors), location=pack.root, warnings=_locate(pack, b.warnings))
    compiled.warnings = tuple(_locate(pack, b.warnings))
    if pack.amendments:
        _compile_versions(compiled, matcher)
    return compiled


_ENTRY = re.compile(r"^(\w+)\[(\d+)\](.*)$")


def _locate(pack: Pack, problems: list[Problem]) -> list[Problem]:
    """Point each problem at the layer file and entry it came from, as ``$.rules[2].deduct``."""
    out = []
    for p in problems:
        path = p.path
        file = p.file
        m = _ENTRY.match(path or "")
        if m and f"{m.group(1)}[{m.group(2)}]" in pack.entry_origins:
            file, index = pack.entry_origins[f"{m.group(1)}[{m.group(2)}]"]
            path = f"{m.group(1)}[{index}]{m.group(3)}"
        elif len(pack.layers) > 1 and file and "/" not in file:
            file = f"{pack.layers[-1]}/{file}"
        if path and not path.startswith("$"):
            path = "$." + path
        out.append(attrs.evolve(p, file=file, path=path))
    return out


def _not_scored(b: _Build, compiled: CompiledPack, record_type: str, read: bool) -> bool:
    """A record type the pack declares outside its regulation (``[pack] not_scored``): no rule may
    read it (``not_scored_read``); then there is nothing to check and nothing to warn about."""
    if record_type not in compiled.pack.meta.not_scored:
        return False
    if read:
        b.error(
            "not_scored_read",
            f"[pack] not_scored says the regulation does not score {record_type} records, "
            f"yet a rule reads them; remove the rule or the declaration",
            "pack.toml",
            "pack.not_scored",
        )
    return True


def _check_shapes(b: _Build, compiled: CompiledPack, reference: PythonMatcher) -> None:
    """Decide every enumerable shape: engine vs reference, double counting, gaps, dead rules."""
    decided: set[str] = set()
    for record_type in ("finding", "complaint"):
        fields = compiled.shape_fields.get(record_type)
        if _not_scored(b, compiled, record_type, fields is not None):
            continue
        if fields is None:
            b.warn(
                "type_not_scored",
                f"no rule reads {record_type} facts; every one will be rejected (no_rule)",
                "rules.toml",
                "rules",
            )
            continue
        shapes = _enumerate_shapes(b, record_type, fields)
        if shapes is None:
            b.warn(
                "not_enumerable",
                f"{record_type} rules read unbounded fields; double counting is checked per observation at scoring time",
                "rules.toml",
                "rules",
            )
            decided.update(r.id for r in b.rules.values() if r.record_type == record_type)
            continue
        # One problem per article (or per complaint shape), however many variants share it.
        doubles: dict[Any, list[tuple[dict[str, Any], tuple[str, ...]]]] = {}
        gaps: dict[Any, list[dict[str, Any]]] = {}
        for shape in shapes:
            engine = compiled.match(shape)  # asked once, and kept for scoring
            expected = reference.matches(shape)
            if engine != expected:
                raise EngineError(
                    f"{compiled.matcher.name} and the reference disagree on {_describe(shape)}: {sorted(engine)} vs {sorted(expected)}"
                )
            decision = compiled.decision(engine)
            group = shape.get("article") if record_type == "finding" else _describe(shape)
            if len(decision) > 1:
                doubles.setdefault(group, []).append((shape, decision))
            elif not decision:
                gaps.setdefault(group, []).append(shape)
            decided.update(decision)
        for group, found in doubles.items():
            shape, decision = found[0]
            read = _fields_read(b, decision)
            distinct = {tuple((k, v) for k, v in s.items() if k in read) for s, _ in found}
            what = f"a finding on article {group}" if record_type == "finding" else f"a {record_type} with {group}"
            more = f" (and {len(distinct) - 1} more variants)" if len(distinct) > 1 else ""
            b.error(
                "double_counting",
                f"{what} would be deducted by {', '.join(decision)} ({_describe(_only(shape, read))}){more}; "
                "let one supersede the others",
                "rules.toml",
                "rules",
            )
        for group, shapes_left in gaps.items():
            what = f"a finding on article {group}" if record_type == "finding" else f"a {record_type} with {group}"
            example = (
                f" (e.g. {_describe(shapes_left[0])}; {len(shapes_left)} variants)" if len(shapes_left) > 1 else ""
            )
            b.error("uncovered_shape", f"no rule decides {what}{example}; it would be rejected", "rules.toml", "rules")
    for kind in b.lapse_kinds:
        shape = {"type": "lapse", "kind": kind}
        engine, expected = compiled.matcher.matches(shape), reference.matches(shape)
        if engine != expected:
            raise EngineError(
                f"{compiled.matcher.name} and the reference disagree on {_describe(shape)}: {sorted(engine)} vs {sorted(expected)}"
            )
    for i, rid in enumerate(b.rules):
        if rid not in decided:
            b.warn(
                "unreachable_rule",
                f"rule {rid} decides no observation the pack can accept",
                "rules.toml",
                f"rules[{i}]",
            )


# ---- Dated amendments (issue 12) ---------------------------------------------------------
def _compile_versions(compiled: CompiledPack, matcher: str) -> None:
    """Compile each amended text once (its own ruleset: the engine's limits hold per version),
    and give the original its :class:`Versions`. Every version's errors are reported together,
    each saying which amendment's text it is in."""
    pack = compiled.pack
    texts = versions_of(pack)
    items: list[CompiledPack] = [compiled]
    errors: list[Problem] = []
    warnings = list(compiled.warnings)
    for i, text in enumerate(texts.items[1:], start=1):
        suffix = f"(修订 {texts.ids[i]} 起施行的文本)"
        try:
            version = compile_pack(text, matcher=matcher)
        except PackError as exc:
            errors.extend(attrs.evolve(p, message=p.message + suffix) for p in exc.problems)
            warnings.extend(attrs.evolve(p, message=p.message + suffix) for p in exc.warnings)
            continue
        items.append(version)
        warnings.extend(attrs.evolve(p, message=p.message + suffix) for p in version.warnings if p not in warnings)
    if errors:
        for version in items[1:]:
            version.close()
        raise PackError(errors, location=pack.root, warnings=warnings)
    compiled.warnings = tuple(warnings)
    compiled.versions = Versions(texts.starts, texts.ids, tuple(items))
