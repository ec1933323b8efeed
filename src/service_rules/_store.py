"""The run's facts: one immutable store of typed observations, registrations and rejections.

:func:`service_rules._ingest.ingest` builds a :class:`Facts` once per run; everything after it
(scorecards, oversight, candidates, pack tests, diffs) only reads it. Nothing here knows the
pack's rules or how points are counted: these are the accepted records, typed and indexed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import attrs

from ._results import InputSummary, PackRef, Rejection, ResultWarning


class Observation(NamedTuple):
    """An accepted finding or complaint with the rule that decided it and the points it asks for.

    A named, immutable tuple rather than a frozen attrs class: one is made per input line, and a
    frozen attrs ``__init__`` (one ``object.__setattr__`` per field) measured at about twice the
    cost, several percent of a large run. Built by keyword and read by name like every record.
    """

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


class Inspection(NamedTuple):
    """An accepted inspection of an outlet (a named tuple for the reason given at Observation)."""

    id: str
    outlet: str
    date: str
    by: str


@attrs.frozen
class Registration:
    """An outlet's registry entry: the county union it belongs to, and its name when given."""

    outlet: str
    county: str
    name: str | None = None


@attrs.frozen
class LapseRecord:
    """A county union's lapse given in the input (derived lapses are oversight's)."""

    id: str
    county: str
    date: str
    kind: str
    note: str | None = None


@attrs.frozen
class ReportRecord:
    """A county union's report on a quarter's inspections."""

    id: str
    county: str
    quarter: str
    submitted: str


@attrs.frozen
class Watched:
    """An observation an oversight rule counts: the rule (a ladder or streak id, or an
    exclusion code), the subject it counts for, when (a date, or a month for streaks), the id."""

    rule: str
    subject: str
    when: str
    id: str
    #: The values of the ladder's ``same`` fields (empty when it has none).
    key: tuple[object, ...] = ()


@attrs.frozen
class Facts:
    """Everything one run accepted and rejected, read-only once built."""

    pack: PackRef
    inputs: tuple[InputSummary, ...]
    rejected: tuple[Rejection, ...]
    registry: Mapping[str, Registration]
    #: (outlet, period) → its findings and complaints, in input order
    observations: Mapping[tuple[str, str], tuple[Observation, ...]]
    #: (outlet, period) → its inspections, in input order
    inspections: Mapping[tuple[str, str], tuple[Inspection, ...]]
    #: (outlet, period) of every accepted inspection, finding and complaint
    present: frozenset[tuple[str, str]]
    lapses: tuple[LapseRecord, ...]
    reports: tuple[ReportRecord, ...]
    ladder_facts: tuple[Watched, ...]
    streak_facts: tuple[Watched, ...]
    exclusions: tuple[Watched, ...]
    warnings: tuple[ResultWarning, ...] = ()

    def county_of(self, outlet: str) -> str | None:
        """The registered county union of an outlet (None when it is not registered)."""
        entry = self.registry.get(outlet)
        return entry.county if entry is not None else None
