"""The documents out: the workbook (read back with an independent reader, python-calamine, and
compared with the JSON output), the 通报 (a golden file, read by a person), the ranked CSV, the
Word document; the largest-remainder split; atomic writes.

The golden 通报 tests/golden/cangzhou-2026q3.bulletin.md is ``render_bulletin`` of the bundled
example at ``--as-of 2026-11-27`` (regenerate: ``SERVICE_RULES_REGENERATE=1 pytest tests/test_documents.py``
and read the diff).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import service_rules as sr
from service_rules._documents import (
    DocumentLabels,
    county_summary,
    period_words,
    person_deductions,
    ranking,
    render_bulletin,
    render_ranking_csv,
    write_bulletin_docx,
    write_ranking_csv,
    write_workbook,
)
from service_rules._files import atomic_path
from service_rules._money import split, split_equally

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "cangzhou-2026q3.bulletin.md"
EXAMPLE = "examples/cangzhou-2026q3.jsonl"
PACK = sr.load_pack("cangzhou")
COMPILED = sr.compile_pack(PACK)
LABELS = DocumentLabels.from_pack(PACK)


def _names() -> dict[str, str]:
    out = {}
    for line in (ROOT / EXAMPLE).read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["type"] == "outlet" and "name" in rec:
            out[rec["outlet"]] = rec["name"]
    return out


NAMES = _names()


@pytest.fixture(scope="module")
def example() -> sr.ScoreResult:
    cwd = os.getcwd()
    os.chdir(ROOT)  # the file as given on a command line, relative
    try:
        return sr.score(COMPILED, [EXAMPLE], as_of="2026-11-27")
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def with_rejections() -> sr.ScoreResult:
    records = [json.loads(line) for line in (ROOT / EXAMPLE).read_text(encoding="utf-8").splitlines()]
    records += [
        {"type": "finding", "id": "BAD-1", "outlet": "HJ-01", "date": "2026-02-30", "article": 18, "points": 1},
        {"type": "finding", "id": "BAD-2", "outlet": "HJ-01", "date": "2026-07-01", "article": 99, "points": 1},
        {"type": "finding", "id": "BAD-3", "outlet": "HJ-01", "date": "2026-07-01", "article": 18, "points": 2.5},
        # three employees share one 1-point deduction: 0.34 + 0.33 + 0.33
        {
            "type": "finding",
            "id": "SHARED",
            "outlet": "HJ-02",
            "date": "2026-07-15",
            "article": 12,
            "points": 1,
            "employees": ["E-c", "E-a", "E-b"],
        },
    ]
    return sr.score(COMPILED, [sr.Records(records, "office.xlsx")], as_of="2026-11-27")


# ---- the largest-remainder split ---------------------------------------------------------------


def test_a_shared_deduction_is_split_not_copied() -> None:
    assert split_equally(10, ["甲", "乙"]) == {"甲": Decimal("5.00"), "乙": Decimal("5.00")}
    assert split_equally(10, ["c", "a", "b"]) == {"a": Decimal("3.34"), "b": Decimal("3.33"), "c": Decimal("3.33")}
    assert split_equally(Decimal("0.01"), ["b", "a"]) == {"a": Decimal("0.01"), "b": Decimal("0.00")}
    assert split(5, {"x": 1, "y": 2}) == {"x": Decimal("1.67"), "y": Decimal("3.33")}
    for bad in ({}, {"a": 0}, {"a": -1}):
        with pytest.raises(ValueError):
            split(1, bad)
    with pytest.raises(ValueError):
        split(Decimal("0.001"), {"a": 1})


amounts = st.integers(min_value=-(10**9), max_value=10**9).map(lambda c: Decimal(c) / 100)
keys = st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=12, unique=True)


@given(amounts, keys, st.randoms())
def test_equal_parts_add_back_differ_by_a_cent_and_ignore_order(total: Decimal, names: list[str], rnd: Any) -> None:
    parts = split_equally(total, names)
    assert sum(parts.values()) == total
    assert max(parts.values()) - min(parts.values()) <= Decimal("0.01")
    assert all(p == p.quantize(Decimal("0.01")) for p in parts.values())
    shuffled = list(names)
    rnd.shuffle(shuffled)
    assert split_equally(total, shuffled) == parts


@given(amounts, st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 50), min_size=1, max_size=8))
def test_weighted_parts_add_back_and_stay_within_a_cent_of_the_exact_share(
    total: Decimal, weights: dict[str, int]
) -> None:
    if sum(weights.values()) == 0:
        return
    parts = split(total, weights)
    assert sum(parts.values()) == total
    whole = sum(weights.values())
    for k, w in weights.items():
        assert abs(parts[k] - total * w / whole) < Decimal("0.01")
    assert split(total, dict(reversed(list(weights.items())))) == parts


# ---- what the documents hold --------------------------------------------------------------------


def _with_totals(result: sr.ScoreResult, totals: dict[str, int]) -> sr.ScoreResult:
    cards = tuple(attrs.evolve(c, total=totals.get(c.outlet, c.total)) for c in result.scorecards)
    return attrs.evolve(result, scorecards=cards)


def test_ties_share_a_rank_ordered_by_code(example: sr.ScoreResult) -> None:
    tied = _with_totals(example, {"HJ-01": 90, "RQ-02": 90, "HJ-02": 90, "BT-01": 95, "RQ-01": 80})
    ranked = [(r.rank, r.card.outlet) for r in ranking(tied)]
    # BT-02 has nothing recorded against it: not scored, listed apart, never ranked
    assert ranked == [(1, "BT-01"), (2, "HJ-01"), (2, "HJ-02"), (2, "RQ-02"), (5, "RQ-01"), (None, "BT-02")]


def test_county_summary_by_hand(example: sr.ScoreResult) -> None:
    rows = {s.county: s for s in county_summary(example)}
    # 河间: HJ-01 82, HJ-02 89; deducted 18 + 11; no action against 河间 in 2026Q3
    assert attrs.astuple(rows["河间"]) == ("2026Q3", "河间", 2, 2, Decimal("85.50"), 82, 89, 29, 0)
    # 任丘: RQ-01 64, RQ-02 88; actions: written_review, late_report (the Q2 notice is another period)
    assert attrs.astuple(rows["任丘"]) == ("2026Q3", "任丘", 2, 2, Decimal("76.00"), 64, 88, 48, 2)
    # 泊头: BT-01 99 inspected; BT-02 never inspected, not scored; 3 actions
    assert attrs.astuple(rows["泊头"]) == ("2026Q3", "泊头", 2, 1, Decimal("99.00"), 99, 99, 1, 3)


def test_person_rows_split_shared_deductions(with_rejections: sr.ScoreResult) -> None:
    rows = person_deductions(with_rejections)
    shared = [(r.employee, r.share, r.among) for r in rows if "SHARED" in r.deduction.observations]
    assert shared == [("E-a", Decimal("0.34"), 3), ("E-b", Decimal("0.33"), 3), ("E-c", Decimal("0.33"), 3)]
    two = [(r.employee, r.share) for r in rows if "CITY-2026Q3-01-2" in r.deduction.observations]
    assert two == [("RQ02-E01", Decimal("5.00")), ("RQ02-E04", Decimal("5.00"))]  # 10 points, two people
    for card in with_rejections.scorecards:
        for d in card.deductions:
            if d.employees:
                assert sum(r.share for r in rows if r.deduction is d) == d.points


def test_period_words() -> None:
    assert [period_words(p) for p in ("2026Q3", "2026-07", "2026H1", "2026H2", "2026")] == [
        "2026年第三季度",
        "2026年7月",
        "2026年上半年",
        "2026年下半年",
        "2026年",
    ]


# ---- the workbook, read back with another library ------------------------------------------------


def _sheet(path: Path, name: str, header_row: int = 0) -> list[dict[str, Any]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    header = rows[header_row]
    return [dict(zip(header, row, strict=False)) for row in rows[header_row + 1 :]]


def test_the_workbook_holds_the_numbers_of_the_json(tmp_path: Path, with_rejections: sr.ScoreResult) -> None:
    path = tmp_path / "通报.xlsx"
    write_workbook(with_rejections, path, NAMES, LABELS)
    data = with_rejections.to_dict()
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["排名", "县联社汇总", "扣分明细", "个人扣分", "个人合计", "处理事项", "未采纳行"]

    ranked = {r["网点代码"]: r for r in _sheet(path, "排名")}
    assert set(ranked) == {c["outlet"] for c in data["scorecards"]}
    for card in data["scorecards"]:
        row = ranked[card["outlet"]]
        assert row["县联社"] == card["county"] and row["网点名称"] == NAMES[card["outlet"]]
        if card["outlet"] == "BT-02":
            assert row["名次"] == "" and row["总分"] == "" and row["说明"].startswith("未评分")
            continue
        assert row["总分"] == card["total"]
        for s in card["sections"]:
            assert [v for k, v in row.items() if k.startswith("一二三四五六七八九"[s["number"] - 1] + "、")] == [
                s["score"]
            ]
    # SHARED cost HJ-02 a point: 88, tied with RQ-02 (ranks 1, 2, 2, 4, 5; BT-02 not scored)
    assert [(r["名次"], r["网点代码"]) for r in _sheet(path, "排名")] == [
        (1, "BT-01"),
        (2, "HJ-02"),
        (2, "RQ-02"),
        (4, "HJ-01"),
        (5, "RQ-01"),
        ("", "BT-02"),
    ]

    details = _sheet(path, "扣分明细")
    expected = sorted(
        (c["outlet"], d["observations"][0], d["points"], d["rule"], d["reason"])
        for c in data["scorecards"]
        for d in c["deductions"]
    )
    assert sorted((r["网点代码"], r["记录编号"], r["扣分"], r["规则"], r["扣分原因"]) for r in details) == expected

    by_outlet: dict[str, int] = defaultdict(int)
    for r in details:
        by_outlet[r["县联社"]] += int(r["扣分"])
    for row in _sheet(path, "县联社汇总"):
        mine = [c for c in data["scorecards"] if c["county"] == row["县联社"]]
        assert row["网点数"] == len(mine)
        assert row["扣分合计"] == by_outlet[row["县联社"]] == sum(d["points"] for c in mine for d in c["deductions"])

    persons = _sheet(path, "个人扣分", header_row=1)
    shares: dict[str, float] = defaultdict(float)
    for r in persons:
        shares[r["记录编号"]] += r["个人分摊扣分"]
    for c in data["scorecards"]:
        for d in c["deductions"]:
            if d["employees"]:
                assert shares[d["observations"][0]] == pytest.approx(d["points"])
    assert {r["员工"]: r["个人分摊扣分"] for r in persons if r["记录编号"] == "SHARED"} == {
        "E-a": 0.34,
        "E-b": 0.33,
        "E-c": 0.33,
    }
    assert "最大余数法" in book.get_sheet_by_name("个人扣分").to_python()[0][0]

    actions = _sheet(path, "处理事项")
    assert [(a["对象"], a["代码"], a["日期"]) for a in actions] == [
        (a["subject"], a["action"], a["date"]) for a in data["actions"]
    ]
    assert actions[1]["处理"] == "书面检查并通报" and actions[1]["通报全市"] == "是" and actions[1]["条款"] == "第3条"

    rejected = _sheet(path, "未采纳行")
    assert [(r["行号"], r["代码"]) for r in rejected] == [(r["line"], r["code"]) for r in data["rejected"]]
    assert [r["原因"] for r in rejected] == ["日期无效", "规则包中无此条", "字段类型错误"]


def test_the_workbook_is_laid_out_for_people(tmp_path: Path, example: sr.ScoreResult) -> None:
    import openpyxl

    path = tmp_path / "out.xlsx"
    write_workbook(example, path, NAMES, LABELS)
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        expected = "A3" if ws.title in ("个人扣分", "个人合计") else "A2"
        assert ws.freeze_panes == expected, ws.title
        header = ws[int(expected[1]) - 1]
        assert all(c.font.bold for c in header if c.value is not None)
        assert all((ws.column_dimensions[c.column_letter].width or 0) >= 6 for c in header)
    summary = book["县联社汇总"]
    assert summary["E2"].number_format == "0.00" and isinstance(summary["E2"].value, float | int)
    assert isinstance(book["排名"]["L2"].value, int)  # numbers as numbers


def test_an_empty_result_writes_every_sheet(tmp_path: Path) -> None:
    empty = sr.score(COMPILED, [sr.Records([])], as_of="2026-11-27")
    write_workbook(empty, tmp_path / "empty.xlsx")
    assert len(CalamineWorkbook.from_path(str(tmp_path / "empty.xlsx")).sheet_names) == 7
    assert "本期无处理事项" in render_bulletin(empty)


# ---- the 通报 -------------------------------------------------------------------------------------


def test_golden_bulletin(example: sr.ScoreResult) -> None:
    text = render_bulletin(example, labels=LABELS)  # outlet names from the result
    assert render_bulletin(example, NAMES, LABELS) == text  # the same names passed by hand
    if os.environ.get("SERVICE_RULES_REGENERATE"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_bulletin_reports_rejections_by_reason(with_rejections: sr.ScoreResult) -> None:
    text = render_bulletin(with_rejections, NAMES, LABELS)
    assert "采纳31条,未采纳3条(见第五部分)" in text
    assert "日期无效(invalid_date)1条(office.xlsx第31行)" in text
    assert "规则包中无此条(unknown_article)1条" in text


def test_word_bulletin_holds_the_same_text(tmp_path: Path, example: sr.ScoreResult) -> None:
    path = tmp_path / "通报.docx"
    write_bulletin_docx(example, path, NAMES, LABELS)
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "关于2026年第三季度优质文明服务检查情况的通报"
    markdown = render_bulletin(example, NAMES, LABELS)
    for p in paragraphs:
        assert p in markdown
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells] == [
        "县联社",
        "网点数",
        "已检查",
        "平均分",
        "最低分",
        "最高分",
        "扣分合计",
        "处理事项",
    ]
    assert [c.text for c in first.rows[1].cells][:4] == ["任丘", "2", "2", "76.00"]


# ---- the ranked CSV and atomic writes -------------------------------------------------------------


def test_ranking_csv(tmp_path: Path, example: sr.ScoreResult) -> None:
    path = tmp_path / "rank.csv"
    write_ranking_csv(example, path, NAMES)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    assert [(r["名次"], r["网点代码"], r["网点名称"], r["总分"]) for r in rows] == [
        ("1", "BT-01", "泊头市联社营业部", "99"),
        ("2", "HJ-02", "河间市联社米各庄信用社", "89"),
        ("3", "RQ-02", "任丘市联社出岸信用社", "88"),
        ("4", "HJ-01", "河间市联社城区信用社", "82"),
        ("5", "RQ-01", "任丘市联社营业部", "64"),
        ("", "BT-02", "泊头市联社交河信用社", ""),
    ]
    assert render_ranking_csv(example, NAMES) == raw[3:].decode("utf-8")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"the old file")
    with pytest.raises(OSError, match="disk full"), atomic_path(path) as tmp:
        tmp.write_bytes(b"half")
        raise OSError("disk full")
    assert path.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_a_failed_replace_leaves_the_old_file(
    tmp_path: Path, example: sr.ScoreResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"the old file")

    def refuse(src: Any, dst: Any) -> None:
        raise OSError("read-only folder")

    monkeypatch.setattr("service_rules._files.os.replace", refuse)
    with pytest.raises(OSError, match="read-only folder"):
        write_workbook(example, path)
    assert path.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_atomic_files_get_ordinary_permissions(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "x.txt") as tmp:
        tmp.write_text("x", encoding="utf-8")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "x.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    """A note that looks like a formula, or holds a control character, reaches the documents as text."""
    records = [
        {"type": "outlet", "outlet": '=HYPERLINK("x")', "county": "河间\x01", "name": "=1+1"},
        {
            "type": "finding",
            "id": "F-1",
            "outlet": '=HYPERLINK("x")',
            "date": "2026-07-05",
            "article": 12,
            "points": 1,
            "note": "=SUM(A1:A9)\x0b",
            "employees": ["=A1"],
        },
    ]
    result = sr.score(COMPILED, [sr.Records(records)], as_of="2026-11-27")
    write_workbook(result, tmp_path / "x.xlsx", {'=HYPERLINK("x")': "=1+1"}, LABELS)
    details = _sheet(tmp_path / "x.xlsx", "扣分明细")
    assert details[0]["网点代码"] == '=HYPERLINK("x")' and details[0]["备注"] == "=SUM(A1:A9)\ufffd"
    assert details[0]["县联社"] == "河间\ufffd" and details[0]["网点名称"] == "=1+1"
    write_bulletin_docx(result, tmp_path / "x.docx", {}, LABELS)
    assert any("河间\ufffd" in c.text for t in docx.Document(str(tmp_path / "x.docx")).tables for c in t._cells)


def test_several_periods_rank_and_summarise_apart(tmp_path: Path, example: sr.ScoreResult) -> None:
    later = tuple(attrs.evolve(c, period="2026Q4") for c in example.scorecards)
    both = attrs.evolve(example, scorecards=example.scorecards + later)
    ranked = ranking(both)
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5, None] * 2
    assert [r.card.period for r in ranked] == ["2026Q3"] * 6 + ["2026Q4"] * 6
    assert [(s.period, s.county) for s in county_summary(both)][:4] == [
        ("2026Q3", "任丘"),
        ("2026Q3", "河间"),
        ("2026Q3", "泊头"),
        ("2026Q4", "任丘"),
    ]
    text = render_bulletin(both, NAMES, LABELS)
    assert "关于2026年第三季度、2026年第四季度优质文明服务检查情况的通报" in text
    assert "### 2026年第四季度" in text and "| 期间 | 县联社 |" in text
    write_workbook(both, tmp_path / "two.xlsx", NAMES, LABELS)
    assert len(_sheet(tmp_path / "two.xlsx", "排名")) == 12


def test_a_pack_of_items_says_项(tmp_path: Path) -> None:
    pack = sr.load_pack("generic")
    result = sr.score(sr.compile_pack(pack), [str(ROOT / "examples" / "generic-2027q1.jsonl")], as_of="2027-05-01")
    labels = DocumentLabels.from_pack(pack)
    text = render_bulletin(result, {}, labels)
    assert "项扣" in text and "条扣" not in text
    write_workbook(result, tmp_path / "g.xlsx", {}, labels)
    write_bulletin_docx(result, tmp_path / "g.docx", {}, labels)
    details = _sheet(tmp_path / "g.xlsx", "扣分明细")
    assert details and all(r["条款"].endswith("项") or r["条款"] == "投诉" for r in details)
    assert sum(r["扣分"] for r in details) == sum(d.points for c in result.scorecards for d in c.deductions)


def test_the_bulletin_says_how_many_rejected_lines_name_no_outlet() -> None:
    records = [
        {"type": "outlet", "outlet": "A", "county": "河间"},
        {"type": "finding", "id": "f1", "outlet": "A", "date": "2026-08-01", "article": 18, "points": 9},
        {"type": "finding", "id": "f2", "date": "2026-08-01", "article": 18, "points": 2},
    ]
    result = sr.score(COMPILED, [sr.Records(records)], as_of="2026-11-27")
    assert result.unattributed == 1
    text = render_bulletin(result)
    assert "其中1条未能读出所涉网点" in text


def test_documents_flag_an_outlet_whose_lines_were_rejected(tmp_path: Path) -> None:
    """A clean-looking rank must not hide rejected rows: the workbook's 说明, the 通报's 扣分情况
    and its first section say which outlets rejected lines touch."""
    records = [
        {"type": "outlet", "outlet": "A", "county": "河间"},
        {"type": "outlet", "outlet": "B", "county": "河间"},
        {"type": "inspection", "id": "i1", "outlet": "A", "date": "2026-08-01", "by": "county"},
        {"type": "inspection", "id": "i2", "outlet": "B", "date": "2026-08-01", "by": "county"},
        {"type": "finding", "id": "f1", "outlet": "A", "date": "2026-08-01", "article": 18, "points": 9},
        {"type": "finding", "id": "f2", "outlet": "B", "date": "2026-08-01", "article": 18, "points": 2},
    ]
    result = sr.score(COMPILED, [sr.Records(records)], as_of="2026-11-27")
    text = render_bulletin(result)
    assert "有1个网点涉及未采纳的记录(A:1条)" in text
    assert "另有1条涉及本网点的记录未采纳,得分待核" in text
    write_workbook(result, tmp_path / "w.xlsx")
    rows = CalamineWorkbook.from_path(str(tmp_path / "w.xlsx")).get_sheet_by_name("排名").to_python()
    a_row = next(r for r in rows if "A" in r)
    assert any(isinstance(v, str) and "未采纳" in v for v in a_row)


def test_a_mistyped_outlet_on_a_rejected_row_is_not_an_outlet_of_the_union() -> None:
    """From a new user's trial: a finding typed with outlet HJ-O2 (letter O) was rejected, yet the
    通报 counted a seventh outlet and no warning said the code is unregistered."""
    records = [
        {"type": "outlet", "outlet": "HJ-02", "county": "河间"},
        {"type": "inspection", "id": "i1", "outlet": "HJ-02", "date": "2026-08-01", "by": "county"},
        {"type": "finding", "id": "f1", "outlet": "HJ-O2", "date": "2026-08-01", "article": 18, "points": 9},
    ]
    result = sr.score(COMPILED, [sr.Records(records)], as_of="2026-11-27")
    [warning] = [w for w in result.warnings if w.code == "unregistered_outlet"]
    assert warning.outlet == "HJ-O2" and warning.line == 3
    text = render_bulletin(result)
    assert "1个县联社的1个营业网点" in text and "未登记的网点代码1个:HJ-O2" in text
