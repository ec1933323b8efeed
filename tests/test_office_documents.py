"""What an office circulates, as a new pack author found it (issue 9 trial): the workbook lists
absorbed actions, absorbed fines and provisional actions; the 通报 never runs an outlet code into a
count; the ranked CSV, the 通报 and the workbook's ranking show the money where the pack has money."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import service_rules as sr
from service_rules._documents import DocumentLabels, render_bulletin, render_ranking_csv, write_workbook

ROOT = Path(__file__).resolve().parents[1]
MONTHLY = ROOT / "examples" / "monthly"
GOLDEN = ROOT / "tests" / "golden" / "cangzhou-2026q3.bulletin.md"


def finding(id: str, date: str, article: int, outlet: str = "O1", **kw: Any) -> dict[str, Any]:
    return {"type": "finding", "id": id, "outlet": outlet, "date": date, "article": article, **kw}


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> sr.Pack:
    root = tmp_path_factory.mktemp("packs")
    shutil.copytree(MONTHLY, root / "monthly")
    layer = root / "grouped"
    layer.mkdir()
    (layer / "pack.toml").write_text(
        '[pack]\nname = "grouped"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    (layer / "oversight.toml").write_text(
        '[[sanction_groups]]\nid = "employee"\nprovenance = "assumed"\nnote = "测试"\nmembers = [\n'
        '  { rule = "same-error", action = "bad_record", rank = 1 },\n  { rule = "employee-quarter", rank = 2 },\n]\n',
        encoding="utf-8",
    )
    return sr.load_pack(layer)


def _absorbing(pack: sr.Pack) -> sr.ScoreResult:
    # E1 on 第七条 in January, February and March: the 3rd time's bad_record is absorbed by the
    # quarter's dynamic_management (tests/test_money.py holds the arithmetic)
    records = [finding(f"F{m}", f"2027-0{m}-10", 7, employees=["E1"]) for m in (1, 2, 3)]
    return sr.score(sr.compile_pack(pack), [sr.Records(records)], as_of="2027-04-10")


def test_the_workbook_lists_absorbed_and_provisional_actions(tmp_path: Path, grouped: sr.Pack) -> None:
    labels = DocumentLabels.from_pack(grouped)
    result = _absorbing(grouped)
    assert result.absorbed
    write_workbook(result, tmp_path / "a.xlsx", labels=labels)
    book = load_workbook(tmp_path / "a.xlsx")
    rows = list(book["已吸收处理事项"].values)
    assert rows[0][:5] == ("期间", "日期", "对象", "对象类型", "处理")
    [row] = rows[1:]
    assert row[2] == "E1" and row[3] == "员工" and row[4] == "记入员工不良记录" and row[5] == "bad_record"
    assert "纳入动态管理" in row and "员工季度累计分摊扣分超过10分纳入动态管理(employee-quarter)" in row
    assert "employee" in row
    # a March still open on 2027-03-15: the pass mark is only foreseen
    records = [finding(f"P{i}", "2027-03-05", 4) for i in range(12)]
    early = sr.score(sr.compile_pack(grouped), [sr.Records(records)], as_of="2027-03-15")
    assert early.provisional
    write_workbook(early, tmp_path / "p.xlsx", labels=labels)
    sheet = load_workbook(tmp_path / "p.xlsx")["预判处理事项"]
    values = list(sheet.values)
    assert "尚未结束" in str(values[0][0])
    assert [r[4] for r in values[2:]] == [labels.action(a.action) for a in early.provisional]
    # nothing of a kind: no sheet of it
    assert not {"已吸收罚款", "预判处理事项"} & set(load_workbook(tmp_path / "a.xlsx").sheetnames)


def test_the_workbook_lists_absorbed_fines(tmp_path: Path) -> None:
    root = tmp_path / "packs"
    shutil.copytree(MONTHLY, root / "monthly")
    layer = root / "fines"
    layer.mkdir()
    (layer / "pack.toml").write_text(
        '[pack]\nname = "fines"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    money = (MONTHLY / "money.toml").read_text(encoding="utf-8")
    second = money[money.index("[[fines]]") : money.index("[[fines.actions]]")]
    second = second.replace('id = "same-error"', 'id = "same-error-2"').replace('first = "50"', 'first = "20"')
    (layer / "money.toml").write_text(second, encoding="utf-8")
    (layer / "oversight.toml").write_text(
        '[[sanction_groups]]\nid = "fines"\nprovenance = "assumed"\nnote = "测试"\nmembers = [\n'
        '  { rule = "same-error", rank = 1 },\n  { rule = "same-error-2", rank = 2 },\n]\n',
        encoding="utf-8",
    )
    pack = sr.load_pack(layer)
    result = sr.score(
        sr.compile_pack(pack), [sr.Records([finding("F1", "2027-03-10", 7, employees=["E1"])])], as_of="2027-04-10"
    )
    assert result.absorbed_fines
    write_workbook(result, tmp_path / "f.xlsx", labels=DocumentLabels.from_pack(pack))
    rows = list(load_workbook(tmp_path / "f.xlsx")["已吸收罚款"].values)
    assert [(r[2], r[5], r[7]) for r in rows[1:]] == [
        (f.subject, f.rule, float(f.amount)) for f in result.absorbed_fines
    ]


def test_the_bulletin_never_runs_an_outlet_code_into_a_count() -> None:
    """Trial finding 9: "有1个网点涉及未采纳的记录(DG-021条)"."""
    pack = sr.compile_pack(sr.load_pack("cangzhou"))
    records = [
        {"type": "outlet", "outlet": "DG-02", "county": "河间"},
        {"type": "inspection", "id": "i1", "outlet": "DG-02", "date": "2026-08-01", "by": "county"},
        finding("f1", "2026-08-01", 18, outlet="DG-02", points=2),
        finding("f2", "2026-08-01", 18, outlet="DG-02", points=2.5),
    ]
    text = render_bulletin(sr.score(pack, [sr.Records(records)], as_of="2026-11-27"))
    assert "DG-021条" not in text
    assert "有1个网点涉及未采纳的记录(DG-02:1条)" in text


def _monthly_result() -> tuple[sr.Pack, sr.ScoreResult]:
    pack = sr.load_pack(MONTHLY)
    records = [
        {"type": "inspection", "id": "i1", "outlet": "O1", "date": "2027-03-01", "by": "county"},
        {"type": "inspection", "id": "i2", "outlet": "O2", "date": "2027-03-01", "by": "county"},
        finding("F1", "2027-03-10", 7, employees=["E1"]),
        finding("F2", "2027-03-11", 4, outlet="O2"),
    ]
    return pack, sr.score(sr.compile_pack(pack), [sr.Records(records)], as_of="2027-04-10")


def test_the_ranking_shows_the_money_where_the_pack_has_money(tmp_path: Path) -> None:
    pack, result = _monthly_result()
    cards = {c.outlet: c for c in result.scorecards}
    assert cards["O1"].amount is not None and cards["O1"].fined == "50.00"
    rows = list(csv.reader(io.StringIO(render_ranking_csv(result))))
    header = rows[0]
    assert header[-3:] == ["扣减金额(元)", "罚款(元)", "说明"]
    o1 = next(r for r in rows if r[2] == "O1")
    assert o1[header.index("扣减金额(元)")] == cards["O1"].amount
    assert o1[header.index("罚款(元)")] == "50.00"
    write_workbook(result, tmp_path / "m.xlsx", labels=DocumentLabels.from_pack(pack))
    ranked = list(load_workbook(tmp_path / "m.xlsx")["排名"].values)
    assert "扣减金额(元)" in ranked[0] and "罚款(元)" in ranked[0]
    text = render_bulletin(result, labels=DocumentLabels.from_pack(pack))
    total = sum(float(c.amount or 0) for c in result.scorecards)
    assert f"扣减金额合计{total:.2f}元" in text and "罚款1笔合计50.00元" in text
    assert "| 名次 | 网点 | 县联社 | 总分 | 扣减金额(元) | 罚款(元) | 扣分情况 |" in text
    assert "罚款50.00元" in text


def test_a_pack_without_money_shows_none() -> None:
    pack = sr.compile_pack(sr.load_pack("cangzhou"))
    result = sr.score(pack, [ROOT / "examples" / "cangzhou-2026q3.jsonl"], as_of="2026-11-27")
    header = render_ranking_csv(result).splitlines()[0]
    assert "金额" not in header and "罚款" not in header
    text = render_bulletin(result, labels=DocumentLabels.from_pack(sr.load_pack("cangzhou")))
    assert "元" not in text.replace("单元", "")


def test_an_unquoted_comma_in_a_csv_row_is_refused_never_shifted(tmp_path: Path) -> None:
    """Trial finding 14: ``F09,…,张三,李四,`` put 李四 into 问题描述 without a word."""
    path = tmp_path / "findings.csv"
    path.write_text(
        "问题编号,网点代码,检查日期,条款,扣分,责任人,问题描述\n"
        "F01,HJ-01,2026-08-04,18,1,张三、李四,\n"
        "F02,HJ-01,2026-08-04,18,1,张三,李四,\n"
        '"F03",HJ-01,2026-08-05,18,1,"张三,李四",\n',
        encoding="utf-8",
    )
    result = sr.score(sr.compile_pack(sr.load_pack("cangzhou")), [path], as_of="2026-11-27")
    [rejected] = result.rejected
    assert (rejected.line, rejected.id, rejected.code) == (3, "F02", "unreadable_cell")
    assert "8格" in rejected.error and "7列" in rejected.error and "、" in rejected.error
    kept = {d.observations: d.employees for c in result.scorecards for d in c.deductions}
    assert kept == {("F01",): ("张三", "李四"), ("F03",): ("张三", "李四")}


def test_office_md_does_not_suggest_a_comma_for_a_csv() -> None:
    text = (ROOT / "docs" / "office.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `employees`"))
    assert "`张三、李四`" in row and "in a workbook" in row


def test_pack_test_failures_read_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial finding 11: "expected '451.00', got '450.00'", "no such scorecard", "no cases found" and
    dumps of internals (``'circulate': False, … None``) met a Chinese author."""
    from service_rules.cli import main

    (tmp_path / "wrong.toml").write_text(
        '[[cases]]\nname = "错误的期望"\nrecords = [ { type = "finding", id = "f1", outlet = "A", '
        'date = "2026-07-01", article = 25 } ]\n'
        '[[cases.expect.scorecards]]\noutlet = "A"\nperiod = "2026Q3"\ntotal = 99\n'
        '[[cases.expect.scorecards]]\noutlet = "B"\nperiod = "2026Q3"\ntotal = 100\n'
        '[[cases.expect.actions]]\naction = "notice"\n',
        encoding="utf-8",
    )
    assert main(["test", "cangzhou", "--cases", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "评分卡 A 2026Q3.total:期望 99,实际 97" in out
    assert "结果中没有网点 B 在期间 2026Q3 的评分卡(结果中有:A 2026Q3)" in out
    assert "expected" not in out and "got" not in out and "None" not in out and "False" not in out
    assert "1 个用例通过" in out and "规则覆盖率" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["test", "cangzhou", "--cases", str(empty)]) == 1
    assert "没有找到用例" in capsys.readouterr().err


def test_a_whole_table_replaced_by_a_layer_is_named_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial finding 11: "replaces employees employees"; docs: "整体替换 employees `employees`"."""
    from service_rules._packdocs import render_pack_docs
    from service_rules.cli import main

    shutil.copytree(MONTHLY, tmp_path / "monthly")
    layer = tmp_path / "town"
    layer.mkdir()
    (layer / "pack.toml").write_text(
        '[pack]\nname = "town"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    (layer / "money.toml").write_text(
        '[employees]\nreplace = true\nshare = "full"\nprovenance = "assumed"\nnote = "各人全额承担。"\n',
        encoding="utf-8",
    )
    main(["check", str(layer)])
    out = capsys.readouterr().out
    assert "layer: town replaces employees (from monthly-example) at" in out
    assert "employees employees" not in out
    text = render_pack_docs(sr.load_pack(layer))
    assert "整体替换 员工台账(层 `town`" in text and "`employees`(层" not in text


def test_the_table_names_absorbed_actions_in_the_pack_s_words(grouped: sr.Pack) -> None:
    """Trial finding 11: "← 由 quarter-deducted 的 dynamic_management 吸收(outlet)"."""
    from service_rules._report import render_table

    labels = DocumentLabels.from_pack(grouped)
    text = render_table(_absorbing(grouped), "条", labels.action_labels, labels.rule_titles)
    line = next(line for line in text.splitlines() if "←" in line)
    assert "员工E1" in line
    assert "← 已由「员工季度累计分摊扣分超过10分纳入动态管理」的“纳入动态管理”吸收(从高处理组employee)" in line


# ---- a regulation without a complaint clause (trial finding 4) -------------------------------


def _without_complaints(tmp_path: Path, declare: bool, keep_rules: bool = False) -> Path:
    pack = tmp_path / "nocomplaint"
    shutil.copytree(MONTHLY, pack, ignore=shutil.ignore_patterns("tests"))
    rules = (pack / "rules.toml").read_text(encoding="utf-8")
    head, *blocks = rules.split("[[rules]]")
    if not keep_rules:
        blocks = [b for b in blocks if 'type = "complaint"' not in b]
    (pack / "rules.toml").write_text("[[rules]]".join([head, *blocks]), encoding="utf-8")
    if declare:
        text = (pack / "pack.toml").read_text(encoding="utf-8")
        (pack / "pack.toml").write_text(
            text.replace("[pack]\n", '[pack]\nnot_scored = ["complaint"]\n', 1), encoding="utf-8"
        )
    return pack


def test_a_regulation_without_a_complaint_clause_passes_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from service_rules.cli import main

    undeclared = _without_complaints(tmp_path / "a", declare=False)
    assert main(["check", "--strict", str(undeclared)]) != 0
    assert "type_not_scored" in capsys.readouterr().out
    pack = _without_complaints(tmp_path / "b", declare=True)
    assert main(["check", "--strict", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "warning:" not in out and "0 warning(s)" in out
    complaint = {
        "type": "complaint",
        "id": "C1",
        "outlet": "M-01",
        "date": "2027-03-20",
        "channel": "phone",
        "verified": True,
    }
    result = sr.score(sr.compile_pack(sr.load_pack(pack)), [sr.Records([complaint])], as_of="2027-04-10")
    [rejected] = result.rejected
    assert rejected.code == "no_rule" and rejected.id == "C1"
    assert "未将客户投诉列入考核" in rejected.error and "not_scored" in rejected.error
    from service_rules._packdocs import render_pack_docs

    assert "- 不列入考核:客户投诉(pack.toml 的 not_scored" in render_pack_docs(sr.load_pack(pack))


def test_a_declared_type_no_rule_may_read(tmp_path: Path) -> None:
    pack = _without_complaints(tmp_path, declare=True, keep_rules=True)
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(pack))
    assert "not_scored_read" in {p.code for p in err.value.problems}


def test_the_bulletin_never_calls_a_verified_complaint_untrue(tmp_path: Path) -> None:
    """Trial finding 4: a rule dismissing every complaint (``when = { type = "complaint" }``) made
    the 通报 say "经核实不属实的投诉1件(C01),不扣分" of C01, verified: true."""
    pack_dir = _without_complaints(tmp_path, declare=False)
    with (pack_dir / "rules.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[rules]]\nid = "x-complaint"\nsection = 3\noutcome = "dismissed"\ntitle = "客户投诉不列入考核"\n'
            'when = { type = "complaint" }\nreason = "本办法未将客户投诉列入考核,不扣分。"\n'
        )
    pack = sr.load_pack(pack_dir)
    complaint = {
        "type": "complaint",
        "id": "C01",
        "outlet": "M-01",
        "date": "2027-03-20",
        "channel": "phone",
        "verified": True,
    }
    result = sr.score(sr.compile_pack(pack), [sr.Records([complaint])], as_of="2027-04-10")
    assert [i for c in result.scorecards for i in c.dismissed] == ["C01"]
    text = render_bulletin(result, labels=DocumentLabels.from_pack(pack))
    assert "不属实" not in text and "按规则不扣分的投诉1件(C01)。" in text
    # a pack dismissing findings too (generic: 第106项 not required) says records, not complaints
    generic = DocumentLabels.from_pack(sr.load_pack("generic"))
    assert generic.dismissed == "record"
    # Cangzhou dismisses only complaints verified untrue: its golden 通报 keeps its words
    assert DocumentLabels.from_pack(sr.load_pack("cangzhou")).dismissed == "untrue"
    assert "经核实不属实的投诉1件(C-2026-034),不扣分。" in GOLDEN.read_text(encoding="utf-8")


def test_every_check_code_is_documented() -> None:
    """Trial finding 4/11: `type_not_scored` met an author and was in no document."""
    import re

    documented = set()
    text = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")
    table = text[text.index("## What `check` reports: the codes") :]
    table = table[: table.index("\n## ")]
    for line in table.splitlines():
        if line.startswith("| `"):
            documented |= set(re.findall(r"`([a-z_]+)`", line.split(" | ")[0]))
    found = set()
    for path in (ROOT / "src" / "service_rules").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        pattern = r'(?:\bProblem|\.warn|\.error|\bwarn|\berror|_problem)\(\s*"([a-z][a-z_]+)"'
        found |= set(re.findall(pattern, source))
    assert "type_not_scored" in found
    assert found - documented == set()


def test_the_bulletin_names_absorbed_actions_in_the_pack_s_words(grouped: sr.Pack) -> None:
    text = render_bulletin(_absorbing(grouped), labels=DocumentLabels.from_pack(grouped))
    line = next(line for line in text.splitlines() if line.startswith("1. 员工E1:记入员工不良记录"))
    assert "已由「员工季度累计分摊扣分超过10分纳入动态管理」的“纳入动态管理”吸收" in line


def test_a_bad_case_file_is_said_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial finding 11: "invalid_toml: Cannot declare ('cases', 'expect') twice"."""
    from service_rules.cli import main

    (tmp_path / "twice.toml").write_text(
        '[[cases]]\nname = "一"\n[cases.expect]\naccepted = 0\n[cases.expect]\naccepted = 1\n', encoding="utf-8"
    )
    (tmp_path / "keys.toml").write_text('[[cases]]\nname = "二"\nexpect = { totals = 1 }\n', encoding="utf-8")
    assert main(["test", "cangzhou", "--cases", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "用例文件不是有效的TOML;同一个表在一个用例中只能写一次" in out
    assert "未知的期望 totals(可用:" in out


def test_the_bulletin_calls_a_pending_finding_no_complaint() -> None:
    """The same untruth as a verified complaint called untrue: generic keeps findings pending (第106项
    without `applicable`), which the 通报 called 待核实的投诉."""
    pack = sr.load_pack("generic")
    records = [
        {"type": "inspection", "id": "i1", "outlet": "A", "date": "2027-02-01", "by": "county"},
        {"type": "finding", "id": "F106", "outlet": "A", "date": "2027-02-01", "article": 106},
    ]
    result = sr.score(sr.compile_pack(pack), [sr.Records(records)], as_of="2027-04-10")
    assert [i for c in result.scorecards for i in c.pending] == ["F106"]
    text = render_bulletin(result, labels=DocumentLabels.from_pack(pack))
    assert "投诉" not in text.split("## 五、数据说明")[1]
    assert "待定的记录1条(F106),情况明确前暂不扣分。" in text
    assert DocumentLabels.from_pack(sr.load_pack("cangzhou")).pending == "complaint"
