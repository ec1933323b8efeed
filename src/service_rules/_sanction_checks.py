"""Compiler stages for thresholds and sanction groups (``check_thresholds``,
``check_sanction_groups``), and the warning where a superseding rule deducts less than the rule it
supersedes (``check_supersede_points``). Every problem is located in the pack's files.
"""

from __future__ import annotations

from typing import Protocol

from ._errors import Problem
from ._model import Pack, Rule, Section
from ._moneyrules import parse_amount
from ._periods import GRANULARITY_WORDS, finer_or_equal
from ._templates import problems as template_problems

_F = "oversight.toml"
#: The largest threshold value, in points or yuan (a JSON-safe integer part).
MAX_VALUE = 10**12
#: Ranks lie in 1…RANK_MAX.
RANK_MAX = 10**6


class _Build(Protocol):
    """What these stages need of the compiler's build (so they do not import the compiler)."""

    pack: Pack
    errors: list[Problem]
    sections: dict[int, Section]

    def error(self, code: str, message: str, file: str, path: str | None = None) -> None: ...

    def warn(self, code: str, message: str, file: str, path: str | None = None) -> None: ...


def _template(b: _Build, text: str, path: str) -> None:
    for message in template_problems(text, "threshold"):
        b.error("unknown_placeholder" if "does not provide" in message else "invalid_template", message, _F, path)


def sanction_rule_actions(pack: Pack) -> dict[str, set[str]]:
    """Every rule id that produces actions (ladders, streaks, cadences, deadlines, thresholds,
    fines), with the action codes it can produce."""
    o = pack.oversight
    out: dict[str, set[str]] = {}
    for lad in o.ladders:
        out.setdefault(lad.id, set()).update(s.action for s in lad.steps)
    for st in o.streaks:
        out.setdefault(st.id, set()).add(st.action)
    for cad in o.cadences:
        out.setdefault(cad.id, set()).add(cad.action)
    for dl in o.deadlines:
        out.setdefault(dl.id, set()).update((dl.late_action, dl.missing_action))
    for t in o.thresholds:
        out.setdefault(t.id, set()).add(t.action)
    for f in pack.money.fines:
        out.setdefault(f.id, set()).update(a.action for a in f.actions)
    return out


def check_thresholds(b: _Build) -> None:
    """Each threshold: a known, scored section where one is read; a window the pack's period
    nests in (and the pack's own period for a total or a score); whom the action is against; a
    value of the quantity's kind; a reason of the threshold's placeholders."""
    o = b.pack.oversight
    pack_period = b.pack.meta.period
    others = {
        *(x.id for x in o.ladders),
        *(x.id for x in o.streaks),
        *(x.id for x in o.cadences),
        *(x.id for x in o.deadlines),
        *(x.id for x in o.crosschecks),
    }
    seen: set[str] = set()
    for i, t in enumerate(o.thresholds):
        path = f"thresholds[{i}]"
        if t.id in seen or t.id in others:
            b.error("duplicate_rule", f"id {t.id!r} is used twice", _F, f"{path}.id")
        seen.add(t.id)
        if t.value.provenance != "literal" and not (t.value.note and t.value.note.strip()):
            b.error(
                "provenance_note_missing",
                f"a threshold value that is {t.value.provenance} needs a note",
                _F,
                f"{path}.value.note",
            )
        if t.section is not None:
            section = b.sections.get(t.section)
            if section is None:
                b.error(
                    "unknown_section",
                    f"threshold {t.id} reads section {t.section}, which the pack does not declare",
                    _F,
                    f"{path}.section",
                )
            elif not section.scored:
                b.error(
                    "section_not_scored",
                    f"threshold {t.id} reads section {t.section}, which is not scored",
                    _F,
                    f"{path}.section",
                )
            if t.quantity == "total":
                b.error(
                    "section_unexpected",
                    'a threshold on the total reads no section (use quantity = "score")',
                    _F,
                    f"{path}.section",
                )
        elif t.quantity == "score":
            b.error("section_missing", "a threshold on a section's score needs `section`", _F, f"{path}.section")
        money = b.pack.money
        needs = {
            "amount": (bool(money.rates), "amounts charged for points need a rate (money.toml [[rates]])"),
            "fined": (bool(money.fines), "fines need a fine (money.toml [[fines]])"),
        }
        if t.quantity in needs and not needs[t.quantity][0]:
            b.error("threshold_unsupported", f"threshold {t.id}: {needs[t.quantity][1]}", _F, f"{path}.quantity")
        if t.subject_type == "employee":
            if money.employees is None:
                b.error(
                    "threshold_unsupported",
                    f"threshold {t.id}: employees are measured only where the pack keeps an employee ledger "
                    "(money.toml [employees])",
                    _F,
                    f"{path}.subject_type",
                )
            if t.quantity in ("total", "score") or t.section is not None:
                b.error(
                    "invalid_value",
                    f"an employee's ledger holds points deducted, amounts and fines in all, not {t.quantity}"
                    + (" of a section" if t.section is not None else ""),
                    _F,
                    f"{path}.quantity",
                )
        if t.subject_type == "county" and t.quantity in ("total", "score"):
            b.error(
                "threshold_not_additive",
                f"a county union's {t.quantity} is no sum of its outlets'; a county threshold reads `deducted`, `amount` or `fined`",
                _F,
                f"{path}.quantity",
            )
        if t.window is not None:
            if not finer_or_equal(pack_period, t.window):
                b.error(
                    "window_finer_than_period",
                    f"the pack scores by {GRANULARITY_WORDS[pack_period]}; a threshold window cannot be shorter "
                    f"({GRANULARITY_WORDS[t.window]})",
                    _F,
                    f"{path}.window",
                )
            elif t.window != pack_period and t.quantity in ("total", "score"):
                b.error(
                    "threshold_not_additive",
                    f"a {t.quantity} is read per {GRANULARITY_WORDS[pack_period]} (the pack's period) and does not add up "
                    f"over a {GRANULARITY_WORDS[t.window]}; use `deducted` (or `amount`), or the pack's period",
                    _F,
                    f"{path}.window",
                )
        against = t.against or t.subject_type
        allowed = {"outlet": ("outlet", "county"), "county": ("county",), "employee": ("employee",)}[t.subject_type]
        if against not in allowed:
            b.error(
                "invalid_value",
                f"a threshold on a {t.subject_type}'s results acts against {' or '.join(allowed)}, not {against}",
                _F,
                f"{path}.against",
            )
        _check_value(b, t.quantity, t.value.value, f"{path}.value.value")
        if t.article is not None and t.article not in {a.number for a in b.pack.articles}:
            b.error(
                "unknown_article",
                f"threshold {t.id} names article {t.article}, which the pack does not declare",
                _F,
                f"{path}.article",
            )
        _template(b, t.reason, f"{path}.reason")


def _check_value(b: _Build, quantity: str, value: int | str, path: str) -> None:
    if quantity in ("amount", "fined"):
        amount = parse_amount(value)
        if amount is None or amount > MAX_VALUE:
            b.error(
                "invalid_value",
                f'an amount is yuan with at most two decimals ("500.00" or 500), found {value!r}',
                _F,
                path,
            )
        return
    if type(value) is not int:
        b.error("invalid_value", f"a threshold on {quantity} compares points: an integer, found {value!r}", _F, path)
    elif not -MAX_VALUE <= value <= MAX_VALUE:
        b.error("invalid_value", f"a threshold value lies within ±{MAX_VALUE}, found {value}", _F, path)


def check_sanction_groups(b: _Build) -> None:
    """Each group: members naming rules that take actions (and an action the rule takes), ranks
    from 1, no rule (or rule and action) in two groups."""
    rules = sanction_rule_actions(b.pack)
    seen: set[str] = set()
    members: dict[tuple[str, str | None], str] = {}
    for i, g in enumerate(b.pack.oversight.sanction_groups):
        path = f"sanction_groups[{i}]"
        if g.id in seen:
            b.error("duplicate_group", f"sanction group {g.id!r} is declared twice", _F, f"{path}.id")
        seen.add(g.id)
        if g.provenance != "literal" and not (g.note and g.note.strip()):
            b.error(
                "provenance_note_missing", f"a sanction group that is {g.provenance} needs a note", _F, f"{path}.note"
            )
        if len(g.members) < 2:
            b.warn(
                "group_too_small",
                f"sanction group {g.id} has {len(g.members)} member(s); nothing can be absorbed",
                _F,
                f"{path}.members",
            )
        if g.article is not None and g.article not in {a.number for a in b.pack.articles}:
            b.error(
                "unknown_article",
                f"sanction group {g.id} names article {g.article}, which the pack does not declare",
                _F,
                f"{path}.article",
            )
        for j, m in enumerate(g.members):
            where = f"{path}.members[{j}]"
            if m.rule not in rules:
                b.error(
                    "unknown_rule",
                    f"sanction group {g.id} names {m.rule!r}, which is no ladder, streak, cadence, deadline, threshold or fine",
                    _F,
                    f"{where}.rule",
                )
                continue
            if m.action is not None and m.action not in rules[m.rule]:
                b.error(
                    "unknown_action",
                    f"{m.rule} takes no action {m.action!r} (it takes: {', '.join(sorted(rules[m.rule]))})",
                    _F,
                    f"{where}.action",
                )
            if not 1 <= m.rank <= RANK_MAX:
                b.error("invalid_value", f"a rank lies in 1…{RANK_MAX}, found {m.rank}", _F, f"{where}.rank")
            overlapping = [
                k for k in members if k[0] == m.rule and (k[1] is None or m.action is None or k[1] == m.action)
            ]
            if overlapping:
                b.error(
                    "duplicate_member",
                    f"{m.rule}{' ' + m.action if m.action else ''} is already a member of sanction group {members[overlapping[0]]}",
                    _F,
                    where,
                )
            members[(m.rule, m.action)] = g.id


def _most(r: Rule) -> int | None:
    """The most a rule deducts for one observation (per person for per-person rules)."""
    d = r.deduct
    if r.outcome != "deduct" or d is None:
        return None
    return d.max if d.kind == "graded" else d.points


def check_supersede_points(b: _Build) -> None:
    """A rule that supersedes one deducting more makes the heavier finding cheaper: almost always
    the wrong way round ("按最高标准执行")."""
    by_id = {r.id: r for r in b.pack.rules}
    for i, r in enumerate(b.pack.rules):
        mine = _most(r)
        if mine is None:
            continue
        for other_id in r.supersedes:
            other = by_id.get(other_id)
            if other is None or other.deduct is None:
                continue
            theirs = _most(other)
            per_person = {r.deduct is not None and r.deduct.kind == "per_person", other.deduct.kind == "per_person"}
            if theirs is not None and mine < theirs and len(per_person) == 1:
                b.warn(
                    "supersedes_heavier",
                    f"rule {r.id} deducts at most {mine} but supersedes {other_id}, which deducts {theirs}: "
                    "where both apply the lighter one decides (the highest standard is usually meant)",
                    "rules.toml",
                    f"rules[{i}].supersedes",
                )
