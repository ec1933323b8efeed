"""A deduction's JSON bytes by its shape: what the scorecards' output path writes.

Most deductions of a run share a handful of shapes — (rule, article, points, persons, tag) —
and differ only in their id, note, date and employees. :class:`CardBytes` renders each shape's
deduction once, with holes where those four go, and makes a card's list of deductions by joining
the pieces, a column at a time. It reads nothing but the compiled pack and the observations it
is given (no facts of the run); :class:`_scoring.Accountant` is one, and tests/test_card_bytes.py
holds its bytes to :meth:`_scoring.Accountant.card`, the reference.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import chain, compress, groupby, repeat
from operator import attrgetter, is_not, itemgetter
from typing import Any, NamedTuple

import attrs
import orjson

from ._compiler import CompiledPack
from ._moneyrules import yuan
from ._results import deduction_fields
from ._store import Observation
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


DEDUCT, PENDING, DISMISSED, SLOW = 0, 1, 2, 3


@attrs.frozen
class _Shape:
    """What the deductions of one (rule, article, points, persons, tag) share, for
    :meth:`CardBytes.body`: how they count, where they sort, and their JSON but for the
    four fields that differ (id, note, date, employees). ``kind`` is DEDUCT, PENDING, DISMISSED,
    or SLOW: a card with a SLOW observation is made by :meth:`_scoring.Accountant.card` (its bytes
    could not be cut here)."""

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


class Body(NamedTuple):
    """A card's deductions as :meth:`CardBytes.body` makes them: what the card's head and tail
    need of them, and their JSON list in pieces (joined, ``orjson.dumps`` of the rows)."""

    pending: list[str]
    dismissed: list[str]
    per_section: dict[int, int]
    money: Decimal
    parts: list[bytes]


class CardBytes:
    """The memos of a compiled pack's deductions: reason texts, per-rule facts, shapes, dates."""

    def __init__(self, compiled: CompiledPack) -> None:
        self.c = compiled
        self._reasons: dict[tuple[Any, ...], str] = {}
        #: body()'s memos: the shapes (by obs[4:9]), each date's JSON.
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
        self._has_caps = any(f.cap is not None for f in self._rules.values())

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

    def body(self, observations: Sequence[tuple[Any, ...]]) -> Body | None:
        """The deductions of a card of ``observations`` when every one has a shape (None
        otherwise: the card takes the general path). A column at a time, in C where it can be: each observation's shape, its id, its
        rank."""
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
        return Body(pending, dismissed, per_section, money, body)

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


def _cut(data: bytes, holes: tuple[bytes, ...]) -> tuple[bytes, ...] | None:
    """``data`` cut at each of ``holes`` in turn (each found once, in that order), else None."""
    pieces = []
    for hole in holes:
        before, found, data = data.partition(hole)
        if not found or hole in before or hole in data:
            return None
        pieces.append(before)
    return (*pieces, data)
