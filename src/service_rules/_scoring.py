"""Pure accounting: a period's scorecards from the facts, under a compiled pack.

Nothing here asks the engine anything (the rule of each observation was decided at ingest)
and nothing is written anywhere: :func:`scorecards` and its streaming twin read the
:class:`Facts` and return results. Caps (per rule and scorecard) and floors (per section) are
applied here, and whatever a cap or floor absorbs stays visible (``raw_points``,
``beyond_floor``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import chain, compress, groupby, repeat
from operator import attrgetter, is_not, itemgetter
from typing import Any

import attrs
import orjson

from ._compiler import CompiledPack
from ._fines import fined_per_card, fines_and_actions
from ._groups import group_fines
from ._model import Floor, Section, floor_of
from ._moneyrules import yuan
from ._results import Deduction, Scorecard, SectionScore, appeal_fields, deduction_fields, scorecard_json
from ._store import Facts, Observation
from ._templates import parse as parse_template


@attrs.frozen
class _RuleFacts:
    """Per rule, what accounting needs."""

    outcome: str
    section: int
    cap: int | None
    provenance: str
    layer: str | None
    #: Yuan per point (money.toml), None where no rate reaches the rule.
    rate: Decimal | None = None


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


DEDUCT, PENDING, DISMISSED, SLOW = 0, 1, 2, 3


@attrs.frozen
class _Shape:
    """What the deductions of one (rule, article, points, persons, tag) share, for
    :meth:`Accountant.card_bytes`: how they count, where they sort, and their JSON but for the
    four fields that differ (id, note, date, employees). ``kind`` is DEDUCT, PENDING, DISMISSED,
    or SLOW: a card with a SLOW observation is made by :meth:`Accountant.card` (its bytes could
    not be cut here)."""

    kind: int
    #: The order of :func:`_deduction_order` but for the observation id: deductions by section,
    #: then articles before complaints, then article, packed in one small int (bounds checked);
    #: SLOW (-3), pending (-2) and dismissed (-1) observations first.
    rank: int = 0
    section: int = 0
    points: int = 0
    #: Yuan each costs (the rule's rate × points), None where no rate reaches the rule.
    cost: Decimal | None = None
    #: A deduction is ``head`` id ``mid`` date ``end`` (the id without its quotes), and a comma:
    #: ``{"rule":…,"observations":["`` id ``"],"reason":…,"note":null,…,"date":`` date
    #: ``,"tag":…,"employees":null,…},``. With a note, ``mid`` is ``to_note`` note ``after_note``
    #: (the note without its quotes); with employees, ``end`` is ``to_employees`` employees ``tail``.
    head: bytes = b""
    mid: bytes = b""
    end: bytes = b""
    to_note: bytes = b""
    after_note: bytes = b""
    to_employees: bytes = b""
    tail: bytes = b""


_SLOW = _Shape(SLOW, rank=-3)

#: Where the varying fields go in a shape's rendered deduction: strings no pack text has (a
#: control character in a reason, a tag or a layer is escaped; a cut that does not find each
#: exactly once leaves the shape SLOW anyway).
_HOLE_ID, _HOLE_NOTE, _HOLE_DATE, _HOLE_EMPLOYEE = "\x00id\x01", "\x00note\x01", "\x00date\x01", "\x00emp\x01"
_HOLES = (
    orjson.dumps(_HOLE_ID),
    orjson.dumps(_HOLE_NOTE),
    orjson.dumps(_HOLE_DATE),
    orjson.dumps((_HOLE_EMPLOYEE,)),
)
#: A shape is keyed by ``obs[4:9]``, these fields of an Observation (a slice in C: the hot path).
_SHAPE_FIELDS = ("rule", "article", "points", "persons", "tag")
assert tuple(Observation._fields[4:9]) == _SHAPE_FIELDS
_shape_key = itemgetter(slice(4, 9))
_id, _date, _note, _employees = (itemgetter(Observation._fields.index(f)) for f in ("id", "date", "note", "employees"))
_rank_of, _points_of, _section_of = attrgetter("rank"), attrgetter("points"), attrgetter("section")
_NO_MONEY = Decimal(0)
_head_of, _mid_of, _end_of = attrgetter("head"), attrgetter("mid"), attrgetter("end")
#: A rank packs (section, complaint?, article) in one small int; beyond these bounds a card is slow.
_SECTIONS, _ARTICLES, _SECTION_SHIFT = 1 << 10, 1 << 18, 19
#: Deductions joined into one piece of a card's bytes.
_BODY = 2048


#: Shapes whose JSON pieces an accountant keeps (about 1 KB each); past them a card takes the
#: general path.
_MAX_SHAPES = 1 << 16


class _Memo(dict[Any, Any]):
    """A dict that makes a missing value with ``make(key)`` (looked up in C by ``map``)."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


def _strings(values: list[str]) -> list[bytes]:
    """The JSON of each string without its quotes, from one ``orjson.dumps`` of them all cut at
    ``","``, when that output has no backslash: then no string holds a quote (orjson writes one
    as ``\\"``), every quote is a string's own, and ``","`` is only ever a separator. Otherwise
    each string is encoded alone."""
    data = orjson.dumps(values)
    if b"\\" not in data:
        parts = data[2:-2].split(b'","')
        if len(parts) == len(values):
            return parts
    return [orjson.dumps(v)[1:-1] for v in values]




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


class Accountant:
    """Scorecards of one run's facts; holds only memos (reason texts, per-rule facts)."""

    def __init__(
        self, compiled: CompiledPack, facts: Facts, fined: Mapping[tuple[str, str], Decimal] | None = None
    ) -> None:
        self.c = compiled
        self.facts = facts
        self._reasons: dict[tuple[Any, ...], str] = {}
        #: card_bytes' memos: the shapes (by obs[4:9]), each date's JSON.
        self._shapes = _Memo(self._make_shape)
        self._dates = _Memo(orjson.dumps)
        layers = compiled.pack.rule_layers
        self._rules = {
            rid: _RuleFacts(
                outcome=r.rule.outcome,
                section=r.rule.section,
                cap=r.rule.cap.value if r.rule.cap is not None else None,
                provenance=(r.rule.deduct.provenance if r.rule.deduct is not None else None) or "",
                layer=layers.get(rid),
                rate=compiled.money.rates.get(rid),
            )
            for rid, r in compiled.rules.items()
        }
        self._has_rates = compiled.money.has_rates
        self._has_fines = bool(compiled.money.fines)
        if self._has_fines and fined is None:
            fined = fined_per_card(group_fines(compiled, fines_and_actions(compiled, facts)[0]).fines)
        self._fined = fined or {}
        self._has_caps = any(f.cap is not None for f in self._rules.values())
        self._rejections = rejection_counts(facts)
        meta = compiled.pack.meta
        self._floors = {
s.number: _floor_value(floor_of(meta, s)) for s in compiled.scored_sections}
        #: What a card shows of each scored section but its points (for a pack without amendments).
        self._sections = _sections(self, compiled.scored_sections)
        #: Per section, its score by points deducted (made once: frozen, shared by the cards).
        self._section_scores: list[dict[int, SectionScore]] = [{} for _ in self._sections]
        #: An amended pack: one accountant per version (its rules, reasons, allotments and floor).
        self._by_version: tuple[Accountant, ...] | None = None
        if compiled.versions is not None:
            self._by_version = (self, *(Accountant(v, facts) for v in compiled.versions.items[1:]))
            self._has_caps = any(a._has_caps for a in self._by_version)

    def _reason(self, obs: Observation, points: int) -> str:
        key = (obs.rule, obs.article, points, obs.persons, obs.tag, obs.points)
        text = self._reasons.get(key)
        if text is None:
            label = obs.tag
            if obs.tag is not None and obs.article is not None:
                label = self.c.articles[obs.article].tags.get(obs.tag, obs.tag)
            text = parse_template(self.c.rules[obs.rule].rule.reason).render(
                {
                    "article": obs.article,
                    "points": points,
                    "persons": obs.persons,
                    "tag": label,
                    "raw_points": obs.points,
                }
            )
            self._reasons[key] = text
        return text

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
        # A column at a time, in C where it can be: each observation's shape, its id, its rank.
        by_input: list[_Shape] = list(map(self._shapes.__getitem__, map(_shape_key, observations)))
        ids = list(map(_id, observations))
        ranks = list(map(_rank_of, by_input))
        # Stable sorts by id, then by rank: _deduction_order's order, input order among equals.
        order = sorted(range(len(ids)), key=ids.__getitem__)
        order.sort(key=ranks.__getitem__)
        ranks = list(map(ranks.__getitem__, order))
        shapes = list(map(by_input.__getitem__, order))
        if ranks and ranks[0] == _SLOW.rank:
            return None
        skipped = bisect_left(ranks, 0)  # pending and dismissed sort first
        pending: list[str] = []
        dismissed: list[str] = []
        if skipped:
            for j, shape in zip(order[:skipped], shapes[:skipped], strict=True):
                (pending if shape.kind == PENDING else dismissed).append(ids[j])
        # A section's deductions are one run of the sorted shapes (its number leads the rank).
        per_section = {n: sum(map(_points_of, run)) for n, run in groupby(shapes[skipped:], _section_of)}
        money = _NO_MONEY
        if self._has_rates:  # added one by one in input order, as card() adds them
            for shape in by_input:
                if shape.cost is not None:
                    money += shape.cost
        order, shapes = order[skipped:], shapes[skipped:]
        body = [b"[]"]
        if order:
            deducted = list(map(observations.__getitem__, order))
            mids = list(map(_mid_of, shapes))
            notes = list(map(_note, deducted))
            noted = list(compress(range(len(notes)), map(is_not, notes, repeat(None))))
            if noted:
                for j, text in zip(noted, _strings([notes[j] for j in noted]), strict=True):
                    shape = shapes[j]
                    mids[j] = shape.to_note + text + shape.after_note
            ends = list(map(_end_of, shapes))
            employees = list(map(_employees, deducted))
            for j in compress(range(len(employees)), map(is_not, employees, repeat(None))):
                shape = shapes[j]
                ends[j] = shape.to_employees + orjson.dumps(employees[j]) + shape.tail
            ids = _strings(list(map(_id, deducted)))
            dates = list(map(self._dates.__getitem__, map(_date, deducted)))
            heads = list(map(_head_of, shapes))
            ends[-1] = ends[-1][:-1] + b"]"  # the last deduction's comma
            # In pieces of a few thousand deductions (a card of 30,000 joined at once costs ~5×:
            # its parts and its bytes no longer fit in the caches), written one after the other.
            body = [b"["]
            for a in range(0, len(ids), _BODY):
                b = a + _BODY
                one = zip(heads[a:b], ids[a:b], mids[a:b], dates[a:b], ends[a:b], strict=True)
                body.append(b"".join(chain.from_iterable(one)))
        fields = self._account(outlet, period, (), pending, dismissed, per_section, money, set())
        data = scorecard_json(**{**fields, "deductions": [], "overturned": list(fields["overturned"])})  # as CardAccount.json()
        # The card around its deductions: orjson writes no NUL byte of its own (U+0000 is \u0000).
        data["deductions"] = orjson.Fragment(b"\x00")
        head, _, tail = orjson.dumps(data).partition(b"\x00")
        if b"\x00" in tail:  # never
            return None
        return (head, *body, tail)

    def _make_shape(self, key: tuple[Any, ...]) -> _Shape:
        """The shape of the observations of ``key`` (``obs[4:9]``: rule, article, points, persons, tag)."""
        rule, article, points, persons, tag = key
        facts = self._rules[rule]
        if len(self._shapes) >= _MAX_SHAPES:  # hostile input (every finding its own persons): no more pieces kept
            return _SLOW
        if facts.outcome != "deduct":
            return _Shape(PENDING, rank=-2) if facts.outcome == "pending" else _Shape(DISMISSED, rank=-1)
        if not (0 <= facts.section < _SECTIONS and (article is None or 0 <= article < _ARTICLES)):
            return _SLOW
        cost = facts.rate * points if facts.rate is not None else None
        obs = Observation(
            id=_HOLE_ID, outlet="", period="", date="", rule=rule, article=article, points=points, persons=persons, tag=tag
        )
        row = deduction_fields(
            rule=rule,
            article=article,
            section=facts.section,
            points=points,
            observations=(_HOLE_ID,),
            reason=self._reason(obs, points),
            note=_HOLE_NOTE,
            raw_points=points,
            provenance=facts.provenance,
            date=_HOLE_DATE,
            tag=tag,
            persons=persons,
            employees=(_HOLE_EMPLOYEE,),
            layer=facts.layer,
            amount=yuan(cost) if cost is not None else None,
        )
        pieces = _cut(orjson.dumps(row), _HOLES)
        if pieces is None:
            return _SLOW
        head, to_note, to_date, to_employees, tail = pieces
        tail += b","
        return _Shape(
            DEDUCT,
            rank=(facts.section << _SECTION_SHIFT) | ((article is None) << 18) | (article or 0),
            section=facts.section,
            points=points,
            cost=cost,
            head=head + b'"',
            mid=b'"' + to_note + b"null" + to_date,
            end=to_employees + b"null" + tail,
            to_note=b'"' + to_note + b'"',
            after_note=b'"' + to_date,
            to_employees=to_employees,
            tail=tail,
        )

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


def _cut(data: bytes, holes: tuple[bytes, ...]) -> tuple[bytes, ...] | None:
    """``data`` cut at each of ``holes`` in turn (each found once, in that order), else None."""
    pieces = []
    for hole in holes:
        before, found, data = data.partition(hole)
        if not found or hole in before or hole in data:
            return None
        pieces.append(before)
    return (*pieces, data)


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
