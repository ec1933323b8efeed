"""Article 44 (and its like): outlets eligible for recommendation as model units, ranked.

Eligibility and exclusions are the pack's (``[recommendation]`` in oversight.toml); the
ranking is the mean quarterly total over the judged quarters of the year, ties broken by
fewer deductions, then outlet id. The list proposes; the union decides (``notice``).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections import defaultdict
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs
import orjson

from ._appeals import standing
from ._compiler import CompiledPack
from ._errors import UsageError
from ._evaluate import as_compiled, as_date, check_year
from ._ingest import Records, Source, ingest
from ._model import Pack
from ._oversight import judged_periods
from ._periods import GRANULARITY_WORDS, granularity_of
from ._results import InputSummary, PackRef, Rejection, ResultWarning, results_converter, unattributed
from ._scoring import Accountant
from ._store import Facts


@attrs.frozen
class QuarterTotal:
    period: str
    total: int


@attrs.frozen
class Candidate:
    rank: int
    outlet: str
    county: str | None
    mean_total: float
    deductions: int
    quarters: tuple[QuarterTotal, ...]
    #: The outlet's registered name (``name`` of its outlet record), when given.
    name: str | None = None


@attrs.frozen
class ExclusionReason:
    code: str
    reason: str
    observations: tuple[str, ...]


@attrs.frozen
class Excluded:
    outlet: str
    county: str | None
    reasons: tuple[ExclusionReason, ...]
    name: str | None = None


@attrs.frozen
class CandidatesResult:
    pack: PackRef
    as_of: str
    year: int
    title: str
    notice: str
    judged_quarters: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    excluded: tuple[Excluded, ...]
    inputs: tuple[InputSummary, ...]
    rejected: tuple[Rejection, ...]
    warnings: tuple[ResultWarning, ...] = ()
    #: Rejected lines that name no readable outlet (as in ``score``).
    unattributed: int = 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = results_converter.unstructure(self)
        return data

    def to_json(self, *, indent: bool = False) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2 if indent else 0)


def candidates(
    pack: Pack | CompiledPack | str | os.PathLike[str],
    inputs: Sequence[Source | Records],
    *,
    year: int,
    as_of: _dt.date | str | None = None,
    top: int | None = None,
    strict_registry: bool = False,
) -> CandidatesResult:
    """Rank the outlets eligible for recommendation in ``year`` (``top``: the first N only).

    An outlet that a rejected line of the year names (or an undated one) is withheld, listed as
    excluded with code ``rejected_lines``: its ranking could be wrong until the line is fixed."""
    compiled = as_compiled(pack)
    check_year(year)
    # an amended pack: the recommendation rules in force at the year's end
    rec = compiled.in_force(f"{year:04d}-12-31").oversight.recommendation
    if rec is None:
        raise UsageError(f"pack {compiled.name} has no [recommendation] rules")
    if top is not None and (type(top) is not int or top < 1):
        raise UsageError(f"top={top}: must be at least 1", param="top")
    day = as_date(as_of)
    facts = standing(ingest(compiled, inputs, strict_registry=strict_registry), day)
    accountant = Accountant(compiled, facts)
    judged = [q for q in judged_periods(facts, day) if q[:4] == f"{year:04d}"]
    touched: defaultdict[str, list[Rejection]] = defaultdict(list)
    for r in facts.rejected:
        if r.outlet is not None and (r.period is None or r.period[:4] == f"{year:04d}"):
            touched[r.outlet].append(r)
    outlets = set(facts.registry) | {o for o, q in facts.present if q[:4] == f"{year:04d}"} | set(touched)
    reasons: defaultdict[str, list[ExclusionReason]] = defaultdict(list)
    by_code = {e.code: e for e in rec.exclude}
    for version in compiled.versions.items if compiled.versions is not None else ():
        for e in version.oversight.recommendation.exclude if version.oversight.recommendation else ():
            by_code.setdefault(e.code, e)  # an exclusion watched under another version
    hits: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for w in facts.exclusions:
        if w.when.startswith(f"{year}-"):
            hits[(w.subject, w.rule)].append(w.id)
    for (outlet, code), found in sorted(hits.items()):
        reasons[outlet].append(
            ExclusionReason(code=code, reason=by_code[code].reason, observations=tuple(sorted(found)))
        )
    ranked: list[tuple[Fraction, int, str, list[QuarterTotal], str | None]] = []
    for outlet in sorted(outlets):
        county = facts.county_of(outlet)
        if county is None:
            reasons[outlet].insert(
                0,
                ExclusionReason(
                    code="unregistered", reason="未在网点名录中登记,无法确认所属县级联社的检查", observations=()
                ),
            )
        if rec.every_quarter_inspected:
            missed = [q for q in judged if not any(i.by == "county" for i in facts.inspections.get((outlet, q), ()))]
            if missed:
                reasons[outlet].insert(
                    0,
                    ExclusionReason(
                        code="not_inspected",
                        reason=f"{'、'.join(missed)}未接受县级联社检查(无评分不等于满分)",
                        observations=(),
                    ),
                )
        lines = touched.get(outlet)
        if lines:
            reasons[outlet].append(_rejected_lines(lines))
        if outlet in reasons or not judged:
            continue
        cards = [accountant.card(outlet, q).scorecard() for q in judged]
        unscored = [c.period for c in cards if not c.scored]
        if unscored:  # a quarter without a score is not a perfect quarter: never ranked
            reasons[outlet].append(
                ExclusionReason(
                    code="not_scored", reason=f"{'、'.join(unscored)}无评分(本期无检查、问题或投诉记录)", observations=()
                )
            )
            continue
        mean = Fraction(sum(c.total or 0 for c in cards), len(cards))
        ranked.append(
            (
                mean,
                sum(len(c.deductions) for c in cards),
                outlet,
                [QuarterTotal(period=c.period, total=c.total or 0) for c in cards],
                county,
            )
        )
    ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
    if top is not None:
        ranked = ranked[:top]
    chosen = tuple(
        Candidate(
            rank=i,
            outlet=outlet,
            county=county,
            mean_total=round(float(mean), 2),
            deductions=n,
            quarters=tuple(quarters),
            name=_name_of(facts, outlet),
        )
        for i, (mean, n, outlet, quarters, county) in enumerate(ranked, start=1)
    )
    excluded = tuple(
        Excluded(outlet=o, county=facts.county_of(o), reasons=tuple(r), name=_name_of(facts, o))
        for o, r in sorted(reasons.items())
        if o in outlets
    )
    return CandidatesResult(
        pack=facts.pack,
        as_of=day.isoformat(),
        year=year,
        title=rec.title,
        notice=rec.notice,
        judged_quarters=tuple(judged),
        candidates=chosen,
        excluded=excluded,
        inputs=facts.inputs,
        rejected=facts.rejected,
        warnings=facts.warnings,
        unattributed=unattributed(facts.rejected),
    )


def _rejected_lines(lines: list[Rejection]) -> ExclusionReason:
    """Why an outlet touched by rejected lines is withheld, naming the lines."""
    shown = "、".join(
        f"{r.file}" + (f"“{r.sheet}”" if r.sheet is not None else "") + f":{r.line}" for r in lines[:10]
    ) + ("等" if len(lines) > 10 else "")
    return ExclusionReason(
        code="rejected_lines",
        reason=f"有{len(lines)}行涉及本网点的输入被拒绝({shown}),更正后方可评定",
        observations=tuple(sorted({r.id for r in lines if r.id is not None})),
    )


def _name_of(facts: Facts, outlet: str) -> str | None:
    entry = facts.registry.get(outlet)
    return entry.name if entry is not None else None


def render_candidates(result: CandidatesResult) -> str:
    from ._report import _table, escape, rejection_summary, unread_lines, warning_lines

    out = [f"{result.title}({result.year}年,规则包 {result.pack.name} {result.pack.version},截至 {result.as_of})"]
    judged = result.judged_quarters
    found = granularity_of(judged[0]) if judged else None
    word = GRANULARITY_WORDS[found] if found else "季度"  # 季度, 月, 半年, 年 (none judged: as before)
    short = {"季度": "季"}.get(word, word)
    out.append(f"评定{word}:{'、'.join(judged) or f'无(年内没有已结束且有检查记录的{word})'}")
    if result.candidates:
        rows = [["名次", "网点", "网点名称", "县联社", f"{short}均总分", "扣分项", f"各{short}总分"]]
        for c in result.candidates:
            rows.append(
                [
                    str(c.rank),
                    c.outlet,
                    c.name or "",
                    c.county or "",
                    f"{c.mean_total:g}",
                    str(c.deductions),
                    " ".join(f"{q.period}:{q.total}" for q in c.quarters),
                ]
            )
        out.extend("  " + line for line in _table(rows, right=(0, 4, 5)))
    else:
        out.append("  (无符合条件的网点)")
    if result.excluded:
        out.append("不列入候选:")
        for e in result.excluded:
            why = ";".join(r.reason + (f"({'、'.join(r.observations)})" if r.observations else "") for r in e.reasons)
            named = f" {escape(e.name)}" if e.name else ""
            out.append(f"  {escape(e.outlet)}{named}({escape(e.county or '未登记')}):{escape(why)}")
    out.append(rejection_summary(len(result.rejected), result.unattributed))
    out.extend(unread_lines(result.inputs))
    out.extend(warning_lines(result.warnings))
    out.append(result.notice)
    return "\n".join(out) + "\n"
