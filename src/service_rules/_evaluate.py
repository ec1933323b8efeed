"""``score()``: ingest, then the pure functions, then the result.

The public entry points of scoring. :func:`score` returns a typed :class:`ScoreResult`;
:func:`score_to_stream` writes the same result's JSON scorecard by scorecard (the bytes of
``score(...).to_json()`` and a newline) without holding the scorecards. Both leave the
caller's process as they found it: no garbage-collector switch, no signal handler, no output
but to the stream they are given.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Sequence
from typing import IO

import orjson

from . import _facts
from ._appeals import standing
from ._compiler import CompiledPack, compile_pack
from ._employees import ledger, named_in_cards, named_in_json
from ._errors import UsageError
from ._facts import Reject, parse_date, show
from ._fines import fined_per_card, fines_and_actions, of_period, with_fine_actions
from ._groups import group_fines
from ._ingest import Records, Source, ingest
from ._model import Pack
from ._oversight import appeal_warnings, judgement, lapse_appeals, oversight_actions, overturned_lapses
from ._parallel import check_workers, ingest_parallel
from ._periods import GRANULARITY_EXAMPLES, Granularity, parse_period_of
from ._results import Action, ScoreResult, dump, unattributed
from ._sanctions import has_thresholds, measures_fines, sanctions
from ._scoring import iter_scorecard_bytes, iter_scorecard_json, scorecards
from ._store import Facts
from ._thresholds import Measure, ledger_measures, scorecard_measures_json

PackLike = Pack | CompiledPack | str | os.PathLike[str]


def score(
    pack: PackLike,
    inputs: Sequence[Source | Records] = (),
    *,
    period: str | None = None,
    as_of: _dt.date | str | None = None,
    reuse_matches: bool = True,
    strict_registry: bool = False,
    workers: int | None = None,
) -> ScoreResult:
    """Score observations under a pack.

    ``pack`` is a compiled pack, a loaded one, or a built-in name or folder path.
    ``inputs`` are JSON Lines files (paths, ``"-"`` for standard input, binary streams),
    spreadsheets (paths ending ``.xlsx``, ``.xlsm`` or ``.csv``, read through the pack's import
    map: docs/office.md) or :class:`Records` of dicts already in memory. ``period`` (``"2026Q3"``,
    in the pack's period: ``"2026-07"`` for a monthly pack) limits the scorecards to one period;
    other periods' facts are still checked. ``as_of`` (default:
    today) decides deadlines. ``reuse_matches=False`` asks the matcher about every
    observation instead of once per distinct shape (same result, slower).
    ``strict_registry=True`` rejects, where outlet records are given, the facts on outlets they
    do not register and the lapses and reports of counties none is registered in (otherwise
    warnings). ``workers=N`` reads large JSON Lines files given by path on N processes (where
    the platform can fork): the same result, byte for byte; by default one process.
    """
    compiled = as_compiled(pack)
    check_period(period, compiled.pack.meta.period)
    day = as_date(as_of)
    facts = _ingest_with(compiled, inputs, reuse_matches, None, strict_registry, check_workers(workers))
    return result_of(compiled, facts, as_of=day, period=period)


def result_of(compiled: CompiledPack, facts: Facts, *, as_of: _dt.date, period: str | None = None) -> ScoreResult:
    """The result of one run's facts: what :func:`score` returns, and what pack tests check.
    Appeals count as of ``as_of`` (:func:`._appeals.standing`)."""
    before = _unappealed(compiled, facts, as_of)
    facts = standing(facts, as_of)
    grouped = group_fines(compiled, *fines_and_actions(compiled, facts))
    all_fines, dropped = grouped.fines, grouped.absorbed
    cards = scorecards(compiled, facts, period, fined=fined_per_card(all_fines))
    fines = of_period(all_fines, period)
    share = compiled.money.share
    judged = judgement(compiled, facts, as_of)  # once, for each of oversight's functions below
    actions = oversight_actions(compiled, facts, as_of=as_of, period=period, judged=judged)
    actions = with_fine_actions(actions, grouped.taken, period, facts.rejected)
    lost = with_fine_actions((), grouped.absorbed_taken, period, facts.rejected)
    found = sanctions(compiled, facts, as_of=as_of, period=period, actions=actions, absorbed=lost)
    return ScoreResult(
        pack=facts.pack,
        as_of=as_of.isoformat(),
        period=period,
        inputs=facts.inputs,
        scorecards=cards,
        actions=found.actions,
        rejected=facts.rejected,
        warnings=facts.warnings + found.warnings + appeal_warnings(compiled, facts, as_of=as_of, judged=judged),
        unattributed=unattributed(facts.rejected),
        replaced=facts.replaced,
        overturned_lapses=overturned_lapses(compiled, facts, as_of=as_of, period=period, before=before, judged=judged),
        fines=fines,
        employees=ledger(named_in_cards(cards), fines, share) if share is not None else (),
        absorbed=found.absorbed,
        provisional=found.provisional,
        absorbed_fines=of_period(dropped, period),
        lapse_appeals=lapse_appeals(compiled, facts, as_of=as_of, period=period, judged=judged),
    )


def _unappealed(compiled: CompiledPack, facts: Facts, as_of: _dt.date) -> tuple[Action, ...]:
    """The oversight actions as they stood without appeals, where an appeal on a lapse was decided
    (what an overturned lapse withdraws is taken from them); empty otherwise."""
    day = as_of.isoformat()
    if not any(a.decided is not None and a.decided <= day for a in facts.appeals.values()):
        return ()
    return oversight_actions(compiled, facts, as_of=as_of)


def score_to_stream(
    compiled: CompiledPack,
    inputs: Sequence[Source | Records],
    out: IO[bytes],
    *,
    period: str | None = None,
    as_of: _dt.date | str | None = None,
    reuse_matches: bool = True,
    progress: Callable[[int], None] | None = None,
    strict_registry: bool = False,
    workers: int | None = None,
) -> int:
    """Score and write the result as JSON to ``out`` scorecard by scorecard; return the number of
    rejected lines plus the number of sheets not read (``inputs[].problem``): 0 when all was read.
    The bytes are those of ``score(...).to_json()`` followed by a newline, but no
    scorecard is held longer than it takes to write it. ``workers`` as for :func:`score`."""
    check_period(period, compiled.pack.meta.period)
    day = as_date(as_of)
    facts = _ingest_with(compiled, inputs, reuse_matches, progress, strict_registry, check_workers(workers))
    before = _unappealed(compiled, facts, day)
    facts = standing(facts, day)
    dumps = orjson.dumps
    write = out.write
    write(b'{"pack":' + dumps(dump(facts.pack)) + b',"as_of":' + dumps(day.isoformat()))
    write(b',"period":' + dumps(period) + b',"inputs":' + dumps(dump(facts.inputs)) + b',"scorecards":[')
    first = True
    grouped = group_fines(compiled, *fines_and_actions(compiled, facts))
    all_fines, dropped = grouped.fines, grouped.absorbed
    share = compiled.money.share
    named = []
    fined = fined_per_card(all_fines)
    # Thresholds measure every card (sanctions() would build them all again): when the cards
    # written are the ones measured — every period, the same fines — they are measured as written.
    measured: list[Measure] | None = None
    if period is None and has_thresholds(compiled) and measures_fines(compiled, facts) == all_fines:
        measured = []
    if share is None and measured is None:  # the cards' bytes straight (the same bytes as dumps of their JSON data)
        for parts in iter_scorecard_bytes(compiled, facts, period, fined=fined):
            if not first:
                write(b",")
            first = False
            for part in parts:
                write(part)
    else:  # the ledger, or the thresholds, read each card's deductions
        for card in iter_scorecard_json(compiled, facts, period, fined=fined):
            write((b"" if first else b",") + dumps(card))
            first = False
            if share is not None:
                named.extend(named_in_json(card))
            if measured is not None:
                measured.extend(scorecard_measures_json((card,)))
    judged = judgement(compiled, facts, day)  # once, for each of oversight's functions below
    actions = with_fine_actions(
        oversight_actions(compiled, facts, as_of=day, period=period, judged=judged),
        grouped.taken,
        period,
        facts.rejected,
    )
    lost = with_fine_actions((), grouped.absorbed_taken, period, facts.rejected)
    fines = of_period(all_fines, period)
    employees = ledger(named, fines, share) if share is not None else ()
    if measured is not None and share is not None:
        measured.extend(ledger_measures(employees))  # (every period: the ledger measures() makes)
    found = sanctions(compiled, facts, as_of=day, period=period, actions=actions, absorbed=lost, measured=measured)
    write(b'],"actions":' + dumps(dump(found.actions)))
    write(b',"rejected":' + dumps(dump(facts.rejected)))
    warned = facts.warnings + found.warnings + appeal_warnings(compiled, facts, as_of=day, judged=judged)
    write(b',"warnings":' + dumps(dump(warned)))
    write(b',"unattributed":' + dumps(unattributed(facts.rejected)))
    write(b',"replaced":' + dumps(dump(facts.replaced)))
    lapses = overturned_lapses(compiled, facts, as_of=day, period=period, before=before, judged=judged)
    write(b',"overturned_lapses":' + dumps(dump(lapses)))
    write(b',"fines":' + dumps(dump(fines)))
    employees = ledger(named, fines, share) if share is not None else ()
    write(b',"employees":' + dumps(dump(employees)))
    write(b',"absorbed":' + dumps(dump(found.absorbed)) + b',"provisional":' + dumps(dump(found.provisional)))
    write(b',"absorbed_fines":' + dumps(dump(of_period(dropped, period))))
    appealed = lapse_appeals(compiled, facts, as_of=day, period=period, judged=judged)
    write(b',"lapse_appeals":' + dumps(dump(appealed)) + b"}\n")
    return len(facts.rejected) + sum(1 for i in facts.inputs if i.problem is not None)


def _ingest_with(
    compiled: CompiledPack,
    inputs: Sequence[Source | Records],
    reuse_matches: bool,
    progress: Callable[[int], None] | None,
    strict_registry: bool,
    workers: int,
) -> Facts:
    if workers > 1:
        return ingest_parallel(
            compiled,
            inputs,
            workers=workers,
            reuse_matches=reuse_matches,
            progress=progress,
            strict_registry=strict_registry,
        )
    return ingest(compiled, inputs, reuse_matches=reuse_matches, progress=progress, strict_registry=strict_registry)


def check_period(period: str | None, granularity: Granularity = "quarter") -> None:
    """A ``period=`` argument: a period of the pack's granularity (``2026Q3`` for a quarterly
    pack, ``2026-07`` for a monthly one, ``2026H2``, ``2026``), or None for every period."""
    if period is not None:
        example = GRANULARITY_EXAMPLES[granularity]
        if not isinstance(period, str):
            raise UsageError(f"period={period!r}: expected a period such as {example!r}", param="period")
        try:
            parse_period_of(period, granularity)
        except ValueError as exc:
            raise UsageError(f"period={period!r}: {exc}", param="period") from None


def check_year(year: object, param: str = "year") -> None:
    """A ``year=`` argument: an int of the contract's years (1900 to 2099)."""
    low, high = _facts.YEARS
    if type(year) is not int or not low <= year <= high:
        raise UsageError(f"{param}={year!r}: expected a year from {low} to {high}", param=param)


def as_compiled(pack: PackLike) -> CompiledPack:
    """A compiled pack from a compiled one, a loaded one, a name or a folder."""
    if isinstance(pack, CompiledPack):
        return pack
    if isinstance(pack, Pack):
        return compile_pack(pack)
    from ._loader import load_pack

    if not isinstance(pack, (str, os.PathLike)):
        raise UsageError(f"pack={pack!r}: expected a pack, a compiled pack, a name or a folder path", param="pack")
    return compile_pack(load_pack(pack))


def public_standing(facts: Facts, as_of: _dt.date | str | None) -> Facts:
    """The public ``standing(facts, as_of)``: :func:`._appeals.standing` with ``as_of`` taken as
    ``score`` takes it (a date, an ISO date string, None for today); a bad day, or facts that
    already stand on another day, are a :class:`UsageError`, never an ``AttributeError``."""
    if not isinstance(facts, Facts):
        raise UsageError(f"facts: expected the Facts that ingest() returns, not {type(facts).__name__}", param="facts")
    try:
        return standing(facts, as_date(as_of))
    except ValueError as exc:
        if isinstance(exc, UsageError):
            raise
        raise UsageError(str(exc), param="as_of") from None


def as_date(value: _dt.date | str | None, param: str = "as_of") -> _dt.date:
    """An ``as_of=`` argument: a date, an ISO date string, or None for today."""
    if value is None:
        day = _dt.date.today()
    elif isinstance(value, _dt.datetime):
        day = value.date()
    elif isinstance(value, _dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = parse_date(value, param)
        except Reject:
            raise UsageError(
                f"{param}: {show(value)} 不是 1900 至 2099 年间实际存在的日期(YYYY-MM-DD)", param=param
            ) from None
    else:
        raise UsageError(f"{param}={value!r}: expected a date or a string YYYY-MM-DD", param=param)
    if not _facts.FIRST_DAY <= day <= _facts.LAST_DAY:
        raise UsageError(f"{param}={day.isoformat()}: 日期须在 1900 至 2099 年之间", param=param)
    return day
