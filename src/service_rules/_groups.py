"""Sanction groups: "按最高标准执行,不重复奖罚", as pure functions over actions and fines.

Of the actions of one group for one subject in one period only the highest by the group's rank is
kept; the others are *absorbed*, each with the group and the kept action that absorbed it. Ties go
by rank, then rule id (the first in order), then action code and date, so the choice never depends
on input order. Fines rank among the group's fines: the highest-ranked fine rule is levied (each of
its occurrences), the other rules' fines are absorbed. An amended pack's groups are those of the
text in force on the last day of each item's period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import attrs

from ._compiler import CompiledPack
from ._fines import fine_order
from ._model import SanctionGroup
from ._results import Absorption, Action, Fine


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
    kept, absorbed = per_version(compiled, fines, fines_of_groups)
    return sorted(kept, key=fine_order), sorted(absorbed, key=fine_order)


T = TypeVar("T", Action, Fine)


def per_version(
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


def mark_action(action: Action, by: Absorption) -> Action:
    """An action as absorbed by ``by``."""
    return attrs.evolve(action, absorbed_by=by)
