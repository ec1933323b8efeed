"""Appeals (申诉) and corrections (更正): issue 12, items 2 and 3 (docs/contract.md, "appeal",
"Corrections"). Hand-computed examples on the bundled Cangzhou quarter, each rejection code, and
the laws: an upheld appeal changes nothing; overturning every deduction of an outlet gives its
allotments; the result does not depend on where appeals and corrections sit in the input."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cangzhou-2026q3.jsonl"
APPEALS = ROOT / "examples" / "cangzhou-2026q3-appeals.jsonl"
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def cangzhou() -> Any:
    return sr.compile_pack(sr.load_pack("cangzhou"))


def base() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def appeal(aid: str, target: str, **kw: Any) -> dict[str, Any]:
    return {
        "type": "appeal",
        "id": aid,
        "target": target,
        "filed": "2026-10-01",
        "by": "县联社",
        "reason": "申诉理由",
        **kw,
    }


def run(compiled: Any, records: list[dict[str, Any]], as_of: str = AS_OF, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = sr.score(compiled, [sr.Records(records)], as_of=as_of, **kw).to_dict()
    return out


def cards(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["outlet"]: c for c in result["scorecards"]}


def deduction(result: dict[str, Any], obs: str) -> dict[str, Any]:
    return next(d for c in result["scorecards"] for d in c["deductions"] if d["observations"] == [obs])


# ---- hand-computed: the bundled quarter with appeals and a correction ------------------------


def test_the_example_quarter_with_appeals_and_a_correction(cangzhou: Any) -> None:
    """examples/cangzhou-2026q3-appeals.jsonl beside the bundled quarter, by hand:
    HJ-01 article 18 (2 points) overturned: 82 → 84; RQ-01 article 28 (3 points) amended to 1:
    64 → 66; BT-01's appeal filed, not decided: 99 as before; HJ-02's article 40 finding of two
    person-times (10 points) corrected to one (5): 89 → 94; the lapse L-2026-RQ-01 overturned:
    任丘's crosscheck lapse of Q3 is the first of the year, a rectification notice (not a review)."""
    records = [*base(), *(json.loads(x) for x in APPEALS.read_text(encoding="utf-8").splitlines() if x.strip())]
    result = run(cangzhou, records)
    assert result["rejected"] == []
    c = cards(result)
    assert {o: c[o]["total"] for o in ("HJ-01", "HJ-02", "RQ-01", "RQ-02", "BT-01")} == {
        "HJ-01": 84,
        "HJ-02": 94,
        "RQ-01": 66,
        "RQ-02": 88,
        "BT-01": 99,
    }
    over = c["HJ-01"]["overturned"]
    assert [d["observations"] for d in over] == [["HJ-2026Q3-01-1"]]
    assert over[0]["points"] == 2
    assert over[0]["appeal"] == {
        "id": "SS-2026-01",
        "state": "decided",
        "decision": "overturned",
        "decided": "2026-10-20",
    }
    assert "HJ-2026Q3-01-1" not in [d["observations"][0] for d in c["HJ-01"]["deductions"]]
    amended = deduction(result, "RQ-2026Q3-01-1")
    assert (amended["points"], amended["raw_points"], amended["original_points"]) == (1, 1, 3)
    assert amended["appeal"]["decision"] == "amended"
    pending = deduction(result, "BT-2026Q3-01-1")
    assert pending["appeal"] == {"id": "SS-2026-03", "state": "pending", "decision": None, "decided": None}
    assert pending["points"] == 1
    untouched = deduction(result, "HJ-2026Q3-01-2")
    assert (untouched["appeal"], untouched["original_points"]) == (None, None)
    assert result["replaced"] == [
        {
            "id": "HJ-2026Q3-02-2", "by": "HJ-2026Q3-02-2R", "current": "HJ-2026Q3-02-2R",
            "file": "<records>", "line": len(records), "sheet": None, "rejected": None,
        }
    ]  # fmt: skip
    assert deduction(result, "HJ-2026Q3-02-2R")["points"] == 5
    rq = [
        (a["action"], a["overturned"])
        for a in result["actions"]
        if a["rule"] == "cz-3-escalation" and a["subject"] == "任丘"
    ]
    assert rq == [("rectification_notice", ["L-2026-RQ-01"])]
    assert [x["id"] for x in result["overturned_lapses"]] == ["L-2026-RQ-01"]


def test_a_decision_counts_from_its_day(cangzhou: Any) -> None:
    records = [*base(), appeal("A-1", "HJ-2026Q3-01-1", decided="2026-10-20", decision="overturned")]
    before = run(cangzhou, records, as_of="2026-10-19")
    assert cards(before)["HJ-01"]["total"] == 82
    assert deduction(before, "HJ-2026Q3-01-1")["appeal"] == {
        "id": "A-1",
        "state": "pending",
        "decision": None,
        "decided": None,
    }
    on_the_day = run(cangzhou, records, as_of="2026-10-20")
    assert cards(on_the_day)["HJ-01"]["total"] == 84
    not_yet_filed = run(cangzhou, records, as_of="2026-09-30")
    assert deduction(not_yet_filed, "HJ-2026Q3-01-1")["appeal"] is None
    assert run(cangzhou, records, as_of="2026-10-19") == before  # a rerun gives the same result


def test_amended_points_replace_the_raw_points_before_caps(cangzhou: Any) -> None:
    records = [*base(), appeal("A-1", "C-2026-032", decided="2026-10-20", decision="amended", points=0)]
    d = deduction(run(cangzhou, records), "C-2026-032")
    assert (d["points"], d["raw_points"], d["original_points"]) == (0, 0, 20)
    assert cards(run(cangzhou, records))["RQ-01"]["total"] == 84


# ---- lapses and ladders ----------------------------------------------------------------------


def test_an_overturned_lapse_stops_counting_and_the_next_action_says_so(cangzhou: Any) -> None:
    records = [*base(), appeal("A-L", "L-2026-RQ-01", filed="2026-06-01", decided="2026-06-20", decision="overturned")]
    result = run(cangzhou, records)
    rq = [a for a in result["actions"] if a["subject"] == "任丘" and a["rule"] == "cz-3-escalation"]
    # the crosscheck lapse of Q3 is now the first of the year: a rectification notice, not a review
    assert [(a["action"], a["overturned"]) for a in rq] == [("rectification_notice", ["L-2026-RQ-01"])]
    assert "L-2026-RQ-01 不再计入" in rq[0]["reason"]
    assert result["overturned_lapses"] == [
        {
            "id": "L-2026-RQ-01", "county": "任丘", "date": "2026-05-20", "period": "2026Q2", "kind": "unrectified",
            "appeals": [{"id": "A-L", "state": "decided", "decision": "overturned", "decided": "2026-06-20"}],
        }
    ]  # fmt: skip
    without = run(cangzhou, base())
    assert [a["action"] for a in without["actions"] if a["subject"] == "任丘" and a["rule"] == "cz-3-escalation"] == [
        "rectification_notice",
        "written_review",
    ]


def test_a_derived_lapse_can_be_appealed_by_its_id(cangzhou: Any) -> None:
    lapse = "cz-5-unfound:CITY-2026Q3-01"
    records = [*base(), appeal("A-D", lapse, decided="2026-10-20", decision="overturned")]
    result = run(cangzhou, records)
    assert result["rejected"] == []
    assert not any(lapse in a["observations"] for a in result["actions"])
    assert [x["id"] for x in result["overturned_lapses"]] == [lapse]


def test_overturning_the_findings_a_derived_lapse_rests_on_removes_it(cangzhou: Any) -> None:
    records = [
        *base(),
        appeal("A-1", "CITY-2026Q3-01-1", decided="2026-10-20", decision="overturned"),
        appeal("A-2", "CITY-2026Q3-01-2", decided="2026-10-21", decision="overturned"),
    ]
    result = run(cangzhou, records)
    lapse = "cz-5-unfound:CITY-2026Q3-01"
    assert not any(lapse in a["observations"] for a in result["actions"])
    gone = {x["id"]: x for x in result["overturned_lapses"]}
    assert [a["id"] for a in gone[lapse]["appeals"]] == ["A-1", "A-2"]
    # one of the two overturned: the lapse still rests on the other
    one = run(cangzhou, [*base(), appeal("A-1", "CITY-2026Q3-01-1", decided="2026-10-20", decision="overturned")])
    assert any(lapse in a["observations"] for a in one["actions"]) and one["overturned_lapses"] == []


# ---- rejections ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (appeal("X", "nope"), "unknown_target"),
        (appeal("X", "HJ-2026Q3-01"), "unknown_target"),  # an inspection is not appealable
        (appeal("X", "HJ-2026Q3-01-1", points=1), "points_without_amended"),
        (appeal("X", "HJ-2026Q3-01-1", decided="2026-10-02", decision="amended"), "amended_without_points"),
        (appeal("X", "HJ-2026Q3-01-1", decision="upheld"), "decision_without_decided"),
        (appeal("X", "HJ-2026Q3-01-1", decided="2026-10-02"), "decided_without_decision"),
        (appeal("X", "HJ-2026Q3-01-1", decided="2026-09-02", decision="upheld"), "decided_before_filed"),
        (appeal("X", "HJ-2026Q3-01-1", decided="2026-10-02", decision="amended", points=3), "out_of_range"),
        (appeal("X", "C-2026-033", decided="2026-10-02", decision="overturned"), "not_amendable"),
        (appeal("X", "L-2026-RQ-01", decided="2026-10-02", decision="amended", points=0), "not_amendable"),
        (appeal("X", "HJ-2026Q3-01-1", decision="maybe"), "invalid_value"),
        (appeal("X", "HJ-2026Q3-01-1", filed="2026-02-30"), "invalid_date"),
        ({**appeal("X", "HJ-2026Q3-01-1"), "replaces": "nowhere"}, "unknown_replaced"),
    ],
)
def test_appeal_rejections(cangzhou: Any, record: dict[str, Any], code: str) -> None:
    result = run(cangzhou, [*base(), record])
    assert [(r["id"], r["code"]) for r in result["rejected"]] == [("X", code)]
    # a refused appeal touches the card (or the county) of the record it names, where there is one
    [r] = result["rejected"]
    expected = {"HJ-2026Q3-01-1": "HJ-01", "C-2026-033": "BT-01"}.get(record["target"])
    assert r["outlet"] == expected
    if record["target"] == "L-2026-RQ-01":
        assert (r["county"], r["period"]) == ("任丘", "2026Q2")
    assert cards(result)["HJ-01"]["total"] == 82  # nothing else changed


def test_a_second_appeal_on_one_target_is_a_duplicate_whatever_the_order(cangzhou: Any) -> None:
    first = appeal("B", "HJ-2026Q3-01-1", decided="2026-10-10", decision="overturned")
    second = appeal("A", "HJ-2026Q3-01-1", decided="2026-10-11", decision="upheld")
    for extra in ([first, second], [second, first]):
        result = run(cangzhou, base() + extra)
        assert [(r["id"], r["code"]) for r in result["rejected"]] == [("A", "duplicate_appeal")]
        assert cards(result)["HJ-01"]["total"] == 84
        # the refused appeal touches the card of the finding it names
        assert (result["rejected"][0]["outlet"], cards(result)["HJ-01"]["rejections"]) == ("HJ-01", 1)
    pending = appeal("C", "HJ-2026Q3-01-1")
    result = run(cangzhou, [*base(), pending, first])
    assert [(r["id"], r["code"]) for r in result["rejected"]] == [("C", "duplicate_appeal")]


def test_an_appeal_on_a_replaced_record_names_its_replacement(cangzhou: Any) -> None:
    fix = {**base()[6], "id": "F-NEW", "replaces": "HJ-2026Q3-01-1"}
    result = run(cangzhou, [*base(), fix, appeal("X", "HJ-2026Q3-01-1")])
    [r] = result["rejected"]
    assert (r["code"], "F-NEW" in r["error"]) == ("unknown_target", True)


# ---- corrections -----------------------------------------------------------------------------


def finding(fid: str, points: int, **kw: Any) -> dict[str, Any]:
    return {
        "type": "finding",
        "id": fid,
        "outlet": "HJ-01",
        "date": "2026-07-14",
        "article": 12,
        "points": points,
        **kw,
    }


def test_corrections_follow_chains(cangzhou: Any) -> None:
    records = [*base(), finding("F1", 3), finding("F2", 2, replaces="F1"), finding("F3", 1, replaces="F2")]
    result = run(cangzhou, records)
    assert [(r["id"], r["by"], r["current"]) for r in result["replaced"]] == [("F1", "F2", "F3"), ("F2", "F3", "F3")]
    assert cards(result)["HJ-01"]["total"] == 81
    assert result["rejected"] == []


@pytest.mark.parametrize(
    ("extra", "rejected"),
    [
        ([finding("F1", 3, replaces="F2"), finding("F2", 2, replaces="F1")], [("F1", "replacement_cycle"), ("F2", "replacement_cycle")]),
        ([finding("F1", 3, replaces="F1")], [("F1", "replacement_cycle")]),
        ([finding("F0", 3), finding("F2", 2, replaces="F0"), finding("F1", 1, replaces="F0")], [("F2", "duplicate_replacement")]),
        ([finding("F1", 3, replaces="ghost")], [("F1", "unknown_replaced")]),
    ],
)  # fmt: skip
def test_corrections_refused(cangzhou: Any, extra: list[dict[str, Any]], rejected: list[tuple[str, str]]) -> None:
    result = run(cangzhou, [*base(), *extra])
    assert sorted((r["id"], r["code"]) for r in result["rejected"]) == rejected


def test_a_replaced_rejected_line_leaves_rejected_and_the_exit_status(tmp_path: Path) -> None:
    bad = finding("F1", 9)  # out of range for article 12 (1–3)
    fixed = finding("F1b", 2, replaces="F1")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*base(), bad, fixed]), encoding="utf-8")
    result = sr.score("cangzhou", [path], as_of=AS_OF).to_dict()
    assert result["rejected"] == []
    assert result["replaced"] == [
        {
            "id": "F1",
            "by": "F1b",
            "current": "F1b",
            "file": str(path),
            "line": 32,
            "sheet": None,
            "rejected": "out_of_range",
        }
    ]
    summary = result["inputs"][0]
    assert (summary["accepted"], summary["rejected"], summary["replaced"], summary["lines"]) == (31, 0, 1, 32)
    assert (
        cli.main(["score", "--pack", "cangzhou", "--as-of", AS_OF, "--output", str(tmp_path / "o.json"), str(path)])
        == 0
    )


def test_the_stream_and_to_json_agree_with_appeals(cangzhou: Any, tmp_path: Path) -> None:
    records = [
        *base(),
        appeal("A-1", "HJ-2026Q3-01-1", decided="2026-10-20", decision="overturned"),
        appeal("A-2", "RQ-2026Q3-01-1", decided="2026-10-20", decision="amended", points=1),
        appeal("A-L", "L-2026-RQ-01", decided="2026-10-20", decision="overturned"),
        finding("F1", 3),
        finding("F2", 2, replaces="F1"),
    ]
    buf = io.BytesIO()
    sr.score_to_stream(cangzhou, [sr.Records(records)], buf, as_of=AS_OF)
    assert buf.getvalue() == sr.score(cangzhou, [sr.Records(records)], as_of=AS_OF).to_json() + b"\n"


def test_candidates_forget_an_overturned_exclusion(cangzhou: Any) -> None:
    """A drunk_on_duty finding overturned no longer withholds its outlet from article 44."""
    records = [*base(), appeal("A-1", "RQ-2026Q3-01-3", decided="2026-10-20", decision="overturned")]
    before = sr.candidates(cangzhou, [sr.Records(base())], year=2026, as_of="2027-01-15").to_dict()
    after = sr.candidates(cangzhou, [sr.Records(records)], year=2026, as_of="2027-01-15").to_dict()

    def codes(result: dict[str, Any]) -> set[str]:
        return {r["code"] for e in result["excluded"] if e["outlet"] == "RQ-01" for r in e["reasons"]}

    assert "drunk_on_duty" in codes(before) and "drunk_on_duty" not in codes(after)


# ---- laws ------------------------------------------------------------------------------------

_DEDUCTED = [
    "HJ-2026Q3-01-1", "HJ-2026Q3-01-2", "HJ-2026Q3-01-3", "HJ-2026Q3-02-1", "HJ-2026Q3-02-2",
    "RQ-2026Q3-01-1", "RQ-2026Q3-01-2", "RQ-2026Q3-01-3", "CITY-2026Q3-01-1", "CITY-2026Q3-01-2",
    "BT-2026Q3-01-1", "C-2026-031", "C-2026-032",
]  # fmt: skip


def _strip_appeals(result: dict[str, Any]) -> dict[str, Any]:
    """A result without its inputs' digests and every deduction's appeal field."""
    out = json.loads(json.dumps(result))
    out.pop("inputs")
    for c in out["scorecards"]:
        for d in c["deductions"]:
            d["appeal"] = None
    return out


_LAW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_LAW
@given(targets=st.lists(st.sampled_from(_DEDUCTED), unique=True, max_size=5), decided=st.booleans())
def test_an_upheld_appeal_changes_nothing(cangzhou: Any, targets: list[str], decided: bool) -> None:
    extra = [
        appeal(f"A-{i}", t, **({"decided": "2026-10-20", "decision": "upheld"} if decided else {}))
        for i, t in enumerate(targets)
    ]
    assert _strip_appeals(run(cangzhou, base() + extra)) == _strip_appeals(run(cangzhou, base()))


@_LAW
@given(outlet=st.sampled_from(["HJ-01", "HJ-02", "RQ-01", "RQ-02", "BT-01"]))
def test_overturning_every_deduction_of_an_outlet_gives_its_allotments(cangzhou: Any, outlet: str) -> None:
    plain = cards(run(cangzhou, base()))[outlet]
    targets = [d["observations"][0] for d in plain["deductions"]]
    extra = [appeal(f"A-{i}", t, decided="2026-10-20", decision="overturned") for i, t in enumerate(targets)]
    card = cards(run(cangzhou, base() + extra))[outlet]
    assert card["deductions"] == [] and card["scored"]
    assert [s["score"] for s in card["sections"]] == [s["allotment"] for s in card["sections"]]
    assert card["total"] == sum(s["allotment"] for s in card["sections"])
    assert sorted(d["observations"][0] for d in card["overturned"]) == sorted(targets)


@_LAW
@given(data=st.data())
def test_results_do_not_depend_on_where_appeals_and_corrections_sit(cangzhou: Any, data: st.DataObject) -> None:
    extra = [
        appeal("A-1", "HJ-2026Q3-01-1", decided="2026-10-20", decision="overturned"),
        appeal("A-0", "HJ-2026Q3-01-1", decided="2026-10-21", decision="upheld"),  # a duplicate
        appeal("A-2", "RQ-2026Q3-01-1", decided="2026-10-20", decision="amended", points=2),
        appeal("A-3", "L-2026-RQ-01", decided="2026-10-20", decision="overturned"),
        finding("F1", 3),
        finding("F2", 2, replaces="F1"),
        finding("F3", 1, replaces="F1"),  # a second replacement of F1
        finding("F4", 1, replaces="F2"),
    ]
    records = data.draw(st.permutations(base() + extra))
    result = run(cangzhou, records)
    reference = run(cangzhou, base() + extra)

    def located_free(r: dict[str, Any]) -> dict[str, Any]:
        r = dict(r)
        r.pop("inputs")
        r["rejected"] = sorted((x["id"], x["code"]) for x in r["rejected"])
        r["replaced"] = [{**x, "line": None} for x in r["replaced"]]
        return r

    assert located_free(result) == located_free(reference)


# ---- what people read: the table, the workbook, the 通报 (item 4) ------------------------------


def _with_everything() -> list[dict[str, Any]]:
    return [
        *base(),
        appeal("A-1", "HJ-2026Q3-01-1", decided="2026-10-20", decision="overturned"),
        appeal("A-2", "RQ-2026Q3-01-1", decided="2026-10-20", decision="amended", points=1),
        appeal("A-3", "BT-2026Q3-01-1"),
        appeal("A-L", "L-2026-RQ-01", decided="2026-10-20", decision="overturned"),
        finding("F1", 3),
        finding("F2", 2, replaces="F1"),
    ]


def test_the_table_shows_appeals_beside_deductions_and_corrections(cangzhou: Any) -> None:
    from service_rules._report import render_table

    text = render_table(sr.score(cangzhou, [sr.Records(_with_everything())], as_of=AS_OF))
    assert "申诉 A-3 待决(暂按原扣分计)" in text
    assert "申诉 A-2 2026-10-20 决定:变更分值(原扣3分)" in text
    assert "经申诉撤销(不计分):" in text and "HJ-2026Q3-01-1  2026-07-14  申诉 A-1 2026-10-20 决定:撤销" in text
    assert "经申诉撤销的失职(不再计次):" in text and "L-2026-RQ-01" in text
    assert "F1 → F2  <records>:" in text


def test_the_workbook_and_the_bulletin_show_appeals_and_corrections(cangzhou: Any, tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    from service_rules._documents import DocumentLabels, render_bulletin, write_workbook

    result = sr.score(cangzhou, [sr.Records(_with_everything())], as_of=AS_OF)
    labels = DocumentLabels.from_pack(sr.load_pack("cangzhou"))
    write_workbook(result, tmp_path / "w.xlsx", {}, labels)
    book = CalamineWorkbook.from_path(str(tmp_path / "w.xlsx"))
    assert {"申诉", "更正"} <= set(book.sheet_names)
    details = book.get_sheet_by_name("扣分明细").to_python()
    col = details[0].index("申诉")
    beside = {row[details[0].index("记录编号")]: row[col] for row in details[1:]}
    assert beside["BT-2026Q3-01-1"] == "申诉 A-3 待决(暂按原扣分计)"
    appeals = book.get_sheet_by_name("申诉").to_python()
    assert sorted(r[appeals[0].index("申诉编号")] for r in appeals[1:]) == ["A-1", "A-2", "A-3", "A-L"]
    fixes = book.get_sheet_by_name("更正").to_python()
    assert fixes[1][:3] == ["F1", "F2", "F2"]
    text = render_bulletin(result, {}, labels)
    assert "第30条扣1分(申诉待决)" in text
    assert "第28条扣1分(经申诉由3分改为1分)" in text
    assert "经申诉撤销、不计入得分和计次的扣分与失职:" in text
    assert "第18条扣2分(申诉A-1,2026年10月20日撤销)" in text
    assert "尚未决定的申诉1件" in text and "更正记录1条(F1由F2更正)" in text
    # without appeals or corrections nothing of this appears
    plain = render_bulletin(sr.score(cangzhou, [sr.Records(base())], as_of=AS_OF), {}, labels)
    assert "申诉" not in plain and "更正" not in plain


def test_appeals_come_in_from_a_sheet(tmp_path: Path) -> None:
    path = tmp_path / "appeals.csv"
    path.write_text(
        "申诉编号,申诉对象编号,申诉日期,申诉单位,申诉理由,决定日期,处理决定,变更后扣分\n"
        "A-1,HJ-2026Q3-01-1,2026/10/1,河间,已清洁,2026/10/20,撤销,\n"
        "A-2,RQ-2026Q3-01-1,2026/10/1,任丘,证书在办,2026/10/20,变更分值,1\n"
        "A-3,BT-2026Q3-01-1,2026/10/1,泊头,不服,,待决,\n",
        encoding="utf-8",
    )
    result = sr.score("cangzhou", [str(EXAMPLE), str(path)], as_of=AS_OF).to_dict()
    assert result["rejected"] == []
    c = cards(result)
    assert (c["HJ-01"]["total"], c["RQ-01"]["total"], c["BT-01"]["total"]) == (84, 66, 99)
    assert deduction(result, "BT-2026Q3-01-1")["appeal"]["state"] == "pending"


def test_an_appeal_on_a_derived_lapse_not_yet_arisen_is_said(cangzhou: Any) -> None:
    """泊头's cadence lapse of 2026Q3 arises once the quarter is judged; before, the appeal waits."""
    lapse = "cz-4-cadence:泊头:2026Q3"
    records = [*base(), appeal("A-C", lapse, decided="2026-10-02", decision="overturned")]
    later = run(cangzhou, records)
    assert later["warnings"] == [] and [x["id"] for x in later["overturned_lapses"]] == [lapse]
    assert not any(a["subject"] == "泊头" and a["action"] == "missed_inspection" for a in later["actions"])
    ghost = run(cangzhou, [*base(), appeal("A-G", "cz-4-cadence:泊头:2026Q4")])
    [w] = ghost["warnings"]
    assert (w["code"], w["file"], w["line"]) == ("appeal_target_not_arisen", "<records>", len(base()) + 1)


def test_a_chain_passes_through_a_rejected_line(cangzhou: Any) -> None:
    records = [*base(), finding("F1", 3), finding("F2", 9, replaces="F1"), finding("F3", 1, replaces="F2")]
    result = run(cangzhou, records)
    assert result["rejected"] == []
    assert [(r["id"], r["by"], r["current"], r["rejected"]) for r in result["replaced"]] == [
        ("F1", "F3", "F3", None),
        ("F2", "F3", "F3", "out_of_range"),
    ]
    assert cards(result)["HJ-01"]["total"] == 81


_OBSERVED = [
    "HJ-2026Q3-01-1", "HJ-2026Q3-01-2", "HJ-2026Q3-01-3", "HJ-2026Q3-02-1", "HJ-2026Q3-02-2",
    "RQ-2026Q3-01-1", "RQ-2026Q3-01-2", "RQ-2026Q3-01-3", "CITY-2026Q3-01-1", "CITY-2026Q3-01-2",
    "BT-2026Q3-01-1", "C-2026-031", "C-2026-032", "C-2026-033", "C-2026-034",
]  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    decisions=st.dictionaries(
        st.sampled_from(_OBSERVED), st.sampled_from(["upheld", "overturned", "amended", None]), max_size=6
    ),
    fixes=st.lists(st.sampled_from(_OBSERVED), unique=True, max_size=3),
)
def test_every_finding_and_complaint_lies_in_exactly_one_place(
    cangzhou: Any, decisions: dict[str, str | None], fixes: list[str]
) -> None:
    extra: list[dict[str, Any]] = []
    for i, (target, decision) in enumerate(sorted(decisions.items())):
        kw: dict[str, Any] = {} if decision is None else {"decided": "2026-10-20", "decision": decision}
        if decision == "amended":
            kw["points"] = 0
        extra.append(appeal(f"A-{i}", target, **kw))
    originals = {r["id"]: r for r in base() if "id" in r}
    for target in fixes:
        extra.append({**originals[target], "id": target + "-fix", "replaces": target})
    result = run(cangzhou, [*base(), *extra])
    places: dict[str, int] = {}
    for c in result["scorecards"]:
        for d in (*c["deductions"], *c["overturned"]):
            places[d["observations"][0]] = places.get(d["observations"][0], 0) + 1
        for i in (*c["pending"], *c["dismissed"]):
            places[i] = places.get(i, 0) + 1
    for r in result["replaced"]:
        places[r["id"]] = places.get(r["id"], 0) + 1
    for r in result["rejected"]:
        if r["id"] in originals or r["id"].endswith("-fix"):
            places[r["id"]] = places.get(r["id"], 0) + 1
    wanted = set(_OBSERVED) | {t + "-fix" for t in fixes}
    assert {k: v for k, v in places.items() if k in wanted} == dict.fromkeys(wanted, 1)


def test_the_parallel_reader_keeps_corrections_and_appeals(cangzhou: Any, tmp_path: Path) -> None:
    """Regression: a worker read a finding carrying ``replaces`` as a plain finding, so the
    record it replaced stayed judged with workers > 1."""
    from service_rules import _parallel
    from service_rules._evaluate import result_of

    if not _parallel.can_fork():
        pytest.skip("no fork start method")
    records = [*_with_everything(), finding("F5", 1, replaces="F2"), finding("F6", 2, replaces="HJ-2026Q3-01-2")]
    path = tmp_path / "all.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    serial = result_of(cangzhou, sr.ingest(cangzhou, [path]), as_of=datetime.date(2026, 11, 27))
    facts = _parallel.ingest_parallel(cangzhou, [path], workers=2, min_bytes=0, chunk_bytes=300)
    parallel = result_of(cangzhou, facts, as_of=datetime.date(2026, 11, 27))
    assert parallel.to_json() == serial.to_json()
    assert [r.id for r in parallel.replaced] == ["F1", "F2", "HJ-2026Q3-01-2"]


def test_a_decision_entered_later_corrects_the_pending_appeal(cangzhou: Any) -> None:
    pending = appeal("A-3", "BT-2026Q3-01-1")
    decided = {**appeal("A-3b", "BT-2026Q3-01-1", decided="2026-11-10", decision="overturned"), "replaces": "A-3"}
    result = run(cangzhou, [*base(), pending, decided])
    assert result["rejected"] == []
    assert cards(result)["BT-01"]["total"] == 100
    assert [(r["id"], r["by"]) for r in result["replaced"]] == [("A-3", "A-3b")]


def test_only_lapses_can_be_appealed_not_notices(cangzhou: Any) -> None:
    """Cangzhou's report deadline records no lapse: its late_report notice is no appeal target."""
    result = run(cangzhou, [*base(), appeal("X", "cz-4-report:任丘:2026Q3")])
    assert [(r["id"], r["code"], r["county"]) for r in result["rejected"]] == [("X", "unknown_target", None)]


def test_an_overturned_complaint_stops_counting_on_an_employee_ladder() -> None:
    """Generic: E-21's second verified complaint is a suspension; with the first overturned it is
    the first of the year (a fine), and says which one no longer counts."""
    generic = sr.compile_pack(sr.load_pack("generic"))
    records = [
        json.loads(x)
        for x in (ROOT / "examples" / "generic-2027q1.jsonl").read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]

    def ladder(result: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
        return [
            (a["action"], a["observations"], a["overturned"])
            for a in result["actions"]
            if a["rule"] == "g-complaint-ladder" and a["subject"] == "E-21"
        ]

    plain = run(generic, records, as_of="2027-05-01")
    assert ladder(plain) == [("fine", ["C-01"], []), ("suspension_or_transfer", ["C-02"], [])]
    extra = appeal("A-1", "C-01", filed="2027-02-01", decided="2027-02-10", decision="overturned")
    result = run(generic, [*records, extra], as_of="2027-05-01")
    assert ladder(result) == [("fine", ["C-02"], ["C-01"])]
    assert [d["observations"] for c in result["scorecards"] for d in c["overturned"]] == [["C-01"]]
    assert result["overturned_lapses"] == []  # a complaint is no lapse: it is listed on its card


def test_an_overturned_deduction_reads_as_the_text_in_force_on_its_day() -> None:
    """Under the amended example pack, CITY-2026Q3-01-2 (2026-09-10, two person-times) cost 16 points
    at 8 each; overturned, it is listed with the amended text's reason and points."""
    amended = sr.compile_pack(sr.load_pack(str(ROOT / "examples" / "cangzhou-amended")))
    records = [*base(), appeal("A-1", "CITY-2026Q3-01-2", decided="2026-10-20", decision="overturned")]
    counted = deduction(run(amended, base()), "CITY-2026Q3-01-2")
    [over] = cards(run(amended, records))["RQ-02"]["overturned"]
    assert over["points"] == counted["points"] == 16
    assert over["reason"] == counted["reason"] and "扣8分" in over["reason"]


def test_the_public_standing_takes_the_day_as_score_does_and_never_raises_attribute_error() -> None:
    """Hostile input at the API: ``standing(facts, "2027-06-30")`` ended in AttributeError
    ('str' object has no attribute 'isoformat'); now a string day counts like score's ``as_of``,
    and a bad day, a second day or something that is not facts is a UsageError."""
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    finding = {"type": "finding", "id": "F", "outlet": "HJ-01", "date": "2026-07-14", "article": 18, "points": 2}
    appeal = {
        "type": "appeal", "id": "A", "target": "F", "filed": "2026-10-08", "by": "x", "reason": "r",
        "decided": "2026-10-09", "decision": "overturned",
    }  # fmt: skip
    facts = sr.ingest(compiled, [sr.Records([finding, appeal])])
    assert sr.standing(facts, "2027-06-30") == sr.standing(facts, datetime.date(2027, 6, 30))
    for day in ("garbage", "2027-02-29", "2100-01-01", 20270630):
        with pytest.raises(sr.UsageError):
            sr.standing(facts, day)  # type: ignore[arg-type]
    stood = sr.standing(facts, "2027-06-30")
    with pytest.raises(sr.UsageError, match="2027-06-30"):
        sr.standing(stood, "2027-07-01")
    with pytest.raises(sr.UsageError, match="Facts"):
        sr.standing([finding], "2027-06-30")  # type: ignore[arg-type]
