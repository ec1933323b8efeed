"""A run's sanctions: oversight actions and threshold actions, then the sanction groups
(:mod:`._groups`). Thresholds read every quantity through :func:`measures`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from ._compiler import CompiledPack
from ._employees import Named, ledger, named_in_json
from ._fines import fined_per_card, fines_and_actions
from ._groups import absorb, fine_ids, group_fines, mark_action, per_version, rank_provisional
from ._oversight import flag_rejections, oversight_actions
from ._results import Action, Fine, ResultWarning
from ._scoring import iter_scorecard_json
from ._store import Facts
from ._thresholds import Measure, ledger_measures, scorecard_measures_json, threshold_actions


@attrs.frozen
class Sanctions:
    """The actions of a run (``actions[]``), those a group absorbed (``absorbed[]``), the
    provisional ones of open threshold windows (``provisional[]``), and their warnings."""

    actions: tuple[Action, ...]
    absorbed: tuple[Action, ...] = ()
    provisional: tuple[Action, ...] = ()
    warnings: tuple[ResultWarning, ...] = ()


def _order(a: Action) -> tuple[Any, ...]:
    return (a.period, a.date, a.subject, a.action, a.observations)


def measures_fines(compiled: CompiledPack, facts: Facts) -> list[Fine]:
    """The fines the cards :func:`measures` reads carry (grouped without oversight's actions)."""
    return group_fines(compiled, fines_and_actions(compiled, facts)[0]).fines


def has_thresholds(compiled: CompiledPack) -> bool:
    """Whether any text of the pack has thresholds (which measure every scorecard)."""
    return any(c.oversight.thresholds for c, _ in _texts(compiled))


def measures(compiled: CompiledPack, facts: Facts) -> Iterator[Measure]:
    """Every quantity a threshold may read, of every scoring period (a window may span several):
    the scorecards' totals, section scores, points deducted and money (``amount``, ``fined``),
    and, where the pack keeps an employee ledger, each employee's points and money."""
    all_fines = measures_fines(compiled, facts)
    share = compiled.money.share
    named: list[Named] = []
    cards = iter_scorecard_json(compiled, facts, None, fined=fined_per_card(all_fines))  # (no typed cards)
    if share is not None:
        cards = _naming(cards, named)
    yield from scorecard_measures_json(cards)
    if share is not None:
        yield from ledger_measures(ledger(named, all_fines, share))


def _naming(cards: Iterator[dict[str, Any]], named: list[Named]) -> Iterator[dict[str, Any]]:
    """The cards, each one's deductions that name employees added to ``named`` as it passes."""
    for card in cards:
        named.extend(named_in_json(card))
        yield card


def sanctions(
    compiled: CompiledPack,
    facts: Facts,
    *,
    as_of: _dt.date,
    period: str | None = None,
    actions: Sequence[Action] | None = None,
    absorbed: Sequence[Action] = (),
    measured: Sequence[Measure] | None = None,
) -> Sanctions:
    """Every action the facts lead to by ``as_of`` (those of ``period`` when given): oversight's
    (or ``actions``, already of ``period``, when the caller has them) and the thresholds', with
    the sanction groups applied. ``absorbed`` are actions already absorbed (with their fines),
    of ``period`` and flagged: they join ``absorbed[]``. ``measured``: :func:`measures` of these
    facts when the caller has them (it measured the cards it wrote)."""
    if actions is None:
        actions = oversight_actions(compiled, facts, as_of=as_of, period=period)
    texts = _texts(compiled)
    if not any(c.oversight.thresholds or c.oversight.sanction_groups for c, _ in texts):
        return Sanctions(tuple(actions), tuple(sorted(absorbed, key=_order)))
    judged: list[Action] = []
    provisional: list[Action] = []
    warnings: list[ResultWarning] = []
    if any(c.oversight.thresholds for c, _ in texts):
        if measured is None:
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
    ids = fine_ids(compiled)
    kept, lost = per_version(
        compiled, [*actions, *judged], lambda groups, items: absorb(groups, items, mark_action, fines=ids)
    )
    provisional = rank_provisional(compiled, kept, provisional, ids)
    return Sanctions(
        actions=tuple(sorted(kept, key=_order)),
        absorbed=tuple(sorted([*lost, *absorbed], key=_order)),
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
