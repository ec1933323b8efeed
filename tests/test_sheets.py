"""Office sheets in: the import map, the declared conversions, workbooks and CSV files.

The hand-built workbook below holds each alias of the issue, each date form and each kind of bad
row; its rows are then put through the contract (``score`` on the records) to show every row is
accepted or rejected with the contract's own codes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules import _facts
from service_rules._files import is_sheet_file
from service_rules._importmap import RECORD_FIELDS, ImportMap, RecordImport, normalize_header, tag_labels_of
from service_rules._packdocs import cn_number
from service_rules._sheets import (
    BOOL_FIELDS,
    DATE_FIELDS,
    INT_FIELDS,
    LIST_FIELDS,
    UNREADABLE_CELL,
    SheetInput,
    SheetWarning,
    chinese_number,
    convert_article,
    convert_bool,
    convert_date,
    convert_int,
    convert_list,
    convert_month,
    convert_quarter,
    iter_sheets,
    plain_cell,
    read_records,
    write_jsonl,
    write_records_workbook,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_JSONL = ROOT / "examples" / "cangzhou-2026q3.jsonl"
EXAMPLE_XLSX = ROOT / "examples" / "cangzhou-2026q3.xlsx"
PACK = sr.load_pack("cangzhou")
IMAP = PACK.imports
TAGS = tag_labels_of(PACK)
EPOCH = dt.datetime(1899, 12, 30)


def sheets(path: Path) -> list[tuple[SheetInput, list[Any]]]:
    return [(s, list(s.rows)) for s in iter_sheets(path, IMAP, TAGS)]


# ---- the import map --------------------------------------------------------------------------

# The headers the issue names, per record type and field (aliases after the slash).
ISSUE_ALIASES = {
    "outlet": {
        "outlet": "网点代码/机构号/机构代码",
        "name": "网点名称/网点/营业网点",
        "county": "县联社/联社/县(市)联社",
    },
    "inspection": {"id": "检查编号", "outlet": "网点代码", "date": "检查日期/检查时间", "by": "检查单位/检查类型"},
    "finding": {
        "id": "问题编号/编号",
        "outlet": "网点代码",
        "date": "检查日期/发现日期",
        "article": "条款/条目/检查条款",
        "points": "扣分",
        "persons": "人次",
        "tag": "问题类型/情形",
        "employees": "责任人/当事人",
        "note": "扣分原因/问题描述",
        "inspection": "检查编号",
    },
    "complaint": {
        "id": "投诉编号",
        "outlet": "网点代码",
        "date": "投诉日期",
        "channel": "投诉渠道",
        "verified": "核实结果",
        "account_transferred": "是否转户",
    },
}


@pytest.mark.parametrize("pack", ["cangzhou", "generic"])
def test_built_in_packs_carry_the_issue_aliases(pack: str) -> None:
    imap = sr.load_pack(pack).imports
    for rtype, fields in ISSUE_ALIASES.items():
        for field, aliases in fields.items():
            for alias in aliases.split("/"):
                assert alias in imap.record(rtype).headers[field], (rtype, field, alias)
    assert imap.record("complaint").values["verified"] == {"属实": True, "不属实": False}
    assert imap.record("complaint").blank["verified"] == ["待核实"]
    assert imap.record("complaint").values["channel"] == {"电话": "phone", "书面": "written"}
    assert imap.record("inspection").values["by"]["县联社"] == "county"
    assert imap.record("inspection").values["by"]["市联社"] == "city"
    assert set(imap.imports) == set(RECORD_FIELDS)  # every record type of the contract


def test_record_fields_agree_with_the_contract() -> None:
    for name, rtype in _facts.RECORD_TYPES.items():
        required, optional = RECORD_FIELDS[name]
        assert tuple(rtype.required) == required
        assert tuple(rtype.optional) == optional
    assert set(RECORD_FIELDS) == set(_facts.RECORD_TYPES)
    dates = {f for t in _facts.RECORD_TYPES.values() for f in t.dates}
    assert dates == DATE_FIELDS
    kinds = {(f, tp) for t in _facts.RECORD_TYPES.values() for f, tp in t.value_types.items()}
    assert {f for f, tp in kinds if tp is bool} == BOOL_FIELDS
    assert {f for f, tp in kinds if tp is int} - {"article", "section"} == INT_FIELDS
    assert {"employees"} == LIST_FIELDS


def test_tag_labels_come_from_the_articles() -> None:
    assert TAGS == {
        26: {"语气生硬": "harsh_tone", "使用服务禁语": "forbidden_phrase"},
        41: {"酒后上岗": "drunk_on_duty"},
    }


def _layer(tmp_path: Path, imports: str) -> Path:
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', encoding="utf-8"
    )
    (folder / "imports.toml").write_text(imports, encoding="utf-8")
    return folder


def test_a_layer_extends_the_import_map(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        '[imports.finding.headers]\nid = ["问题序号"]\nnote = ["问题描述", "情况说明"]\n'
        '[imports.inspection.values.by]\n"暗访" = "mystery"\n',
    )
    imap = sr.load_pack(folder).imports
    assert imap.record("finding").headers["id"] == ["问题编号", "编号", "问题序号"]
    assert imap.record("finding").headers["note"] == ["扣分原因", "问题描述", "情况说明"]
    assert imap.record("inspection").values["by"] == {
        "县联社": "county",
        "市联社": "city",
        "明查暗访": "mystery",
        "暗访": "mystery",
    }
    # the import map decides how sheets read, not how records score: the digest is the base's files and the layer's
    assert sr.load_pack(folder).digest != PACK.digest


@pytest.mark.parametrize(
    ("imports", "code", "where"),
    [
        ('[imports.finding.headers]\ntga = ["标签"]\n', "unknown_field", "$.imports.finding.headers.tga"),
        ('[imports.findings.headers]\nid = ["编号"]\n', "unknown_record_type", "$.imports.findings"),
        ('[imports.finding.headers]\ntag = ["扣分"]\n', "ambiguous_header", "$.imports.finding.headers.tag"),
        ('[imports.finding.headers]\nid = [""]\n', "invalid_value", "$.imports.finding.headers.id"),
        ('[imports.finding.headers]\nid = "编号"\n', "invalid_value", "$.imports['finding'].headers['id']"),
        ("[imports.finding]\nheader = {}\n", "unknown_key", "$.imports['finding']"),
        ('[imports.complaint.blank]\nverified = ["属实"]\n', "ambiguous_label", "$.imports.complaint.blank.verified"),
    ],
)
def test_import_map_problems_are_located(tmp_path: Path, imports: str, code: str, where: str) -> None:
    with pytest.raises(sr.PackError) as info:
        sr.load_pack(_layer(tmp_path, imports))
    found = [(p.code, p.path) for p in info.value.problems]
    assert (code, where) in found, found
    assert all(p.file and p.file.endswith("imports.toml") for p in info.value.problems)


def test_headers_match_after_nfkc_and_without_spaces() -> None:
    assert normalize_header(" 县(市)联社 ") == normalize_header("县(市)联社")
    assert normalize_header("网点\n代码") == "网点代码"


# ---- conversions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-07-05", "2026-07-05"),
        ("2026/7/5", "2026-07-05"),
        ("2026.7.5", "2026-07-05"),
        ("2026年7月5日", "2026-07-05"),
        (" 2026年07月05日 ", "2026-07-05"),
        ("２０２６/７/５", "2026-07-05"),  # full-width digits
        (dt.datetime(2026, 7, 5, 14, 30), "2026-07-05"),
        (dt.date(2026, 7, 5), "2026-07-05"),
        (46208, "2026-07-05"),  # an Excel serial number
        ("2026/2/30", "2026-02-30"),  # the contract says it does not exist (invalid_date)
        ("7/5/2026", "7/5/2026"),  # not a declared form: unchanged → invalid_date
        ("46208", "46208"),  # text stays text
        (46208.5, 46208.5),  # not a whole number → wrong_type
        (True, True),
    ],
)
def test_dates(value: Any, expected: Any) -> None:
    assert convert_date(value, EPOCH) == expected


def test_serial_numbers_need_a_workbook() -> None:
    assert convert_date(46208, None) == 46208  # in a CSV every cell is text; an int here is not a serial


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("18", 18),
        ("第18条", 18),
        ("第十八条", 18),
        ("第二十六条", 26),
        ("第十条", 10),
        ("第101项", 101),
        ("第一百零一项", 101),
        (18, 18),
        ("18条", "18条"),
        ("第十八", "第十八"),
        ("第一二条", "第一二条"),
        ("十八", "十八"),
    ],
)
def test_articles(value: Any, expected: Any) -> None:
    assert convert_article(value) == expected


@given(st.integers(min_value=1, max_value=999))
def test_chinese_numbers_read_back_what_packdocs_write(n: int) -> None:
    assert chinese_number(cn_number(n)) == n
    assert convert_article(f"第{cn_number(n)}条") == n


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.0, 2), (2.5, 2.5), ("  HJ-01 ", "HJ-01"), ("007", "007"), ("   ", None), (None, None), (True, True)],
)
def test_plain_cells(value: Any, expected: Any) -> None:
    assert plain_cell(value) == expected
    assert type(plain_cell(value)) is type(expected)


def test_other_conversions() -> None:
    assert convert_bool("是") is True and convert_bool("否") is False and convert_bool("TRUE") is True
    assert convert_bool("对") == "对"
    assert convert_list("张三、李四,王五,赵六") == ["张三", "李四", "王五", "赵六"]
    assert convert_list("张三、") == ["张三", ""]  # the contract rejects the empty name (wrong_type)
    assert convert_month("2026年7月") == "2026-07" and convert_month(dt.datetime(2026, 7, 1)) == "2026-07"
    assert convert_month("2026/7") == "2026-07"
    assert convert_quarter("2026年第三季度") == "2026Q3" and convert_quarter("2026年3季度") == "2026Q3"
    assert convert_quarter("2026Q3") == "2026Q3"
    assert (
        convert_int("2") == 2 and convert_int("-1") == -1 and convert_int("2.0") == "2.0" and convert_int("二") == "二"
    )


def test_spreadsheet_files_are_known_by_extension() -> None:
    assert is_sheet_file("a.xlsx") and is_sheet_file("A.CSV") and is_sheet_file("old.xls")
    assert not is_sheet_file("a.jsonl") and not is_sheet_file("-")


# ---- the hand-built workbook -------------------------------------------------------------------


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "网点"
    ws.append(["机构号", "营业网点", "县(市)联社", "序号"])  # full-width brackets; 序号 unknown
    ws.append(["HJ-01", "城区信用社", "河间", 1])
    ws.append(["007", "米各庄信用社", "河间", 2])  # leading zeros kept
    ws.append([1001, "数字代码网点", "河间", 3])  # a number where a code belongs → wrong_type

    ws = wb.create_sheet("检查")
    ws.append(["2026年三季度检查记录"])  # a title row above the header
    ws.append([])
    ws.append(["检查编号", "机构代码", "检查时间", "检查类型"])
    ws.append(["I-1", "HJ-01", dt.datetime(2026, 7, 5), "县联社"])
    ws.append(["I-2", "HJ-01", "2026/7/6", "市联社"])
    ws.append(["I-3", "HJ-01", "2026.7.7", "省联社"])  # not a label → invalid_value

    ws = wb.create_sheet("问题")
    ws.append(
        ["编号", "网点代码", "发现日期", "条目", "扣分", "人次", "情形", "当事人", "问题描述", "检查编号", "备注"]
    )
    ws.append(["F-1", "HJ-01", "2026年7月5日", "第十八条", 2, None, None, None, "积灰", "I-1", "x"])
    ws.append(["F-2", "HJ-01", 46208, "第26条", None, None, "语气生硬", "张三、李四", None, "I-1"])
    ws.append(["F-3", "HJ-01", "2026-07-05", 41, None, None, None, "王五,赵六", None, None])
    ws.append([])  # 5: blank
    ws.append(["F-4", "HJ-01", "2026/2/30", 18, 2])  # 6: invalid_date
    ws.append(["F-5", "HJ-01", "2026-07-05", 18, 2.5])  # 7: wrong_type
    ws.append(["F-6", "HJ-01", "2026-07-05", 18, "=1+1"])  # 8: a formula without a saved value
    ws.append(["F-7", "#N/A", "2026-07-05", 18, 2])  # 9: an Excel error value
    ws.append(["F-8", "HJ-01", "下周", 18, 2])  # 10: invalid_date
    ws.append(["F-9", "HJ-01", "2026-07-05", "第四十五条", 2])  # 11: unknown_article
    ws.append(["F-10", "HJ-01", "2026-07-05", 26, None, None, "态度差"])  # 12: unknown_tag
    ws.append(["F-1", "HJ-01", "2026-07-05", 18, 1])  # 13: duplicate_id
    ws.append([None, None, None, None, None, None, None, None, None, None, "只有备注"])  # 14: blank (备注 not imported)

    ws = wb.create_sheet("投诉")
    ws.append(["投诉编号", "网点代码", "投诉日期", "投诉渠道", "核实结果", "是否转户"])
    ws.append(["C-1", "HJ-01", "2026-08-11", "电话", "属实", "否"])
    ws.append(["C-2", "HJ-01", "2026-08-12", "书面", "不属实", None])
    ws.append(["C-3", "HJ-01", "2026-08-13", "电话", "待核实", None])
    ws.append(["C-4", "HJ-01", "2026-08-14", "短信", "属实", "是"])  # invalid_value

    ws = wb.create_sheet("说明")  # notes, not records
    ws.append(["本表由检查组填写"])
    wb.create_sheet("空表")
    ws = wb.create_sheet("混合")  # carries the required headers of two types
    ws.append(["网点代码", "县联社", "问题编号", "检查日期", "条款"])
    ws.append(["HJ-01", "河间", "X-1", "2026-07-05", 18])
    ws = wb.create_sheet("重复列")
    ws.append(["投诉编号", "网点代码", "投诉日期", "投诉渠道", "投诉内容", "处理情况"])
    path = path / "office.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _workbook(tmp_path_factory.mktemp("office"))


def test_each_sheet_is_recognised_or_refused_with_why(workbook: Path) -> None:
    found = {s.sheet: s for s, _ in sheets(workbook)}
    assert list(found) == ["网点", "检查", "问题", "投诉", "说明", "空表", "混合", "重复列"]
    assert {k: s.record_type for k, s in found.items()} == {
        "网点": "outlet",
        "检查": "inspection",
        "问题": "finding",
        "投诉": "complaint",
        "说明": None,
        "空表": None,
        "混合": None,
        "重复列": None,
    }
    assert found["检查"].header_line == 3
    assert found["空表"].problem is None  # nothing there, nothing lost
    assert "没有可识别的表头" in (found["说明"].problem or "")
    assert "网点(outlet)" in (found["混合"].problem or "") and "检查发现问题(finding)" in (found["混合"].problem or "")
    assert "投诉内容" in (found["重复列"].problem or "") and "处理情况" in (found["重复列"].problem or "")
    assert found["网点"].warnings == [SheetWarning("unknown_columns", "第1行表头中未识别的列(内容不导入):序号", 1)]
    assert found["问题"].warnings == [SheetWarning("unknown_columns", "第1行表头中未识别的列(内容不导入):备注", 1)]
    assert all(s.sha256 == found["网点"].sha256 for s in found.values())


def test_rows_come_out_as_contract_records(workbook: Path) -> None:
    rows = {s.sheet: r for s, r in sheets(workbook)}
    assert [r.record for r in rows["网点"]] == [
        {"type": "outlet", "outlet": "HJ-01", "name": "城区信用社", "county": "河间"},
        {"type": "outlet", "outlet": "007", "name": "米各庄信用社", "county": "河间"},
        {"type": "outlet", "outlet": 1001, "name": "数字代码网点", "county": "河间"},
    ]
    assert [r.line for r in rows["网点"]] == [2, 3, 4]
    assert [r.record for r in rows["检查"]] == [
        {"type": "inspection", "id": "I-1", "outlet": "HJ-01", "date": "2026-07-05", "by": "county"},
        {"type": "inspection", "id": "I-2", "outlet": "HJ-01", "date": "2026-07-06", "by": "city"},
        {"type": "inspection", "id": "I-3", "outlet": "HJ-01", "date": "2026-07-07", "by": "省联社"},
    ]
    findings = rows["问题"]
    assert [r.line for r in findings] == list(range(2, 14))  # the trailing row with only 备注 is blank
    assert findings[0].record == {
        "type": "finding",
        "id": "F-1",
        "outlet": "HJ-01",
        "date": "2026-07-05",
        "article": 18,
        "points": 2,
        "note": "积灰",
        "inspection": "I-1",
    }
    assert findings[1].record is not None and findings[1].record["tag"] == "harsh_tone"
    assert findings[1].record["employees"] == ["张三", "李四"] and findings[1].record["date"] == "2026-07-05"
    assert findings[2].record is not None and findings[2].record["employees"] == ["王五", "赵六"]
    assert findings[3].record is None  # the blank row
    assert (
        findings[6].error is not None
        and findings[6].error.code == UNREADABLE_CELL
        and "E8" in findings[6].error.message
    )
    assert findings[7].error is not None and "#N/A" in findings[7].error.message
    assert [r.record for r in rows["投诉"]][:3] == [
        {
            "type": "complaint",
            "id": "C-1",
            "outlet": "HJ-01",
            "date": "2026-08-11",
            "channel": "phone",
            "verified": True,
            "account_transferred": False,
        },
        {
            "type": "complaint",
            "id": "C-2",
            "outlet": "HJ-01",
            "date": "2026-08-12",
            "channel": "written",
            "verified": False,
        },
        {"type": "complaint", "id": "C-3", "outlet": "HJ-01", "date": "2026-08-13", "channel": "phone"},
    ]


def test_every_row_is_accepted_or_rejected_by_the_contract(workbook: Path) -> None:
    """Rows put through the contract unchanged: rejected with the contract's own codes."""
    compiled = sr.compile_pack(PACK)
    located: list[tuple[str | None, int]] = []
    records: list[dict[str, Any]] = []
    unreadable = []
    for sheet, rows in sheets(workbook):
        for row in rows:
            if row.error is not None:
                unreadable.append((sheet.sheet, row.line))
            elif row.record is not None:
                located.append((sheet.sheet, row.line))
                records.append(row.record)
    result = sr.score(compiled, [sr.Records(records, "office.xlsx")], as_of="2026-11-27")
    codes = {located[r.line - 1]: r.code for r in result.rejected}
    assert codes == {
        ("网点", 4): "wrong_type",
        ("检查", 6): "invalid_value",
        ("问题", 6): "invalid_date",
        ("问题", 7): "wrong_type",
        ("问题", 10): "invalid_date",
        ("问题", 11): "unknown_article",
        ("问题", 12): "unknown_tag",
        ("问题", 13): "duplicate_id",
        ("投诉", 5): "invalid_value",
    }
    assert unreadable == [("问题", 8), ("问题", 9)]
    assert result.accepted == len(records) - len(codes)


def test_jsonl_out_holds_the_same_records(workbook: Path) -> None:
    out = io.BytesIO()
    problems = write_jsonl(iter_sheets(workbook, IMAP, TAGS), out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = [r.record for _, rows in sheets(workbook) for r in rows if r.record is not None and r.error is None]
    assert lines == expected
    assert [(p.sheet, p.line, p.code) for p in problems] == [
        ("问题", 8, UNREADABLE_CELL),
        ("问题", 9, UNREADABLE_CELL),
        ("说明", 1, "unrecognised_sheet"),
        ("混合", 1, "unrecognised_sheet"),
        ("重复列", 1, "unrecognised_sheet"),
    ]


def test_a_column_without_a_header_that_holds_data_is_reported(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["投诉编号", "网点代码", None, "投诉日期", "投诉渠道"])
    ws.append(["C-1", "HJ-01", None, "2026-08-11", "电话"])
    ws.append(["C-2", "HJ-01", "遗漏的内容", "2026-08-11", "电话", "更远的内容"])
    wb.save(tmp_path / "a.xlsx")
    [(sheet, rows)] = sheets(tmp_path / "a.xlsx")
    assert len(rows) == 2
    assert sheet.warnings == [SheetWarning("headerless_column", "第3行起,没有表头的C列中有内容,未导入", 3)]


# ---- the bundled quarter as a workbook -------------------------------------------------------


def _jsonl_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXAMPLE_JSONL.read_text(encoding="utf-8").splitlines() if line.strip()]


def _key(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def test_the_example_workbook_holds_the_example_records() -> None:
    got = read_records(EXAMPLE_XLSX, IMAP, TAGS)
    assert sorted(map(_key, got)) == sorted(map(_key, _jsonl_records()))
    assert all(s.warnings == [] and s.problem is None for s, _ in sheets(EXAMPLE_XLSX))


def test_the_example_workbook_scores_as_the_jsonl() -> None:
    compiled = sr.compile_pack(PACK)
    from_jsonl = sr.score(compiled, [str(EXAMPLE_JSONL)], as_of="2026-11-27")
    from_xlsx = sr.score(compiled, [sr.Records(read_records(EXAMPLE_XLSX, IMAP, TAGS))], as_of="2026-11-27")
    assert from_xlsx.scorecards == from_jsonl.scorecards
    assert from_xlsx.actions == from_jsonl.actions
    assert from_xlsx.rejected == from_jsonl.rejected == ()


def test_records_to_workbook_round_trips(tmp_path: Path) -> None:
    records = _jsonl_records()
    write_records_workbook(records, tmp_path / "x.xlsx", IMAP, TAGS)
    assert sorted(map(_key, read_records(tmp_path / "x.xlsx", IMAP, TAGS))) == sorted(map(_key, records))


# ---- CSV ----------------------------------------------------------------------------------------

CSV_TEXT = '投诉编号,网点代码,投诉日期,投诉渠道,核实结果,投诉内容\r\nC-1,HJ-01,2026/8/11,电话,属实,"客户说:\r\n态度冷淡"\r\n\r\nC-2,HJ-01,2026年8月12日,书面,待核实,\r\n'
CSV_RECORDS = [
    (
        2,
        {
            "type": "complaint",
            "id": "C-1",
            "outlet": "HJ-01",
            "date": "2026-08-11",
            "channel": "phone",
            "verified": True,
            "note": "客户说:\r\n态度冷淡",
        },
    ),
    (4, None),
    (5, {"type": "complaint", "id": "C-2", "outlet": "HJ-01", "date": "2026-08-12", "channel": "written"}),
]


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (CSV_TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"), "utf-8-sig"),
        (CSV_TEXT.encode("gb18030"), "gb18030"),
    ],
)
def test_csv_encodings(tmp_path: Path, encoded: bytes, encoding: str) -> None:
    path = tmp_path / "投诉.csv"
    path.write_bytes(encoded)
    [(sheet, rows)] = sheets(path)
    assert (sheet.sheet, sheet.record_type, sheet.encoding, sheet.header_line) == (None, "complaint", encoding, 1)
    assert [(r.line, r.record) for r in rows] == CSV_RECORDS  # lines where each row starts


def test_gb18030_whose_header_does_not_match_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big5.csv"
    path.write_bytes(CSV_TEXT.encode("big5", errors="replace"))
    with pytest.raises(sr.InputFileError, match=r"不是UTF-8编码.*GB18030"):
        sheets(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (CSV_TEXT.encode("utf-16"), "UTF-16"),
        (b"\xff\xff\xff\xff,\x81\x30", "既不是UTF-8也不是GB18030"),
        (b"\xef\xbb\xbf\xff\xfe", "字节顺序标记"),
        (b"a,b\x00c\n", "NUL"),
    ],
)
def test_unreadable_csv_names_the_problem(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(sr.InputFileError, match=message):
        sheets(path)


def test_a_utf8_csv_with_unknown_headers_is_a_sheet_problem(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("甲,乙\n1,2\n", encoding="utf-8")
    [(sheet, rows)] = sheets(path)
    assert sheet.record_type is None and rows == [] and "没有可识别的表头" in (sheet.problem or "")


def test_old_and_broken_workbooks(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(sr.InputFileError, match=r"另存为.*\.xlsx"):
        sheets(tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(sr.InputFileError, match=r"不是有效的\.xlsx文件"):
        sheets(tmp_path / "broken.xlsx")
    with pytest.raises(sr.InputFileError, match="无法读取"):
        sheets(tmp_path / "missing.csv")


def test_an_empty_import_map_recognises_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("投诉编号,网点代码,投诉日期,投诉渠道\n", encoding="utf-8")
    [sheet] = list(iter_sheets(path, ImportMap(), {}))
    assert sheet.record_type is None
    custom = ImportMap(
        {
            "complaint": RecordImport(
                headers={"id": ["投诉编号"], "outlet": ["网点代码"], "date": ["投诉日期"], "channel": ["投诉渠道"]}
            )
        }
    )
    [sheet] = list(iter_sheets(path, custom, {}))
    assert sheet.record_type == "complaint"


# ---- a law: records → office workbook → records ---------------------------------------------------

# Text a clerk could type: no surrounding spaces, no separators of employees, no Excel error values.
_text = st.text(alphabet="ab7Z0-_=.:网点河间任丘张三问题", min_size=1, max_size=8)
_dates = st.dates(dt.date(1900, 3, 1), dt.date(2099, 12, 31)).map(dt.date.isoformat)


@st.composite
def _office_records(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["outlet", "inspection", "finding", "complaint"]))
        rid = f"{draw(_text)}-{i}"
        if kind == "outlet":
            rec: dict[str, Any] = {"type": "outlet", "outlet": draw(_text), "county": draw(_text)}
            if draw(st.booleans()):
                rec["name"] = draw(_text)
        elif kind == "inspection":
            rec = {
                "type": "inspection",
                "id": rid,
                "outlet": draw(_text),
                "date": draw(_dates),
                "by": draw(st.sampled_from(["county", "city", "mystery"])),
            }
        elif kind == "finding":
            rec = {
                "type": "finding",
                "id": rid,
                "outlet": draw(_text),
                "date": draw(_dates),
                "article": draw(st.integers(1, 44)),
            }
            for field, strategy in (
                ("points", st.integers(0, 1000)),
                ("persons", st.integers(1, 9)),
                ("employees", st.lists(_text, min_size=1, max_size=3, unique=True)),
                ("tag", st.sampled_from(["harsh_tone", "forbidden_phrase", "drunk_on_duty"])),
                ("inspection", _text),
                ("note", _text),
            ):
                if draw(st.booleans()):
                    rec[field] = draw(strategy)
        else:
            rec = {
                "type": "complaint",
                "id": rid,
                "outlet": draw(_text),
                "date": draw(_dates),
                "channel": draw(st.sampled_from(["phone", "written"])),
            }
            for field, strategy in (
                ("verified", st.booleans()),
                ("verified_on", _dates),
                ("account_transferred", st.booleans()),
                ("employee", _text),
                ("note", _text),
            ):
                if draw(st.booleans()):
                    rec[field] = draw(strategy)
        out.append(rec)
    return out


@settings(max_examples=40, deadline=None)
@given(_office_records())
def test_records_survive_the_office_workbook(
    tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, Any]]
) -> None:
    path = tmp_path_factory.mktemp("law") / "x.xlsx"
    write_records_workbook(records, path, IMAP, TAGS)
    assert sorted(map(_key, read_records(path, IMAP, TAGS))) == sorted(map(_key, records))


def test_merged_cells_are_read_as_stored_and_reported(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["投诉编号", "网点代码", "投诉日期", "投诉渠道"])
    ws.append(["C-1", "HJ-01", "2026-08-11", "电话"])
    ws.append(["C-2", None, "2026-08-12", "电话"])
    ws.merge_cells("B2:B3")
    wb.save(tmp_path / "m.xlsx")
    [(sheet, rows)] = sheets(tmp_path / "m.xlsx")
    assert [r.record.get("outlet") for r in rows if r.record] == ["HJ-01", None]  # → missing_field, as Excel stores it
    assert [(w.code, w.line, w.message) for w in sheet.warnings] == [
        (
            "merged_cells",
            2,
            "表中有1处合并单元格(如B2:B3):合并区域只有左上角单元格有值,其余行按空白读取;如需每行都有该值,请取消合并并填满后再导入",
        )
    ]


def test_run_import(workbook: Path, tmp_path: Path) -> None:
    from service_rules._sheets import run_import

    out, err = io.BytesIO(), io.StringIO()
    assert run_import([EXAMPLE_XLSX], IMAP, TAGS, out, err) == 0
    assert err.getvalue() == ""
    assert sorted(map(_key, map(json.loads, out.getvalue().splitlines()))) == sorted(map(_key, _jsonl_records()))
    out, err = io.BytesIO(), io.StringIO()
    assert run_import([workbook], IMAP, TAGS, out, err) == 1
    lines = err.getvalue().splitlines()
    assert (
        f"service-rules import: {workbook}“问题”第8行: unreadable_cell: 单元格E8是公式,文件中没有保存计算结果;请在Excel中打开、重新计算并保存后再导入"
        in lines
    )
    assert any(line.startswith(f"service-rules import: {workbook}“网点”: warning: unknown_columns: ") for line in lines)
    (tmp_path / "bad.csv").write_bytes("甲\n".encode("big5") + b"\xff\xfe\xfd")
    out = io.BytesIO()
    with pytest.raises(sr.InputFileError):
        run_import([tmp_path / "bad.csv"], IMAP, TAGS, out, io.StringIO())
    assert out.getvalue() == b""


def test_serial_numbers_follow_the_workbooks_epoch(tmp_path: Path) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    for epoch, serial in ((None, 46208), (CALENDAR_MAC_1904, 46208 - 1462)):
        wb = openpyxl.Workbook()
        if epoch is not None:
            wb.epoch = epoch
        ws = wb.active
        assert ws is not None
        ws.append(["投诉编号", "网点代码", "投诉日期", "投诉渠道"])
        ws.append(["C-1", "HJ-01", serial, "电话"])
        wb.save(tmp_path / "e.xlsx")
        [(_, rows)] = sheets(tmp_path / "e.xlsx")
        assert rows[0].record is not None and rows[0].record["date"] == "2026-07-05"


def test_the_sheet_code_has_a_label_for_people() -> None:
    import service_rules as sr

    assert sr.RejectionCode(UNREADABLE_CELL).label.startswith("单元格")


def test_the_example_workbook_read_by_another_library() -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(EXAMPLE_XLSX))
    assert book.sheet_names == ["网点", "检查记录", "检查发现问题", "投诉", "县联社失职", "检查情况上报"]
    records = _jsonl_records()
    findings = book.get_sheet_by_name("检查发现问题").to_python()
    header = findings[0]
    assert header[:4] == ["问题编号", "网点代码", "检查日期", "条款"]
    rows = [dict(zip(header, row, strict=True)) for row in findings[1:]]
    expected = [r for r in records if r["type"] == "finding"]
    assert [r["问题编号"] for r in rows] == [r["id"] for r in expected]
    assert [r["条款"] for r in rows] == [r["article"] for r in expected]
    assert [r["检查日期"] for r in rows] == [dt.date.fromisoformat(r["date"]) for r in expected]
    assert [r["扣分"] or None for r in rows] == [r.get("points") for r in expected]


def test_hidden_sheets_are_read_and_said_to_be_hidden(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["投诉编号", "网点代码", "投诉日期", "投诉渠道"])
    lists = wb.create_sheet("下拉列表")
    lists.append(["电话", "书面"])
    lists.sheet_state = "hidden"
    wb.save(tmp_path / "h.xlsx")
    found = [(s.sheet, s.record_type, s.hidden, s.problem is not None) for s, _ in sheets(tmp_path / "h.xlsx")]
    assert found == [("Sheet", "complaint", False, False), ("下拉列表", None, True, True)]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes_are_read_or_refused_with_a_message(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"x{suffix}"
    path.write_bytes(data)
    try:
        sheets(path)
    except sr.InputFileError as exc:
        assert str(exc).startswith(str(path))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_damaged_workbook_is_read_or_refused_with_a_message(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    raw = bytearray(EXAMPLE_XLSX.read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    path = tmp_path_factory.mktemp("damaged") / "x.xlsx"
    path.write_bytes(bytes(raw))
    try:
        sheets(path)
    except sr.InputFileError as exc:
        assert str(exc).startswith(str(path))
