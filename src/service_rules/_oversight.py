"""Oversight: the rules whose conclusions are new facts (derived lapses) and the ladders that count them.

Everything here is driven by the pack's ``oversight.toml``: which inspections a county owes
(cadences), when reports are due (deadlines), what a city check proves (cross-checks), and
what each counted lapse leads to (ladders). Which ladder a lapse counts on is decided by the
matcher, like every other rule; counting, windows and dates are plain Python.
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from itertools import chain
from operator import attrgetter

import attrs

from ._compiler import CompiledPack
from ._model import Ladder
from ._periods import Granularity, parse_period, period_key, period_of, window_key
from ._results import Action, AppealRef, LapseAppeal, OverturnedLapse, Rejection, ResultWarning
from ._store import Facts, Observation
from ._templates import render


@attrs.frozen
class Lapse:
    """A county's failure, from the input or derived; ``observations`` are the ids behind it."""

    id: str
    county: str
    date: str
    kind: str
    observations: tuple[str, ...]
    cause: str


@attrs.frozen
class _Counted:
    """One item a ladder counts: for whom, when, its id, the ids behind it, and why."""

    subject: str
    date: str
    id: str
    behind: tuple[str, ...]
    cause: str
    #: The values of the ladder's ``same`` fields: counted apart per key.
    key: tuple[object, ...] = ()


def report_deadline(quarter: str, month: int, day: int) -> _dt.date:
    """Day ``day`` of month ``month`` of the quarter after ``quarter`` (Q4 → the next January)."""
    start = parse_period(quarter).next().first
    return _dt.date(start.year, start.month + month - 1, day)


def judged_periods(facts: Facts, as_of: _dt.date) -> list[str]:
    """Periods (of the pack's granularity) that ended before ``as_of`` and in which the input
    holds at least one county inspection (of any county): a file that covers Q3 only does not
    condemn Q1 and Q2, and a city check alone does not make a period's county data complete."""
    periods = {p for (_, p), items in facts.inspections.items() if any(i.by == "county" for i in items)}
    return sorted(p for p in periods if parse_period(p).last < as_of)


def _county_outlets(facts: Facts) -> dict[str, list[str]]:
    counties: defaultdict[str, list[str]] = defaultdict(list)
    for outlet, entry in facts.registry.items():
        counties[entry.county].append(outlet)
    return {c: sorted(o) for c, o in counties.items()}


def derive(
    compiled: CompiledPack, facts: Facts, as_of: _dt.date, only: Callable[[str], bool] | None = None
) -> tuple[list[Action], list[Lapse]]:
    """The actions of cadences and deadlines, and every lapse (input and derived); with ``only``,
    those of the periods it accepts (an amended pack: the periods a version judges)."""
    if only is None and compiled.versions is not None:
        return _derive_amended(compiled, facts, as_of)
    o = compiled.oversight
    actions: list[Action] = []
    labels = o.lapse_labels
    lapses = [
        Lapse(
            id=lapse.id,
            county=lapse.county,
            date=lapse.date,
            kind=lapse.kind,
            observations=(lapse.id,),
            cause=labels.get(lapse.kind, lapse.kind) + (f"({lapse.note})" if lapse.note else ""),
        )
        for lapse in facts.lapses
        if only is None or only(period_key(lapse.date, compiled.pack.meta.period))
    ]
    judged = [q for q in judged_periods(facts, as_of) if only is None or only(q)]
    counties = _county_outlets(facts)
    for cad in o.cadences:
        for q in judged:
            for county, outlets in sorted(counties.items()):
                short = [
                    out
                    for out in outlets
                    if sum(1 for i in facts.inspections.get((out, q), ()) if i.by == cad.by) < cad.min_inspections.value
                ]
                if not short:
                    continue
                date = parse_period(q).last.isoformat()
                lapse_id = f"{cad.id}:{county}:{q}"
                reason = render(cad.reason, {"subject": county, "period": q, "outlets": "、".join(short)})
                actions.append(
                    Action(
                        subject=county,
                        subject_type="county",
                        action=cad.action,
                        article=cad.article,
                        period=q,
                        date=date,
                        observations=(lapse_id,) if cad.lapse else (),
                        circulate=False,
                        reason=reason,
                        outlets=tuple(short),
                        rule=cad.id,
                    )
                )
                if cad.lapse:
                    lapses.append(
                        Lapse(
                            id=lapse_id,
                            county=county,
                            date=date,
                            kind=cad.lapse,
                            observations=(lapse_id,),
                            cause=reason,
                        )
                    )
    reports: dict[tuple[str, str], tuple[str, str]] = {}
    for report in facts.reports:
        if only is not None and not only(report.quarter):
            continue
        key = (report.county, report.quarter)
        if key not in reports or (report.submitted, report.id) < reports[key]:
            reports[key] = (report.submitted, report.id)
    for dl in o.deadlines:
        for (county, q), (submitted, rid) in sorted(reports.items()):
            due = report_deadline(q, dl.month.value, dl.day.value)
            if submitted > due.isoformat():
                reason = render(
                    dl.late_reason,
                    {"subject": county, "period": q, "deadline": due.isoformat(), "submitted": submitted},
                )
                actions.append(
                    Action(
                        subject=county,
                        subject_type="county",
                        action=dl.late_action,
                        article=dl.article,
                        period=q,
                        date=submitted,
                        observations=(rid,),
                        circulate=False,
                        reason=reason,
                        rule=dl.id,
                    )
                )
                if dl.lapse:
                    lapse_id = f"{dl.id}:{county}:{q}"
                    lapses.append(
                        Lapse(
                            id=lapse_id,
                            county=county,
                            date=submitted,
                            kind=dl.lapse,
                            observations=(lapse_id, rid),
                            cause=reason,
                        )
                    )
        for q in judged:
            due = report_deadline(q, dl.month.value, dl.day.value)
            if not as_of > due:
                continue
            for county in sorted(counties):
                if (county, q) in reports:
                    continue
                reason = render(
                    dl.missing_reason,
                    {"subject": county, "period": q, "deadline": due.isoformat(), "as_of": as_of.isoformat()},
                )
                lapse_id = f"{dl.id}:{county}:{q}"
                actions.append(
                    Action(
                        subject=county,
                        subject_type="county",
                        action=dl.missing_action,
                        article=dl.article,
                        period=q,
                        date=due.isoformat(),
                        observations=(lapse_id,) if dl.lapse else (),
                        circulate=False,
                        reason=reason,
                        rule=dl.id,
                    )
                )
                if dl.lapse:
                    lapses.append(
                        Lapse(
                            id=lapse_id,
                            county=county,
                            date=due.isoformat(),
                            kind=dl.lapse,
                            observations=(lapse_id,),
                            cause=reason,
                        )
                    )
    for x in o.crosschecks:
        lapses.extend(_crosscheck(facts, x.id, x.by, x.against, x.lapse, x.reason, only))
    return actions, lapses


def _by_inspection(
    observations: tuple[Observation, ...],
) -> tuple[dict[str, list[Observation]], dict[str, list[Observation]]]:
    """An outlet's findings with an article, indexed by the inspection they belong to: a finding
    belongs to the inspection it names, or (naming none) to every one on its date. Returns those
    naming an inspection by its id and those naming none by their date, each in input order."""
    named: defaultdict[str, list[Observation]] = defaultdict(list)
    dated: defaultdict[str, list[Observation]] = defaultdict(list)
    for obs in observations:
        if obs.article is not None:
            if obs.inspection is None:
                dated[obs.date].append(obs)
            else:
                named[obs.inspection].append(obs)
    return named, dated


def _crosscheck(
    facts: Facts, check_id: str, by: str, against: str, kind: str, template: str, only: Callable[[str], bool] | None
) -> list[Lapse]:
    """The lapses of one cross-check: per (outlet, period) in key order, each inspection ``by``
    (by date, then id) that found an article the inspections ``against`` did not record.

    Only the (outlet, period) keys with an inspection ``by`` are looked at, and their findings
    indexed once (:func:`_by_inspection`): an inspection's findings are those naming its id and
    those naming none on its date, two disjoint lists."""
    found: list[Lapse] = []
    checked = [(key, items) for key, items in facts.inspections.items() if any(i.by == by for i in items)]
    for (outlet, q), inspections in sorted(checked, key=lambda kv: kv[0]):
        if only is not None and not only(q):
            continue
        county = facts.county_of(outlet)
        own = [i for i in inspections if i.by == against]
        if county is None or not own:
            continue  # unregistered, or the county did not inspect: the cadence covers that
        named, dated = _by_inspection(facts.observations.get((outlet, q), ()))
        recorded: set[int | None] = set()
        for i in own:
            recorded.update(obs.article for obs in named.get(i.id, ()))
            recorded.update(obs.article for obs in dated.get(i.date, ()))
        for inspection in sorted(inspections, key=lambda i: (i.date, i.id)):
            if inspection.by != by:
                continue
            theirs = [*named.get(inspection.id, ()), *dated.get(inspection.date, ())]
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


@attrs.frozen
class _Overturned:
    """A lapse (or a counted finding) that no longer counts, with the appeals that took it out."""

    lapse: Lapse
    appeals: tuple[AppealRef, ...]
    #: for a finding or complaint a ladder counted: that ladder (a lapse's ladders follow its kind)
    ladder: str | None = None
    #: for such a finding or complaint: the values of the ladder's ``same`` fields
    key: tuple[object, ...] = ()


def _overturned_lapses(
    compiled: CompiledPack, facts: Facts, as_of: _dt.date, lapses: list[Lapse]
) -> tuple[list[Lapse], list[_Overturned]]:
    """The lapses that stand, and those an appeal overturned: named by an overturned appeal (given
    or derived), or derived from findings an appeal overturned and supported by nothing else."""
    view = facts.appeal_view
    if view is None:
        return lapses, []
    gone = {t for t, d in view.decisions.items() if d == "overturned"}
    out = [_Overturned(lapse, (view.refs[lapse.id],)) for lapse in lapses if lapse.id in gone]
    standing = [lapse for lapse in lapses if lapse.id not in gone]
    for x in view.lapses:
        cause = compiled.oversight.lapse_labels.get(x.kind, x.kind) + (f"({x.note})" if x.note else "")
        out.append(_Overturned(Lapse(x.id, x.county, x.date, x.kind, (x.id,), cause), (view.refs[x.id],)))
    if view.overturned:
        merged = dict(facts.observations)
        for key, items in view.overturned.items():
            merged[key] = (*merged.get(key, ()), *items)
        _, before = derive(compiled, attrs.evolve(facts, observations=merged), as_of)
        ids = {lapse.id for lapse in lapses}
        for lapse in before:
            if lapse.id not in ids and lapse.id not in gone:
                refs = tuple(view.refs[o] for o in lapse.observations if o in gone and o in view.refs)
                out.append(_Overturned(lapse, refs))
    for w in view.ladder_facts:
        out.append(_Overturned(Lapse(w.id, w.subject, w.when, "", (w.id,), w.id), (view.refs[w.id],), ladder=w.rule, key=w.key))
    return standing, out


@attrs.frozen
class Judged:
    """What the oversight functions below start from, for one pack, facts and day (:func:`judgement`):
    the actions of cadences and deadlines, every lapse (given and derived), the lapses that stand
    and those an appeal overturned."""

    actions: tuple[Action, ...]
    lapses: tuple[Lapse, ...]
    standing: tuple[Lapse, ...]
    gone: tuple[_Overturned, ...]


def judgement(compiled: CompiledPack, facts: Facts, as_of: _dt.date) -> Judged:
    """:func:`derive` and :func:`_overturned_lapses`, once: a run that asks several of the
    functions below passes it to each as ``judged`` (each computes it when not given: the same)."""
    found, lapses = derive(compiled, facts, as_of)
    standing, gone = _overturned_lapses(compiled, facts, as_of, lapses)
    return Judged(tuple(found), tuple(lapses), tuple(standing), tuple(gone))


def overturned_lapses(
    compiled: CompiledPack,
    facts: Facts,
    *,
    as_of: _dt.date,
    period: str | None = None,
    before: tuple[Action, ...] = (),
    judged: Judged | None = None,
) -> tuple[OverturnedLapse, ...]:
    """The lapses an appeal overturned by ``as_of`` (those of ``period`` when given), by date and id;
    each with the actions of ``before`` (the actions as they stood without appeals) that the lapse
    itself had led to and that no longer stand (``withdrawn``)."""
    if facts.appeal_view is None:
        return ()
    judged = judged if judged is not None else judgement(compiled, facts, as_of)
    gone = judged.gone
    if gone and before:
        now = set(oversight_actions(compiled, facts, as_of=as_of, judged=judged))
        before = tuple(a for a in before if a not in now)
    rows = [
        OverturnedLapse(
            id=g.lapse.id,
            county=g.lapse.county,
            date=g.lapse.date,
            period=period_key(g.lapse.date, compiled.pack.meta.period),
            kind=g.lapse.kind,
            appeals=g.appeals,
            withdrawn=tuple(a for a in before if g.lapse.id in a.observations),
        )
        for g in gone
        if g.ladder is None
    ]
    if period is not None:
        rows = [r for r in rows if r.period == period]
    return tuple(sorted(rows, key=lambda r: (r.date, r.id)))


def lapse_appeals(
    compiled: CompiledPack, facts: Facts, *, as_of: _dt.date, period: str | None = None, judged: Judged | None = None
) -> tuple[LapseAppeal, ...]:
    """Every appeal filed by ``as_of`` against a lapse that has arisen (given or derived, standing
    or overturned), pending or decided (those of ``period`` when given), by date and id."""
    view = facts.appeal_view
    if view is None or not view.refs:
        return ()
    judged = judged if judged is not None else judgement(compiled, facts, as_of)
    kept, gone = judged.standing, judged.gone
    every = {x.id: x for x in kept} | {g.lapse.id: g.lapse for g in gone if g.ladder is None}
    rows = [
        LapseAppeal(
            id=x.id,
            county=x.county,
            date=x.date,
            period=period_key(x.date, compiled.pack.meta.period),
            kind=x.kind,
            appeal=view.refs[x.id],
        )
        for x in every.values()
        if x.id in view.refs
    ]
    if period is not None:
        rows = [r for r in rows if r.period == period]
    return tuple(sorted(rows, key=lambda r: (r.date, r.id)))


def appeal_warnings(
    compiled: CompiledPack, facts: Facts, *, as_of: _dt.date, judged: Judged | None = None
) -> tuple[ResultWarning, ...]:
    """Appeals on a derived lapse that has not arisen by ``as_of`` (a cadence of a quarter not yet
    judged, say): they change nothing yet, and the result says so rather than keep silent."""
    view = facts.appeal_view
    if not facts.appeals or view is None:
        return ()
    # the targets that are findings, complaints or given lapses (a set of the run's million ids
    # is not built to learn it about a few targets)
    records = chain(chain.from_iterable(facts.observations.values()), chain.from_iterable(view.overturned.values()))
    known = set(facts.appeals).intersection(map(attrgetter("id"), records))
    known |= {x.id for x in facts.lapses} | {x.id for x in view.lapses}
    derived = [a for t, a in sorted(facts.appeals.items()) if t not in known and t in view.refs]
    if not derived:
        return ()
    judged = judged if judged is not None else judgement(compiled, facts, as_of)
    arisen = {x.id for x in judged.lapses} | {g.lapse.id for g in judged.gone}
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


def oversight_actions(
    compiled: CompiledPack, facts: Facts, *, as_of: _dt.date, period: str | None = None, judged: Judged | None = None
) -> tuple[Action, ...]:
    """Every oversight action the facts lead to by ``as_of`` (those of ``period`` when given);
    ``judged``: :func:`judgement` of the same pack, facts and day, when the caller has it."""
    c = compiled
    judged = judged if judged is not None else judgement(compiled, facts, as_of)
    found = list(judged.actions)
    lapses, gone = judged.standing, judged.gone
    if gone:  # an overturned derived lapse (`<rule>:<county>:<period>`) takes its own notice with it
        dropped = {g.lapse.id for g in gone if g.ladder is None}
        found = [a for a in found if f"{a.rule}:{a.subject}:{a.period}" not in dropped]
    counted: defaultdict[str, list[_Counted]] = defaultdict(list)
    not_counted: defaultdict[str, list[_Counted]] = defaultdict(list)
    for lapse in lapses:
        judge = c.in_force(lapse.date)  # the text in force that day
        for ladder_id in judge.watching({"type": "lapse", "kind": lapse.kind}, "ladder:"):
            same = judge.oversight_ladder(ladder_id).same
            counted[ladder_id].append(
                _Counted(
                    subject=lapse.county,
                    date=lapse.date,
                    id=lapse.id,
                    behind=lapse.observations,
                    cause=lapse.cause,
                    key=tuple(lapse.kind if f == "kind" else None for f in same),
                )
            )
    for g in gone:  # what would have counted, keyed as counted above
        if g.ladder is not None:
            keyed = [(g.ladder, g.key)]
        else:
            judge = c.in_force(g.lapse.date)
            keyed = [
                (ladder_id, tuple(g.lapse.kind if f == "kind" else None for f in judge.oversight_ladder(ladder_id).same))
                for ladder_id in judge.watching({"type": "lapse", "kind": g.lapse.kind}, "ladder:")
            ]
        for ladder_id, key in keyed:
            not_counted[ladder_id].append(
                _Counted(subject=g.lapse.county, date=g.lapse.date, id=g.lapse.id, behind=(), cause="", key=key)
            )
    for w in facts.ladder_facts:
        counted[w.rule].append(
            _Counted(subject=w.subject, date=w.when, id=w.id, behind=(w.id,), cause=w.id, key=w.key)
        )
    granularity = c.pack.meta.period
    for ladder in _ladders(c):
        groups: defaultdict[tuple[str, tuple[object, ...], str | None], list[_Counted]] = defaultdict(list)
        for item in counted.get(ladder.id, ()):
            groups[(item.subject, item.key, window_key(item.date, ladder.window))].append(item)
        for (subject, key, window), items in groups.items():
            items.sort(key=lambda i: (i.date, i.id, i.behind, i.cause))  # by date, then id: the order lapses count in
            ids: list[str] = []
            lost = sorted(
                (i.date, i.id)
                for i in not_counted.get(ladder.id, ())
                if i.subject == subject and i.key == key and window_key(i.date, ladder.window) == window
            )
            for n, item in enumerate(items, start=1):
                ids.append(item.id)
                defined = _ladder_at(c, ladder, item.date)  # as the text of its day defines it
                step = defined.steps[min(n, len(defined.steps)) - 1]
                reason = render(
                    defined.reason,
                    {
                        "subject": subject,
                        "n": n,
                        "lapses": "、".join(ids),
                        "label": step.label,
                        "action": step.action,
                        "year": int(window[:4]) if window is not None else None,
                        "window": window,
                        "cause": item.cause.rstrip("。"),
                    },
                )
                before = tuple(i for d, i in lost if (d, i) <= (item.date, item.id))
                if before:
                    reason += f"(经申诉撤销的 {'、'.join(before)} 不再计入)"
                found.append(
                    Action(
                        subject=subject,
                        subject_type=defined.subject_type,
                        action=step.action,
                        article=defined.article,
                        period=period_key(item.date, granularity),
                        date=item.date,
                        observations=item.behind,
                        circulate=step.circulate,
                        reason=reason,
                        rule=ladder.id,
                        overturned=before,
                    )
                )
    found.extend(_streak_actions(compiled, facts) if c.versions is None else _streaks_amended(c, facts))
    if period is not None:
        found = [a for a in found if a.period == period]
    found.sort(key=lambda a: (a.period, a.date, a.subject, a.action, a.observations))
    if facts.rejected:
        whole = frozenset(lad.id for lad in c.oversight.ladders if lad.window == "none")
        found = flag_rejections(found, facts.rejected, whole)
    return tuple(found)


def flag_rejections(
    actions: list[Action], rejected: tuple[Rejection, ...], whole_input: frozenset[str] = frozenset()
) -> list[Action]:
    """Each action with the number of rejected lines that could have changed it: lines naming
    its subject (a county: the line's county or its outlet's registered one; an outlet: the
    line's outlet) that are undated or dated in the action's year up to its period — a ladder
    counts the whole year, so an earlier rejected lapse may have changed a later step. For the
    ladders in ``whole_input`` (window ``none``: they count across years) every earlier period
    counts."""
    subjects = {(a.subject_type, a.subject) for a in actions}
    undated: defaultdict[tuple[str, str], int] = defaultdict(int)
    dated: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rejected:
        for kind, name in (("county", r.county), ("outlet", r.outlet)):
            if name is not None and (kind, name) in subjects:
                if r.period is None:
                    undated[(kind, name)] += 1
                else:
                    dated[(kind, name)].append(r.period)
    # per subject, its dated lines' periods sorted, whole and per year: a count of the periods up
    # to an action's is then one bisection (the same strings compared as in a scan)
    sorted_all: dict[tuple[str, str], list[str]] = {k: sorted(v) for k, v in dated.items()}
    sorted_year: dict[tuple[tuple[str, str], str], list[str]] = {}
    for subject, periods in sorted_all.items():
        for p in periods:
            sorted_year.setdefault((subject, p[:4]), []).append(p)
    out = []
    for a in actions:
        subject = (a.subject_type, a.subject)
        n = undated.get(subject, 0)
        if a.rule in whole_input:
            n += bisect_right(sorted_all.get(subject, ()), a.period)
        else:
            n += bisect_right(sorted_year.get((subject, a.period[:4]), ()), a.period)
        if n:
            a = attrs.evolve(a, rejections=n)
        out.append(a)
    return out


def _next_month(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year + 1:04d}-01" if m == 12 else f"{year:04d}-{m + 1:02d}"


def _month_end(month: str) -> _dt.date:
    year, m = int(month[:4]), int(month[5:])
    return (_dt.date(year + 1, 1, 1) if m == 12 else _dt.date(year, m + 1, 1)) - _dt.timedelta(days=1)


def _streak_actions(compiled: CompiledPack, facts: Facts) -> list[Action]:
    """Every full run of ``length`` consecutive months of one subject yields one action, in the
    period (of the pack's granularity) of the run's last day."""
    granularity: Granularity = compiled.pack.meta.period
    actions: list[Action] = []
    streaks = {s.id: s for s in compiled.oversight.streaks}
    months: defaultdict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for w in sorted(facts.streak_facts, key=lambda w: (w.rule, w.subject, w.when, w.id)):
        months[(w.rule, w.subject)].setdefault(w.when, w.id)  # one award a month counts once
    for (streak_id, subject), by_month in sorted(months.items()):
        st = streaks.get(streak_id)
        if st is None:  # a streak of another version of an amended pack
            continue
        length = st.length.value
        run: list[str] = []
        n = 0
        for month in sorted(by_month):
            if run and month != _next_month(run[-1]):
                run = []
            run.append(month)
            if len(run) == length:
                n += 1
                end = _month_end(month)
                reason = render(
                    st.reason,
                    {"subject": subject, "months": "、".join(run), "label": st.label, "action": st.action, "n": n},
                )
                behind = tuple(by_month[m] for m in run)
                actions.append(
                    Action(
                        subject=subject,
                        subject_type=st.subject_type,
                        action=st.action,
                        article=st.article,
                        period=str(period_of(end, granularity)),
                        date=end.isoformat(),
                        observations=behind,
                        circulate=st.circulate,
                        reason=reason,
                        rule=st.id,
                    )
                )
                run = []
    return actions


# ---- Dated amendments (issue 12) ---------------------------------------------------------
# A quarter's cadences, deadlines and cross-checks are those of the version in force on its last
# day; a lapse counts on the ladders of the version in force on its date, and each step is the
# one that version's ladder names; a streak's length is the version's in force when the run ends.
def _derive_amended(compiled: CompiledPack, facts: Facts, as_of: _dt.date) -> tuple[list[Action], list[Lapse]]:
    versions = compiled.versions
    assert versions is not None
    actions: list[Action] = []
    lapses: list[Lapse] = []
    for i, version in enumerate(versions.items):

        def judges(period: str, i: int = i) -> bool:
            return versions.index_at_end(period) == i

        found, derived = derive(version, facts, as_of, judges)
        actions.extend(found)
        lapses.extend(derived)
    return actions, lapses


def _ladders(compiled: CompiledPack) -> list[Ladder]:
    """The ladders of every version (the first definition of each id): ladders count across versions."""
    if compiled.versions is None:
        return list(compiled.oversight.ladders)
    seen: dict[str, Ladder] = {}
    for version in compiled.versions.items:
        for ladder in version.oversight.ladders:
            seen.setdefault(ladder.id, ladder)
    return list(seen.values())


def _ladder_at(compiled: CompiledPack, ladder: Ladder, day: str) -> Ladder:
    """The ladder ``ladder.id`` as the version in force on ``day`` defines it (else as given)."""
    if compiled.versions is None:
        return ladder
    found = [x for x in compiled.versions.at(day).oversight.ladders if x.id == ladder.id]
    return found[0] if found else ladder


def _streaks_amended(compiled: CompiledPack, facts: Facts) -> list[Action]:
    versions = compiled.versions
    assert versions is not None
    return [
        a
        for i, version in enumerate(versions.items)
        for a in _streak_actions(version, facts)
        if versions.index_at(a.date) == i
    ]
