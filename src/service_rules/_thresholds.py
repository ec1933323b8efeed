"""Thresholds: conditions on a window's results that produce actions (a pass mark, an HR review
above a sum): "月度得分低于80分的网点限期整改", "季度累计扣分超过20分的,纳入动态管理".

Pure functions over *measures*: one quantity (a total, a section's score, points deducted, an
amount of money) of one subject (an outlet, an employee) in one scoring period. Scorecards give
the outlets' measures (:func:`scorecard_measures`); money and employee ledgers give theirs in the
same shape, so every threshold reads one typed interface, whatever the quantity comes from.

A threshold has its own window (a quarter's sum inside a monthly pack): additive quantities
(``deducted``, ``amount``) add up over the scoring periods inside it; a total or a score is read
in the pack's own period. A window is judged once it has ended on or before the as-of day; the
windows still open give *provisional* actions (what would follow if the window closed as it
stands), listed apart.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

from ._model import Threshold
from ._periods import Granularity, Period, parse_period, period_key
from ._results import Action, EmployeeAccount, ResultWarning, Scorecard, dump
from ._templates import render

#: Quantities that add up over the scoring periods of a longer window.
ADDITIVE: Final[frozenset[str]] = frozenset({"deducted", "amount", "fined"})
#: Quantities counted in yuan (their thresholds' values are amounts of money).
MONEY: Final[frozenset[str]] = frozenset({"amount", "fined"})

Number = int | Decimal


@attrs.frozen
class Measure:
    """One quantity of one subject in one scoring period, with the observations behind it.

    ``quantity`` is ``total``, ``score``, ``deducted`` or ``amount``; ``section`` is None for the
    whole scorecard (or ledger). ``county`` is the outlet's (or employee's outlet's) county union
    where it is known.
    """

    subject_type: str
    subject: str
    county: str | None
    period: str
    quantity: str
    section: int | None
    value: Number
    observations: tuple[str, ...]


@attrs.frozen
class ThresholdActions:
    """What the thresholds yield: judged actions (windows ended by the as-of day), provisional
    ones (windows still open), and warnings (an action against the county of an outlet that has
    no registered county)."""

    judged: tuple[Action, ...] = ()
    provisional: tuple[Action, ...] = ()
    warnings: tuple[ResultWarning, ...] = ()


def scorecard_measures(cards: Iterable[Scorecard]) -> Iterator[Measure]:
    """The measures of scored scorecards: total, each section's score and points deducted, and
    the points deducted in all. An unscored card measures nothing (no score is not a low score)."""
    return scorecard_measures_json(dump(card) for card in cards)


def scorecard_measures_json(cards: Iterable[Mapping[str, Any]]) -> Iterator[Measure]:
    """:func:`scorecard_measures` of scorecards as the plain data of their JSON (the streamed
    form, ``_scoring.iter_scorecard_json``: no typed scorecard built to be measured). A card's
    deductions are gone through once, their observations gathered per section."""
    for card in cards:
        if not card["scored"] or card["total"] is None:
            continue
        outlet, county, period = card["outlet"], card["county"], card["period"]
        sections, deductions = card["sections"], card["deductions"]
        per_section: defaultdict[int, list[str]] = defaultdict(list)
        for d in deductions:
            per_section[d["section"]].extend(d["observations"])
        every = tuple(sorted({o for ids in per_section.values() for o in ids}))
        mine: dict[int, tuple[str, ...]] = {n: tuple(sorted(set(ids))) for n, ids in per_section.items()}
        yield Measure("outlet", outlet, county, period, "total", None, card["total"], every)
        yield Measure("outlet", outlet, county, period, "deducted", None, sum(s["deducted"] for s in sections), every)
        for s in sections:
            number = s["number"]
            ids = mine.get(number, ())
            if s["score"] is not None:
                yield Measure("outlet", outlet, county, period, "score", number, s["score"], ids)
            yield Measure("outlet", outlet, county, period, "deducted", number, s["deducted"], ids)
        if card["amount"] is not None:
            charged = [d for d in deductions if d["amount"] is not None]
            ids = tuple(sorted({o for d in charged for o in d["observations"]}))
            yield Measure("outlet", outlet, county, period, "amount", None, Decimal(card["amount"]), ids)
            for s in sections:
                number = s["number"]
                theirs = [d for d in charged if d["section"] == number]
                total = sum((Decimal(d["amount"] or 0) for d in theirs), Decimal(0))
                ids = tuple(sorted({o for d in theirs for o in d["observations"]}))
                yield Measure("outlet", outlet, county, period, "amount", number, total, ids)
        if card["fined"] is not None:
            yield Measure("outlet", outlet, county, period, "fined", None, Decimal(card["fined"]), every)


def ledger_measures(accounts: Iterable[EmployeeAccount]) -> Iterator[Measure]:
    """The measures of the employee ledger: each employee's points (``deducted``; split points
    are decimals), money of deductions (``amount``) and fines (``fined``) per period."""
    for a in accounts:
        ids = tuple(
            sorted({o for d in a.deductions for o in d.observations} | {o for f in a.fines for o in f.observations})
        )

        def measure(quantity: str, value: Number, a: EmployeeAccount = a, ids: tuple[str, ...] = ids) -> Measure:
            return Measure("employee", a.employee, None, a.period, quantity, None, value, ids)

        yield measure("deducted", Decimal(a.points) if isinstance(a.points, str) else a.points)
        if a.amount is not None:
            yield measure("amount", Decimal(a.amount))
        if a.fined is not None:
            yield measure("fined", Decimal(a.fined))


def threshold_value(t: Threshold) -> Number:
    """A threshold's value as a number: points (int) or yuan (Decimal); the compiler has checked it."""
    v = t.value.value
    if t.quantity in MONEY:
        return Decimal(str(v).strip())
    return int(v)


def _holds(compare: str, value: Number, limit: Number) -> bool:
    if compare == "lt":
        return value < limit
    if compare == "lte":
        return value <= limit
    if compare == "gt":
        return value > limit
    return value >= limit


def show(value: Number) -> str:
    """A quantity as reasons print it: points as integers, yuan with two decimals."""
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


@attrs.frozen
class _Tally:
    value: Number
    observations: tuple[str, ...]
    outlets: tuple[str, ...]
    county: str | None


def _windows(t: Threshold, measures: Sequence[Measure], window: Granularity) -> dict[tuple[str, Period], _Tally]:
    """Per (subject, window): the threshold's quantity, added up over the periods inside it."""
    wanted_type = "outlet" if t.subject_type == "county" else t.subject_type
    values: defaultdict[tuple[str, Period], list[Measure]] = defaultdict(list)
    for m in measures:
        if m.quantity != t.quantity or m.section != t.section or m.subject_type != wanted_type:
            continue
        subject = m.subject
        if t.subject_type == "county":
            if m.county is None:
                continue  # an outlet of no registered county counts for no county union
            subject = m.county
        values[(subject, parse_period(m.period).within(window))].append(m)
    out = {}
    for key, items in values.items():
        total: Number = sum((m.value for m in items), Decimal(0) if t.quantity in MONEY else 0)
        out[key] = _Tally(
            value=total,
            observations=tuple(sorted({o for m in items for o in m.observations})),
            outlets=tuple(sorted({m.subject for m in items})) if wanted_type == "outlet" else (),
            county=items[0].county if all(m.county == items[0].county for m in items) else None,
        )
    return out


def threshold_actions(
    thresholds: Sequence[Threshold],
    measures: Iterable[Measure],
    *,
    granularity: Granularity,
    as_of: _dt.date,
    period: str | None = None,
    in_force: Callable[[_dt.date], bool] | None = None,
) -> ThresholdActions:
    """Every threshold's actions: judged for windows that ended on or before ``as_of``,
    provisional for the others. An action's ``period`` is the scoring period (of
    ``granularity``) in which its window ends, its ``date`` the window's last day. With
    ``period``, judged actions of that period and provisional ones whose window holds it. With
    ``in_force`` (an amended pack's version), only the windows whose last day it judges."""
    measured = list(measures)
    judged: list[Action] = []
    provisional: list[Action] = []
    warnings: list[ResultWarning] = []
    wanted = parse_period(period) if period is not None else None
    for t in thresholds:
        window: Granularity = t.window or granularity
        limit = threshold_value(t)
        against = t.against or t.subject_type
        for (subject, win), tally in sorted(
            _windows(t, measured, window).items(), key=lambda kv: (kv[0][1].first, kv[0][0])
        ):
            if in_force is not None and not in_force(win.last):
                continue  # another version of the pack judges this window
            if not _holds(t.compare, tally.value, limit):
                continue
            closed = win.last <= as_of
            ends_in = period_key(win.last.isoformat(), granularity)
            if wanted is not None:
                if closed and ends_in != period:
                    continue
                if not closed and not (win.first <= wanted.last and wanted.first <= win.last):
                    continue
            target = subject
            outlets: tuple[str, ...] | None = None
            if against == "county" and t.subject_type == "outlet":
                if tally.county is None:
                    warnings.append(
                        ResultWarning(
                            code="threshold_no_county",
                            message=f"阈值 {t.id}:网点 {subject} 未登记所属县级联社,{win.words()}对其县级联社的处理无法作出",
                            outlet=subject,
                        )
                    )
                    continue
                target, outlets = tally.county, (subject,)
            elif t.subject_type == "county":
                outlets = tally.outlets
            reason = render(
                t.reason,
                {
                    "subject": subject,
                    "outlet": subject if t.subject_type == "outlet" else None,
                    "county": tally.county if t.subject_type != "county" else subject,
                    "window": str(win),
                    "window_words": win.words(),
                    "quantity": show(tally.value),
                    "value": show(limit),
                    "section": t.section,
                    "label": t.label,
                    "action": t.action,
                },
            )
            action = Action(
                subject=target,
                subject_type=against,
                action=t.action,
                article=t.article,
                period=ends_in,
                date=win.last.isoformat(),
                observations=tally.observations,
                circulate=t.circulate,
                reason=reason,
                outlets=outlets,
                rule=t.id,
            )
            (judged if closed else provisional).append(action)
    return ThresholdActions(tuple(judged), tuple(provisional), tuple(warnings))
