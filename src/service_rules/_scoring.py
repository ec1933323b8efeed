"""Pure accounting: a period's scorecards from the facts, under a compiled pack.

Nothing here asks the engine anything (the rule of each observation was decided at ingest)
and nothing is written anywhere: :func:`scorecards` and its streaming twin read the
:class:`Facts` and return results. Caps (per rule and scorecard) and floors (per section) are
applied here, and whatever a cap or floor absorbs stays visible (``raw_points``,
``beyond_floor``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs
import orjson

from ._cardbytes import CardBytes, _id
from ._compiler import CompiledPack
from ._fines import fined_per_card, fines_and_actions
from ._groups import group_fines
from ._model import Floor, Section, floor_of
from ._moneyrules import yuan
from ._results import Deduction, Scorecard, SectionScore, appeal_fields, deduction_fields, scorecard_json
from ._store import Facts, Observation


@attrs.frozen
class CardAccount:
    """One scorecard's accounting; ``deductions`` are the fields of each deduction, in order."""

    outlet: str
    county: str | None
    period: str
    total: int | None
    sections: tuple[SectionScore, ...]
    deductions: tuple[dict[str, Any], ...]
    pending: tuple[str, ...]
    dismissed: tuple[str, ...]
    name: str | None = None
    scored: bool = True
    reason: str | None = None
    rejections: int = 0
    overturned: tuple[dict[str, Any], ...] = ()
    versions: tuple[str, ...] = ()
    amount: str | None = None
    fined: str | None = None

    def _fields(self) -> dict[str, Any]:
        # Field for field: CardAccount has exactly Scorecard's fields (a test holds them equal).
        return {f.name: getattr(self, f.name) for f in attrs.fields(CardAccount)}

    def scorecard(self) -> Scorecard:
        return Scorecard(
            **{
                **self._fields(),
                "deductions": tuple(Deduction(**d) for d in self.deductions),
                "overturned": tuple(Deduction(**d) for d in self.overturned),
            }
        )

    def json(self) -> dict[str, Any]:
        return scorecard_json(
            **{**self._fields(), "deductions": list(self.deductions), "overturned": list(self.overturned)}
        )


#: Why a scorecard has no score (``Scorecard.reason``).
NOTHING_RECORDED = "本期无检查、问题或投诉记录"


def not_scored_reason(rejections: int) -> str:
    if rejections:
        return f"本期无被采纳的检查、问题或投诉记录;另有{rejections}行涉及本网点的输入被拒绝"
    return NOTHING_RECORDED


def card_keys(facts: Facts, period: str | None) -> list[tuple[str, str]]:
    """(outlet, period) of every scorecard, by period then outlet: any accepted inspection,
    finding or complaint in the period, every registered outlet in every such period, and every
    outlet a rejected line names, in its period (every period when the line's is unreadable),
    so that no rejection naming an outlet goes unshown. Periods are those of the accepted facts
    and of the rejected lines naming an outlet (``period`` alone when given)."""
    named = [r for r in facts.rejected if r.outlet is not None]
    dated = {r.period for r in named if r.period is not None}
    periods = {period} if period else {p for _, p in facts.present} | dated
    keys = {k for k in facts.present if k[1] in periods}
    keys.update((o, p) for o in facts.registry for p in periods)
    for r in named:
        assert r.outlet is not None
        if r.period is None:
            keys.update((r.outlet, p) for p in periods)
        elif r.period in periods:
            keys.add((r.outlet, r.period))
    return sorted(keys, key=lambda k: (k[1], k[0]))


def rejection_counts(facts: Facts) -> dict[str, Counter[str | None]]:
    """Per outlet a rejected line names: how many such lines per period (None: unreadable)."""
    counts: defaultdict[str, Counter[str | None]] = defaultdict(Counter)
    for r in facts.rejected:
        if r.outlet is not None:
            counts[r.outlet][r.period] += 1
    return dict(counts)


class Accountant(CardBytes):
    """Scorecards of one run's facts; holds only memos (reason texts, per-rule facts)."""

    def __init__(
        self,
        compiled: CompiledPack,
        facts: Facts,
        fined: Mapping[tuple[str, str], Decimal] | None = None,
    ) -> None:
        super().__init__(compiled)
        self.facts = facts
        self._has_fines = bool(compiled.money.fines)
        if self._has_fines and fined is None:
            fined = fined_per_card(group_fines(compiled, fines_and_actions(compiled, facts)[0]).fines)
        self._fined = fined or {}
        self._rejections = rejection_counts(facts)
        meta = compiled.pack.meta
        self._floors = {s.number: _floor_value(floor_of(meta, s)) for s in compiled.scored_sections}
        #: What a card shows of each scored section but its points (for a pack without amendments).
        self._sections = _sections(self, compiled.scored_sections)
        #: Per section, its score by points deducted (made once: frozen, shared by the cards).
        self._section_scores: list[dict[int, SectionScore]] = [{} for _ in self._sections]
        #: An amended pack: one accountant per version (its rules, reasons, allotments and floor).
        self._by_version: tuple[Accountant, ...] | None = None
        if compiled.versions is not None:
            self._by_version = (self, *(Accountant(v, facts) for v in compiled.versions.items[1:]))
            self._has_caps = any(a._has_caps for a in self._by_version)

    def card(self, outlet: str, period: str) -> CardAccount:
        observations: tuple[Observation, ...] | list[Observation] = self.facts.observations.get((outlet, period), ())
        if self._has_caps:  # caps bite in date order, so the order must be fixed first
            observations = sorted(observations, key=lambda o: (o.date, o.id))
        pending: list[str] = []
        dismissed: list[str] = []
        rows: list[dict[str, Any]] = []
        used: dict[str, int] = {}
        per_section: defaultdict[int, int] = defaultdict(int)
        money = Decimal(0)
        rules = self._rules
        reasons = self._reasons
        view = self.facts.appeal_view
        appeals = view.refs if view is not None and view.refs else None
        judge, by_version, judged = self, self._by_version, set()
        for obs in observations:
            if by_version is not None:  # judged by the version in force on its date
                judge = by_version[self.c.versions.index_at(obs.date)]  # type: ignore[union-attr]
                rules, reasons = judge._rules, judge._reasons
                judged.add(judge)
            rule_id = obs.rule
            facts = rules[rule_id]
            if facts.outcome != "deduct":
                (pending if facts.outcome == "pending" else dismissed).append(obs.id)
                continue
            points = obs.points
            cap = facts.cap
            if cap is not None:
                room = cap - used.get(rule_id, 0)
                points = max(0, min(points, room))
                used[rule_id] = used.get(rule_id, 0) + points
            per_section[facts.section] += points
            reason = reasons.get((rule_id, obs.article, points, obs.persons, obs.tag, obs.points))
            if reason is None:
                reason = judge._reason(obs, points)
            amount = None
            if facts.rate is not None:  # after caps, before any floor (what a floor absorbs still costs)
                cost = facts.rate * points
                money += cost
                amount = yuan(cost)
            rows.append(
                deduction_fields(
                    rule=rule_id,
                    article=obs.article,
                    section=facts.section,
                    points=points,
                    observations=(obs.id,),
                    reason=reason,
                    note=obs.note,
                    raw_points=obs.points,
                    provenance=facts.provenance,
                    date=obs.date,
                    tag=obs.tag,
                    persons=obs.persons,
                    employees=obs.employees,
                    layer=facts.layer,
                    amount=amount,
                )
            )
            if appeals is not None:
                self._with_appeal(rows[-1])
        rows.sort(key=_deduction_order)
        return CardAccount(**self._account(outlet, period, tuple(rows), pending, dismissed, per_section, money, judged))

    def _account(
        self,
        outlet: str,
        period: str,
        rows: tuple[dict[str, Any], ...],
        pending: list[str],
        dismissed: list[str],
        per_section: dict[int, int],
        money: Decimal,
        judged: set[Accountant],
    ) -> dict[str, Any]:
        """A card's fields (:class:`CardAccount`'s) from its accounted deductions: sections
        (floors, allotments), totals, the rest."""
        by_version = self._by_version
        end = self if by_version is None else by_version[self.c.versions.index_at_end(period)]  # type: ignore[union-attr]
        overturned = self._overturned(outlet, period)
        sections = []
        memos: list[dict[int, SectionScore]]
        if by_version is None:
            shown, memos = self._sections, self._section_scores
        else:
            shown = _sections(end, _card_sections(end, [a for a in reversed(by_version) if a in judged], per_section))
            memos = [{} for _ in shown]  # not kept: the sections of each amended card vary
        for (number, title, allotment, assumed, assessable, floor_value), memo in zip(shown, memos, strict=True):
            deducted = per_section.get(number, 0)
            section = memo.get(deducted)
            if section is None:  # a frozen record, shared by every card that lost as many points here
                raw = allotment - deducted
                score = raw if floor_value is None else max(floor_value, raw)
                section = memo[deducted] = SectionScore(
                    number=number,
                    title=title,
                    allotment=allotment,
                    deducted=deducted,
                    score=score,
                    assumed=assumed,
                    assessable=assessable,
                    floor=floor_value,
                    beyond_floor=score - raw,
                )
            sections.append(section)
        entry = self.facts.registry.get(outlet)
        touched = self._rejections.get(outlet)
        rejections = touched[period] + touched[None] if touched is not None else 0
        scored = (outlet, period) in self.facts.present
        if not scored:  # nothing accepted: no deduction to make, and no score to give
            sections = [attrs.evolve(s, score=None) for s in sections]
        return dict(
            outlet=outlet,
            county=entry.county if entry is not None else None,
            name=entry.name if entry is not None else None,
            period=period,
            total=sum(s.score or 0 for s in sections) if scored else None,
            sections=tuple(sections),
            deductions=rows,
            pending=tuple(sorted(pending)),
            dismissed=tuple(sorted(dismissed)),
            scored=scored,
            reason=None if scored else not_scored_reason(rejections),
            rejections=rejections,
            overturned=overturned,
            versions=_amendment_ids(self._by_version, {*judged, end}),
            amount=yuan(money) if self._has_rates and scored else None,
            fined=yuan(self._fined.get((outlet, period), Decimal(0))) if self._has_fines and scored else None,
        )

    def card_bytes(self, outlet: str, period: str) -> bytes:
        """``orjson.dumps(self.card(outlet, period).json())``, made without a dict per deduction:
        each deduction is its shape's bytes (memoised) around its id, note and employees, each
        encoded by orjson, and the work is done a column at a time. Where a card needs more (an
        amended pack, caps, an appealed deduction, a text the shape's bytes cannot hold) it is
        made by :meth:`card`, the reference."""
        return b"".join(self.card_parts(outlet, period))

    def card_parts(self, outlet: str, period: str) -> tuple[bytes, ...]:
        """:meth:`card_bytes` in pieces (joined, they are its bytes): written one after the other,
        a large card's deductions are not copied once more to make one bytes object."""
        parts = None if self._by_version is not None or self._has_caps else self._fast_card(outlet, period)
        return parts if parts is not None else (orjson.dumps(self.card(outlet, period).json()),)

    def _fast_card(self, outlet: str, period: str) -> tuple[bytes, ...] | None:
        observations = self.facts.observations.get((outlet, period), ())
        view = self.facts.appeal_view
        if view is not None and view.refs and not view.refs.keys().isdisjoint(map(_id, observations)):
            return None
        made = self.body(observations)
        if made is None:
            return None
        pending, dismissed, per_section, money, body = made
        fields = self._account(outlet, period, (), pending, dismissed, per_section, money, set())
        data = scorecard_json(**{**fields, "deductions": [], "overturned": list(fields["overturned"])})  # as CardAccount.json()
        # The card around its deductions: orjson writes no NUL byte of its own (U+0000 is \u0000).
        data["deductions"] = orjson.Fragment(b"\x00")
        head, _, tail = orjson.dumps(data).partition(b"\x00")
        if b"\x00" in tail:  # never
            return None
        return (head, *body, tail)

    def _with_appeal(self, row: dict[str, Any]) -> None:
        """A deduction row with its appeal (as of the view's day) and its original points."""
        view = self.facts.appeal_view
        assert view is not None
        oid = row["observations"][0]
        ref = view.refs.get(oid)
        if ref is not None:
            row["appeal"] = appeal_fields(id=ref.id, state=ref.state, decision=ref.decision, decided=ref.decided)
            row["original_points"] = view.original_points.get(oid)

    def _overturned(self, outlet: str, period: str) -> tuple[dict[str, Any], ...]:
        """The card's deductions an appeal overturned: shown with the points they asked, not counted."""
        view = self.facts.appeal_view
        if view is None or not view.overturned:
            return ()
        rows = []
        for obs in view.overturned.get((outlet, period), ()):
            judge = self  # judged, like a counted deduction, by the version in force on its date
            if self._by_version is not None:
                judge = self._by_version[self.c.versions.index_at(obs.date)]  # type: ignore[union-attr]
            facts = judge._rules[obs.rule]
            if facts.outcome != "deduct":
                continue
            row = deduction_fields(
                rule=obs.rule,
                article=obs.article,
                section=facts.section,
                points=obs.points,
                observations=(obs.id,),
                reason=judge._reason(obs, obs.points),
                note=obs.note,
                raw_points=obs.points,
                provenance=facts.provenance,
                date=obs.date,
                tag=obs.tag,
                persons=obs.persons,
                employees=obs.employees,
                layer=facts.layer,
                amount=None,  # overturned: it costs nothing
            )
            self._with_appeal(row)
            rows.append(row)
        return tuple(sorted(rows, key=_deduction_order))


def _floor_value(floor: Floor) -> int | None:
    return floor.value if floor.policy == "minimum" else None


#: (number, title, allotment, assumed, assessable, floor) of a section: what a card shows of it but its points.
_SectionRow = tuple[int, str | None, int, bool, bool, int | None]


def _sections(end: Accountant, sections: Iterable[Section]) -> list[_SectionRow]:
    """Each section as ``end`` scores it."""
    rows: list[_SectionRow] = []
    for s in sections:
        assert s.allotment is not None
        floor = end._floors[s.number] if s.number in end._floors else _floor_value(floor_of(end.c.pack.meta, s))
        assumed = s.allotment.provenance == "assumed"
        rows.append((s.number, s.title, s.allotment.value, assumed, s.number in end.c.assessable_sections, floor))
    return rows


def _card_sections(end: Accountant, judged: list[Accountant], per_section: dict[int, int]) -> list[Any]:
    """An amended pack's card: the sections scored on the period's last day, and any section an
    earlier text scored that holds deductions of this period (an amendment that stops scoring a
    section loses none of the points deducted in it before)."""
    sections = list(end.c.scored_sections)
    shown = {s.number for s in sections}
    for a in judged:  # the latest text that scored it gives its allotment
        for s in a.c.scored_sections:
            if s.number not in shown and s.number in per_section:
                sections.append(s)
                shown.add(s.number)
    return sorted(sections, key=lambda s: s.number)


def _amendment_ids(by_version: tuple[Accountant, ...] | None, judged: set[Accountant]) -> tuple[str, ...]:
    """The amendments among the versions that judged a card, in date order (none: the original text)."""
    if by_version is None:
        return ()
    ids = by_version[0].c.versions.ids  # type: ignore[union-attr]
    return tuple(i for a, i in zip(by_version, ids, strict=True) if a in judged and i is not None)


def _deduction_order(d: dict[str, Any]) -> tuple[Any, ...]:
    """Section, then article (complaints after the numbered articles), then observation."""
    article = d["article"]
    return (d["section"], article is None, article or 0, d["observations"][0])


def scorecards(
    compiled: CompiledPack,
    facts: Facts,
    period: str | None = None,
    *,
    fined: Mapping[tuple[str, str], Decimal] | None = None,
) -> tuple[Scorecard, ...]:
    """Every scorecard of ``period`` (all periods with facts when None), by period then outlet.
    ``fined``: yuan of fines per (outlet, period), when the caller has computed the fines."""
    accountant = Accountant(compiled, facts, fined)
    return tuple(accountant.card(o, p).scorecard() for o, p in card_keys(facts, period))


def scorecard(compiled: CompiledPack, facts: Facts, outlet: str, period: str) -> Scorecard:
    """One outlet's scorecard for one period (full allotments when it has no deduction; not
    scored when it has no accepted inspection, finding or complaint in the period)."""
    return Accountant(compiled, facts).card(outlet, period).scorecard()


def iter_scorecard_json(
    compiled: CompiledPack,
    facts: Facts,
    period: str | None = None,
    *,
    fined: Mapping[tuple[str, str], Decimal] | None = None,
) -> Iterator[dict[str, Any]]:
    """The same scorecards as :func:`scorecards`, one at a time as the plain data of their JSON
    (no typed objects in between: the output path of a large run)."""
    accountant = Accountant(compiled, facts, fined)
    for o, p in card_keys(facts, period):
        yield accountant.card(o, p).json()


def iter_scorecard_bytes(
    compiled: CompiledPack,
    facts: Facts,
    period: str | None = None,
    *,
    fined: Mapping[tuple[str, str], Decimal] | None = None,
) -> Iterator[tuple[bytes, ...]]:
    """The JSON of each card of :func:`iter_scorecard_json`, byte for byte what ``orjson.dumps``
    makes of it, in pieces to be written one after the other (:meth:`Accountant.card_parts`):
    the output path of a large run."""
    accountant = Accountant(compiled, facts, fined)
    for o, p in card_keys(facts, period):
        yield accountant.card_parts(o, p)
