"""Laws of scoring, over generated packs and observations (see tests/strategies.py).

Each law is checked against results computed from generated input; where a law needs to know
what *should* happen, it asks the design of the generated pack (which rule owns which shape),
never the library. Records always have unique ids.
"""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from typing import Any

import attrs
import pytest
from hypothesis import example, given, settings, target
from hypothesis import strategies as st

import service_rules as sr
from service_rules import _corrections
from service_rules._compiler import default_matcher
from service_rules._loader import converter
from strategies import (
    OUTLETS,
    PERIODS,
    Expect,
    GenPack,
    Observations,
    any_articles,
    any_deducts,
    any_floors,
    any_pack_metas,
    any_quantities,
    any_rules,
    any_sections,
    finding_specs,
    packs,
    quarter_of,
    scenarios,
)

AS_OF = "2026-11-27"
LIT = "literal"
periods = st.sampled_from(PERIODS)


_durable: dict[str, sr.CompiledPack] = {}
#: durable_rules where it can be imported (not on Python 3.13), else the reference matcher
ENGINE = default_matcher()
MATCHERS = ("durable_rules", "python") if ENGINE == "durable_rules" else ("python",)


def durable(gp: GenPack) -> sr.CompiledPack:
    """The pack compiled for durable_rules (where it imports), once per distinct pack (every compile
    registers a ruleset that lives as long as the process, so shrinking must not recompile it)."""
    key = repr(gp.pack)
    if key not in _durable:
        _durable[key] = sr.compile_pack(gp.pack, matcher=ENGINE)
    return _durable[key]


def python(gp: GenPack) -> sr.CompiledPack:
    """The pack compiled for the reference matcher (laws of accounting; law 9 shows both agree)."""
    return sr.compile_pack(gp.pack, matcher="python")


def run(compiled: sr.CompiledPack, records: Any, period: str | None = None, **kw: Any) -> sr.ScoreResult:
    return sr.score(compiled, [sr.Records(list(records))], period=period, as_of=AS_OF, **kw)


def cards_by_key(result: sr.ScoreResult) -> dict[tuple[str, str], sr.Scorecard]:
    return {(c.outlet, c.period): c for c in result.scorecards}


def rejections(result: sr.ScoreResult) -> Counter[tuple[str | None, str]]:
    return Counter((r.id, r.code) for r in result.rejected)


def comparable(result: sr.ScoreResult) -> dict[str, Any]:
    """to_dict() without what depends on where a record sat (line numbers, input digests)."""
    d = result.to_dict()
    d["rejected"] = sorted((r["id"] or "", r["code"]) for r in d["rejected"])
    d["inputs"] = [(i["lines"], i["accepted"], i["rejected"], i["blank"]) for i in d["inputs"]]
    return d


def inspections_in(obs: Observations) -> list[tuple[str, str, str]]:
    return [(r["id"], r["outlet"], r["date"]) for r in obs.records if r["type"] == "inspection"]


# ---- 1. order independence ------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(case=st.one_of(scenarios(), scenarios(caps="all")), data=st.data())
def test_order_of_records_does_not_change_the_result(case: tuple[GenPack, Observations], data: st.DataObject) -> None:
    gp, obs = case
    compiled = durable(gp)
    period = data.draw(periods, label="period")
    shuffled = data.draw(st.permutations(obs.records), label="shuffled")
    cut = data.draw(st.integers(0, len(shuffled)), label="cut")
    a = run(compiled, obs.records, period)
    # The shuffled records split over two inputs; and all of them reversed (every pair swapped,
    # where a drawn permutation is often close to the identity).
    shuffled_split = sr.score(
        compiled, [sr.Records(shuffled[:cut], "one"), sr.Records(shuffled[cut:], "two")], period=period, as_of=AS_OF
    )
    for b in (shuffled_split, run(compiled, reversed(obs.records), period)):
        da, db = a.to_dict(), b.to_dict()
        for field in ("pack", "as_of", "period", "scorecards", "actions"):
            assert da[field] == db[field], field
        assert rejections(a) == rejections(b)
        assert a.accepted == b.accepted
    # Steer towards scorecards where several observations share a capped rule (order could matter).
    shared = Counter((c.outlet, c.period, d.rule) for c in a.scorecards for d in c.deductions if gp.rules[d.rule].cap)
    target(float(sum(n - 1 for n in shared.values())), label="observations sharing a capped rule")


# ---- 2. monotonicity ------------------------------------------------------------------------------


@settings(max_examples=75, deadline=None)
@given(case=scenarios(), data=st.data())
def test_adding_a_finding_never_raises_a_score(case: tuple[GenPack, Observations], data: st.DataObject) -> None:
    gp, obs = case
    compiled = python(gp)
    period = data.draw(periods, label="period")
    body, _ = data.draw(finding_specs(gp, list(OUTLETS), inspections_in(obs)), label="new finding")
    at = data.draw(st.integers(0, len(obs.records)), label="position")
    more = [*obs.records[:at], {"id": "new-finding", **body}, *obs.records[at:]]
    before, after = cards_by_key(run(compiled, obs.records, period)), cards_by_key(run(compiled, more, period))
    assert before.keys() <= after.keys()
    for key, card in before.items():
        later = after[key]
        assert [s.number for s in later.sections] == [s.number for s in card.sections]
        if not card.scored:  # no score before (nothing recorded): nothing to compare with
            continue
        assert later.scored
        for old, new in zip(card.sections, later.sections, strict=True):
            assert new.score is not None and old.score is not None
            assert new.score <= old.score, (key, old, new)
        assert later.total is not None and card.total is not None
        assert later.total <= card.total


# ---- 3. without a floor ---------------------------------------------------------------------------


@settings(max_examples=75, deadline=None)
@given(case=scenarios(floor="none"), period=periods)
def test_without_a_floor_a_section_loses_exactly_its_deductions(
    case: tuple[GenPack, Observations], period: str | None
) -> None:
    gp, obs = case
    result = run(python(gp), obs.records, period)
    expected_sections = [(s.number, s.allotment.value) for s in gp.scored_sections if s.allotment]
    for card in result.scorecards:
        lost: Counter[int] = Counter()
        for d in card.deductions:
            lost[d.section] += d.points
        assert [(s.number, s.allotment) for s in card.sections] == expected_sections
        if not card.scored:  # nothing recorded: nothing deducted, and no score (not the allotment)
            assert card.total is None and card.deductions == ()
            assert all(s.score is None and s.deducted == 0 and s.beyond_floor == 0 for s in card.sections)
            continue
        for s in card.sections:
            assert s.floor is None
            assert s.beyond_floor == 0
            assert s.score == s.allotment - lost[s.number]
        assert card.total == sum(s.score or 0 for s in card.sections)


# ---- 4. with a floor ------------------------------------------------------------------------------


@settings(max_examples=75, deadline=None)
@given(case=scenarios(floor="minimum", bundled=False), period=periods)
def test_a_floor_holds_and_beyond_floor_is_what_it_absorbed(
    case: tuple[GenPack, Observations], period: str | None
) -> None:
    """score ≥ floor; allotment − deducted + beyond_floor == score; beyond_floor ≥ 0;
    the floor acts only when it binds (beyond_floor > 0 ⇒ score == floor) and whenever it binds
    (allotment − deducted < floor ⇒ score == floor)."""
    gp, obs = case
    floor = gp.floor
    assert floor is not None
    result = run(python(gp), obs.records, period)
    for card in result.scorecards:
        if not card.scored:
            assert card.total is None and all(s.score is None for s in card.sections)
            continue
        for s in card.sections:
            assert s.floor == floor
            assert s.score is not None
            assert s.score >= floor
            assert s.beyond_floor >= 0
            assert s.allotment - s.deducted + s.beyond_floor == s.score
            if s.beyond_floor > 0:
                assert s.score == floor
            if s.allotment - s.deducted < floor:
                assert s.score == floor
        assert card.total == sum(s.score or 0 for s in card.sections)


def _one_section_pack(floor: sr.Floor, *, allotment: int, points: int) -> GenPack:
    pack = sr.Pack(
        meta=sr.PackMeta(name="one", title="one", version="1", floor=floor),
        sections=[sr.Section(1, True, allotment=sr.Quantity(allotment, LIT))],
        articles=[sr.Article(1, "complete", section=1, text="t")],
        rules=[sr.Rule("s1", 1, {"type": "finding", "section": 1}, "r", deduct=sr.Deduct("fixed", LIT, points=points))],
    )
    return GenPack(pack, {(1, None): "s1"}, {})


@settings(max_examples=50, deadline=None)
@given(case=scenarios(floor="minimum", bundled=False))
def test_a_floor_only_absorbs_deductions(case: tuple[GenPack, Observations]) -> None:
    """What a floor absorbs comes out of the deductions: 0 ≤ beyond_floor ≤ deducted, score ≤ allotment."""
    gp, obs = case
    result = run(python(gp), obs.records)
    for card in result.scorecards:
        for s in card.sections:
            assert 0 <= s.beyond_floor <= s.deducted, s
            assert s.score is None or s.score <= s.allotment, s


@settings(max_examples=30, deadline=None)
@given(gp=packs(floor="minimum"), data=st.data())
def test_a_floor_above_an_allotment_is_a_pack_error(gp: GenPack, data: st.DataObject) -> None:
    """Otherwise a clean section would score above its allotment, beyond_floor > deducted (found by
    test_a_floor_only_absorbs_deductions before compile_pack checked it)."""
    section = data.draw(st.sampled_from(gp.scored_sections))
    assert section.allotment is not None
    above = section.allotment.value + data.draw(st.integers(1, 5))
    meta = attrs.evolve(gp.pack.meta, floor=attrs.evolve(gp.pack.meta.floor, value=above))
    with pytest.raises(sr.PackError) as info:
        python(GenPack(attrs.evolve(gp.pack, meta=meta), gp.finding_rules, gp.complaint_rules))
    assert "floor_above_allotment" in {p.code for p in info.value.problems}


# ---- 5. caps --------------------------------------------------------------------------------------


@settings(max_examples=75, deadline=None)
@given(case=st.one_of(scenarios(caps="all"), scenarios()))
def test_a_cap_is_never_exceeded_and_nothing_is_lost(case: tuple[GenPack, Observations]) -> None:
    """Per scorecard and capped rule: Σ points == min(cap, Σ raw_points) (so never above the cap,
    and all of the cap is taken when it bites); 0 ≤ points ≤ raw_points; uncapped: points == raw."""
    gp, obs = case
    rules = gp.rules
    result = run(python(gp), obs.records)
    cut = 0
    for card in result.scorecards:
        points: Counter[str] = Counter()
        raw: Counter[str] = Counter()
        for d in card.deductions:
            assert 0 <= d.points <= d.raw_points, d
            if rules[d.rule].cap is None:
                assert d.points == d.raw_points, d
            points[d.rule] += d.points
            raw[d.rule] += d.raw_points
        for rule_id, taken in points.items():
            cap = rules[rule_id].cap
            if cap is None:
                continue
            assert taken <= cap.value
            assert taken == min(cap.value, raw[rule_id])
            if taken < raw[rule_id]:  # the cap bit: it took all it could, out of at least as much
                assert taken == cap.value <= raw[rule_id]
                cut += 1
    target(float(cut), label="rules a cap cut")


# ---- 6. every accepted observation in exactly one place -------------------------------------------


@settings(max_examples=75, deadline=None)
@given(case=scenarios(), period=periods)
def test_every_accepted_observation_is_accounted_for_exactly_once(
    case: tuple[GenPack, Observations], period: str | None
) -> None:
    gp, obs = case
    result = run(python(gp), obs.records, period)
    rejected = {r.id for r in result.rejected}
    places: defaultdict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for card in result.scorecards:
        for d in card.deductions:
            for oid in d.observations:
                places[oid].append(("deduction", card.outlet, card.period))
        for oid in card.pending:
            places[oid].append(("pending", card.outlet, card.period))
        for oid in card.dismissed:
            places[oid].append(("dismissed", card.outlet, card.period))
    accepted = set()
    for rec in obs.records:
        if rec["type"] not in ("finding", "complaint"):
            continue
        rid = rec["id"]
        if rid in rejected:
            assert rid not in places, rid
            continue
        accepted.add(rid)
        quarter = quarter_of(rec["date"])
        if period is not None and quarter != period:
            assert rid not in places, rid
            continue
        assert len(places[rid]) == 1, (rid, places[rid])
        place, outlet, card_period = places[rid][0]
        assert (outlet, card_period) == (rec["outlet"], quarter)
        if rec["type"] == "finding":
            assert place == "deduction"
    assert set(places) <= accepted  # nothing scored that was not an accepted observation


@settings(max_examples=75, deadline=None)
@given(case=scenarios())
def test_each_record_ends_where_the_pack_design_says(case: tuple[GenPack, Observations]) -> None:
    """Rejection codes, the rule after supersession, and raw points all match the generated design."""
    gp, obs = case
    result = run(durable(gp), obs.records)
    got = {r.id: r.code for r in result.rejected}
    assert len(got) == len(result.rejected)  # no record rejected twice
    assert {rid: e.code for rid, e in obs.expect.items() if e.code is not None} == got
    rules = gp.rules
    seen = set()
    for card in result.scorecards:
        for d in card.deductions:
            (oid,) = d.observations
            seen.add(oid)
            assert (d.rule, d.raw_points) == (obs.expect[oid].rule, obs.expect[oid].raw)
            assert d.section == rules[d.rule].section
        for outcome, ids in (("pending", card.pending), ("dismissed", card.dismissed)):
            for oid in ids:
                seen.add(oid)
                assert rules[obs.expect[oid].rule].outcome == outcome  # type: ignore[index]
    expected_seen = {rid for rid, e in obs.expect.items() if e.code is None and e.type in ("finding", "complaint")}
    assert seen == expected_seen


# ---- 7. every non-blank line accepted or rejected --------------------------------------------------

BLANKS = (b"", b"   ", b"\t", b"\r", b" \t \r")
GARBAGE = (b"{", b"[1, 2]", b"42", b'"text"', b"null", b"{'single': 'quotes'}", b"\xff\xfe not utf-8")


@settings(max_examples=75, deadline=None)
@given(case=scenarios(), data=st.data())
def test_every_non_blank_line_is_accepted_or_rejected_once(
    case: tuple[GenPack, Observations], data: st.DataObject
) -> None:
    gp, obs = case
    records = list(obs.records)
    cut = data.draw(st.integers(0, len(records)), label="cut")
    # Input 1: a JSON Lines stream, records with blank and garbage lines in between.
    lines: list[bytes] = []
    record_at: dict[int, dict[str, Any]] = {}  # line number → record
    garbage_at: set[int] = set()
    blank = 0
    for rec in records[:cut]:
        for _ in range(data.draw(st.integers(0, 2), label="extra lines")):
            if data.draw(st.booleans(), label="blank?"):
                lines.append(data.draw(st.sampled_from(BLANKS), label="blank"))
                blank += 1
            else:
                lines.append(data.draw(st.sampled_from(GARBAGE), label="garbage"))
                garbage_at.add(len(lines))
        lines.append(json.dumps(rec, ensure_ascii=False).encode())
        record_at[len(lines)] = rec
    if lines and data.draw(st.booleans(), label="BOM"):
        lines[0] = b"\xef\xbb\xbf" + lines[0]
    text = b"\n".join(lines) + (b"\n" if lines and data.draw(st.booleans(), label="final newline") else b"")
    # Input 2: the other records, in memory.
    rest = records[cut:]
    result = sr.score(python(gp), [io.BytesIO(text), sr.Records(rest)], as_of=AS_OF)
    stream, memory = result.inputs
    assert stream.lines == len(lines)
    assert stream.blank == blank
    assert memory.lines == len(rest)
    assert memory.blank == 0

    def expected_ok(rec: dict[str, Any]) -> bool:
        return "id" not in rec or obs.expect[rec["id"]].code is None

    for summary, name, non_blank, accepted in (
        (stream, stream.file, len(lines) - blank, sum(expected_ok(r) for r in records[:cut])),
        (memory, memory.file, len(rest), sum(expected_ok(r) for r in rest)),
    ):
        mine = [r for r in result.rejected if r.file == name]
        rejected_lines = [r.line for r in mine]
        assert len(set(rejected_lines)) == len(rejected_lines)  # no line rejected twice
        assert summary.rejected == len(mine)
        assert summary.accepted + summary.rejected == non_blank
        assert summary.accepted == accepted
    in_stream = {r.line: r for r in result.rejected if r.file == stream.file}
    assert garbage_at <= in_stream.keys()
    for line, rec in record_at.items():
        if not expected_ok(rec):
            assert in_stream[line].id == rec["id"]


# ---- 8. deductions add up -------------------------------------------------------------------------


@settings(max_examples=75, deadline=None)
@given(case=st.one_of(scenarios(), scenarios(caps="all")), period=periods)
def test_deductions_add_up_to_what_sections_lost(case: tuple[GenPack, Observations], period: str | None) -> None:
    gp, obs = case
    result = run(python(gp), obs.records, period)
    for card in result.scorecards:
        per_section: Counter[int] = Counter()
        for d in card.deductions:
            per_section[d.section] += d.points
        numbers = {s.number for s in card.sections}
        assert set(per_section) <= numbers  # every deduction lands in a scored section of the card
        for s in card.sections:
            assert s.deducted == per_section[s.number]
        assert sum(d.points for d in card.deductions) == sum(s.deducted for s in card.sections)


# ---- 9. matchers and match reuse ------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(case=scenarios(), period=periods)
def test_matcher_and_match_reuse_do_not_change_the_result(
    case: tuple[GenPack, Observations], period: str | None
) -> None:
    gp, obs = case
    results = []
    for matcher in MATCHERS:
        for reuse in (False, True):
            compiled = sr.compile_pack(gp.pack, matcher=matcher)
            d = run(compiled, obs.records, period, reuse_matches=reuse).to_dict()
            # Scored again on the same compiled pack, its decisions now cached: still the same.
            again = run(compiled, obs.records, period, reuse_matches=not reuse).to_dict()
            assert again == d
            assert d["pack"].pop("matcher") == matcher
            results.append(d)
    for other in results[1:]:
        assert other == results[0]


# ---- null is absent -------------------------------------------------------------------------------

OPTIONAL = {
    "finding": ("points", "persons", "employees", "tag", "inspection", "note"),
    "complaint": ("verified", "verified_on", "account_transferred", "employee", "note"),
}


def with_nulls(records: Any) -> list[dict[str, Any]]:
    """Every absent optional field of findings and complaints written out as null."""
    out = []
    for rec in records:
        rec = dict(rec)
        for field in OPTIONAL.get(rec.get("type"), ()):
            rec.setdefault(field, None)
        out.append(rec)
    return out


def _explicit_transfer_pack() -> GenPack:
    def rule(rid: str, when: dict[str, Any], outcome: str = "deduct", points: int = 10) -> sr.Rule:
        deduct = sr.Deduct("fixed", LIT, points=points) if outcome == "deduct" else None
        return sr.Rule(rid, 1, {"type": "complaint", **when}, "r", outcome=outcome, deduct=deduct)  # type: ignore[arg-type]

    base = _one_section_pack(sr.Floor("none", LIT), allotment=20, points=2).pack
    rules = [
        rule("kept", {"verified": True, "account_transferred": False}),
        rule("moved", {"verified": True, "account_transferred": True}, points=20),
        rule("refuted", {"verified": False}, "dismissed"),
        rule("unverified", {"verified": {"exists": False}}, "pending"),
    ]
    owners = {(True, False): "kept", (True, True): "moved"}
    for t in (True, False):
        owners[(False, t)], owners[(None, t)] = "refuted", "unverified"
    return GenPack(
        sr.Pack(meta=base.meta, sections=base.sections, articles=base.articles, rules=[*base.rules, *rules]),
        {(1, None): "s1"},
        owners,
    )


NULL_TRANSFER = (
    _explicit_transfer_pack(),
    Observations(
        (
            {
                "type": "complaint",
                "id": "c1",
                "outlet": "o1",
                "date": "2026-07-14",
                "channel": "phone",
                "verified": True,
            },
        ),
        {"c1": Expect("complaint", None, "kept", 10)},
    ),
)


@settings(max_examples=50, deadline=None)
@example(case=NULL_TRANSFER)
@given(case=scenarios())
def test_null_is_the_same_as_absent(case: tuple[GenPack, Observations]) -> None:
    """Writing an absent optional field as null changes nothing. NULL_TRANSFER is the case this
    law found: a null account_transferred skipped the field's default (false) and was rejected
    no_rule under rules that test account_transferred = false."""
    gp, obs = case
    compiled = python(gp)
    assert comparable(run(compiled, with_nulls(obs.records))) == comparable(run(compiled, obs.records))


# ---- the pack model through the converter ---------------------------------------------------------

pack_parts = st.one_of(any_sections, any_articles, any_rules, any_deducts, any_quantities, any_floors, any_pack_metas)


def without_nulls(value: Any) -> Any:
    """What a TOML file can hold: no nulls (an absent key means the default)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


@settings(max_examples=100, deadline=None)
@given(part=pack_parts)
def test_pack_parts_survive_the_converter(part: Any) -> None:
    data = converter.unstructure(part)
    assert converter.structure(data, type(part)) == part
    assert converter.structure(without_nulls(data), type(part)) == part


@settings(max_examples=50, deadline=None)
@given(gp=packs())
def test_generated_packs_survive_the_converter(gp: GenPack) -> None:
    pack = gp.pack
    for part in [pack.meta, *pack.sections, *pack.articles, *pack.rules]:
        assert converter.structure(without_nulls(converter.unstructure(part)), type(part)) == part
    assert converter.structure(converter.unstructure(pack), sr.Pack) == pack


def _resolve_by_passes(
    accepted: list[_corrections.Correction], seen: set[str], rejected_replaces: dict[str, str]
) -> _corrections.Decision:
    """The rule of corrections as first written: passes over every rejected line until none
    passes the chain on, then each chain walked to its end (quadratic; the reference)."""
    decision = _corrections.resolve(accepted, seen, {})
    replaced_by = {r.id: r.by for r in decision.replaced}
    grew = True
    while grew:
        grew = False
        for rid, named in sorted(rejected_replaces.items()):
            if rid in replaced_by and named in seen and named not in replaced_by and named != rid:
                end = replaced_by[rid].id
                while end in replaced_by:
                    end = replaced_by[end].id
                if end == named:  # the chain's own end: F replaces the rejected X that names F
                    continue
                replaced_by[named] = replaced_by[rid]
                grew = True
    out = []
    for rid, c in sorted(replaced_by.items()):
        current = c.id
        while current in replaced_by:
            current = replaced_by[current].id
        out.append(_corrections.Replaced(id=rid, by=c, current=current))
    return _corrections.Decision(refused=decision.refused, replaced=tuple(out))


_CIDS = st.sampled_from([f"r{i}" for i in range(8)])


@settings(max_examples=300, deadline=None)
@given(
    edges=st.lists(st.tuples(_CIDS, _CIDS), max_size=8, unique_by=lambda e: e[0]),
    rejected=st.dictionaries(_CIDS, _CIDS, max_size=8),
    extra=st.sets(_CIDS),
)
def test_corrections_pass_chains_through_rejected_lines_as_the_passes_did(
    edges: list[tuple[str, str]], rejected: dict[str, str], extra: set[str]
) -> None:
    """The linear pass-on (a heap of lines by pass and place) gives the reference's decision."""
    rejected = {rid: t for rid, t in rejected.items() if rid not in dict(edges)}  # a line is accepted or rejected
    accepted = [_corrections.Correction(id=a, replaces=b, input=0, line=i + 1) for i, (a, b) in enumerate(edges)]
    seen = {a for a, _ in edges} | set(rejected) | extra
    assert _corrections.resolve(accepted, seen, rejected) == _resolve_by_passes(accepted, seen, rejected)


def test_a_chain_of_ten_thousand_rejected_lines_is_resolved_linearly() -> None:
    """Hostile input: 10⁴ rejected lines, each replacing the one before, in the id order that
    made every pass add one link (10⁸ steps). Now each line is looked at once."""
    n = 10_000
    rejected = {f"X{i:05d}": (f"X{i - 1:05d}" if i else "BASE") for i in range(n)}
    z = _corrections.Correction(id="Z", replaces=f"X{n - 1:05d}", input=0, line=n + 2)
    decision = _corrections.resolve([z], {"BASE", "Z", *rejected}, rejected)
    assert len(decision.replaced) == n + 1
    assert {r.current for r in decision.replaced} == {"Z"}
