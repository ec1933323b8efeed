"""A clerk's trial of issue 12 (dated amendments, appeals): the words of rejections and of the 通报."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import service_rules as sr
from service_rules._documents import DocumentLabels, render_bulletin

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cangzhou-2026q3.jsonl"
AS_OF = "2026-11-27"


def _base() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def _appeal(aid: str, target: str, **kw: Any) -> dict[str, Any]:
    return {"type": "appeal", "id": aid, "target": target, "filed": "2026-10-01", "by": "县联社", "reason": "不服", **kw}


def test_an_appeal_sheets_rejections_name_each_label_once_and_every_accepted_word(tmp_path: Path) -> None:
    path = tmp_path / "appeals.csv"
    path.write_text(
        "申诉编号,申诉对象编号,申诉日期,申诉单位,申诉理由,决定日期,处理决定,变更后扣分\n"
        "E-1,HJ-2026Q3-01-1,2026/10/1,河间,已清洁,2026/10/20,撤销,1\n"
        "E-2,HJ-2026Q3-01-2,2026/10/1,河间,已清洁,,撤销,\n"
        "E-3,HJ-2026Q3-01-3,2026/10/1,河间,已清洁,2026/10/20,同意,\n"
        "E-4,RQ-2026Q3-01-1,2026/10/1,任丘,证书在办,2026/10/20,变更分值,\n",
        encoding="utf-8",
    )
    result = sr.score("cangzhou", [str(EXAMPLE), str(path)], as_of=AS_OF)
    said = {r.id: r.error for r in result.rejected}
    assert said["E-1"] == "只有处理决定为 “变更分值”时才可填写 “变更后扣分”列"
    assert said["E-2"] == "有处理决定 “撤销” 而无“决定日期”列"
    assert said["E-4"] == "处理决定为 “变更分值”时须填写变更后的 “变更后扣分”列"
    assert "“维持”" in said["E-3"] and "“待决”、“待定”" in said["E-3"]  # every word the sheet accepts
    for message in said.values():
        assert "(变更分值)" not in message and "日期 “决定日期”" not in message


def _bulletin(records: list[dict[str, Any]]) -> str:
    result = sr.score("cangzhou", [sr.Records(records)], as_of=AS_OF)
    return render_bulletin(result, {}, DocumentLabels.from_pack(sr.load_pack("cangzhou")))


def test_the_bulletin_dates_an_overturned_lapse_and_counts_rejections_truthfully() -> None:
    text = _bulletin(
        [
            *_base(),
            _appeal("A-L", "L-2026-RQ-01", decided="2026-10-20", decision="overturned"),
            _appeal("A-X", "L-2026-RQ-01", decided="2026-10-21", decision="amended", points=1),  # rejected: a county's
            _appeal("A-N", "NO-SUCH-ID"),  # rejected: concerns nothing readable
        ]
    )
    assert "失职记录 L-2026-RQ-01(申诉A-L,2026年10月20日撤销):经申诉撤销,不再计次" in text
    assert "其中1条未能读出所涉网点" in text
    assert "另有1条所涉为县联社(任丘)而非网点" in text


def test_a_corrected_appeal_is_not_said_to_have_scored() -> None:
    text = _bulletin([*_base(), _appeal("S-4", "BT-2026Q3-01-1"), _appeal("S-4R", "BT-2026Q3-01-1", replaces="S-4")])
    assert "S-4由S-4R更正" in text and "不再计分" not in text and "原记录不再适用" in text


def _sheets(pack: str, tmp_path: Path) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    from service_rules._documents import write_workbook

    loaded = sr.load_pack(pack)
    result = sr.score(sr.compile_pack(loaded), [str(EXAMPLE)], as_of=AS_OF)
    write_workbook(result, tmp_path / "w.xlsx", {}, DocumentLabels.from_pack(loaded))
    book = CalamineWorkbook.from_path(str(tmp_path / "w.xlsx"))
    return {name: book.get_sheet_by_name(name).to_python() for name in ("排名", "扣分明细")}


def test_the_workbook_says_which_text_judged_for_an_amended_pack(tmp_path: Path) -> None:
    """A clerk's trial: only the 通报 named the amendment; 扣分明细 and 排名 now say it too."""
    sheets = _sheets(str(ROOT / "examples" / "cangzhou-amended"), tmp_path)
    details = sheets["扣分明细"]
    col, day = details[0].index("修订"), details[0].index("日期")
    by_day = {(row[day] >= "2026-08-16", row[col] or None) for row in details[1:]}
    assert by_day == {(False, None), (True, "cz-2026-08")}  # the amendment in force on the finding's day
    ranking = sheets["排名"]
    col = ranking[0].index("修订")
    assert {row[col] for row in ranking[1:]} == {"cz-2026-08"}  # in force on the quarter's last day
    plain = _sheets("cangzhou", tmp_path)  # a pack without amendments: no such column
    assert "修订" not in plain["扣分明细"][0] and "修订" not in plain["排名"][0]
