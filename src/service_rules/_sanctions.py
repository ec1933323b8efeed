"""A run's sanctions: oversight actions and threshold actions, then the sanction groups
(:mod:`._groups`). Thresholds read every quantity through :func:`measures`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from ._compiler import CompiledPack
from ._employees import ledger, named_in_cards
from ._fines import fined_per_card, fines_and_actions
from ._groups import absorb, group_fines, mark_action, per_version
from ._oversight import flag_rejections, oversight_actions
from ._results import Action, ResultWarning
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
    kept, absorbed = per_version(
        compiled, [*actions, *judged], lambda groups, items: absorb(groups, items, mark_action)
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
