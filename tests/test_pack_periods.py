"""Packs that score per month and per half-year (tests/packs/monthly, tests/packs/halfyear),
checked against hand computations."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules.cli import main

PACKS = Path(__file__).parent / "packs"


@pytest.fixture(scope="module")
def monthly() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack(PACKS / "monthly"))


@pytest.fixture(scope="module")
def yearly(tmp_path_factory: pytest.TempPathFactory) -> sr.CompiledPack:
    """The monthly pack, scored per year by a layer (the ladder still counts per month)."""
    root = tmp_path_factory.mktemp("yearly")
    shutil.copytree(PACKS / "monthly", root / "monthly")
    (root / "yearly").mkdir()
    (root / "yearly" / "pack.toml").write_text(
        '[pack]\nname = "yearly"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\nperiod = "year"\n',
        encoding="utf-8",
    )
    return sr.compile_pack(sr.load_pack(root / "yearly"))


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
    shutil.copytree(PACKS / "halfyear", folder)
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


def test_a_monthly_pack_on_several_processes_is_the_same(monthly: sr.CompiledPack, tmp_path: Path) -> None:
    import json

    from service_rules import _parallel
    from service_rules._evaluate import result_of
    from service_rules._ingest import ingest

    path = tmp_path / "in.jsonl"
    lines = [
        {"type": "finding", "id": f"F{i}", "outlet": f"O{i % 7}", "date": f"2027-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
         "article": 1 + i % 2}
        for i in range(400)
    ] + [{"type": "finding", "id": "BAD", "outlet": "O1", "date": "2027-05-01", "article": 9}]  # fmt: skip
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    serial = ingest(monthly, [path])
    parallel = _parallel.ingest_parallel(monthly, [path], workers=2, min_bytes=0, chunk_bytes=2_000)
    assert parallel == serial
    day = dt.date(2028, 1, 31)
    assert result_of(monthly, parallel, as_of=day).to_json() == result_of(monthly, serial, as_of=day).to_json()
    assert [r.period for r in serial.rejected] == ["2027-05"]


_days = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31))


@settings(max_examples=30, deadline=None)
@given(
    found=st.lists(st.tuples(st.sampled_from(["A", "B"]), _days, st.sampled_from([1, 2])), max_size=25),
)
def test_months_add_up_to_their_year(monthly: sr.CompiledPack, yearly: sr.CompiledPack, found: list[Any]) -> None:
    """The same findings under the monthly pack and under a yearly layer of it: what each month
    deducts, per outlet and section, adds up to what the year deducts (no caps in the pack; the
    floor only bounds scores, not deductions)."""
    records = [_finding(f"F{i}", outlet, day.isoformat(), article) for i, (outlet, day, article) in enumerate(found)]
    months = sr.score(monthly, [sr.Records(records)], as_of="2028-06-30")
    years = sr.score(yearly, [sr.Records(records)], as_of="2028-06-30")
    summed: dict[tuple[str, str, int], int] = {}
    for card in months.scorecards:
        assert len(card.period) == 7 and card.period[4] == "-"
        for s in card.sections:
            key = (card.outlet, card.period[:4], s.number)
            summed[key] = summed.get(key, 0) + s.deducted
    whole = {(c.outlet, c.period, s.number): s.deducted for c in years.scorecards for s in c.sections}
    assert all(len(p) == 4 for _, p, _ in whole)
    assert {k: v for k, v in summed.items() if v} == {k: v for k, v in whole.items() if v}
    # each month's ladder counts restart: no more than two steps a month per outlet
    per_month: dict[tuple[str, str], int] = {}
    for a in months.actions:
        per_month[(a.subject, a.period)] = per_month.get((a.subject, a.period), 0) + 1
    n_findings = {}
    for outlet, day, article in found:
        if article == 2:
            key = (outlet, f"{day.year:04d}-{day.month:02d}")
            n_findings[key] = n_findings.get(key, 0) + 1
    assert per_month == n_findings


@pytest.mark.parametrize(("window", "flagged"), [("year", 1), ("none", 2)])  # F9 of 2027H1, and L0 of 2026
def test_a_ladder_over_the_whole_input_is_flagged_by_earlier_years(tmp_path: Path, window: str, flagged: int) -> None:
    shutil.copytree(PACKS / "halfyear", tmp_path / "halfyear")
    text = (tmp_path / "halfyear" / "oversight.toml").read_text(encoding="utf-8")
    (tmp_path / "halfyear" / "oversight.toml").write_text(
        text.replace('window = "year"', f'window = "{window}"'), encoding="utf-8"
    )
    bad = {"type": "lapse", "id": "L0", "county": "C", "date": "2026-03-01", "kind": "no_such_kind"}
    result = sr.score(tmp_path / "halfyear", [sr.Records([*HALF_RECORDS, bad])], as_of="2028-01-15")
    assert [(r.id, r.county, r.period) for r in result.rejected if r.id == "L0"] == [("L0", "C", "2026H1")]
    [step] = [a for a in result.actions if a.rule == "h-lapses"]
    assert (step.period, step.rejections) == ("2027H1", flagged)


@pytest.mark.parametrize("name", ["monthly", "halfyear"])
def test_the_test_packs_own_cases_pass_with_full_coverage(name: str) -> None:
    import json
    import tomllib

    import jsonschema

    from service_rules._packtest import cases_schema, run_pack_tests

    report = run_pack_tests(sr.compile_pack(sr.load_pack(PACKS / name)))
    assert report.passed and len(report.cases) >= 1, [c.failures for c in report.cases]
    assert report.rules.percent == 100.0 and report.articles.percent == 100.0
    schema = json.loads(json.dumps(cases_schema()))
    for f in sorted((PACKS / name / "tests").glob("*.toml")):
        jsonschema.validate(tomllib.loads(f.read_text(encoding="utf-8")), schema)


def test_a_window_placeholder_of_a_ladder_over_the_whole_input_is_warned_about(tmp_path: Path) -> None:
    shutil.copytree(PACKS / "monthly", tmp_path / "m")
    text = (tmp_path / "m" / "oversight.toml").read_text(encoding="utf-8")
    (tmp_path / "m" / "oversight.toml").write_text(
        text.replace('window = "month"', 'window = "none"'), encoding="utf-8"
    )
    warnings = sr.compile_pack(sr.load_pack(tmp_path / "m")).warnings
    assert [(w.code, w.path) for w in warnings if w.code == "placeholder_empty"] == [
        ("placeholder_empty", "$.ladders[0].reason")
    ]


def test_candidates_judge_the_half_years_of_the_year(halfyear: sr.CompiledPack) -> None:
    from service_rules._candidates import render_candidates

    clean = [r for r in HALF_RECORDS if r.get("id") != "F9"] + [
        {"type": "inspection", "id": "I4", "outlet": "B", "date": "2027-04-01", "by": "county"},
    ]
    result = sr.candidates(halfyear, [sr.Records(clean)], year=2027, as_of="2028-01-15")
    assert result.judged_quarters == ("2027H1", "2027H2")
    # A: −2 and 10, mean 4; B: 10 (inspected, nothing found) and 7, mean 8.5.
    assert [(c.outlet, c.mean_total) for c in result.candidates] == [("B", 8.5), ("A", 4)]
    text = render_candidates(result)
    assert "评定半年:2027H1、2027H2" in text and "半年均总分" in text and "2027H1:-2 2027H2:10" in text
    # A half-year without a county inspection of the outlet keeps it off the list.
    result = sr.candidates(halfyear, [sr.Records(HALF_RECORDS)], year=2027, as_of="2028-01-15")
    assert [(e.outlet, [r.code for r in e.reasons]) for e in result.excluded] == [
        ("A", ["rejected_lines"]),
        ("B", ["not_inspected"]),
    ]
