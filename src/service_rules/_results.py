"""Typed results of scoring: what other systems walk, and what ``--format json`` prints.

Field names are a contract (docs/contract.md): fields may be added, never renamed.
"""

from __future__ import annotations

from typing import Any

import attrs
import cattrs
import orjson


@attrs.frozen
class PackRef:
    name: str
    version: str
    digest: str
    matcher: str


@attrs.frozen
class InputSummary:
    """One input: its physical line count, and how many lines were accepted, rejected or blank."""

    file: str
    sha256: str
    lines: int
    accepted: int
    rejected: int
    blank: int
    #: The sheet of a workbook (null for JSON Lines and CSV): a workbook is one input per sheet.
    sheet: str | None = None
    #: Why nothing of this input was scored (a sheet whose headers match no record type, say).
    problem: str | None = None
    #: Rejected lines whose id a correction replaced: neither accepted nor rejected any more.
    replaced: int = 0


@attrs.frozen
class AppealRef:
    """An appeal (申诉) as a deduction shows it: ``state`` is ``pending`` or ``decided`` as of the
    run's day; ``decision`` (``upheld``, ``overturned``, ``amended``) and ``decided`` are null while
    it is pending."""

    id: str
    state: str
    decision: str | None = None
    decided: str | None = None


def _appeal_ref(value: Any) -> AppealRef | None:
    """A deduction's appeal from its JSON fields (the scoring rows hold plain dicts)."""
    if value is None or isinstance(value, AppealRef):
        return value
    return AppealRef(**value)


@attrs.frozen
class Deduction:
    """Points lost for one scored observation, traced to its rule and article.

    ``points`` is what the section lost; ``raw_points`` what the rule asked for before a
    cap bit (equal when no cap applies).
    """

    rule: str
    article: int | None
    section: int
    points: int
    observations: tuple[str, ...]
    reason: str
    note: str | None
    raw_points: int
    provenance: str
    date: str
    tag: str | None = None
    persons: int | None = None
    employees: tuple[str, ...] | None = None
    #: The pack layer that (last) defined the rule.
    layer: str | None = None
    #: The appeal against it, if any (pending or decided as of the run's day).
    appeal: AppealRef | None = attrs.field(default=None, converter=_appeal_ref)
    #: An amended deduction's raw points before the appeal decision (null unless amended).
    original_points: int | None = None
    #: Yuan this deduction costs (its ``points`` × the rate that reaches its rule, two decimals),
    #: null where no rate applies (money.toml).
    amount: str | None = None


@attrs.frozen
class SectionScore:
    """A scored section of one scorecard.

    ``deducted`` adds up its deductions; ``score`` is ``allotment - deducted``, held at the
    floor when the pack has one (``beyond_floor`` reports what the floor absorbed). On a
    scorecard that is not scored (nothing accepted in the period) ``score`` is None: the
    section was not assessed, and ``deducted`` is 0 because there is nothing to deduct.
    """

    number: int
    title: str | None
    allotment: int
    deducted: int
    score: int | None
    assumed: bool
    assessable: bool
    floor: int | None
    beyond_floor: int


@attrs.frozen
class Scorecard:
    """One outlet's period. ``scored`` is false when the outlet has no accepted inspection,
    finding or complaint in the period: ``total`` and every section ``score`` are then None,
    ``reason`` says why (Chinese), and the card is never ranked. ``rejections`` counts the
    rejected input lines that name the outlet and are dated in the period (or undated): a
    result they could have changed says so."""

    outlet: str
    county: str | None
    period: str
    total: int | None
    sections: tuple[SectionScore, ...]
    deductions: tuple[Deduction, ...]
    pending: tuple[str, ...]
    dismissed: tuple[str, ...]
    #: The outlet's registered name (``name`` of its outlet record), when given.
    name: str | None = None
    scored: bool = True
    reason: str | None = None
    rejections: int = 0
    #: Deductions an appeal overturned as of the run's day: not counted, kept with their appeal.
    overturned: tuple[Deduction, ...] = ()
    #: An amended pack's amendments that judged this card (its observations', and the one in
    #: force on the period's last day, which gives the allotments), in date order; empty when none did.
    versions: tuple[str, ...] = ()
    #: Yuan of the card's deductions (the sum of their ``amount``), null when the pack has no rate.
    amount: str | None = None
    #: Yuan of the fines for the card's observations (whoever bears them), null when the pack has no fine.
    fined: str | None = None


@attrs.frozen
class Absorption:
    """Which kept sanction absorbed another of its sanction group (same subject, period and
    fact): the group, and the kept sanction's rule and action code (``"fine"`` for a fine)."""

    group: str
    rule: str | None
    action: str


@attrs.frozen
class Action:
    """An escalation or notice against a county, an outlet or an employee."""

    subject: str
    subject_type: str
    action: str
    article: int | None
    period: str
    date: str
    observations: tuple[str, ...]
    circulate: bool
    reason: str
    outlets: tuple[str, ...] | None = None
    #: The id of the pack rule (ladder, streak, cadence, deadline) that took the action.
    rule: str | None = None
    #: Rejected input lines naming the subject (a county, or an outlet), undated or dated in the
    #: action's year up to its period: lines that could have changed the action.
    rejections: int = 0
    #: Lapses an appeal overturned that would have counted before this step (ladders only).
    overturned: tuple[str, ...] = ()
    #: For an action a sanction group absorbed (``absorbed[]``): the group and the kept sanction
    #: that absorbed it; in ``provisional[]``, what would absorb it; null in ``actions[]``.
    absorbed_by: Absorption | None = None


@attrs.frozen
class Rejection:
    """An input line that was not accepted: where, which record, a stable code, and why."""

    file: str
    line: int
    id: str | None
    code: str
    error: str
    #: The sheet of a workbook the row came from (null for JSON Lines and CSV).
    sheet: str | None = None
    #: The outlet and county union the rejected line names, where they can be read (the county
    #: also from the outlet's registration).
    outlet: str | None = None
    county: str | None = None
    #: The period of the line's date (or quarter, or month), where it can be read.
    period: str | None = None


@attrs.frozen
class ResultWarning:
    """Something a reader should know that rejects nothing (an unknown column, an unregistered
    outlet…): a stable ``code``, a Chinese ``message``, and where, when known."""

    code: str
    message: str
    file: str | None = None
    sheet: str | None = None
    line: int | None = None
    outlet: str | None = None


@attrs.frozen
class Replacement:
    """A record a correction replaced (``replaces``): not judged. ``by`` replaced it, ``current``
    is the record that stands at the end of the chain; ``file``/``sheet``/``line`` locate ``by``;
    ``rejected`` is the code the replaced line had been rejected with (null: it was accepted)."""

    id: str
    by: str
    current: str
    file: str
    line: int
    sheet: str | None = None
    rejected: str | None = None


@attrs.frozen
class OverturnedLapse:
    """A county's lapse that no longer counts: an appeal overturned it, or overturned the findings
    a derived lapse rested on (``appeals``)."""

    id: str
    county: str
    date: str
    period: str
    kind: str
    appeals: tuple[AppealRef, ...]
    #: The actions this lapse itself had led to as they stood without the appeal (the ladder step
    #: it produced, its own notice), now withdrawn (撤销): kept so that nothing is edited away.
    withdrawn: tuple[Action, ...] = ()


@attrs.frozen
class LapseAppeal:
    """An appeal against a county's lapse (given or derived), in any state as of the run's day:
    the lapse (``id``, ``county``, ``date``, ``period``, ``kind``) and the ``appeal``."""

    id: str
    county: str
    date: str
    period: str
    kind: str
    appeal: AppealRef
@attrs.frozen
class Fine:
    """One occurrence fined (money.toml): the ``occurrence``-th time ``subject`` did "the same
    thing" (``key``) within ``window``, the ``amount`` it costs, and the actions it starts."""

    subject: str
    subject_type: str
    #: The id of the fine in the pack.
    rule: str
    occurrence: int
    amount: str
    observations: tuple[str, ...]
    reason: str
    period: str
    date: str
    outlet: str
    article: int | None
    #: The deduction's rule (the fine's ``rule`` is the fine's own id).
    deduction_rule: str
    #: What counts as the same thing, as the pack's ``same`` reads it (``article=12``).
    key: str
    #: The window the occurrences are counted in (a period string), null for the whole input.
    window: str | None
    #: Codes of the actions this occurrence takes (``bad_record`` from the 3rd on, say).
    actions: tuple[str, ...] = ()
    #: For a fine a sanction group absorbed (``absorbed_fines[]``): the group and the fine rule that
    #: absorbed it (``action`` is ``"fine"``); null for every fine in ``fines[]``.
    absorbed_by: Absorption | None = None


@attrs.frozen
class EmployeeShare:
    """An employee's part of one deduction: ``points`` and ``amount`` of it, borne with ``among``
    employees in all (split points are decimal strings; borne in full, integers)."""

    outlet: str
    rule: str
    article: int | None
    observations: tuple[str, ...]
    date: str
    points: int | str
    amount: str | None
    among: int


@attrs.frozen
class EmployeeFine:
    """A fine an employee bears (see ``fines[]``): which, the how-manyth, how much, for what."""

    rule: str
    occurrence: int
    amount: str
    observations: tuple[str, ...]
    date: str


@attrs.frozen
class EmployeeAccount:
    """One employee's period in the ledger: the points and money of the deductions naming them
    (shared as the pack says) and the fines they bear."""

    employee: str
    period: str
    outlets: tuple[str, ...]
    points: int | str
    amount: str | None
    fined: str | None
    deductions: tuple[EmployeeShare, ...]
    fines: tuple[EmployeeFine, ...]


@attrs.frozen
class ScoreResult:
    pack: PackRef
    as_of: str
    period: str | None
    inputs: tuple[InputSummary, ...]
    scorecards: tuple[Scorecard, ...]
    actions: tuple[Action, ...]
    rejected: tuple[Rejection, ...]
    warnings: tuple[ResultWarning, ...] = ()
    #: Rejected lines that name no readable outlet (flagged on no scorecard).
    unattributed: int = 0
    #: Records a correction replaced (not judged).
    replaced: tuple[Replacement, ...] = ()
    #: Lapses an appeal overturned (filtered by ``period`` like ``actions``).
    overturned_lapses: tuple[OverturnedLapse, ...] = ()
    #: Fines per occurrence (money.toml), of ``period`` when given.
    fines: tuple[Fine, ...] = ()
    #: The per-employee ledger (money.toml ``[employees]``), one entry per employee and period.
    employees: tuple[EmployeeAccount, ...] = ()
    #: Actions a sanction group absorbed: only the highest of a group applies to one subject in
    #: one period for one fact (``absorbed_by`` names it), and the actions of absorbed fines.
    absorbed: tuple[Action, ...] = ()
    #: Threshold actions of windows still open on the as-of day: what would follow if the window
    #: closed as it stands (not in ``actions[]``).
    provisional: tuple[Action, ...] = ()
    #: Fines a sanction group absorbed: of one group's fines for one subject and one finding only
    #: the highest-ranked is levied; the others are listed here.
    absorbed_fines: tuple[Fine, ...] = ()
    #: Every appeal against a lapse (given or derived), pending or decided, by date and id
    #: (filtered by ``period`` like ``actions``).
    lapse_appeals: tuple[LapseAppeal, ...] = ()

    @property
    def accepted(self) -> int:
        return sum(i.accepted for i in self.inputs)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, field names as in the contract."""
        data: dict[str, Any] = dump(self)
        return data

    def to_json(self, *, indent: bool = False) -> bytes:
        """UTF-8 JSON (compact, or indented by two spaces)."""
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2 if indent else 0)


results_converter = cattrs.Converter()
"""Dumps results; tuples become lists, everything else is already JSON-shaped."""


def deduction_fields(
    *,
    rule: str,
    article: int | None,
    section: int,
    points: int,
    observations: tuple[str, ...],
    reason: str,
    note: str | None,
    raw_points: int,
    provenance: str,
    date: str,
    tag: str | None,
    persons: int | None,
    employees: tuple[str, ...] | None,
    layer: str | None,
    appeal: dict[str, Any] | None = None,
    original_points: int | None = None,
    amount: str | None,
) -> dict[str, Any]:
    """The one definition of a deduction's fields, by keyword, in contract order.

    ``Deduction(**deduction_fields(...))`` is the typed record; the dict itself is what the
    streamed JSON writes (orjson writes a tuple as the list the converter makes of it), so the
    stream and :meth:`ScoreResult.to_json` cannot drift (a test compares them byte for byte).
    """
    return {
        "rule": rule,
        "article": article,
        "section": section,
        "points": points,
        "observations": observations,
        "reason": reason,
        "note": note,
        "raw_points": raw_points,
        "provenance": provenance,
        "date": date,
        "tag": tag,
        "persons": persons,
        "employees": employees,
        "layer": layer,
        "appeal": appeal,
        "original_points": original_points,
        "amount": amount,
    }


def appeal_fields(*, id: str, state: str, decision: str | None, decided: str | None) -> dict[str, Any]:
    """The one definition of a deduction's ``appeal`` object (the fields of :class:`AppealRef`)."""
    return {"id": id, "state": state, "decision": decision, "decided": decided}


def _dump_appeal(a: AppealRef) -> dict[str, Any]:
    return appeal_fields(id=a.id, state=a.state, decision=a.decision, decided=a.decided)


def _dump_deduction(d: Deduction) -> dict[str, Any]:
    # The hottest object of a large result (one per finding): the one definition, lists for tuples.
    return deduction_fields(
        rule=d.rule,
        article=d.article,
        section=d.section,
        points=d.points,
        observations=list(d.observations),  # type: ignore[arg-type]
        reason=d.reason,
        note=d.note,
        raw_points=d.raw_points,
        provenance=d.provenance,
        date=d.date,
        tag=d.tag,
        persons=d.persons,
        employees=list(d.employees) if d.employees is not None else None,  # type: ignore[arg-type]
        layer=d.layer,
        appeal=_dump_appeal(d.appeal) if d.appeal is not None else None,
        original_points=d.original_points,
        amount=d.amount,
    )


def _dump_section(s: SectionScore) -> dict[str, Any]:
    # Seven per scorecard: written out, same fields as the class (a test compares them).
    return {
        "number": s.number,
        "title": s.title,
        "allotment": s.allotment,
        "deducted": s.deducted,
        "score": s.score,
        "assumed": s.assumed,
        "assessable": s.assessable,
        "floor": s.floor,
        "beyond_floor": s.beyond_floor,
    }


def scorecard_json(
    *,
    outlet: str,
    county: str | None,
    period: str,
    total: int | None,
    sections: tuple[SectionScore, ...],
    deductions: list[dict[str, Any]],
    pending: tuple[str, ...],
    dismissed: tuple[str, ...],
    name: str | None,
    scored: bool,
    reason: str | None,
    rejections: int,
    overturned: list[dict[str, Any]] | tuple[Any, ...] = (),
    versions: tuple[str, ...] = (),
    amount: str | None,
    fined: str | None,
) -> dict[str, Any]:
    """The one definition of a scorecard's JSON, used by the converter and the streamed output."""
    return {
        "outlet": outlet,
        "county": county,
        "period": period,
        "total": total,
        "sections": [_dump_section(s) for s in sections],
        "deductions": deductions,
        "pending": list(pending),
        "dismissed": list(dismissed),
        "name": name,
        "scored": scored,
        "reason": reason,
        "rejections": rejections,
        "overturned": list(overturned),
        "versions": list(versions),
        "amount": amount,
        "fined": fined,
    }


def _dump_scorecard(c: Scorecard) -> dict[str, Any]:
    # Field for field (scorecard_json's parameters are Scorecard's fields; a test holds them equal).
    fields = {f.name: getattr(c, f.name) for f in attrs.fields(Scorecard)}
    return scorecard_json(
        **{
            **fields,
            "deductions": [_dump_deduction(d) for d in c.deductions],
            "overturned": [_dump_deduction(d) for d in c.overturned],
        }
    )


def unattributed(rejected: tuple[Rejection, ...]) -> int:
    """Rejected lines that name no readable outlet: the ``unattributed`` figure of a result."""
    return sum(1 for r in rejected if r.outlet is None)


results_converter.register_unstructure_hook(SectionScore, _dump_section)
results_converter.register_unstructure_hook(Deduction, _dump_deduction)
results_converter.register_unstructure_hook(AppealRef, _dump_appeal)
results_converter.register_unstructure_hook(Scorecard, _dump_scorecard)


def dump(obj: Any) -> Any:
    """Plain JSON-ready data of any result (the one serialisation path)."""
    return results_converter.unstructure(obj)
