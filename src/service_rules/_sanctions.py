"""A run's sanctions: oversight actions and threshold actions, then the sanction groups.

"按最高标准执行,不重复奖罚": of the actions (and fines) of one sanction group for one subject in
one period, only the highest by the group's rank is kept; the others are *absorbed* and listed
with the group and the kept action that absorbed them. Ties go by rank, then by rule id (the
first in order), then by action code and date, so the choice never depends on input order.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

import attrs

from ._compiler import CompiledPack
from ._employees import ledger, named_in_cards
from ._fines import fine_order, fined_per_card, fines_and_actions
from ._model import SanctionGroup
from ._oversight import flag_rejections, oversight_actions
from ._results import Absorption, Action, Fine, ResultWarning
from ._scoring import scorecards
from ._store import Facts
from ._thresholds import Measure, ledger_measures, scorecard_measures, threshold_actions


@attrs.frozen
class Sanctions:
    """The actions of a run (``actions[]``), those a group absorbed (``absorbed[]``), the
    provisional ones of open threshold windows (``provisional[]``), and their warnings."""

    actions: tuple[Action, ...]
    absorbed: tuple[Action, ...] = ()
    provisional: tuple[Action, ...] = ()
    warnings: tuple[ResultWarning, ...] = ()


class Sanction(Protocol):
    """What a group ranks: an action, or a fine (anything with these fields)."""

    @property
    def rule(self) -> str | None: ...
    @property
    def subject_type(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def date(self) -> str: ...


S = TypeVar("S", bound=Sanction)


def _action_of(item: Any) -> str:
    return str(getattr(item, "action", "") or "")


def member_ranks(groups: Sequence[SanctionGroup]) -> dict[tuple[str, str | None], tuple[str, int]]:
    """(rule, action or None for every action of the rule) → (group id, rank)."""
    return {(m.rule, m.action): (g.id, m.rank) for g in groups for m in g.members}


def absorb(
    groups: Sequence[SanctionGroup], items: Sequence[S], mark: Callable[[S, Absorption], S]
) -> tuple[list[S], list[S]]:
    """Kept and absorbed items: per group, subject and period, the highest rank is kept and
    every other member item is absorbed by it (``mark`` records by whom). Items of no group
    are kept as they are; the order of the kept ones is the order given."""
    ranks = member_ranks(groups)
    if not ranks:
        return list(items), []

    def membership(item: S) -> tuple[str, int] | None:
        rule = item.rule
        if rule is None:
            return None
        return ranks.get((rule, _action_of(item))) or ranks.get((rule, None))

    buckets: defaultdict[tuple[str, str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for index, item in enumerate(items):
        found = membership(item)
        if found is not None:
            group, rank = found
            buckets[(group, item.subject_type, item.subject, item.period)].append((rank, index))
    losers: dict[int, Absorption] = {}
    for (group, _, _, _), ranked in buckets.items():
        if len(ranked) < 2:
            continue
        ranked.sort(
            key=lambda ri: (-ri[0], items[ri[1]].rule or "", _action_of(items[ri[1]]), items[ri[1]].date, ri[1])
        )
        winner = items[ranked[0][1]]
        by = Absorption(group=group, rule=winner.rule, action=_action_of(winner))
        for _, loser in ranked[1:]:
            losers[loser] = by
    kept = [item for index, item in enumerate(items) if index not in losers]
    absorbed = [mark(item, losers[index]) for index, item in enumerate(items) if index in losers]
    return kept, absorbed


def group_fines(compiled: CompiledPack, fines: Sequence[Fine]) -> tuple[list[Fine], list[Fine]]:
    """:func:`fines_of_groups` under the groups of the version in force at the end of each fine's
    period; kept and absorbed fines in the order of ``fines[]``."""
    kept, absorbed = _per_version(compiled, fines, fines_of_groups)
    return sorted(kept, key=fine_order), sorted(absorbed, key=fine_order)


T = TypeVar("T", Action, Fine)


def _per_version(
    compiled: CompiledPack,
    items: Sequence[T],
    run: Callable[[Sequence[SanctionGroup], Sequence[T]], tuple[list[T], list[T]]],
) -> tuple[list[T], list[T]]:
    """``run`` with the sanction groups of the pack, or, for an amended pack, of the version in
    force on the last day of each item's period."""
    versions = compiled.versions
    if versions is None:
        return run(compiled.oversight.sanction_groups, items)
    parts: defaultdict[int, list[T]] = defaultdict(list)
    for item in items:
        parts[versions.index_at_end(item.period)].append(item)
    kept: list[T] = []
    absorbed: list[T] = []
    for i, part in sorted(parts.items()):
        k, a = run(versions.items[i].oversight.sanction_groups, part)
        kept += k
        absorbed += a
    return kept, absorbed


def fines_of_groups(groups: Sequence[SanctionGroup], fines: Sequence[Fine]) -> tuple[list[Fine], list[Fine]]:
    """Kept and absorbed fines: of the fines of one group's members (named without an ``action``)
    for one subject in one period, every occurrence of the highest-ranked fine rule is levied
    (ties: the rule id first in order) and the other rules' fines are absorbed by it. Repeats of
    one fine are its escalation, never "the same sanction twice": they stay."""
    ranks = {(m.rule): (g.id, m.rank) for g in groups for m in g.members if m.action is None}
    if not ranks:
        return list(fines), []
    buckets: defaultdict[tuple[str, str, str, str], set[tuple[int, str]]] = defaultdict(set)
    for f in fines:
        if f.rule in ranks:
            group, rank = ranks[f.rule]
            buckets[(group, f.subject_type, f.subject, f.period)].add((-rank, f.rule))
    winners = {key: min(rules)[1] for key, rules in buckets.items()}
    kept: list[Fine] = []
    absorbed: list[Fine] = []
    for f in fines:
        if f.rule in ranks:
            group = ranks[f.rule][0]
            winner = winners[(group, f.subject_type, f.subject, f.period)]
            if winner != f.rule:
                absorbed.append(attrs.evolve(f, absorbed_by=Absorption(group=group, rule=winner, action="fine")))
                continue
        kept.append(f)
    return kept, absorbed


def _mark_action(action: Action, by: Absorption) -> Action:
    return attrs.evolve(action, absorbed_by=by)


def _order(a: Action) -> tuple[Any, ...]:
    return (a.period, a.date, a.subject, a.action, a.observations)


def measures(compiled: CompiledPack, facts: Facts) -> Iterator[Measure]:
    """Every quantity a threshold may read, of every scoring period (a window may span several):
    the scorecards' totals, section scores, points deducted and money (``amount``, ``fined``),
    and, where the pack keeps an employee ledger, each employee's points and money."""
    all_fines, _ = fines_and_actions(compiled, facts)
    all_fines, _ = group_fines(compiled, all_fines)
    cards = scorecards(compiled, facts, None, fined=fined_per_card(all_fines))
    yield from scorecard_measures(cards)
    share = compiled.money.share
    if share is not None:
        yield from ledger_measures(ledger(named_in_cards(cards), all_fines, share))


def sanctions(
    compiled: CompiledPack,
    facts: Facts,
    *,
    as_of: _dt.date,
    period: str | None = None,
    actions: Sequence[Action] | None = None,
) -> Sanctions:
    """Every action the facts lead to by ``as_of`` (those of ``period`` when given): oversight's
    (or ``actions``, already of ``period``, when the caller has them) and the thresholds', with
    the sanction groups applied."""
    if actions is None:
        actions = oversight_actions(compiled, facts, as_of=as_of, period=period)
    texts = _texts(compiled)
    if not any(c.oversight.thresholds or c.oversight.sanction_groups for c, _ in texts):
        return Sanctions(tuple(actions))
    judged: list[Action] = []
    provisional: list[Action] = []
    warnings: list[ResultWarning] = []
    if any(c.oversight.thresholds for c, _ in texts):
        measured = list(measures(compiled, facts))
        for text, in_force in texts:  # each window judged by the text in force on its last day
            found = threshold_actions(
                text.oversight.thresholds,
                measured,
                granularity=compiled.pack.meta.period,
                as_of=as_of,
                period=period,
                in_force=in_force,
            )
            judged += found.judged
            provisional += found.provisional
            warnings += found.warnings
    if facts.rejected:
        judged = flag_rejections(judged, facts.rejected)
        provisional = flag_rejections(provisional, facts.rejected)
    kept, absorbed = _per_version(
        compiled, [*actions, *judged], lambda groups, items: absorb(groups, items, _mark_action)
    )
    return Sanctions(
        actions=tuple(sorted(kept, key=_order)),
        absorbed=tuple(sorted(absorbed, key=_order)),
        provisional=tuple(sorted(provisional, key=_order)),
        warnings=tuple(warnings),
    )


def _span(start: str, end: str | None) -> Callable[[_dt.date], bool]:
    """Whether a day lies in [start, end) (ISO days; end None: open)."""

    def holds(day: _dt.date) -> bool:
        iso = day.isoformat()
        return start <= iso and (end is None or iso < end)

    return holds


def _texts(compiled: CompiledPack) -> list[tuple[CompiledPack, Callable[[_dt.date], bool] | None]]:
    """The pack's texts, each with the days it is in force (None: every day)."""
    versions = compiled.versions
    if versions is None:
        return [(compiled, None)]
    out: list[tuple[CompiledPack, Callable[[_dt.date], bool] | None]] = []
    for i, text in enumerate(versions.items):
        start, end = versions.span(i)
        out.append((text, _span(start, end)))
    return out
