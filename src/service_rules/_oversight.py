"""Oversight: the rules whose conclusions are new facts (derived lapses) and the ladders that count them.

Everything here is driven by the pack's ``oversight.toml``: which inspections a county owes
(cadences), when reports are due (deadlines), what a city check proves (cross-checks), and
what each counted lapse leads to (ladders). Which ladder a lapse counts on is decided by the
matcher, like every other rule; counting, windows and dates are plain Python.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from typing import TYPE_CHECKING, NamedTuple

from ._compiler import render_reason
from ._facts import parse_quarter, quarter_of
from ._results import Action

if TYPE_CHECKING:
    from ._ledger import Ledger


class Lapse(NamedTuple):
    """A county's failure, from the input or derived; ``observations`` are the ids behind it."""

    id: str
    county: str
    date: str
    kind: str
    observations: tuple[str, ...]
    cause: str


def quarter_bounds(quarter: str) -> tuple[_dt.date, _dt.date]:
    year, q = parse_quarter(quarter)
    first = _dt.date(year, 3 * q - 2, 1)
    last = (_dt.date(year + 1, 1, 1) if q == 4 else _dt.date(year, 3 * q + 1, 1)) - _dt.timedelta(days=1)
    return first, last


def report_deadline(quarter: str, month: int, day: int) -> _dt.date:
    """Day ``day`` of month ``month`` of the quarter after ``quarter`` (Q4 → the next January)."""
    _, last = quarter_bounds(quarter)
    start = last + _dt.timedelta(days=1)
    m = start.month + month - 1
    return _dt.date(start.year, m, day)


def judged_quarters(ledger: Ledger, as_of: _dt.date) -> list[str]:
    """Quarters that ended before ``as_of`` and in which the input holds at least one county
    inspection (of any county): a file that covers Q3 only does not condemn Q1 and Q2, and a
    city check alone does not make a quarter's county data complete."""
    quarters = {q for (_, q), items in ledger.inspections.items() if any(by == "county" for _, _, by in items)}
    return sorted(q for q in quarters if quarter_bounds(q)[1] < as_of)


def _county_outlets(ledger: Ledger) -> dict[str, list[str]]:
    counties: defaultdict[str, list[str]] = defaultdict(list)
    for outlet, (county, _) in ledger.registry.items():
        counties[county].append(outlet)
    return {c: sorted(o) for c, o in counties.items()}


def derive(ledger: Ledger, as_of: _dt.date) -> tuple[list[Action], list[Lapse]]:
    """The actions of cadences and deadlines, and every lapse (input and derived)."""
    o = ledger.c.oversight
    actions: list[Action] = []
    labels = o.lapse_labels
    lapses = [
        Lapse(
            obj["id"],
            obj["county"],
            obj["date"],
            obj["kind"],
            (obj["id"],),
            labels.get(obj["kind"], obj["kind"]) + (f"({obj['note']})" if obj.get("note") else ""),
        )
        for rtype, obj, _, _ in ledger.oversight
        if rtype == "lapse"
    ]
    judged = judged_quarters(ledger, as_of)
    counties = _county_outlets(ledger)
    for cad in o.cadences:
        for q in judged:
            for county, outlets in sorted(counties.items()):
                short = [
                    out
                    for out in outlets
                    if sum(1 for _, _, by in ledger.inspections.get((out, q), ()) if by == cad.by)
                    < cad.min_inspections.value
                ]
                if not short:
                    continue
                date = quarter_bounds(q)[1].isoformat()
                lapse_id = f"{cad.id}:{county}:{q}"
                reason = render_reason(cad.reason, {"subject": county, "period": q, "outlets": "、".join(short)})
                actions.append(
                    Action(
                        county,
                        "county",
                        cad.action,
                        cad.article,
                        q,
                        date,
                        (lapse_id,) if cad.lapse else (),
                        False,
                        reason,
                        tuple(short),
                        rule=cad.id,
                    )
                )
                if cad.lapse:
                    lapses.append(Lapse(lapse_id, county, date, cad.lapse, (lapse_id,), reason))
    reports: dict[tuple[str, str], tuple[str, str]] = {}
    for rtype, obj, _, _ in ledger.oversight:
        if rtype == "report":
            key = (obj["county"], obj["quarter"])
            if key not in reports or (obj["submitted"], obj["id"]) < reports[key]:
                reports[key] = (obj["submitted"], obj["id"])
    for dl in o.deadlines:
        for (county, q), (submitted, rid) in sorted(reports.items()):
            due = report_deadline(q, dl.month.value, dl.day.value)
            if submitted > due.isoformat():
                reason = render_reason(
                    dl.late_reason,
                    {"subject": county, "period": q, "deadline": due.isoformat(), "submitted": submitted},
                )
                actions.append(
                    Action(
                        county, "county", dl.late_action, dl.article, q, submitted, (rid,), False, reason, rule=dl.id
                    )
                )
                if dl.lapse:
                    lapses.append(
                        Lapse(
                            f"{dl.id}:{county}:{q}", county, submitted, dl.lapse, (f"{dl.id}:{county}:{q}", rid), reason
                        )
                    )
        for q in judged:
            due = report_deadline(q, dl.month.value, dl.day.value)
            if not as_of > due:
                continue
            for county in sorted(counties):
                if (county, q) in reports:
                    continue
                reason = render_reason(
                    dl.missing_reason,
                    {"subject": county, "period": q, "deadline": due.isoformat(), "as_of": as_of.isoformat()},
                )
                lapse_id = f"{dl.id}:{county}:{q}"
                actions.append(
                    Action(
                        county,
                        "county",
                        dl.missing_action,
                        dl.article,
                        q,
                        due.isoformat(),
                        (lapse_id,) if dl.lapse else (),
                        False,
                        reason,
                        rule=dl.id,
                    )
                )
                if dl.lapse:
                    lapses.append(Lapse(lapse_id, county, due.isoformat(), dl.lapse, (lapse_id,), reason))
    for x in o.crosschecks:
        lapses.extend(_crosscheck(ledger, x.id, x.by, x.against, x.lapse, x.reason))
    return actions, lapses


def _crosscheck(ledger: Ledger, check_id: str, by: str, against: str, kind: str, template: str) -> list[Lapse]:
    found: list[Lapse] = []
    for (outlet, q), inspections in sorted(ledger.inspections.items()):
        county = ledger.registry.get(outlet, (None, None))[0]
        own = [(iid, date) for iid, date, b in inspections if b == against]
        if county is None or not own:
            continue  # unregistered, or the county did not inspect: the cadence covers that
        findings = [obs for obs in ledger.by_card.get((outlet, q), ()) if obs.article is not None]

        def belongs(obs: object, iid: str, date: str) -> bool:
            return obs.inspection == iid or (obs.inspection is None and obs.date == date)  # type: ignore[attr-defined]

        recorded = {obs.article for obs in findings for iid, date in own if belongs(obs, iid, date)}
        for iid, date, b in sorted(inspections, key=lambda i: (i[1], i[0])):
            if b != by:
                continue
            theirs = [obs for obs in findings if belongs(obs, iid, date)]
            missed = sorted({obs.article for obs in theirs if obs.article not in recorded})  # type: ignore[type-var]
            if not missed:
                continue
            lapse_id = f"{check_id}:{iid}"
            behind = sorted(obs.id for obs in theirs if obs.article in missed)
            cause = render_reason(
                template,
                {"subject": county, "date": date, "outlet": outlet, "articles": "、".join(str(a) for a in missed)},
            )
            found.append(Lapse(lapse_id, county, date, kind, (lapse_id, iid, *behind), cause))
    return found


def oversight_actions(ledger: Ledger, as_of: _dt.date, period: str | None) -> tuple[Action, ...]:
    c = ledger.c
    actions, lapses = derive(ledger, as_of)
    facts: defaultdict[str, list[tuple[str, str, str, tuple[str, ...], str]]] = defaultdict(list)
    for lapse in lapses:
        for ladder_id in c.watching({"type": "lapse", "kind": lapse.kind}, "ladder:"):
            facts[ladder_id].append((lapse.county, lapse.date, lapse.id, lapse.observations, lapse.cause))
    for ladder_id, subject, date, fid in ledger.ladder_facts:
        facts[ladder_id].append((subject, date, fid, (fid,), fid))
    for ladder in c.oversight.ladders:
        groups: defaultdict[tuple[str, int | None], list[tuple[str, str, tuple[str, ...], str]]] = defaultdict(list)
        for subject, date, fid, behind, cause in facts.get(ladder.id, ()):
            window = int(date[:4]) if ladder.window == "calendar_year" else None
            groups[(subject, window)].append((date, fid, behind, cause))
        for (subject, window), items in groups.items():
            items.sort()  # by date, then id: the order lapses count in
            counted: list[str] = []
            for n, (date, fid, behind, cause) in enumerate(items, start=1):
                counted.append(fid)
                step = ladder.steps[min(n, len(ladder.steps)) - 1]
                reason = render_reason(
                    ladder.reason,
                    {
                        "subject": subject,
                        "n": n,
                        "lapses": "、".join(counted),
                        "label": step.label,
                        "action": step.action,
                        "year": window,
                        "cause": cause.rstrip("。"),
                    },
                )
                actions.append(
                    Action(
                        subject,
                        ladder.subject_type,
                        step.action,
                        ladder.article,
                        quarter_of(_dt.date.fromisoformat(date)),
                        date,
                        behind,
                        step.circulate,
                        reason,
                        rule=ladder.id,
                    )
                )
    actions.extend(_streak_actions(ledger))
    if period is not None:
        actions = [a for a in actions if a.period == period]
    actions.sort(key=lambda a: (a.period, a.date, a.subject, a.action, a.observations))
    return tuple(actions)


def _next_month(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year + 1}-01" if m == 12 else f"{year}-{m + 1:02d}"


def _month_end(month: str) -> _dt.date:
    year, m = int(month[:4]), int(month[5:])
    return (_dt.date(year + 1, 1, 1) if m == 12 else _dt.date(year, m + 1, 1)) - _dt.timedelta(days=1)


def _streak_actions(ledger: Ledger) -> list[Action]:
    """Every full run of ``length`` consecutive months of one subject yields one action."""
    actions: list[Action] = []
    streaks = {s.id: s for s in ledger.c.oversight.streaks}
    months: defaultdict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for streak_id, subject, month, fid in sorted(ledger.streak_facts):
        months[(streak_id, subject)].setdefault(month, fid)  # one award a month counts once
    for (streak_id, subject), by_month in sorted(months.items()):
        st = streaks[streak_id]
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
                reason = render_reason(
                    st.reason,
                    {"subject": subject, "months": "、".join(run), "label": st.label, "action": st.action, "n": n},
                )
                behind = tuple(by_month[m] for m in run)
                actions.append(
                    Action(
                        subject,
                        st.subject_type,
                        st.action,
                        st.article,
                        quarter_of(end),
                        end.isoformat(),
                        behind,
                        st.circulate,
                        reason,
                        rule=st.id,
                    )
                )
                run = []
    return actions
