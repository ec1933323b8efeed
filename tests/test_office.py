"""The office workflow end to end (issue 10): workbooks and CSV files scored through ``score``,
the command line and every document format, ``--output`` written atomically, ``import``.

Every written workbook is read back with python-calamine (Rust calamine, a reader independent of
openpyxl, which writes them) and its numbers compared with the JSON output.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import service_rules as sr
from service_rules.cli import main
from test_sheets import _workbook

ROOT = Path(__file__).resolve().parents[1]
JSONL = str(ROOT / "examples" / "cangzhou-2026q3.jsonl")
XLSX = str(ROOT / "examples" / "cangzhou-2026q3.xlsx")
GOLDEN = ROOT / "tests" / "golden" / "cangzhou-2026q3.bulletin.md"
AS_OF = "2026-11-27"
COMPILED = sr.compile_pack(sr.load_pack("cangzhou"))


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return int(code), out, err


def score_args(*extra: str, files: tuple[str, ...] = (XLSX,)) -> list[str]:
    return ["score", "--pack", "cangzhou", "--as-of", AS_OF, *extra, *files]


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    """The JSON of the bundled quarter read from JSON Lines: what the workbook must score to."""
    return sr.score(COMPILED, [JSONL], as_of=AS_OF).to_dict()


# ---- the same quarter, as a workbook ------------------------------------------------------------


def test_the_example_workbook_scores_exactly_as_the_jsonl(expected: dict[str, Any]) -> None:
    got = sr.score(COMPILED, [XLSX], as_of=AS_OF).to_dict()
    assert {k: v for k, v in got.items() if k != "inputs"} == {k: v for k, v in expected.items() if k != "inputs"}
    assert got["scorecards"] and got["actions"]
    # one input per sheet, all of the file; lines are the rows below each header
    assert [i["sheet"] for i in got["inputs"]] == [
        "网点",
        "检查记录",
        "检查发现问题",
        "投诉",
        "县联社失职",
        "检查情况上报",
    ]
    assert {i["file"] for i in got["inputs"]} == {XLSX}
    assert sum(i["lines"] for i in got["inputs"]) == expected["inputs"][0]["lines"] == 30
    assert sum(i["accepted"] for i in got["inputs"]) == 30
    assert all(i["problem"] is None and i["rejected"] == 0 for i in got["inputs"])
    assert {c["outlet"]: c["name"] for c in got["scorecards"]}["HJ-01"] == "河间市联社城区信用社"


def test_score_json_on_the_command_line_is_the_same_but_for_inputs(
    capsys: pytest.CaptureFixture[str], expected: dict[str, Any]
) -> None:
    code, out, err = cli(capsys, *score_args())
    assert (code, err) == (0, "")
    got = json.loads(out)
    assert got["scorecards"] == expected["scorecards"]
    assert got["actions"] == expected["actions"]
    assert got["rejected"] == expected["rejected"] == []
    totals = {(c["outlet"], c["period"]): c["total"] for c in got["scorecards"]}
    assert totals == {(c["outlet"], c["period"]): c["total"] for c in expected["scorecards"]}


def test_a_workbook_and_jsonl_together(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Both at once: every record given twice, so each id of the second file is a duplicate."""
    code, out, _ = cli(capsys, *score_args(files=(XLSX, JSONL)))
    assert code == 1
    result = json.loads(out)
    assert result["inputs"][-1]["sheet"] is None
    assert {r["code"] for r in result["rejected"]} <= {"duplicate_id"}
    assert all(r["file"] == JSONL and r["sheet"] is None for r in result["rejected"])


# ---- bad rows and sheets come back located -------------------------------------------------------


def test_bad_rows_come_back_with_sheet_and_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    book = _workbook(tmp_path)
    code, out, _ = cli(capsys, *score_args(files=(str(book),)))
    assert code == 1
    result = json.loads(out)
    located = {(r["sheet"], r["line"]): r["code"] for r in result["rejected"]}
    assert located == {
        ("网点", 4): "wrong_type",
        ("检查", 6): "invalid_value",
        ("问题", 6): "invalid_date",
        ("问题", 7): "wrong_type",
        ("问题", 8): "unreadable_cell",
        ("问题", 9): "unreadable_cell",
        ("问题", 10): "invalid_date",
        ("问题", 11): "unknown_article",
        ("问题", 12): "unknown_tag",
        ("问题", 13): "duplicate_id",
        ("投诉", 5): "invalid_value",
    }
    assert all(r["file"] == str(book) for r in result["rejected"])
    assert {r["id"] for r in result["rejected"] if r["line"] == 8 and r["sheet"] == "问题"} == {"F-6"}
    inputs = {i["sheet"]: i for i in result["inputs"]}
    assert list(inputs) == ["网点", "检查", "问题", "投诉", "说明", "空表", "混合", "重复列"]
    # 问题: rows 2 to 13 below the header, row 5 blank; the trailing 备注-only row is not counted
    assert inputs["问题"]["lines"] == 12 and inputs["问题"]["blank"] == 1 and inputs["问题"]["rejected"] == 8
    # 检查: the title rows above the header are not counted
    assert inputs["检查"]["lines"] == 3
    for name in ("说明", "混合", "重复列"):
        assert inputs[name]["problem"], name
        assert inputs[name]["lines"] == inputs[name]["accepted"] == 0
    assert inputs["空表"]["problem"] is None and inputs["空表"]["lines"] == 0
    assert inputs["网点"]["accepted"] + inputs["网点"]["rejected"] == inputs["网点"]["lines"]
    # the unknown columns are one warning per sheet, located
    warnings = [(w["code"], w["sheet"], w["line"]) for w in result["warnings"]]
    assert ("unknown_columns", "网点", 1) in warnings and ("unknown_columns", "问题", 1) in warnings
    assert all(w["file"] == str(book) for w in result["warnings"])


def test_a_sheet_matching_no_record_type_exits_1_and_scores_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "说明"
    ws.append(["网点代码", "备注"])  # 网点代码 alone: no type's required headers
    ws.append(["HJ-01", "x"])
    path = tmp_path / "notes.xlsx"
    book.save(path)
    code, out, _ = cli(capsys, *score_args(files=(str(path),)))
    assert code == 1
    result = json.loads(out)
    assert result["rejected"] == [] and result["scorecards"] == []
    assert result["inputs"][0]["sheet"] == "说明" and "表头" in result["inputs"][0]["problem"]
    code, out, _ = cli(capsys, *score_args("--format", "table", files=(str(path),)))
    assert code == 1 and "未读取" in out


def test_an_unreadable_workbook_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    code, out, err = cli(capsys, *score_args(files=(str(path),)))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "broken.xlsx" in err and "Traceback" not in err
    with pytest.raises(sr.ServiceRulesError):
        sr.score(COMPILED, [str(path)], as_of=AS_OF)


def test_csv_in_gb18030_scores(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "findings.csv"
    text = "问题编号,网点代码,检查日期,条款,扣分\r\nF-1,HJ-01,2026/7/5,第十八条,2\r\n,,,,\r\nF-2,HJ-01,2026/7/5,第99条,1\r\n"
    path.write_bytes(text.encode("gb18030"))
    code, out, _ = cli(capsys, *score_args(files=(str(path),)))
    assert code == 1
    result = json.loads(out)
    assert result["inputs"] == [
        {
            "file": str(path),
            "sha256": result["inputs"][0]["sha256"],
            "lines": 3,
            "accepted": 1,
            "rejected": 1,
            "blank": 1,
            "sheet": None,
            "problem": None,
            "replaced": 0,
        }
    ]
    assert [(r["line"], r["code"], r["sheet"]) for r in result["rejected"]] == [(4, "unknown_article", None)]
    assert result["scorecards"][0]["total"] == 98


# ---- every format, to stdout and to --output ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "table", "markdown", "csv"])
def test_output_holds_what_stdout_would(capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    code, out, _ = cli(capsys, *score_args("--format", fmt))
    assert code == 0 and out
    target = tmp_path / f"out.{fmt}"
    code, out2, err = cli(capsys, *score_args("--format", fmt, "--output", str(target)))
    assert (code, out2, err) == (0, "", "")
    data = target.read_bytes()
    if fmt == "csv":  # a file for Excel: UTF-8 with a byte-order mark
        assert data.startswith(b"\xef\xbb\xbf")
        data = data[3:]
    assert data.decode("utf-8") == out
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def test_table_shows_names_and_sheets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, *score_args("--format", "table"))
    assert code == 0
    assert "■ 网点 HJ-01 河间市联社城区信用社(河间)" in out
    assert "cangzhou-2026q3.xlsx“检查发现问题”: 11 行" in out


def test_markdown_is_the_golden_bulletin_with_names_from_the_result(capsys: pytest.CaptureFixture[str]) -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)  # the file as the golden 通报 names it
    try:
        code, out, _ = cli(capsys, *score_args("--format", "markdown", files=("examples/cangzhou-2026q3.jsonl",)))
    finally:
        os.chdir(cwd)
    assert code == 0
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_csv_is_the_ranked_table(capsys: pytest.CaptureFixture[str], expected: dict[str, Any]) -> None:
    code, out, _ = cli(capsys, *score_args("--format", "csv"))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    totals = {c["outlet"]: c["total"] for c in expected["scorecards"]}
    names = {c["outlet"]: c["name"] for c in expected["scorecards"]}
    ranked = [r for r in rows if r["名次"]]
    assert {r["网点代码"]: int(r["总分"]) for r in ranked} == {
        o: t for o, t in totals.items() if o in {r["网点代码"] for r in ranked}
    }
    assert [int(r["总分"]) for r in ranked] == sorted((int(r["总分"]) for r in ranked), reverse=True)
    assert all(r["网点名称"] == names[r["网点代码"]] for r in rows)


def test_xlsx_read_back_by_calamine_holds_the_json_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, expected: dict[str, Any]
) -> None:
    target = tmp_path / "2026Q3.xlsx"
    code, out, err = cli(capsys, *score_args("--format", "xlsx", "--output", str(target)))
    assert (code, out, err) == (0, "", "")
    book = CalamineWorkbook.from_path(str(target))
    rows = book.get_sheet_by_name("排名").to_python()
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    got = {(r[col["网点代码"]], r[col["期间"]]): r for r in rows[1:]}
    for card in expected["scorecards"]:
        row = got[(card["outlet"], card["period"])]
        assert row[col["网点名称"]] == card["name"]
        if row[col["名次"]] != "":
            assert row[col["总分"]] == card["total"]
            for s in card["sections"]:
                title = next(h for h in header if isinstance(h, str) and h.startswith(_numeral(s["number"]) + "、"))
                assert row[col[title]] == s["score"]
    deductions = book.get_sheet_by_name("扣分明细").to_python()
    points_col = deductions[0].index("扣分")
    assert sum(r[points_col] for r in deductions[1:]) == sum(
        d["points"] for c in expected["scorecards"] for d in c["deductions"]
    )
    actions = book.get_sheet_by_name("处理事项").to_python()
    assert len(actions) - 1 == len(expected["actions"])


def _numeral(n: int) -> str:
    from service_rules._codes import cn_number

    return cn_number(n)


def test_docx_holds_the_bulletin(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import docx

    target = tmp_path / "通报.docx"
    code, _, err = cli(capsys, *score_args("--format", "docx", "--output", str(target)))
    assert (code, err) == (0, "")
    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "关于2026年第三季度优质文明服务检查情况的通报" in text


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_file_formats_need_output(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = cli(capsys, *score_args("--format", fmt))
    assert (code, out) == (2, "")
    assert "--output" in err and fmt in err and err.count("\n") == 1


def test_output_into_a_missing_folder_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = cli(capsys, *score_args("--output", str(tmp_path / "nowhere" / "x.json")))
    assert (code, out) == (2, "") and "Traceback" not in err


def test_a_failed_run_leaves_the_previous_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    code, _, _ = cli(capsys, *score_args("--output", str(target), files=(str(broken),)))
    assert code == 2
    assert target.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.xlsx", "out.json"]


# ---- import, candidates, diff ------------------------------------------------------------------


def test_import_writes_the_records_scoring_reads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = cli(capsys, "import", "--pack", "cangzhou", XLSX)
    assert (code, err) == (0, "")
    records = [json.loads(line) for line in out.splitlines()]
    example = [json.loads(line) for line in Path(JSONL).read_text(encoding="utf-8").splitlines()]
    key = lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False)  # noqa: E731
    assert sorted(map(key, records)) == sorted(map(key, example))
    target = tmp_path / "q3.jsonl"
    code, out, _ = cli(capsys, "import", "--pack", "cangzhou", "--output", str(target), XLSX)
    assert (code, out) == (0, "")
    assert [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()] == records


def test_import_of_bad_sheets_is_exit_1_and_of_a_broken_file_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    book = _workbook(tmp_path)
    code, out, err = cli(capsys, "import", "--pack", "cangzhou", str(book))
    assert code == 1 and out
    assert "unreadable_cell" in err and "unrecognised_sheet" in err and "Traceback" not in err
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"nope")
    code, out, err = cli(capsys, "import", "--pack", "cangzhou", str(broken))
    assert (code, out) == (2, "") and "broken.xlsx" in err


def test_candidates_and_diff_read_workbooks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "candidates", "--pack", "cangzhou", "--year", "2026", "--as-of", AS_OF, XLSX)
    assert code == 0
    from_book = json.loads(out)
    code, out, _ = cli(capsys, "candidates", "--pack", "cangzhou", "--year", "2026", "--as-of", AS_OF, JSONL)
    from_lines = json.loads(out)
    assert from_book["candidates"] == from_lines["candidates"]
    assert from_book["excluded"] == from_lines["excluded"]
    names = [e["name"] for e in from_book["excluded"]] + [c["name"] for c in from_book["candidates"]]
    assert "河间市联社城区信用社" in names
    code, out, _ = cli(
        capsys, "candidates", "--pack", "cangzhou", "--year", "2026", "--as-of", AS_OF, "--format", "table", XLSX
    )
    assert code == 0 and "河间市联社城区信用社" in out
    code, out, _ = cli(
        capsys, "diff", "cangzhou", "cangzhou", "--as-of", AS_OF, "--format", "json", "--observations", XLSX
    )
    assert code == 0 and json.loads(out)


def test_the_bulletin_names_each_sheet_its_problem_and_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    book = _workbook(tmp_path)
    code, out, _ = cli(capsys, *score_args("--format", "markdown", files=(str(book),)))
    assert code == 1
    assert f"{book}“问题”:读入11条" in out  # 12 rows, one blank
    assert f"{book}“说明”:未读取(" in out
    assert f"提示:{book}“网点”第1行:" in out
    assert f"{book}“问题”第8行" in out  # an unreadable cell, among the rejected rows by reason


def test_the_workbook_lists_bad_rows_with_sheet_and_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    book = _workbook(tmp_path)
    target = tmp_path / "out.xlsx"
    code, out, _ = cli(capsys, *score_args("--format", "xlsx", "--output", str(target), files=(str(book),)))
    assert (code, out) == (1, "")
    code, out, _ = cli(capsys, *score_args(files=(str(book),)))
    expected = {(r["sheet"], r["line"], r["code"]) for r in json.loads(out)["rejected"]}
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("未采纳行").to_python()
    header = rows[0]
    sheet, line, code_col = header.index("工作表"), header.index("行号"), header.index("代码")
    assert {(r[sheet], int(r[line]), r[code_col]) for r in rows[1:]} == expected
    assert ("问题", 8, "unreadable_cell") in expected


def test_an_unread_sheet_is_never_silent(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """From a trial as a new user: candidates exited 0 and the 通报 said 全部采纳 while a whole
    sheet was skipped; a row with an unreadable cell was not tied to the outlet it names."""
    book = _workbook(tmp_path)
    code, out, _ = cli(capsys, "candidates", "--pack", "cangzhou", "--year", "2026", "--as-of", AS_OF,
                       "--format", "table", str(book))  # fmt: skip
    assert code == 1
    assert "个输入未被读取" in out and "“说明”" in out
    code, out, _ = cli(capsys, *score_args("--format", "markdown", files=(str(book),)))
    assert code == 1 and "未能读取,其内容全部未计入" in out
    code, out, _ = cli(capsys, *score_args(files=(str(book),)))
    unreadable = [r for r in json.loads(out)["rejected"] if r["code"] == "unreadable_cell"]
    assert unreadable and all(r["outlet"] is not None for r in unreadable)


def test_a_sheet_rows_rejection_speaks_of_its_columns_and_labels(tmp_path: Path) -> None:
    """From a new user's trial: a clerk who typed 电话投诉 under 投诉渠道 was told about
    'channel' and 'phone'; the message now names the column and the labels the sheet accepts."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "投诉"
    sheet.append(["投诉编号", "网点代码", "投诉日期", "投诉渠道"])
    sheet.append(["C1", "HJ-01", "2026-08-01", "电话投诉"])
    sheet.append(["C2", "HJ-01", "2026-08-02"])
    path = tmp_path / "complaints.xlsx"
    book.save(path)
    result = sr.score("cangzhou", [str(path)], as_of=AS_OF)
    by_id = {r.id: r for r in result.rejected}
    assert by_id["C1"].code == "invalid_value"
    assert "“投诉渠道”列" in by_id["C1"].error and "“电话”" in by_id["C1"].error
    assert "'channel'" not in by_id["C1"].error and "'phone'" not in by_id["C1"].error
    assert by_id["C2"].code == "missing_field" and "“投诉渠道”列" in by_id["C2"].error
