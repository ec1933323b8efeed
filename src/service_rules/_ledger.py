"""Plain Python accounting: observations → deductions → section scores → scorecards.

Nothing here asks the engine anything: the rule of each observation was decided before it
got here. Caps (per rule and scorecard) and floors (per section) are applied here, and
whatever a cap or floor absorbs stays visible (``raw_points``, ``beyond_floor``).
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from ._compiler import render_reason
from ._results import Action, Deduction, Scorecard, SectionScore

if TYPE_CHECKING:
    from ._compiler import CompiledPack


class Observation(NamedTuple):
    """An accepted finding or complaint with the rule that decided it."""

    id: str
    outlet: str
    period: str
    date: str
    rule: str
    article: int | None
    points: int
    persons: int | None = None
    tag: str | None = None
    employees: tuple[str, ...] | None = None
    note: str | None = None
    inspection: str | None = None


class Ledger:
    def __init__(self, compiled: CompiledPack) -> None:
        self.c = compiled
        self.registry: dict[str, tuple[str, str | None]] = {}
        self.by_card: defaultdict[tuple[str, str], list[Observation]] = defaultdict(list)
        self.present: set[tuple[str, str]] = set()
        #: (outlet, period) → inspections as (id, date, by)
        self.inspections: defaultdict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        #: lapse and report records, as accepted, for the oversight rules
        self.oversight: list[tuple[str, dict[str, Any], int, int]] = []
        self._reasons: dict[tuple[Any, ...], str] = {}
        self._facts_cache: dict[str, tuple[str, int, int | None, str | None, str | None]] | None = None
        self.has_caps = any(r.rule.cap is not None for r in compiled.rules.values())
        #: findings and complaints some ladder counts: (ladder id, subject, date, id)
        self.ladder_facts: list[tuple[str, str, str, str]] = []
        #: facts a streak counts: (streak id, subject, month, id)
        self.streak_facts: list[tuple[str, str, str, str]] = []
        #: facts that exclude an outlet from recommendation: (code, outlet, date, id)
        self.exclusions: list[tuple[str, str, str, str]] = []

    def add(self, obs: Observation) -> None:
        key = (obs.outlet, obs.period)
        self.by_card[key].append(obs)
        self.present.add(key)

    def add_inspection(self, obj: dict[str, Any], period: str) -> None:
        key = (obj["outlet"], period)
        self.inspections[key].append((obj["id"], obj["date"], obj["by"]))
        self.present.add(key)

    def add_oversight(self, record_type: str, obj: dict[str, Any], index: int, line: int) -> None:
        self.oversight.append((record_type, obj, index, line))

    # ---- results -------------------------------------------------------------------------
    def scorecards(self, period: str | None) -> tuple[Scorecard, ...]:
        return tuple(self.iter_scorecards(period))

    def iter_scorecards(self, period: str | None) -> Iterator[Scorecard]:
        """Scorecards one at a time, by period then outlet (the output can be streamed)."""
        for o, p in self._keys(period):
            yield self.scorecard(o, p)

    def _keys(self, period: str | None) -> list[tuple[str, str]]:
        """(outlet, period) of every scorecard: any fact in the period, and every registered outlet."""
        periods = {period} if period else {p for _, p in self.present}
        keys = {k for k in self.present if k[1] in periods}
        keys.update((o, p) for o in self.registry for p in periods)
        return sorted(keys, key=lambda k: (k[1], k[0]))

    def actions(self, period: str | None, as_of: _dt.date) -> tuple[Action, ...]:
        from ._oversight import oversight_actions

        return oversight_actions(self, as_of, period)

    def _reason(self, obs: Observation, rule_id: str, points: int) -> str:
        key = (rule_id, obs.article, points, obs.persons, obs.tag, obs.points)
        text = self._reasons.get(key)
        if text is None:
            rule = self.c.rules[rule_id].rule
            label = obs.tag
            if obs.tag is not None and obs.article is not None:
                label = self.c.articles[obs.article].tags.get(obs.tag, obs.tag)
            text = render_reason(
                rule.reason,
                {
                    "article": obs.article,
                    "points": points,
                    "persons": obs.persons,
                    "tag": label,
                    "raw_points": obs.points,
                },
            )
            self._reasons[key] = text
        return text

    def _rule_facts(self) -> dict[str, tuple[str, int, int | None, str | None, str | None]]:
        """Per rule, what accounting needs: (outcome, section, cap, provenance, layer)."""
        if self._facts_cache is None:
            layers = self.c.pack.rule_layers
            self._facts_cache = {
                rid: (
                    r.rule.outcome,
                    r.rule.section,
                    r.rule.cap.value if r.rule.cap is not None else None,
                    r.rule.deduct.provenance if r.rule.deduct is not None else None,
                    layers.get(rid),
                )
                for rid, r in self.c.rules.items()
            }
        return self._facts_cache

    def _card(self, outlet: str, period: str) -> _Card:
        """One scorecard's accounting as plain rows, in the field order of the result types."""
        c = self.c
        observations = self.by_card.get((outlet, period), [])
        if self.has_caps:  # caps bite in date order, so the order must be fixed first
            observations = sorted(observations, key=lambda o: (o.date, o.id))
        pending: list[str] = []
        dismissed: list[str] = []
        rows: list[tuple[Any, ...]] = []
        used: dict[str, int] = {}
        per_section: defaultdict[int, int] = defaultdict(int)
        facts = self._rule_facts()
        reasons = self._reasons
        for obs in observations:
            rule_id = obs.rule
            outcome, section, cap, provenance, layer = facts[rule_id]
            if outcome != "deduct":
                (pending if outcome == "pending" else dismissed).append(obs.id)
                continue
            points = obs.points
            if cap is not None:
                room = cap - used.get(rule_id, 0)
                points = max(0, min(points, room))
                used[rule_id] = used.get(rule_id, 0) + points
            per_section[section] += points
            key = (rule_id, obs.article, points, obs.persons, obs.tag, obs.points)
            reason = reasons.get(key)
            if reason is None:
                reason = self._reason(obs, rule_id, points)
            rows.append(
                (
                    rule_id,
                    obs.article,
                    section,
                    points,
                    (obs.id,),
                    reason,
                    obs.note,
                    obs.points,
                    provenance or "",
                    obs.date,
                    obs.tag,
                    obs.persons,
                    obs.employees,
                    layer,
                )
            )
        rows.sort(key=lambda d: (d[2], d[1] is None, d[1] or 0, d[4][0]))
        floor = c.pack.meta.floor
        floor_value = floor.value if floor.policy == "minimum" else None
        sections = []
        for s in c.scored_sections:
            assert s.allotment is not None
            allotment = s.allotment.value
            deducted = per_section.get(s.number, 0)
            raw = allotment - deducted
            score = raw if floor_value is None else max(floor_value, raw)
            sections.append(
                (
                    s.number,
                    s.title,
                    allotment,
                    deducted,
                    score,
                    s.allotment.provenance == "assumed",
                    s.number in c.assessable_sections,
                    floor_value,
                    score - raw,
                )
            )
        county = self.registry.get(outlet, (None, None))[0]
        total = sum(s[4] for s in sections)
        return _Card(outlet, county, period, total, sections, rows, sorted(pending), sorted(dismissed))

    def scorecard(self, outlet: str, period: str) -> Scorecard:
        card = self._card(outlet, period)
        return Scorecard(
            card.outlet,
            card.county,
            card.period,
            card.total,
            tuple(SectionScore(*s) for s in card.sections),
            tuple(Deduction(*d) for d in card.deductions),
            tuple(card.pending),
            tuple(card.dismissed),
        )

    def iter_scorecard_dicts(self, period: str | None) -> Iterator[dict[str, Any]]:
        """The same scorecards as :meth:`iter_scorecards`, as the plain data of their JSON (no
        typed objects in between: the output path of a large run)."""
        for o, p in self._keys(period):
            card = self._card(o, p)
            yield {
                "outlet": card.outlet,
                "county": card.county,
                "period": card.period,
                "total": card.total,
                "sections": [dict(zip(_SECTION_FIELDS, s, strict=True)) for s in card.sections],
                "deductions": [dict(zip(_DEDUCTION_FIELDS, d, strict=True)) for d in card.deductions],
                "pending": card.pending,
                "dismissed": card.dismissed,
            }


class _Card(NamedTuple):
    outlet: str
    county: str | None
    period: str
    total: int
    sections: list[tuple[Any, ...]]
    deductions: list[tuple[Any, ...]]
    pending: list[str]
    dismissed: list[str]


_SECTION_FIELDS = tuple(f.name for f in attrs.fields(SectionScore))
_DEDUCTION_FIELDS = tuple(f.name for f in attrs.fields(Deduction))
