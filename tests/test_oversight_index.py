"""Oversight's indexed paths equal the scans they replaced (issue 13).

The cross-check (第五条) once scanned every finding of an outlet's quarter once per inspection,
and counting the rejected lines behind an action once scanned every rejection of its subject.
Both now index once: the findings of a quarter by the inspection they belong to, the rejections'
periods sorted per subject and year. The scans are kept here verbatim as the definition, and
Hypothesis draws facts where ids, dates, articles and inspections collide (findings naming an
inspection of another outlet or date, inspections sharing a date or an id, findings without an
article, unregistered outlets, rejections undated or of other years and granularities) to hold
the indexed paths to them, lapse for lapse and action for action.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
import types
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import service_rules as sr
from _naive_money import naive_fines_and_actions
from service_rules import _fines, _oversight, _sanctions
from service_rules._appeals import ref_of, standing
from service_rules._fines import fined_per_card, fines_and_actions
from service_rules._groups import group_fines
from service_rules._ingest import ingest
from service_rules._oversight import (
    Lapse,
    _crosscheck,
    _overturned_lapses,
    appeal_warnings,
    derive,
    flag_rejections,
    judgement,
    lapse_appeals,
    oversight_actions,
    overturned_lapses,
)
from service_rules._packtest import _load_cases, _run_case
from service_rules._results import Action, Rejection, ResultWarning, Scorecard
from service_rules._sanctions import measures
from service_rules._scoring import iter_scorecard_json, scorecards
from service_rules._store import (
    AppealRecord,
    AppealView,
    Facts,
    Inspection,
    LapseRecord,
    Observation,
    Registration,
    Watched,
)
from service_rules._templates import render
from service_rules._thresholds import Measure, Number, scorecard_measures, scorecard_measures_json
from strategies import GenPack, Observations, scenarios


@functools.cache
def cangzhou() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack("cangzhou"))


# ---- the scans, as they were -------------------------------------------------------------------
def _belongs(obs: Observation, inspection_id: str, date: str) -> bool:
    """A finding belongs to an inspection it names, or (naming none) to one on its date."""
    return obs.inspection == inspection_id or (obs.inspection is None and obs.date == date)


def crosscheck_scan(
    facts: Facts, check_id: str, by: str, against: str, kind: str, template: str, only: Callable[[str], bool] | None
) -> list[Lapse]:
    found: list[Lapse] = []
    for (outlet, q), inspections in sorted(facts.inspections.items()):
        if only is not None and not only(q):
            continue
        county = facts.county_of(outlet)
        own = [i for i in inspections if i.by == against]
        if county is None or not own:
            continue
        findings = [obs for obs in facts.observations.get((outlet, q), ()) if obs.article is not None]
        recorded = {obs.article for obs in findings for i in own if _belongs(obs, i.id, i.date)}
        for inspection in sorted(inspections, key=lambda i: (i.date, i.id)):
            if inspection.by != by:
                continue
            theirs = [obs for obs in findings if _belongs(obs, inspection.id, inspection.date)]
            missed = sorted({obs.article for obs in theirs if obs.article is not None and obs.article not in recorded})
            if not missed:
                continue
            lapse_id = f"{check_id}:{inspection.id}"
            behind = sorted(obs.id for obs in theirs if obs.article in missed)
            cause = render(
                template,
                {
                    "subject": county,
                    "date": inspection.date,
                    "outlet": outlet,
                    "articles": "、".join(str(a) for a in missed),
                },
            )
            found.append(
                Lapse(
                    id=lapse_id,
                    county=county,
                    date=inspection.date,
                    kind=kind,
                    observations=(lapse_id, inspection.id, *behind),
                    cause=cause,
                )
            )
    return found


def flag_rejections_scan(
    actions: list[Action], rejected: tuple[Rejection, ...], whole_input: frozenset[str] = frozenset()
) -> list[Action]:
    by_subject: defaultdict[tuple[str, str], list[str | None]] = defaultdict(list)
    for r in rejected:
        if r.county is not None:
            by_subject[("county", r.county)].append(r.period)
        if r.outlet is not None:
            by_subject[("outlet", r.outlet)].append(r.period)
    out = []
    for a in actions:
        periods = by_subject.get((a.subject_type, a.subject))
        if periods:
            year = None if a.rule in whole_input else a.period[:4]
            n = sum(1 for p in periods if p is None or ((year is None or p[:4] == year) and p <= a.period))
            if n:
                a = attrs.evolve(a, rejections=n)
        out.append(a)
    return out


# ---- generated facts ---------------------------------------------------------------------------
OUTLETS = ("o1", "o2", "o3")
COUNTIES = ("河间", "任丘")
QUARTERS = ("2026Q1", "2026Q2")
DATES = {"2026Q1": ("2026-01-05", "2026-02-10", "2026-03-31"), "2026Q2": ("2026-04-01", "2026-05-20")}
BYS = ("county", "city", "province")
INSPECTION_IDS = ("i1", "i2", "i3", "i4", "2026-01-05")  # an id that reads as a date, too


@st.composite
def facts_drawn(draw: st.DrawFn) -> Facts:
    registry = {
        o: Registration(outlet=o, county=draw(st.sampled_from(COUNTIES)))
        for o in OUTLETS
        if draw(st.booleans()) or o == "o1"
    }
    inspections: dict[tuple[str, str], tuple[Inspection, ...]] = {}
    observations: dict[tuple[str, str], tuple[Observation, ...]] = {}
    n = 0
    for o in OUTLETS:
        for q in QUARTERS:
            dates = st.sampled_from(DATES[q])
            items = draw(
                st.lists(
                    st.builds(Inspection, st.sampled_from(INSPECTION_IDS), st.just(o), dates, st.sampled_from(BYS)),
                    max_size=4,
                )
            )
            if items:
                inspections[(o, q)] = tuple(items)
            found = []
            for _ in range(draw(st.integers(0, 8))):
                n += 1
                found.append(
                    Observation(
                        id=draw(st.sampled_from((f"f{n}", "f1", "f2"))),
                        outlet=o,
                        period=q,
                        date=draw(dates),
                        rule="r",
                        article=draw(st.sampled_from((None, 5, 18, 25, 27))),
                        points=1,
                        inspection=draw(st.sampled_from((None, None, *INSPECTION_IDS))),
                    )
                )
            if found:
                observations[(o, q)] = tuple(found)
    empty = ingest(cangzhou(), [])
    return attrs.evolve(
        empty,
        registry=types.MappingProxyType(registry),
        inspections=types.MappingProxyType(inspections),
        observations=types.MappingProxyType(observations),
        present=frozenset(inspections) | frozenset(observations),
    )


@settings(max_examples=300, deadline=None)
@given(
    facts=facts_drawn(),
    by=st.sampled_from(BYS),
    against=st.sampled_from(BYS),
    only=st.sampled_from((None, "2026Q1", "2026Q2")),
)
def test_the_indexed_crosscheck_is_the_scan(facts: Facts, by: str, against: str, only: str | None) -> None:
    judges = None if only is None else (lambda q: q == only)
    args = (facts, "x", by, against, "unfound", "{subject}{date}{outlet}{articles}", judges)
    assert _crosscheck(*args) == crosscheck_scan(*args)


PERIODS = (None, "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2027Q1", "2026-03", "2026")
SUBJECTS = (("county", "河间"), ("county", "任丘"), ("outlet", "o1"), ("outlet", "o2"), ("employee", "e1"))


@settings(max_examples=300, deadline=None)
@given(
    rejected=st.lists(
        st.builds(
            Rejection,
            file=st.just("f.jsonl"),
            line=st.integers(1, 50),
            id=st.none(),
            code=st.just("invalid_value"),
            error=st.just("x"),
            outlet=st.sampled_from((None, "o1", "o2", "河间")),
            county=st.sampled_from((None, "河间", "任丘", "o1")),
            period=st.sampled_from(PERIODS),
        ),
        max_size=25,
    ),
    actions=st.lists(
        st.builds(
            Action,
            subject=st.sampled_from([s for _, s in SUBJECTS]),
            subject_type=st.sampled_from([t for t, _ in SUBJECTS]),
            action=st.just("a"),
            article=st.none(),
            period=st.sampled_from([p for p in PERIODS if p is not None]),
            date=st.just("2026-01-01"),
            observations=st.just(()),
            circulate=st.booleans(),
            reason=st.just("r"),
            rule=st.sampled_from((None, "ladder", "whole")),
        ),
        max_size=12,
    ),
    whole=st.sampled_from((frozenset(), frozenset({"whole"}))),
)
def test_the_indexed_rejection_count_is_the_scan(
    rejected: list[Rejection], actions: list[Action], whole: frozenset[str]
) -> None:
    assert flag_rejections(actions, tuple(rejected), whole) == flag_rejections_scan(actions, tuple(rejected), whole)


# ---- appeals: the facts as they stand, and the appeals on lapses not arisen ---------------------


def standing_scan(facts: Facts, as_of: dt.date) -> Facts:
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
    for key, items in facts.observations.items():
        if not any(o.id in gone or o.id in amended for o in items):
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


def appeal_warnings_scan(compiled: sr.CompiledPack, facts: Facts, *, as_of: dt.date) -> tuple[ResultWarning, ...]:
    view = facts.appeal_view
    if not facts.appeals or view is None:
        return ()
    known = {o.id for items in facts.observations.values() for o in items}
    known |= {o.id for items in view.overturned.values() for o in items}
    known |= {x.id for x in facts.lapses} | {x.id for x in view.lapses}
    derived = [a for t, a in sorted(facts.appeals.items()) if t not in known and t in view.refs]
    if not derived:
        return ()
    _, lapses = derive(compiled, facts, as_of)
    _, gone = _overturned_lapses(compiled, facts, as_of, lapses)
    arisen = {x.id for x in lapses} | {g.lapse.id for g in gone}
    return tuple(
        ResultWarning(
            code="appeal_target_not_arisen",
            message=f"申诉 {a.id} 针对的失职 {a.target} 截至 {as_of.isoformat()} 未产生,申诉暂不起作用",
            file=a.file,
            sheet=a.sheet,
            line=a.line,
        )
        for a in derived
        if a.target not in arisen
    )


@st.composite
def appealed(draw: st.DrawFn) -> Facts:
    """Drawn facts with appeals on their findings, on given lapses, on derived lapses (arisen or
    not) and on ids that are none of these, decided or not by the day."""
    facts = draw(facts_drawn())
    lapses = tuple(
        LapseRecord(id=f"L{n}", county=draw(st.sampled_from(COUNTIES)), date="2026-03-01", kind="unfound")
        for n in range(draw(st.integers(0, 2)))
    )
    ids = sorted({o.id for items in facts.observations.values() for o in items})
    derived = [f"cz-5-unfound:{i}" for i in INSPECTION_IDS] + ["cz-4-cadence:河间:2026Q1", "cz-4-cadence:河间:2027Q1"]
    targets = draw(st.lists(st.sampled_from([*ids, *(x.id for x in lapses), *derived, "nothing"]), unique=True))
    appeals = {}
    for n, t in enumerate(targets):
        decision = draw(st.sampled_from((None, "overturned", "upheld", "amended")))
        appeals[t] = AppealRecord(
            id=f"A{n}",
            target=t,
            filed=draw(st.sampled_from(("2026-04-01", "2026-12-01"))),
            by="x",
            reason="r",
            decided=None if decision is None else draw(st.sampled_from(("2026-05-01", "2026-12-05"))),
            decision=decision,
            points=0 if decision == "amended" else None,
        )
    return attrs.evolve(facts, lapses=lapses, appeals=types.MappingProxyType(appeals))


@settings(max_examples=200, deadline=None)
@given(facts=appealed())
def test_standing_and_appeal_warnings_are_the_scans(facts: Facts) -> None:
    day = dt.date(2026, 11, 27)
    now = standing(facts, day)
    assert now == standing_scan(facts, day)
    assert appeal_warnings(cangzhou(), now, as_of=day) == appeal_warnings_scan(cangzhou(), now, as_of=day)


@settings(max_examples=150, deadline=None)
@given(facts=appealed(), period=st.sampled_from((None, "2026Q1", "2026Q2")))
def test_one_judgement_serves_every_function(facts: Facts, period: str | None) -> None:
    """What a run computes once (:func:`judgement`) and passes to each of oversight's functions
    gives what each computes on its own."""
    day = dt.date(2026, 11, 27)
    c = cangzhou()
    before = oversight_actions(c, facts, as_of=day)
    now = standing(facts, day)
    judged = judgement(c, now, day)
    assert oversight_actions(c, now, as_of=day, period=period, judged=judged) == oversight_actions(
        c, now, as_of=day, period=period
    )
    assert appeal_warnings(c, now, as_of=day, judged=judged) == appeal_warnings(c, now, as_of=day)
    assert overturned_lapses(c, now, as_of=day, period=period, before=before, judged=judged) == overturned_lapses(
        c, now, as_of=day, period=period, before=before
    )
    assert lapse_appeals(c, now, as_of=day, period=period, judged=judged) == lapse_appeals(
        c, now, as_of=day, period=period
    )


# ---- thresholds: measures of the streamed scorecards --------------------------------------------
def scorecard_measures_typed(cards: Iterable[Scorecard]) -> Iterator[Measure]:
    """The measures of typed scorecards, as they were read before the streamed form was."""
    for card in cards:
        if not card.scored or card.total is None:
            continue

        def measure(
            quantity: str, section: int | None, value: Number, ids: Iterable[str], card: Scorecard = card
        ) -> Measure:
            return Measure(
                subject_type="outlet",
                subject=card.outlet,
                county=card.county,
                period=card.period,
                quantity=quantity,
                section=section,
                value=value,
                observations=tuple(sorted(set(ids))),
            )

        every = [o for d in card.deductions for o in d.observations]
        yield measure("total", None, card.total, every)
        yield measure("deducted", None, sum(s.deducted for s in card.sections), every)
        for s in card.sections:
            ids = [o for d in card.deductions if d.section == s.number for o in d.observations]
            if s.score is not None:
                yield measure("score", s.number, s.score, ids)
            yield measure("deducted", s.number, s.deducted, ids)
        if card.amount is not None:
            charged = [d for d in card.deductions if d.amount is not None]
            yield measure("amount", None, Decimal(card.amount), [o for d in charged for o in d.observations])
            for s in card.sections:
                mine = [d for d in charged if d.section == s.number]
                total = sum((Decimal(d.amount or 0) for d in mine), Decimal(0))
                yield measure("amount", s.number, total, [o for d in mine for o in d.observations])
        if card.fined is not None:
            yield measure("fined", None, Decimal(card.fined), every)


def _measured_both_ways(compiled: sr.CompiledPack, facts: Facts) -> None:
    """The measures of the streamed cards are those of the typed cards (as they were read), and
    the typed reading today is the streamed one: value for value, type for type, in order."""
    fined = fined_per_card(group_fines(compiled, fines_and_actions(compiled, facts)[0]).fines)
    typed = scorecards(compiled, facts, None, fined=fined)
    expected = list(scorecard_measures_typed(typed))
    streamed = list(scorecard_measures_json(iter_scorecard_json(compiled, facts, None, fined=fined)))
    assert streamed == expected
    assert [type(m.value) for m in streamed] == [type(m.value) for m in expected]
    assert list(scorecard_measures(typed)) == expected
    sanctioned = list(measures(compiled, facts))
    assert sanctioned[: len(expected)] == expected


@settings(max_examples=100, deadline=None)
@given(case=st.one_of(scenarios(), scenarios(caps="all")))
def test_measures_of_streamed_cards_are_those_of_typed_cards(case: tuple[GenPack, Observations]) -> None:
    gp, obs = case
    compiled = sr.compile_pack(gp.pack, matcher="python")
    facts = standing(ingest(compiled, [sr.Records(list(obs.records))]), dt.date(2026, 11, 27))
    _measured_both_ways(compiled, facts)


# ---- fines: each deduction's shape read once ------------------------------------------------------
# the fines as they were worked out before (once per deduction), kept in tests/_naive_money.py
fines_and_actions_scan = naive_fines_and_actions


def _fined_both_ways(compiled: sr.CompiledPack, facts: Facts) -> None:
    assert fines_and_actions(compiled, facts) == fines_and_actions_scan(compiled, facts)


# ---- whole runs: every bundled example and every case of the shipped and test packs -----------
ROOT = Path(__file__).resolve().parents[1]
PACKS = {
    "cangzhou": "cangzhou",
    "generic": "generic",
    "cangzhou-amended": str(ROOT / "examples" / "cangzhou-amended"),
    "examples-monthly": str(ROOT / "examples" / "monthly"),
    "halfyear": str(ROOT / "tests" / "packs" / "halfyear"),
    "monthly": str(ROOT / "tests" / "packs" / "monthly"),
}
EXAMPLES = {
    "cangzhou-2026q3.jsonl": "cangzhou",
    "cangzhou-2026q3-appeals.jsonl": "cangzhou-amended",
    "generic-2027q1.jsonl": "generic",
    "monthly-2027-03.jsonl": "examples-monthly",
}


def _scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every caller of the indexed paths given the scans instead."""
    monkeypatch.setattr(_oversight, "_crosscheck", crosscheck_scan)
    for module in (_oversight, _fines, _sanctions):
        monkeypatch.setattr(module, "flag_rejections", flag_rejections_scan)


def _both(run: Callable[[], bytes]) -> tuple[bytes, bytes]:
    fast = run()
    with pytest.MonkeyPatch.context() as mp:
        _scanned(mp)
        slow = run()
    return fast, slow


@functools.cache
def _compiled(name: str) -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack(PACKS[name]))


@settings(max_examples=60, deadline=None)
@given(facts=facts_drawn(), rejected=st.lists(st.sampled_from(PERIODS), max_size=6))
def test_oversight_actions_indexed_and_scanned(facts: Facts, rejected: list[str | None]) -> None:
    facts = attrs.evolve(
        facts,
        rejected=tuple(
            Rejection(file="f", line=i, id=None, code="c", error="e", county="河间", period=p)
            for i, p in enumerate(rejected, start=1)
        ),
    )
    day = dt.date(2026, 11, 27)
    fast, slow = _both(lambda: repr(oversight_actions(cangzhou(), facts, as_of=day)).encode())
    assert fast == slow


def test_every_example_is_named() -> None:
    assert sorted(p.name for p in (ROOT / "examples").glob("*.jsonl")) == sorted(EXAMPLES)


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_bundled_examples_indexed_and_scanned(example: str) -> None:
    """Each bundled example under its pack, as given and shuffled: the same bytes either way."""
    compiled = _compiled(EXAMPLES[example])
    lines = (ROOT / "examples" / example).read_bytes().splitlines()
    random.Random(13).shuffle(lines)
    for records in (ROOT / "examples" / example, io.BytesIO(b"\n".join(lines))):

        def run(records: Any = records) -> bytes:
            if isinstance(records, io.BytesIO):
                records.seek(0)
            return sr.score(compiled, [records], as_of="2026-11-27").to_json()

        fast, slow = _both(run)
        assert fast == slow
    facts = standing(ingest(compiled, [ROOT / "examples" / example]), dt.date(2026, 11, 27))
    _measured_both_ways(compiled, facts)
    _fined_both_ways(compiled, facts)


def _pack_cases() -> list[Any]:
    out = []
    for name in PACKS:
        compiled = _compiled(name)
        folder = Path(compiled.pack.root or ".") / "tests"
        for file, case in _load_cases(folder, []):
            out.append(pytest.param(name, file, case, id=f"{name}:{file}:{case['name']}"))
    return out


@pytest.mark.parametrize(("name", "file", "case"), _pack_cases())
def test_pack_cases_indexed_and_scanned(name: str, file: str, case: dict[str, Any]) -> None:
    """Every case of the shipped and test packs: the same result either way."""
    compiled = _compiled(name)
    fast, slow = _both(lambda: _run_case(compiled, file, case)[1].to_json())
    assert fast == slow
    facts, _ = _run_case(compiled, file, case)
    when = case.get("as_of", "2026-11-27")
    facts = standing(facts, when if isinstance(when, dt.date) else dt.date.fromisoformat(when))
    _measured_both_ways(compiled, facts)
    _fined_both_ways(compiled, facts)
