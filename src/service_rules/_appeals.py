"""Appeals (申诉): a county union or an outlet contests a deduction or a lapse; the city decides.

Three pure steps. :func:`check_record` checks one appeal line on its own (a decision needs its
day, ``points`` go with ``amended`` only…). :func:`decide` checks the appeals of a run against
what the run accepted (the target must be an accepted finding, complaint or lapse, or a lapse
the oversight rules derive; one appeal per target) once all input is read. :func:`standing`
applies the appeals as of a day: a decision counts from its ``decided`` day on (before it the
appeal is pending), so a rerun with the same day gives the same result. Nothing is edited
away: overturned deductions and lapses stay listed with their appeals.
"""

from __future__ import annotations

import datetime as _dt
import types
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from operator import attrgetter
from typing import Any

import attrs

from ._codes import RejectionCode as C
from ._facts import Reject, show
from ._results import AppealRef
from ._store import AppealRecord, AppealView, Facts, LapseRecord, Observation, Watched


def check_record(obj: Mapping[str, Any]) -> None:
    """An appeal line's own consistency (after its fields passed the contract), or a Reject."""
    decision = obj.get("decision")
    decided = obj.get("decided")
    points = obj.get("points")
    if points is not None and decision != "amended":
        raise Reject(C.POINTS_WITHOUT_AMENDED, "只有处理决定为 'amended'(变更分值)时才可填写 'points'")
    if decision is not None and decided is None:
        raise Reject(C.DECISION_WITHOUT_DECIDED, f"有处理决定 {show(decision)} 而无决定日期 'decided'")
    if decided is not None and decision is None:
        raise Reject(C.DECIDED_WITHOUT_DECISION, f"有决定日期 {show(decided)} 而无处理决定 'decision'")
    if decision == "amended" and points is None:
        raise Reject(C.AMENDED_WITHOUT_POINTS, "处理决定为 'amended'(变更分值)时须填写变更后的 'points'")
    if decided is not None and decided < obj["filed"]:
        raise Reject(C.DECIDED_BEFORE_FILED, f"决定日期 {decided} 早于申诉日期 {obj['filed']}")


def record_of(obj: Mapping[str, Any]) -> AppealRecord:
    return AppealRecord(
        id=obj["id"],
        target=obj["target"],
        filed=obj["filed"],
        by=obj["by"],
        reason=obj["reason"],
        decided=obj.get("decided"),
        decision=obj.get("decision"),
        points=obj.get("points"),
        note=obj.get("note"),
    )


@attrs.frozen
class Targets:
    """What an appeal may name in one run."""

    #: accepted findings and complaints by id, and whether their rule deducts
    observations: Mapping[str, tuple[Observation, bool]]
    #: ids of accepted lapses given in the input
    lapses: Collection[str]
    #: ids of oversight rules that derive lapses (``<rule id>:<source id>``)
    derived_rules: Collection[str]
    #: replaced id → the record that replaced it
    replaced: Mapping[str, str]


@attrs.frozen
class Refusal:
    appeal: AppealRecord
    code: str
    message: str


def decide(appeals: Collection[AppealRecord], targets: Targets) -> tuple[list[Refusal], dict[str, AppealRecord]]:
    """The appeals that are refused, and per target the one that counts: with several on one
    target, the earliest ``decided`` (then the lowest id) counts, else the earliest ``filed``
    (then the lowest id); the rest are ``duplicate_appeal``. Independent of input order."""
    refused: list[Refusal] = []
    valid: defaultdict[str, list[AppealRecord]] = defaultdict(list)
    for a in sorted(appeals, key=lambda a: a.id):
        problem = _target_problem(a, targets)
        if problem is not None:
            refused.append(Refusal(a, *problem))
        else:
            valid[a.target].append(a)
    counting: dict[str, AppealRecord] = {}
    for target, items in sorted(valid.items()):
        items.sort(key=lambda a: (0, a.decided, a.id) if a.decided is not None else (1, a.filed, a.id))
        counting[target] = items[0]
        for a in items[1:]:
            refused.append(
                Refusal(a, C.DUPLICATE_APPEAL, f"记录 {show(target)} 已有申诉 {show(items[0].id)};同一记录只计一项申诉")
            )
    return refused, counting


def _target_problem(a: AppealRecord, t: Targets) -> tuple[str, str] | None:
    target = a.target
    hit = t.observations.get(target)
    if hit is not None:
        obs, deducts = hit
        if a.decision in ("amended", "overturned") and not deducts:
            return C.NOT_AMENDABLE, f"记录 {show(target)} 不扣分(待定或不予扣分),不能撤销或变更分值"
        if a.decision == "amended" and a.points is not None and a.points > obs.points:
            return C.OUT_OF_RANGE, f"变更后的分值 {a.points} 超出 0–{obs.points}(原扣分)"
        return None
    if target in t.lapses or _derived(target, t.derived_rules):
        if a.decision == "amended":
            return C.NOT_AMENDABLE, f"失职记录 {show(target)} 不计分,只能维持或撤销"
        return None
    if target in t.replaced:
        return C.UNKNOWN_TARGET, f"记录 {show(target)} 已被 {show(t.replaced[target])} 更正;申诉应针对后者"
    return C.UNKNOWN_TARGET, f"{show(target)} 不是输入中已采纳的问题、投诉或失职记录"


def _derived(target: str, rules: Collection[str]) -> bool:
    rule, sep, rest = target.partition(":")
    return bool(sep and rest) and rule in rules


def ref_of(a: AppealRecord, day: str) -> AppealRef:
    """An appeal as of a day: decided once its ``decided`` day has come, pending before."""
    if a.decided is not None and a.decided <= day:
        return AppealRef(id=a.id, state="decided", decision=a.decision, decided=a.decided)
    return AppealRef(id=a.id, state="pending")


def standing(facts: Facts, as_of: _dt.date) -> Facts:
    """The facts as they stand on ``as_of``: overturned findings and complaints taken out of the
    scorecards' observations (kept in the view), amended ones with their new points, overturned
    lapses and ladder facts taken out of what ladders count, exclusions of overturned records
    dropped. Without appeals the facts are returned as they are."""
    if not facts.appeals:
        return facts
    day = as_of.isoformat()
    if facts.appeal_view is not None:
        if facts.appeal_view.as_of == day:
            return facts
        raise ValueError(f"the facts already stand as of {facts.appeal_view.as_of}, not {day}")
    refs = {t: ref_of(a, day) for t, a in facts.appeals.items() if a.filed <= day}
    decisions: dict[str, str] = {}
    for t, a in facts.appeals.items():
        if t in refs and refs[t].state == "decided" and a.decision is not None:
            decisions[t] = a.decision
    gone = {t for t, d in decisions.items() if d == "overturned"}
    amended = {t: facts.appeals[t].points for t, d in decisions.items() if d == "amended"}
    observations: dict[tuple[str, str], tuple[Observation, ...]] = {}
    overturned: dict[tuple[str, str], tuple[Observation, ...]] = {}
    original: dict[str, int] = {}
    touched = gone | amended.keys()
    ids = attrgetter("id")
    for key, items in facts.observations.items():
        if touched.isdisjoint(map(ids, items)):  # (the common case, without a Python call per record)
            observations[key] = items
            continue
        kept: list[Observation] = []
        for o in items:
            if o.id in gone:
                overturned[key] = (*overturned.get(key, ()), o)
                continue
            points = amended.get(o.id)
            if points is not None:
                original[o.id] = o.points
                o = o._replace(points=points)
            kept.append(o)
        if kept:
            observations[key] = tuple(kept)
    present = set(observations) | set(facts.inspections)
    # a card stays scored where only overturned records were accepted: it was assessed
    present |= set(overturned)
    drop: Callable[[Watched], bool] = lambda w: w.id in gone  # noqa: E731
    view = AppealView(
        as_of=day,
        refs=types.MappingProxyType(refs),
        decisions=types.MappingProxyType(decisions),
        overturned=types.MappingProxyType(overturned),
        original_points=types.MappingProxyType(original),
        lapses=tuple(x for x in facts.lapses if x.id in gone),
        ladder_facts=tuple(w for w in facts.ladder_facts if drop(w)),
    )
    return attrs.evolve(
        facts,
        observations=types.MappingProxyType(observations),
        present=frozenset(present),
        lapses=tuple(x for x in facts.lapses if x.id not in gone),
        ladder_facts=tuple(w for w in facts.ladder_facts if not drop(w)),
        exclusions=tuple(w for w in facts.exclusions if not drop(w)),
        appeal_view=view,
    )


def overturned_lapse_ids(facts: Facts) -> frozenset[str]:
    """Ids of lapses (given or derived) an appeal overturned as of the facts' day."""
    view = facts.appeal_view
    if view is None:
        return frozenset()
    return frozenset(t for t, d in view.decisions.items() if d == "overturned")


def lapse_records(facts: Facts) -> tuple[LapseRecord, ...]:
    """The overturned lapses given in the input."""
    return facts.appeal_view.lapses if facts.appeal_view is not None else ()
