"""Issue 11, item 3: a clerk's typo never propagates silently.

A rejected line says which outlet and county it names; the scorecards, actions and candidates
it could have changed are flagged (and candidates withheld); an outlet with nothing accepted in
a period has no score; where outlet records are given, facts the registry contradicts are
warnings, rejections under ``strict_registry``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules._candidates import candidates, render_candidates
from service_rules._report import render_table
from service_rules.cli import main

AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def cangzhou() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack("cangzhou"))


def write(path: Path, *records: dict[str, Any] | str) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


def outlet(code: str, county: str) -> dict[str, Any]:
    return {"type": "outlet", "outlet": code, "county": county}


def inspection(rid: str, code: str, date: str = "2026-08-03", by: str = "county") -> dict[str, Any]:
    return {"type": "inspection", "id": rid, "outlet": code, "date": date, "by": by}


def finding(rid: str, code: str, date: str = "2026-08-03", **kw: Any) -> dict[str, Any]:
    return {"type": "finding", "id": rid, "outlet": code, "date": date, **kw}


def card(result: sr.ScoreResult, code: str, period: str = "2026Q3") -> sr.Scorecard:
    (found,) = [c for c in result.scorecards if c.outlet == code and c.period == period]
    return found


# ---- an inspection rejected for its date ----------------------------------------------------


def test_an_inspection_rejected_for_its_date_flags_its_card_and_its_county(
    cangzhou: sr.CompiledPack, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "in.jsonl",
        outlet("HJ-01", "河间"),
        outlet("HJ-02", "河间"),
        inspection("I-2", "HJ-02"),
        inspection("I-1", "HJ-01", date="2026-09-31"),  # no 31 September: rejected
        {"type": "report", "id": "R-1", "county": "河间", "quarter": "2026Q3", "submitted": "2026-10-09"},
    )
    result = sr.score(cangzhou, [path], as_of=AS_OF)
    (r,) = result.rejected
    assert (r.line, r.code, r.outlet, r.county, r.period) == (4, "invalid_date", "HJ-01", "河间", None)
    assert result.unattributed == 0
    hj1 = card(result, "HJ-01")
    # not "总分 100": no score, and the reason counts the rejected line
    assert (hj1.scored, hj1.total, hj1.rejections) == (False, None, 1)
    assert hj1.reason is not None and "1行" in hj1.reason
    assert all(s.score is None and s.deducted == 0 for s in hj1.sections)
    hj2 = card(result, "HJ-02")
    assert (hj2.scored, hj2.total, hj2.rejections) == (True, 100, 0)
    # the cadence still finds HJ-01 uninspected (nothing is suppressed), but says a line was rejected
    flagged = {(a.action, a.rejections) for a in result.actions if a.subject == "河间"}
    assert flagged == {("missed_inspection", 1), ("rectification_notice", 1)}
    table = render_table(result)
    assert "被拒绝的输入行:1 行(其中未能归属网点的 0 行)" in table
    assert "未评分(本期无被采纳的检查、问题或投诉记录;另有1行涉及本网点的输入被拒绝)" in table
    assert "[涉及本网点的被拒绝输入 1 行]" in table
    assert table.count("[涉及被拒绝输入 1 行,结论可能有误]") == 2
    # the stream writes the same bytes as the typed result
    out = io.BytesIO()
    sr.score_to_stream(cangzhou, [path], out, as_of=AS_OF)
    assert out.getvalue() == result.to_json() + b"\n"


def test_a_line_naming_no_outlet_counts_as_unattributed(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", outlet("O1", "甲县"), inspection("I1", "O1"), "{not json", '{"type": "x"}')
    result = sr.score(cangzhou, [path], as_of=AS_OF)
    assert [(r.outlet, r.county) for r in result.rejected] == [(None, None), (None, None)]
    assert result.unattributed == 2 and result.to_dict()["unattributed"] == 2
    assert card(result, "O1").rejections == 0  # nothing flagged per outlet for them
    assert "被拒绝的输入行:2 行(其中未能归属网点的 2 行)" in render_table(result)


def test_a_rejected_line_of_an_unknown_outlet_gets_a_card_without_a_score(
    cangzhou: sr.CompiledPack, tmp_path: Path
) -> None:
    path = write(tmp_path / "in.jsonl", inspection("I1", "O1"), finding("F1", "O9", article=99))
    result = sr.score(cangzhou, [path], as_of=AS_OF)
    o9 = card(result, "O9")
    assert (o9.scored, o9.total, o9.rejections, o9.county) == (False, None, 1, None)
    assert result.unattributed == 0


# ---- a finding rejected for a tag typo, and candidates ---------------------------------------


def test_candidates_withhold_an_outlet_whose_finding_was_rejected(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    path = write(
        tmp_path / "in.jsonl",
        outlet("A-01", "甲县"),
        outlet("A-02", "甲县"),
        inspection("I1", "A-01"),
        inspection("I2", "A-02"),
        finding("F1", "A-02", article=18, points=1),
        finding("F2", "A-01", article=41, tag="drunk_on_dutty", employees=["E1"]),  # the typo
    )
    result = candidates(cangzhou, [path], year=2026, as_of=AS_OF)
    (r,) = result.rejected
    assert (r.code, r.outlet, r.county, r.period) == ("unknown_tag", "A-01", "甲县", "2026Q3")
    assert [c.outlet for c in result.candidates] == ["A-02"]  # A-01 is not ranked first, nor at all
    (excluded,) = [e for e in result.excluded if e.outlet == "A-01"]
    (why,) = [x for x in excluded.reasons if x.code == "rejected_lines"]
    assert f"{path}:6" in why.reason and why.observations == ("F2",)
    table = render_candidates(result)
    assert "被拒绝的输入行:1 行(其中未能归属网点的 0 行)" in table
    assert "A-01(甲县)" in table and "更正后方可评定" in table
    assert result.to_dict()["unattributed"] == 0


def test_candidates_withhold_an_outlet_with_an_undated_rejected_line(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    path = write(
        tmp_path / "in.jsonl",
        outlet("A-01", "甲县"),
        outlet("A-02", "甲县"),
        inspection("I1", "A-01"),
        inspection("I2", "A-02"),
        finding("F1", "A-01", date="2026-13-01", article=18, points=1),
    )
    result = candidates(cangzhou, [path], year=2026, as_of=AS_OF)
    assert [c.outlet for c in result.candidates] == ["A-02"]
    assert any(x.code == "rejected_lines" for e in result.excluded if e.outlet == "A-01" for x in e.reasons)


def test_candidates_never_rank_an_unscored_quarter(tmp_path: Path) -> None:
    # a pack that does not require a county inspection every quarter: a quarter without a score
    # is still not a full score
    base = sr.load_pack("cangzhou")
    rec = base.oversight.recommendation
    assert rec is not None
    loose = attrs.evolve(rec, every_quarter_inspected=False)
    pack = sr.compile_pack(attrs.evolve(base, oversight=attrs.evolve(base.oversight, recommendation=loose)))
    path = write(
        tmp_path / "in.jsonl",
        outlet("A-01", "甲县"),
        outlet("A-02", "甲县"),
        inspection("I1", "A-01"),
    )
    result = candidates(pack, [path], year=2026, as_of=AS_OF)
    assert [c.outlet for c in result.candidates] == ["A-01"]
    assert [x.code for e in result.excluded if e.outlet == "A-02" for x in e.reasons] == ["not_scored"]


# ---- the registry: a mistyped outlet code, a county spelled two ways ---------------------------


def registry_input(tmp_path: Path) -> Path:
    return write(
        tmp_path / "in.jsonl",
        outlet("SN-01", "肃宁"),
        outlet("XX-01", "献县"),
        outlet("XX-02", "献县联社"),  # line 3: the same county, spelled otherwise
        inspection("I1", "SN-01"),
        inspection("I2", "SN-06"),  # line 5: SN-01 mistyped
        finding("F1", "SN-06", article=18, points=1),
        inspection("I3", "XX-01"),
        {"type": "report", "id": "R1", "county": "献县县联社", "quarter": "2026Q3", "submitted": "2026-10-09"},
    )


def test_an_unregistered_outlet_and_odd_counties_are_warnings(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    path = registry_input(tmp_path)
    result = sr.score(cangzhou, [path], as_of=AS_OF)
    assert result.rejected == ()
    got = {(w.code, w.outlet, w.file, w.line) for w in result.warnings}
    assert got == {
        ("unregistered_outlet", "SN-06", str(path), 5),
        ("unknown_county", None, str(path), 8),
        ("similar_county", "XX-02", str(path), 3),
    }
    assert card(result, "SN-06").total == 99  # scored, as before, but no longer silently
    data = result.to_dict()
    assert {w["code"] for w in data["warnings"]} == {"unregistered_outlet", "unknown_county", "similar_county"}
    table = render_table(result)
    assert "提示(3):" in table and "SN-06" in table and "献县联社" in table
    for w in result.warnings:
        assert w.message and not w.message.isascii()


def test_strict_registry_rejects_what_the_registry_contradicts(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    path = registry_input(tmp_path)
    result = sr.score(cangzhou, [path], as_of=AS_OF, strict_registry=True)
    assert [(r.line, r.code, r.outlet, r.county) for r in result.rejected] == [
        (5, "unregistered_outlet", "SN-06", None),
        (6, "unregistered_outlet", "SN-06", None),
        (8, "unknown_county", None, "献县县联社"),
    ]
    assert [w.code for w in result.warnings] == ["similar_county"]  # a guess stays a warning
    assert (result.inputs[0].accepted, result.inputs[0].rejected) == (5, 3)
    sn6 = card(result, "SN-06")
    assert (sn6.scored, sn6.total, sn6.rejections, sn6.deductions) == (False, None, 2, ())
    assert result.unattributed == 1
    facts = sr.ingest(cangzhou, [path], strict_registry=True)
    assert not any(o == "SN-06" for o, _ in facts.present)
    assert not any(i.outlet == "SN-06" for items in facts.inspections.values() for i in items)


def test_without_outlet_records_nothing_is_checked(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", inspection("I1", "SN-06"), finding("F1", "SN-06", article=18, points=1))
    for strict in (False, True):
        result = sr.score(cangzhou, [path], as_of=AS_OF, strict_registry=strict)
        assert (result.rejected, result.warnings) == ((), ())


def test_cli_strict_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(registry_input(tmp_path))
    assert main(["score", "--pack", "cangzhou", "--as-of", AS_OF, path]) == 0
    loose = json.loads(capsys.readouterr().out)
    assert len(loose["warnings"]) == 3 and loose["rejected"] == [] and loose["unattributed"] == 0
    assert main(["score", "--pack", "cangzhou", "--as-of", AS_OF, "--strict-registry", path]) == 1
    strict = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in strict["rejected"]] == ["unregistered_outlet"] * 2 + ["unknown_county"]
    assert strict["unattributed"] == 1
    assert main(["score", "--pack", "cangzhou", "--as-of", AS_OF, "--format", "table", path]) == 0
    assert "提示(3):" in capsys.readouterr().out
    code = main(["candidates", "--pack", "cangzhou", "--year", "2026", "--as-of", AS_OF, "--strict-registry", path])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["unattributed"] == 1


# ---- the law: every rejection shown once, never lost ---------------------------------------

OUTLETS = ["O1", "O2", "O3"]
DATES = ["2026-07-01", "2026-08-15", "2026-10-02", "2026-02-30", "2026/07/01"]

good_or_bad_line = st.one_of(
    st.builds(lambda o, c: outlet(o, c), st.sampled_from(OUTLETS), st.sampled_from(["甲县", "乙县"])),
    st.builds(
        lambda o, d, by: inspection("", o, d, by),
        st.sampled_from([*OUTLETS, ""]),
        st.sampled_from(DATES),
        st.sampled_from(["county", "city", "nobody"]),
    ),
    st.builds(
        lambda o, d, a, p: finding("", o, d, article=a, points=p),
        st.sampled_from([*OUTLETS, "", " "]),
        st.sampled_from(DATES),
        st.sampled_from([18, 7, 99]),
        st.sampled_from([1, 5, "2"]),
    ),
    st.builds(
        lambda c, d: {"type": "lapse", "id": "", "county": c, "date": d, "kind": "unfound"},
        st.sampled_from(["甲县", "丙县", ""]),
        st.sampled_from(DATES),
    ),
    st.just("{broken"),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(good_or_bad_line, min_size=1, max_size=12), strict=st.booleans())
def test_every_rejection_is_shown_once(
    cangzhou: sr.CompiledPack, tmp_path: Path, lines: list[dict[str, Any] | str], strict: bool
) -> None:
    numbered: list[dict[str, Any] | str] = []
    for n, line in enumerate(lines):
        if isinstance(line, dict) and "id" in line:
            line = {**line, "id": f"X{n}"}
        numbered.append(line)
    path = write(tmp_path / "law.jsonl", *numbered)
    result = sr.score(cangzhou, [path], as_of=AS_OF, strict_registry=strict)
    named = [r for r in result.rejected if r.outlet is not None]
    # unattributed: exactly the lines naming no outlet (never also on a card)
    assert result.unattributed == len(result.rejected) - len(named)
    # every card counts exactly the rejections naming it in its period (or undated)
    for c in result.scorecards:
        mine = [r for r in named if r.outlet == c.outlet and r.period in (None, c.period)]
        assert c.rejections == len(mine), c.outlet
        assert c.scored == (c.total is not None) and (c.reason is None) == c.scored
        if not c.scored:
            assert all(s.score is None for s in c.sections) and c.deductions == ()
    # never lost: a rejection naming an outlet is on at least one of its cards whenever any
    # period is scored
    if result.scorecards:
        for r in named:
            assert any(c.outlet == r.outlet and r.period in (None, c.period) for c in result.scorecards), r
    # every line accepted or rejected, once
    summary = result.inputs[0]
    assert summary.accepted + summary.rejected + summary.blank == summary.lines == len(numbered)


# ---- diff and --period -----------------------------------------------------------------------


def test_diff_shows_unattributed_and_ignores_the_flags_of_actions(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    from service_rules._diff import diff_packs, render_diff_markdown

    path = write(
        tmp_path / "in.jsonl",
        outlet("HJ-01", "河间"),
        outlet("HJ-02", "河间"),
        inspection("I-2", "HJ-02"),
        inspection("I-1", "HJ-01", date="2026-09-31"),
        "{broken",
    )
    d = diff_packs(cangzhou, cangzhou, [path], as_of=AS_OF)
    assert d.empty and (d.unattributed_old, d.unattributed_new) == (1, 1)
    assert "未能归属网点的:旧 1,新 1" in render_diff_markdown(d)


def test_with_a_period_a_rejection_counts_in_its_own_period_only(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    path = write(
        tmp_path / "in.jsonl",
        outlet("O1", "甲县"),
        inspection("I1", "O1", date="2026-05-01"),
        inspection("I2", "O1", date="2026-08-01"),
        finding("F1", "O1", date="2026-05-02", article=99),  # Q2, rejected
        finding("F2", "O1", date="2026-02-30", article=18, points=1),  # undated: every period
    )
    q2 = sr.score(cangzhou, [path], as_of=AS_OF, period="2026Q2")
    q3 = sr.score(cangzhou, [path], as_of=AS_OF, period="2026Q3")
    assert [(c.period, c.rejections, c.total) for c in q2.scorecards] == [("2026Q2", 2, 100)]
    assert [(c.period, c.rejections, c.total) for c in q3.scorecards] == [("2026Q3", 1, 100)]
    both = sr.score(cangzhou, [path], as_of=AS_OF)
    assert [(c.period, c.rejections) for c in both.scorecards] == [("2026Q2", 2), ("2026Q3", 1)]
