"""Packs that score per month and per half-year (tests/packs/monthly, tests/packs/halfyear),
checked against hand computations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import service_rules as sr
from service_rules.cli import main

PACKS = Path(__file__).parent / "packs"


@pytest.fixture(scope="module")
def monthly() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack(PACKS / "monthly"))


@pytest.fixture(scope="module")
def halfyear() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack(PACKS / "halfyear"))


def _finding(fid: str, outlet: str, date: str, article: int) -> dict[str, Any]:
    return {"type": "finding", "id": fid, "outlet": outlet, "date": date, "article": article}


MONTHLY_RECORDS = [
    {"type": "inspection", "id": "I1", "outlet": "A", "date": "2027-01-05", "by": "county"},
    _finding("F1", "A", "2027-01-05", 2),
    _finding("F2", "A", "2027-01-20", 2),
    _finding("F3", "A", "2027-02-03", 1),
    _finding("F4", "A", "2027-02-10", 2),
    _finding("F5", "B", "2027-03-31", 1),
]


def test_a_monthly_pack_scores_per_month_by_hand(monthly: sr.CompiledPack) -> None:
    result = sr.score(monthly, [sr.Records(MONTHLY_RECORDS)], as_of="2027-06-30")
    assert not result.rejected
    cards = {(c.outlet, c.period): c for c in result.scorecards}
    assert sorted(cards) == [("A", "2027-01"), ("A", "2027-02"), ("B", "2027-03")]
    # January: two findings of article 2 (6 each) take 12 of section 2's 10; the floor is 0.
    jan = cards[("A", "2027-01")]
    assert jan.total == 10
    assert [(s.number, s.deducted, s.score, s.beyond_floor) for s in jan.sections] == [(1, 0, 10, 0), (2, 12, 0, 2)]
    # February: article 1 (4) and article 2 (6): 6 + 4.
    feb = cards[("A", "2027-02")]
    assert (feb.total, [s.score for s in feb.sections]) == (10, [6, 4])
    assert cards[("B", "2027-03")].total == 16
    # The ladder counts per month: January's second finding is the second step, February starts again.
    steps = [(a.period, a.date, a.action, a.observations) for a in result.actions]
    assert steps == [
        ("2027-01", "2027-01-05", "reminder", ("F1",)),
        ("2027-01", "2027-01-20", "written_review", ("F2",)),
        ("2027-02", "2027-02-10", "reminder", ("F4",)),
    ]
    assert result.actions[1].reason == "A2027-01第2次服务不热情(F1、F2),书面检查。"


def test_a_monthly_pack_scores_one_month(monthly: sr.CompiledPack) -> None:
    result = sr.score(monthly, [sr.Records(MONTHLY_RECORDS)], period="2027-02", as_of="2027-06-30")
    assert [(c.outlet, c.period, c.total) for c in result.scorecards] == [("A", "2027-02", 10)]
    assert [a.action for a in result.actions] == ["reminder"]


@pytest.mark.parametrize("period", ["2027Q1", "2027H1", "2027"])
def test_a_period_of_another_granularity_is_a_usage_error(monthly: sr.CompiledPack, period: str) -> None:
    with pytest.raises(sr.UsageError) as err:
        sr.score(monthly, [sr.Records(MONTHLY_RECORDS)], period=period)
    assert "按月计分" in str(err.value) and "2027-03" in str(err.value)


def test_the_cli_refuses_a_quarter_for_a_monthly_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"type":"finding","id":"F1","outlet":"A","date":"2027-01-05","article":2}\n', encoding="utf-8")
    code = main(["score", "--pack", str(PACKS / "monthly"), "--period", "2027Q1", str(path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "--period" in err and "按月计分" in err


def test_a_quarterly_pack_refuses_a_month() -> None:
    with pytest.raises(sr.UsageError) as err:
        sr.score("cangzhou", [], period="2026-07")
    assert "按季度计分" in str(err.value) and "2027Q1" in str(err.value)


HALF_RECORDS = [
    {"type": "outlet", "outlet": "A", "county": "C"},
    {"type": "outlet", "outlet": "B", "county": "C"},
    {"type": "inspection", "id": "I1", "outlet": "A", "date": "2027-03-01", "by": "county"},
    _finding("F1", "A", "2027-03-01", 1),
    _finding("F2", "A", "2027-05-01", 1),
    _finding("F3", "A", "2027-05-02", 1),
    _finding("F4", "A", "2027-06-30", 1),
    {"type": "inspection", "id": "I2", "outlet": "B", "date": "2027-08-01", "by": "county"},
    {"type": "inspection", "id": "I3", "outlet": "A", "date": "2027-09-01", "by": "county"},
    _finding("F5", "B", "2027-08-01", 1),
    _finding("F9", "A", "2027-04-01", 99),
]


def test_a_half_year_pack_scores_per_half_year_by_hand(halfyear: sr.CompiledPack) -> None:
    result = sr.score(halfyear, [sr.Records(HALF_RECORDS)], as_of="2028-01-15")
    cards = {(c.outlet, c.period): c for c in result.scorecards}
    assert sorted(cards) == [("A", "2027H1"), ("A", "2027H2"), ("B", "2027H1"), ("B", "2027H2")]
    # Four findings of 3 points in the first half: 10 - 12 = -2 (no floor).
    assert cards[("A", "2027H1")].total == -2
    assert cards[("A", "2027H2")].total == 10
    assert not cards[("B", "2027H1")].scored
    assert cards[("B", "2027H2")].total == 7
    # The rejected line is dated in the first half-year.
    assert [(r.id, r.code, r.period) for r in result.rejected] == [("F9", "unknown_article", "2027H1")]
    # The cadence judges each half-year: B was not inspected in the first.
    assert [(a.rule, a.subject, a.period, a.date, a.action) for a in result.actions] == [
        ("h-cadence", "C", "2027H1", "2027-06-30", "missed_inspection"),
        ("h-lapses", "C", "2027H1", "2027-06-30", "rectification_notice"),
    ]
    assert result.actions[1].reason == "C2027年第1次失职:C2027H1未检查网点B(h-cadence:C:2027H1),限期整改。"


def test_a_half_year_still_open_is_not_judged(halfyear: sr.CompiledPack) -> None:
    result = sr.score(halfyear, [sr.Records(HALF_RECORDS)], as_of="2027-06-30")
    assert not result.actions  # the first half-year ends on 06-30: judged from 07-01
    result = sr.score(halfyear, [sr.Records(HALF_RECORDS)], as_of="2027-07-01")
    assert [a.period for a in result.actions] == ["2027H1", "2027H1"]


def test_a_half_year_pack_scores_one_half_year(halfyear: sr.CompiledPack) -> None:
    result = sr.score(halfyear, [sr.Records(HALF_RECORDS)], period="2027H2", as_of="2028-01-15")
    assert [(c.outlet, c.total) for c in result.scorecards] == [("A", 10), ("B", 7)]
    assert not result.actions


def test_report_deadlines_need_a_quarterly_pack(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    for f in (PACKS / "halfyear").iterdir():
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    with (folder / "oversight.toml").open("a", encoding="utf-8") as out:
        out.write(
            '\n[[deadlines]]\nid = "h-report"\nmonth = { value = 1, provenance = "literal" }\n'
            'day = { value = 10, provenance = "literal" }\nlate_action = "late"\nmissing_action = "missing"\n'
            'late_reason = "{subject}"\nmissing_reason = "{subject}"\n'
        )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    [problem] = [p for p in err.value.problems if p.code == "period_unsupported"]
    assert problem.file == "oversight.toml" and problem.path == "$.deadlines[0]"
    assert "half_year" in problem.message


def test_docs_name_the_scoring_period() -> None:
    text = sr.render_pack_docs(sr.load_pack(PACKS / "halfyear"))
    assert "按半年计分" in text
    assert "每半年至少接受" in text
    assert "按自然年度计次" in text
