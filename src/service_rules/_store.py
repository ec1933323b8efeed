"""The run's facts: one immutable store of typed observations, registrations and rejections.

:func:`service_rules._ingest.ingest` builds a :class:`Facts` once per run; everything after it
(scorecards, oversight, candidates, pack tests, diffs) only reads it. Nothing here knows the
pack's rules or how points are counted: these are the accepted records, typed and indexed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import attrs

from ._results import AppealRef, InputSummary, PackRef, Rejection, Replacement, ResultWarning


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
class AppealRecord:
    """An accepted appeal (申诉) against a finding, complaint or lapse (a derived one too)."""

    id: str
    target: str
    filed: str
    by: str
    reason: str
    decided: str | None = None
    decision: str | None = None
    points: int | None = None
    note: str | None = None
    #: where the appeal's line is (file, sheet, line), for what is said about it later
    file: str | None = None
    sheet: str | None = None
    line: int | None = None


@attrs.frozen
class AppealView:
    """The appeals as of one day (:func:`service_rules._appeals.standing`): what each deduction
    shows, and what the day's decisions took out of the facts."""

    as_of: str
    #: target id → its appeal as the output shows it (appeals filed by the day)
    refs: Mapping[str, AppealRef]
    #: target id → the decision that counts by the day (decided on or before it)
    decisions: Mapping[str, str]
    #: (outlet, period) → the findings and complaints an appeal overturned, in input order
    overturned: Mapping[tuple[str, str], tuple[Observation, ...]]
    #: observation id → its raw points before an amending decision
    original_points: Mapping[str, int]
    #: lapses given in the input that an appeal overturned
    lapses: tuple[LapseRecord, ...] = ()
    #: ladder facts (findings and complaints a ladder counts) an appeal overturned
    ladder_facts: tuple[Watched, ...] = ()


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
    #: target id → the one appeal that counts for it (duplicates are rejected at ingest)
    appeals: Mapping[str, AppealRecord] = attrs.field(factory=dict)
    #: records a correction replaced (not judged)
    replaced: tuple[Replacement, ...] = ()
    #: the appeals as of the run's day, once :func:`service_rules._appeals.standing` applied them
    appeal_view: AppealView | None = None

    def county_of(self, outlet: str) -> str | None:
        """The registered county union of an outlet (None when it is not registered)."""
        entry = self.registry.get(outlet)
        return entry.county if entry is not None else None
