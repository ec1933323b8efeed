"""Sanction groups, as pure functions over actions and fines (the semantics, one for both):

"同一事实适用多项处理的,按最高标准执行,不重复处理": sanctions of one sanction group compete when
they are against the same subject, in the same period, and arise from the same fact — they share
an observation (a fine arises from its one observation; an action from the observations it
lists; an action listing none, from every one of its period), directly or through another
sanction of the group. Of one such fact, every sanction of the highest-ranked member is kept (ties:
the rank, then the rule id, then the member's action code) and the other members' are *absorbed*
by it and listed with the group and the kept sanction that absorbed them. A member's own sanctions
never absorb each other: they are its escalation (a ladder's steps, a fine's repeats).

Fines named whole (without ``action``) rank fines: they are decided first (a card's ``fined``
and the thresholds read the fines levied), and the actions an absorbed fine takes are absorbed
with it; a levied fine keeps its actions. Every occurrence still counts for the fine's
escalation: the regulation counts the errors, not the fines paid. Actions are decided next;
provisional actions (windows still open) are ranked with the judged ones of their period and
with each other: one that would be absorbed carries ``absorbed_by`` and stays in
``provisional[]``; a provisional action never absorbs a judged one (its window has decided
nothing yet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
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
    @property
    def observations(self) -> tuple[str, ...]: ...


S = TypeVar("S", bound=Sanction)

#: (rule, action or None for the whole rule) → (group id, rank)
Members = dict[tuple[str, str | None], tuple[str, int]]


def _action_of(item: Any) -> str:
    """An action's code; ``"fine"`` for a fine."""
    return "fine" if isinstance(item, Fine) else str(getattr(item, "action", "") or "")


def fine_members(groups: Sequence[SanctionGroup], fines: Collection[str]) -> Members:
    """The members that rank fines: fine rules named without ``action``."""
    return {(m.rule, None): (g.id, m.rank) for g in groups for m in g.members if m.action is None and m.rule in fines}


def action_members(groups: Sequence[SanctionGroup], fines: Collection[str]) -> Members:
    """The members that rank actions: every member but a fine named whole (whose actions follow
    the fine)."""
    return {
        (m.rule, m.action): (g.id, m.rank)
        for g in groups
        for m in g.members
        if not (m.action is None and m.rule in fines)
    }


def _facts_of(indices: list[int], items: Sequence[Sanction]) -> list[list[int]]:
    """The indices, partitioned into facts: those sharing an observation, directly or through
    others, are one fact; an item listing no observation shares every other's."""
    if any(not items[i].observations for i in indices):
        return [indices]
    parent = {i: i for i in indices}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i in indices:
        for obs in items[i].observations:
            if obs in first:
                a, b = root(first[obs]), root(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[obs] = i
    parts: defaultdict[int, list[int]] = defaultdict(list)
    for i in indices:
        parts[root(i)].append(i)
    return list(parts.values())


def _losers(members: Members, items: Sequence[Sanction]) -> dict[int, Absorption]:
    """The index of every item a group absorbs, with the sanction that absorbs it: per group,
    subject, period and fact (see the module), every item of the highest-ranked member is kept
    and the other members' items are absorbed by the first kept item sharing an observation with
    them (else the first kept)."""
    if not members:
        return {}

    def membership(item: Sanction) -> tuple[tuple[str, str | None], str, int] | None:
        rule = item.rule
        if rule is None:
            return None
        for key in ((rule, _action_of(item)), (rule, None)):
            if key in members:
                return (key, *members[key])
        return None

    found = [membership(item) for item in items]
    buckets: defaultdict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for index, (item, m) in enumerate(zip(items, found, strict=True)):
        if m is not None:
            buckets[(m[1], item.subject_type, item.subject, item.period)].append(index)
    member = {i: m[0] for i, m in enumerate(found) if m is not None}
    rank = {i: m[2] for i, m in enumerate(found) if m is not None}
    losers: dict[int, Absorption] = {}
    for (group, _, _, _), indices in buckets.items():
        for fact in _facts_of(indices, items):
            ranked = {member[i]: rank[i] for i in fact}
            if len(ranked) < 2:
                continue
            top = min(ranked, key=lambda k: (-ranked[k], k[0], k[1] or ""))
            order = sorted(fact, key=lambda i: (items[i].date, _action_of(items[i]), i))
            winners = [i for i in order if member[i] == top]
            for i in order:
                if member[i] == top:
                    continue
                shared = set(items[i].observations)
                w = next((w for w in winners if shared & set(items[w].observations)), winners[0])
                losers[i] = Absorption(group=group, rule=items[w].rule, action=_action_of(items[w]))
    return losers


def absorb(
    groups: Sequence[SanctionGroup],
    items: Sequence[S],
    mark: Callable[[S, Absorption], S],
    *,
    fines: Collection[str] = (),
    of_fines: bool = False,
) -> tuple[list[S], list[S]]:
    """Kept and absorbed items (:func:`_losers`) of ``groups``: fines when ``of_fines`` (the
    members naming a fine whole), else actions (the other members); ``fines`` are the pack's fine
    ids. Items of no group are kept as they are, in the order given."""
    members = fine_members(groups, fines) if of_fines else action_members(groups, fines)
    losers = _losers(members, items)
    kept = [item for index, item in enumerate(items) if index not in losers]
    absorbed = [mark(item, losers[index]) for index, item in enumerate(items) if index in losers]
    return kept, absorbed


def fine_ids(compiled: CompiledPack) -> set[str]:
    return {f.rule.id for f in compiled.money.fines}


@attrs.frozen
class GroupedFines:
    """The fines levied and absorbed, and the actions fines take, split alike (an absorbed
    fine's actions are absorbed with it, by the same sanction)."""

    fines: list[Fine]
    absorbed: list[Fine]
    taken: list[Action]
    absorbed_taken: list[Action]


def group_fines(compiled: CompiledPack, fines: Sequence[Fine], taken: Sequence[Action] = ()) -> GroupedFines:
    """:func:`fines_of_groups` under the groups of the version in force at the end of each fine's
    period; kept and absorbed fines in the order of ``fines[]``; ``taken`` (the actions fines
    take) split by their fine."""
    ids = fine_ids(compiled)
    kept, absorbed = per_version(compiled, fines, lambda groups, part: fines_of_groups(groups, part, ids))
    by: dict[tuple[str, str, str, tuple[str, ...]], Absorption] = {
        (f.rule, f.subject_type, f.subject, f.observations): f.absorbed_by for f in absorbed if f.absorbed_by
    }
    kept_taken: list[Action] = []
    absorbed_taken: list[Action] = []
    for a in taken:
        absorption = by.get((a.rule or "", a.subject_type, a.subject, a.observations))
        if absorption is None:
            kept_taken.append(a)
        else:
            absorbed_taken.append(attrs.evolve(a, absorbed_by=absorption))
    return GroupedFines(sorted(kept, key=fine_order), sorted(absorbed, key=fine_order), kept_taken, absorbed_taken)


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


def mark_fine(fine: Fine, by: Absorption) -> Fine:
    return attrs.evolve(fine, absorbed_by=by)


def fines_of_groups(
    groups: Sequence[SanctionGroup], fines: Sequence[Fine], fine_ids: set[str]
) -> tuple[list[Fine], list[Fine]]:
    """Kept and absorbed fines: of the fines of one group's fine members for one subject arising
    from one observation, the highest-ranked fine is levied and the others are absorbed by it.
    Repeats of one fine are different observations, never "the same sanction twice"."""
    return absorb(groups, fines, mark_fine, fines=fine_ids, of_fines=True)


def mark_action(action: Action, by: Absorption) -> Action:
    """An action as absorbed by ``by``."""
    return attrs.evolve(action, absorbed_by=by)


def rank_provisional(
    compiled: CompiledPack, kept: Sequence[Action], provisional: Sequence[Action], ids: set[str]
) -> list[Action]:
    """The provisional actions, ranked with the kept ones and each other: one that a kept action
    or a higher provisional one (of its group, subject, period and fact) would absorb carries
    ``absorbed_by``. A judged action is never absorbed by a provisional one."""
    if not provisional:
        return []
    versions = compiled.versions
    out = list(provisional)
    for i, groups in enumerate(
        [compiled.oversight.sanction_groups] if versions is None else [v.oversight.sanction_groups for v in versions.items]
    ):

        def here(a: Action, i: int = i) -> bool:
            return versions is None or versions.index_at_end(a.period) == i

        judged = [a for a in kept if here(a)]
        mine = [j for j, a in enumerate(provisional) if here(a)]
        losers = _losers(action_members(groups, ids), [*judged, *(provisional[j] for j in mine)])
        for index, by in losers.items():
            if index >= len(judged):
                j = mine[index - len(judged)]
                out[j] = mark_action(provisional[j], by)
    return out
