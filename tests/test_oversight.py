"""Oversight of county unions (articles 3, 4, 5) and model-unit candidates (article 44), Cangzhou pack.

The expected values below are worked out by hand from the source regulation
(/work/shared/sources, 第一篇 沧州市农村信用社优质文明服务规范管理细则) and the product
decisions taken on how to read it; none was obtained by running the code. The relevant text:

第三条 ……对县级联社应查也而未查处,应纠改而未纠改到位的,第一次下《沧州市联社优质文明服务限期
纠改通知书》;第二次责令县级联社责任人写出书面检查,并通报全市;第三次对县级联社直接责任人和相关
领导给予纪律处分,并通报全市。
    → ladder per county and calendar year: 1st rectification_notice (not circulated),
      2nd written_review (circulated), 3rd and every later disciplinary_action (circulated).
第四条 ……优质文明服务检查小组每季度至少对全辖各营业网点全面检查一次,……并与次季首月10日前上报
市联社党委办公室。
    → every registered outlet needs an inspection by its county each judged quarter (else
      missed_inspection + a derived lapse); the quarter's report is due on the 10th of the
      first month of the next quarter, the 10th itself included (Q4 → 10 January next year).
第五条 市联社将采取不同形式对各县级联社网点进行检查或突…… (cut in the source)
    → a city inspection finding an article the county's own inspections of that outlet that
      quarter did not record is a lapse (应查而未查处) of the county.
第四十四条 依据本考核细则,……依次推荐全国级、省级文明规范服务示范单位。
    → candidates ranked by mean quarterly total; the choice itself belongs to the union.

Scoring facts used for the candidates (from the pack, themselves from the regulation): every
scorecard starts from 100 (15+15+20+20+15+15); article 18 (chapter 4) and 27 (chapter 6) are
graded 1–3 by the inspector; article 25 (chapter 5) costs a fixed 3; a verified complaint costs 10;
article 41 drunk_on_duty costs 10 per person.
"""

from __future__ import annotations

import datetime as _dt
import functools
import gc
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules.cli import main

AS_OF = "2026-11-27"
HJ, RQ = "河间", "任丘"
STEPS = [("rectification_notice", False), ("written_review", True), ("disciplinary_action", True)]


@functools.cache
def cangzhou() -> sr.CompiledPack:
    """Compiled once per session (Hypothesis tests cannot take function-scoped fixtures)."""
    return sr.compile_pack(sr.load_pack("cangzhou"))


# ---- record builders -------------------------------------------------------------------------
def outlet(o: str, county: str) -> dict[str, Any]:
    return {"type": "outlet", "outlet": o, "county": county}


def inspection(iid: str, o: str, date: str, by: str = "county") -> dict[str, Any]:
    return {"type": "inspection", "id": iid, "outlet": o, "date": date, "by": by}


def finding(
    fid: str, o: str, date: str, article: int, *, points: int | None = None, inspection: str | None = None, **extra: Any
) -> dict[str, Any]:
    rec: dict[str, Any] = {"type": "finding", "id": fid, "outlet": o, "date": date, "article": article, **extra}
    if points is not None:
        rec["points"] = points
    if inspection is not None:
        rec["inspection"] = inspection
    return rec


def lapse(lid: str, county: str, date: str, kind: str = "unfound") -> dict[str, Any]:
    return {"type": "lapse", "id": lid, "county": county, "date": date, "kind": kind}


def report(rid: str, county: str, quarter: str, submitted: str) -> dict[str, Any]:
    return {"type": "report", "id": rid, "county": county, "quarter": quarter, "submitted": submitted}


def complaint(cid: str, o: str, date: str, *, transferred: bool = False) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "type": "complaint",
        "id": cid,
        "outlet": o,
        "date": date,
        "channel": "phone",
        "verified": True,
    }
    if transferred:
        rec["account_transferred"] = True
    return rec


def score(
    records: list[dict[str, Any]], *, as_of: str = AS_OF, period: str | None = None, pack: sr.CompiledPack | None = None
) -> sr.ScoreResult:
    result = sr.score(pack or cangzhou(), [sr.Records(records)], period=period, as_of=as_of)
    assert not result.rejected, result.rejected  # every example input is valid
    return result


def actions(records: list[dict[str, Any]], **kw: Any) -> tuple[sr.Action, ...]:
    return score(records, **kw).actions


def brief(acts: tuple[sr.Action, ...] | list[sr.Action]) -> set[tuple[str, str, str, str]]:
    """(subject, action, period, date) of each action, as a set (the documented order is checked once, below)."""
    return {(a.subject, a.action, a.period, a.date) for a in acts}


LADDER = {"rectification_notice", "written_review", "disciplinary_action"}


def ladder(acts: tuple[sr.Action, ...]) -> list[sr.Action]:
    """The article 3 actions, in the order the lapses count (date, then observations)."""
    return sorted((a for a in acts if a.action in LADDER), key=lambda a: (a.date, a.observations))


# =============================================================================================
# Article 3: the ladder
# =============================================================================================
def test_first_second_third_and_fourth_lapse_of_a_year() -> None:
    # 第三条: 第一次 → 限期纠改通知书 (not circulated); 第二次 → 书面检查, 通报全市; 第三次 →
    # 纪律处分, 通报全市. A 4th lapse is not named by the text; the decision is "third and every
    # later": still disciplinary_action, still circulated.
    recs = [
        lapse("L1", HJ, "2026-02-03"),
        lapse("L2", HJ, "2026-05-20", "unrectified"),
        lapse("L3", HJ, "2026-08-01"),
        lapse("L4", HJ, "2026-11-02", "unrectified"),
    ]
    acts = actions(recs)
    got = [
        (a.subject, a.subject_type, a.action, a.article, a.period, a.date, a.observations, a.circulate) for a in acts
    ]
    assert sorted(got) == sorted(
        [
            # date = date of the lapse; period = its quarter; observations = the lapse itself
            (HJ, "county", "rectification_notice", 3, "2026Q1", "2026-02-03", ("L1",), False),
            (HJ, "county", "written_review", 3, "2026Q2", "2026-05-20", ("L2",), True),
            (HJ, "county", "disciplinary_action", 3, "2026Q3", "2026-08-01", ("L3",), True),
            (HJ, "county", "disciplinary_action", 3, "2026Q4", "2026-11-02", ("L4",), True),
        ]
    )


def test_reason_is_chinese_and_cites_article_and_the_lapses_counted() -> None:
    noted = {**lapse("L2", HJ, "2026-04-01", "unrectified"), "note": "大厅监督台未整改"}
    acts = ladder(actions([lapse("L1", HJ, "2026-03-01"), noted]))
    second = acts[1]
    assert second.observations == ("L2",)
    assert "第三条" in second.reason
    assert "本年度第2次" in second.reason
    # the lapses counted so far this year, both named
    assert "L1" in second.reason and "L2" in second.reason
    assert "书面检查" in second.reason  # the step of 第三条 it leads to
    assert "大厅监督台未整改" in second.reason  # what the lapse was
    assert "本年度第1次" in acts[0].reason and "L2" not in acts[0].reason


def test_lapses_on_the_same_date_count_in_order_of_id() -> None:
    # Both on 2026-06-15, given b before a: the decision orders same-date lapses by id, so L-a is
    # the 1st lapse of the year and L-b the 2nd, whatever the order of the lines.
    acts = ladder(actions([lapse("L-b", HJ, "2026-06-15"), lapse("L-a", HJ, "2026-06-15")]))
    assert [(a.observations, a.action, a.circulate) for a in acts] == [
        (("L-a",), "rectification_notice", False),
        (("L-b",), "written_review", True),
    ]


def test_a_new_calendar_year_restarts_the_count() -> None:
    # 2025: two lapses (1st, 2nd). 2026: the count starts again, so the lapse of 2026-01-05 is the
    # 1st of 2026 (rectification_notice), not the 3rd overall (disciplinary_action).
    recs = [
        lapse("A", HJ, "2025-11-03"),
        lapse("B", HJ, "2025-12-30"),
        lapse("C", HJ, "2026-01-05"),
        lapse("D", HJ, "2026-01-06"),
    ]
    assert brief(actions(recs)) == {
        (HJ, "rectification_notice", "2025Q4", "2025-11-03"),
        (HJ, "written_review", "2025Q4", "2025-12-30"),
        (HJ, "rectification_notice", "2026Q1", "2026-01-05"),
        (HJ, "written_review", "2026Q1", "2026-01-06"),
    }


def test_counties_count_separately() -> None:
    # 第三条 speaks of "县级联社": each county has its own count.
    recs = [lapse("H1", HJ, "2026-02-01"), lapse("R1", RQ, "2026-03-01"), lapse("H2", HJ, "2026-04-01")]
    assert brief(actions(recs)) == {
        (HJ, "rectification_notice", "2026Q1", "2026-02-01"),
        (RQ, "rectification_notice", "2026Q1", "2026-03-01"),
        (HJ, "written_review", "2026Q2", "2026-04-01"),
    }


def test_period_lists_that_quarter_but_counts_the_whole_year() -> None:
    # 2025Q4 lapse: another year, not counted. 2026Q1, 2026Q2: 1st and 2nd. The 2026Q3 lapse is the
    # 3rd of 2026 → disciplinary_action, and with period=2026Q3 it is the only action listed.
    recs = [
        lapse("Z", HJ, "2025-12-01"),
        lapse("L1", HJ, "2026-01-10"),
        lapse("L2", HJ, "2026-05-10"),
        lapse("L3", HJ, "2026-08-10"),
    ]
    acts = actions(recs, period="2026Q3")
    assert [(a.action, a.date, a.observations, a.circulate) for a in acts] == [
        ("disciplinary_action", "2026-08-10", ("L3",), True)
    ]
    assert "本年度第3次" in acts[0].reason
    assert [(a.action, a.observations) for a in actions(recs, period="2026Q1")] == [("rectification_notice", ("L1",))]
    assert actions(recs, period="2026Q4") == ()


def test_same_input_any_line_order_same_actions() -> None:
    recs = [
        outlet("HJ-01", HJ),
        outlet("HJ-02", HJ),
        outlet("RQ-01", RQ),
        inspection("K1", "HJ-01", "2026-07-10"),
        inspection("C1", "HJ-01", "2026-08-05", "city"),
        finding("F1", "HJ-01", "2026-08-05", 25, inspection="C1"),
        lapse("L1", HJ, "2026-09-30"),
        lapse("L2", RQ, "2026-09-30"),
        report("R1", HJ, "2026Q3", "2026-10-11"),
    ]
    first = actions(recs)
    assert len(first) >= 4  # not vacuous: ladder, cross-check and late report all fire
    # the documented order (docs/contract.md): period, date, subject, action, observations
    assert list(first) == sorted(first, key=lambda a: (a.period, a.date, a.subject, a.action, a.observations))
    assert actions(recs) == first
    assert actions(list(reversed(recs))) == first
    assert actions(recs[3:] + recs[:3]) == first


# =============================================================================================
# Article 4: inspections every quarter
# =============================================================================================
def test_outlets_a_county_did_not_inspect_in_a_judged_quarter() -> None:
    # Q3 2026 is judged: the input holds inspections dated in it and it ended (2026-09-30) before
    # the as-of date 2026-11-27. 河间 inspected HJ-02 only; HJ-01 and HJ-03 had no county inspection
    # → one missed_inspection for 河间 listing both (sorted), dated 2026-09-30, and one derived lapse
    # (the 1st of 2026 for 河间 → rectification_notice) on the same date. 任丘 inspected RQ-01: nothing.
    recs = [
        outlet("HJ-03", HJ),
        outlet("HJ-01", HJ),
        outlet("HJ-02", HJ),
        outlet("RQ-01", RQ),
        inspection("K1", "HJ-02", "2026-07-15"),
        inspection("K2", "RQ-01", "2026-09-30"),
        # a city inspection is not the county's own (第四条: the county's 检查小组 inspects)
        inspection("C1", "HJ-01", "2026-08-01", "city"),
        report("R-HJ", HJ, "2026Q3", "2026-10-09"),
        report("R-RQ", RQ, "2026Q3", "2026-10-10"),
    ]
    acts = actions(recs)
    assert brief(acts) == {
        (HJ, "missed_inspection", "2026Q3", "2026-09-30"),
        (HJ, "rectification_notice", "2026Q3", "2026-09-30"),
    }
    (missed,) = [a for a in acts if a.action == "missed_inspection"]
    assert missed.outlets == ("HJ-01", "HJ-03")
    assert missed.subject_type == "county" and missed.article == 4 and missed.circulate is False
    assert "第四条" in missed.reason and "HJ-01" in missed.reason and "HJ-03" in missed.reason
    (notice,) = ladder(acts)
    # the ladder action rests on the derived lapse, which the missed_inspection action names
    assert notice.observations and notice.observations == missed.observations
    assert notice.circulate is False


def test_derived_and_given_lapses_share_one_count() -> None:
    # 河间: a lapse given in the input on 2026-08-20 (1st), the uninspected lapse of Q3 on 2026-09-30
    # (2nd → written_review, circulated).
    recs = [
        outlet("HJ-01", HJ),
        outlet("HJ-02", HJ),
        inspection("K1", "HJ-01", "2026-07-15"),
        report("R", HJ, "2026Q3", "2026-10-01"),
        lapse("L1", HJ, "2026-08-20"),
    ]
    acts = actions(recs)
    assert [(a.action, a.date, a.circulate) for a in ladder(acts)] == [
        ("rectification_notice", "2026-08-20", False),
        ("written_review", "2026-09-30", True),
    ]


def test_a_file_of_q3_only_does_not_judge_q1_or_q2() -> None:
    # Only Q3 inspections: Q1 and Q2 are not judged (no inspection in the input is dated in them),
    # so nobody is condemned for them, neither for inspections nor for reports. Q4 has not ended at
    # 2026-11-27. 任丘 did not inspect RQ-01 in Q3 and filed no Q3 report (due 2026-10-10, past).
    recs = [
        outlet("HJ-01", HJ),
        outlet("RQ-01", RQ),
        inspection("K1", "HJ-01", "2026-07-10"),
        report("R-HJ", HJ, "2026Q3", "2026-10-08"),
    ]
    acts = actions(recs)
    assert brief(acts) == {
        (RQ, "missed_inspection", "2026Q3", "2026-09-30"),
        (RQ, "rectification_notice", "2026Q3", "2026-09-30"),
        (RQ, "missing_report", "2026Q3", "2026-10-10"),
    }


def test_a_quarter_not_ended_at_as_of_is_not_judged() -> None:
    # Q3 ends 2026-09-30. At as-of 2026-09-30 it has not ended before the as-of date: not judged,
    # no action. At 2026-10-01 it is judged: RQ-01 was not inspected by 任丘. The Q3 report is not
    # yet due (2026-10-10), so no missing_report.
    recs = [outlet("HJ-01", HJ), outlet("RQ-01", RQ), inspection("K1", "HJ-01", "2026-07-10")]
    assert actions(recs, as_of="2026-09-30") == ()
    assert brief(actions(recs, as_of="2026-10-01")) == {
        (RQ, "missed_inspection", "2026Q3", "2026-09-30"),
        (RQ, "rectification_notice", "2026Q3", "2026-09-30"),
    }


def test_every_judged_quarter_is_judged_on_its_own() -> None:
    # Inspections in Q1 and Q2: both judged. HJ-01 inspected in Q1 only → missed in Q2 (2026-06-30).
    # HJ-02 inspected in Q2 only → missed in Q1 (2026-03-31). Two lapses of 河间: 1st on 03-31,
    # 2nd on 06-30. Reports on time for both quarters (Q1 due 04-10, Q2 due 07-10).
    recs = [
        outlet("HJ-01", HJ),
        outlet("HJ-02", HJ),
        inspection("K1", "HJ-01", "2026-02-10"),
        inspection("K2", "HJ-02", "2026-05-10"),
        report("R1", HJ, "2026Q1", "2026-04-10"),
        report("R2", HJ, "2026Q2", "2026-07-10"),
    ]
    acts = actions(recs)
    assert brief(acts) == {
        (HJ, "missed_inspection", "2026Q1", "2026-03-31"),
        (HJ, "rectification_notice", "2026Q1", "2026-03-31"),
        (HJ, "missed_inspection", "2026Q2", "2026-06-30"),
        (HJ, "written_review", "2026Q2", "2026-06-30"),
    }
    assert {a.period: a.outlets for a in acts if a.action == "missed_inspection"} == {
        "2026Q1": ("HJ-02",),
        "2026Q2": ("HJ-01",),
    }


# =============================================================================================
# Article 4: reports by the 10th of the first month of the next quarter
# =============================================================================================
@pytest.mark.parametrize(
    ("quarter", "submitted", "late"),
    [
        # "次季首月10日前": Q3 → October 10; the 10th itself is on time, the 11th is late.
        ("2026Q3", "2026-10-09", False),
        ("2026Q3", "2026-10-10", False),
        ("2026Q3", "2026-10-11", True),
        # Q1 → April 10, Q2 → July 10
        ("2026Q1", "2026-04-10", False),
        ("2026Q1", "2026-04-11", True),
        ("2026Q2", "2026-07-10", False),
        ("2026Q2", "2026-07-11", True),
        # Q4 → the first month of the next quarter is January of the NEXT year
        ("2026Q4", "2027-01-10", False),
        ("2026Q4", "2027-01-11", True),
        ("2026Q4", "2026-12-31", False),
    ],
)
def test_report_deadline(quarter: str, submitted: str, late: bool) -> None:
    acts = actions([report("R1", HJ, quarter, submitted)], as_of="2027-03-01")
    if not late:
        assert acts == ()
        return
    (a,) = acts  # late reports are not lapses in Cangzhou: no ladder action follows
    assert (a.subject, a.subject_type, a.action, a.article, a.period, a.date, a.observations, a.circulate) == (
        HJ,
        "county",
        "late_report",
        4,
        quarter,
        submitted,
        ("R1",),
        False,
    )
    assert "第四条" in a.reason and submitted in a.reason


def test_late_q4_report_names_the_january_deadline() -> None:
    (a,) = actions([report("R4", HJ, "2026Q4", "2027-01-11")], as_of="2027-03-01")
    assert "2027-01-10" in a.reason


@pytest.mark.parametrize(("as_of", "missing"), [("2026-10-10", False), ("2026-10-11", True)])
def test_missing_report_only_once_the_deadline_has_passed(as_of: str, missing: bool) -> None:
    # Q3 judged (inspections, ended 09-30). Every registered county owes a Q3 report by 2026-10-10.
    # 河间 filed; 任丘 did not. On the 10th 任丘 still has the day; from the 11th it is missing,
    # dated the deadline. Not a lapse in Cangzhou: no ladder action.
    recs = [
        outlet("HJ-01", HJ),
        outlet("RQ-01", RQ),
        inspection("K1", "HJ-01", "2026-07-01"),
        inspection("K2", "RQ-01", "2026-07-02"),
        report("R", HJ, "2026Q3", "2026-10-05"),
    ]
    acts = actions(recs, as_of=as_of)
    if not missing:
        assert acts == ()
        return
    (a,) = acts
    assert (a.subject, a.action, a.article, a.period, a.date, a.circulate) == (
        RQ,
        "missing_report",
        4,
        "2026Q3",
        "2026-10-10",
        False,
    )
    assert "第四条" in a.reason


@pytest.mark.parametrize(("as_of", "missing"), [("2027-01-10", False), ("2027-01-11", True)])
def test_missing_q4_report_is_due_on_10_january(as_of: str, missing: bool) -> None:
    recs = [outlet("HJ-01", HJ), inspection("K1", "HJ-01", "2026-11-15")]
    expected = {(HJ, "missing_report", "2026Q4", "2027-01-10")} if missing else set()
    assert brief(actions(recs, as_of=as_of)) == expected


def test_a_report_for_one_quarter_does_not_cover_another() -> None:
    # Q1 and Q3 judged; 河间 reported Q1 only → Q3 missing. Q2 is not judged (no inspection in it).
    recs = [
        outlet("HJ-01", HJ),
        inspection("K1", "HJ-01", "2026-03-01"),
        inspection("K3", "HJ-01", "2026-09-01"),
        report("R1", HJ, "2026Q1", "2026-04-01"),
    ]
    assert brief(actions(recs)) == {(HJ, "missing_report", "2026Q3", "2026-10-10")}


# =============================================================================================
# Article 5: what a city check proves
# =============================================================================================
def county_and_city(extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    # HJ-01: county inspection K1 (2026-07-10) recorded article 18. City inspection C1 (2026-08-05)
    # found article 18 (linked by id) and article 25 (no link, matched by outlet and date).
    return [
        outlet("HJ-01", HJ),
        inspection("K1", "HJ-01", "2026-07-10"),
        finding("FK", "HJ-01", "2026-07-10", 18, points=1, inspection="K1"),
        inspection("C1", "HJ-01", "2026-08-05", "city"),
        finding("FC18", "HJ-01", "2026-08-05", 18, points=2, inspection="C1"),
        finding("FC25", "HJ-01", "2026-08-05", 25),
        report("R", HJ, "2026Q3", "2026-10-10"),
        *(extra or []),
    ]


def test_city_finding_the_county_missed_is_a_lapse_of_the_county() -> None:
    # Article 25 was found by the city but recorded by nothing of 河间's own Q3 inspection of HJ-01
    # → one lapse (应查而未查处) for 河间 dated the city inspection, 2026-08-05: its 1st of 2026.
    # Article 18 was recorded by the county: not a lapse on its own.
    acts = actions(county_and_city())
    assert brief(acts) == {(HJ, "rectification_notice", "2026Q3", "2026-08-05")}
    (a,) = acts
    assert "C1" in a.observations and "FC25" in a.observations  # the facts behind the derived lapse
    assert "FK" not in a.observations and "FC18" not in a.observations


def test_one_lapse_per_city_inspection_however_many_articles() -> None:
    # C1 found 25 and (now also) 27, both unrecorded by the county: still one lapse for C1.
    # A second city inspection C2 (2026-09-02) finding 27 again: a second lapse (2nd → written_review).
    extra = [
        finding("FC27", "HJ-01", "2026-08-05", 27, points=1, inspection="C1"),
        inspection("C2", "HJ-01", "2026-09-02", "city"),
        finding("FD27", "HJ-01", "2026-09-02", 27, points=1),
    ]
    acts = actions(county_and_city(extra))
    assert [(a.action, a.date) for a in ladder(acts)] == [
        ("rectification_notice", "2026-08-05"),
        ("written_review", "2026-09-02"),
    ]


def test_city_finding_the_county_recorded_is_no_lapse() -> None:
    recs = [r for r in county_and_city() if r.get("id") != "FC25"]
    assert actions(recs) == ()


def test_city_check_is_no_lapse_where_the_county_did_not_inspect() -> None:
    # 河间 did not inspect HJ-02 in Q3 at all: the city's finding there is not a 第五条 lapse
    # (the cadence of 第四条 already counts that quarter). Lapses of 河间: C1 on HJ-01 (1st,
    # 2026-08-05) and the uninspected HJ-02 (2nd, 2026-09-30). A third would be double counting.
    extra = [
        outlet("HJ-02", HJ),
        inspection("C9", "HJ-02", "2026-08-06", "city"),
        finding("F9", "HJ-02", "2026-08-06", 25, inspection="C9"),
    ]
    acts = actions(county_and_city(extra))
    assert brief(acts) == {
        (HJ, "rectification_notice", "2026Q3", "2026-08-05"),
        (HJ, "missed_inspection", "2026Q3", "2026-09-30"),
        (HJ, "written_review", "2026Q3", "2026-09-30"),
    }


def test_a_city_inspection_alone_judges_no_quarter() -> None:
    # 第四条 judges a county's quarter from its own inspections: one city check in 2026Q1 with no
    # county inspection that quarter (a file about the city's work) condemns no county.
    recs = [outlet("HJ-01", HJ), inspection("C0", "HJ-01", "2026-02-10", "city")]
    assert brief(actions(recs)) == set()


def test_county_inspection_of_another_quarter_does_not_count() -> None:
    # The county inspected HJ-01 in Q2 (recording article 25), the city in Q3 found article 25.
    # "In the same quarter" the county did not inspect HJ-01: no 第五条 lapse; instead Q3's cadence
    # condemns the missing Q3 inspection. Q2 also judged: HJ-01 inspected then, report filed.
    # Q3 is judged through the county's inspection of HJ-02 (a city check alone judges nothing).
    recs = [
        outlet("HJ-01", HJ),
        outlet("HJ-02", HJ),
        inspection("K2", "HJ-01", "2026-05-10"),
        inspection("K2b", "HJ-02", "2026-05-11"),
        inspection("K3b", "HJ-02", "2026-08-06"),
        finding("FK", "HJ-01", "2026-05-10", 25, inspection="K2"),
        inspection("C1", "HJ-01", "2026-08-05", "city"),
        finding("FC", "HJ-01", "2026-08-05", 25, inspection="C1"),
        report("R2", HJ, "2026Q2", "2026-07-01"),
        report("R3", HJ, "2026Q3", "2026-10-01"),
    ]
    assert brief(actions(recs)) == {
        (HJ, "missed_inspection", "2026Q3", "2026-09-30"),
        (HJ, "rectification_notice", "2026Q3", "2026-09-30"),
    }


# =============================================================================================
# Hypothesis properties
# =============================================================================================
DAYS_2026 = st.dates(_dt.date(2026, 1, 1), _dt.date(2026, 12, 31)).map(_dt.date.isoformat)
# few dates, so that same-date lapses (ordered by id) are common
FEW_DAYS = st.sampled_from(["2026-01-01", "2026-03-31", "2026-04-01", "2026-06-15", "2026-12-31"])
LAPSE_IDS = st.text(alphabet="abAB09-_甲乙", min_size=1, max_size=4)


def year_lapses(prefix: str = "") -> st.SearchStrategy[list[tuple[str, str, str]]]:
    return st.lists(
        st.tuples(
            LAPSE_IDS.map(lambda s: prefix + s),
            st.one_of(DAYS_2026, FEW_DAYS),
            st.sampled_from(["unfound", "unrectified"]),
        ),
        min_size=1,
        max_size=9,
        unique_by=lambda t: t[0],
    )


@settings(deadline=None)
@given(year_lapses())
def test_nth_lapse_of_a_year_yields_the_nth_step(lapses: list[tuple[str, str, str]]) -> None:
    acts = actions([lapse(i, HJ, d, k) for i, d, k in lapses])
    expected = {}
    for n, (i, d, _) in enumerate(sorted(lapses, key=lambda t: (t[1], t[0])), start=1):
        expected[i] = (STEPS[min(n, len(STEPS)) - 1], d, f"本年度第{n}次")
    assert len(acts) == len(lapses)
    for a in acts:
        (lid,) = a.observations
        step, date, nth = expected[lid]
        assert (a.action, a.circulate) == step
        assert a.date == date and a.subject == HJ
        assert nth in a.reason


OTHER_YEAR_DAYS = st.dates(_dt.date(2024, 1, 1), _dt.date(2027, 12, 31)).filter(lambda d: d.year != 2026)


@settings(deadline=None)
@given(
    year_lapses("b"),
    st.lists(st.tuples(LAPSE_IDS, OTHER_YEAR_DAYS.map(_dt.date.isoformat)), max_size=6),
    st.lists(
        st.tuples(
            LAPSE_IDS,
            st.dates(_dt.date(2025, 1, 1), _dt.date(2027, 12, 31)).map(_dt.date.isoformat),
            st.sampled_from([RQ, "泊头"]),
        ),
        max_size=6,
    ),
)
def test_other_years_and_other_counties_never_change_a_countys_steps(
    base: list[tuple[str, str, str]], other_years: list[tuple[str, str]], other_counties: list[tuple[str, str, str]]
) -> None:
    recs = [lapse(i, HJ, d, k) for i, d, k in base]
    noise = [lapse(f"y{n}-{i}", HJ, d) for n, (i, d) in enumerate(other_years)]
    noise += [lapse(f"c{n}-{i}", c, d) for n, (i, d, c) in enumerate(other_counties)]

    def mine(acts: tuple[sr.Action, ...]) -> list[sr.Action]:
        return [a for a in acts if a.subject == HJ and a.date.startswith("2026-")]

    alone = mine(actions(recs))
    assert len(alone) == len(base)
    assert mine(actions(noise + recs)) == alone
    assert mine(actions(recs + noise)) == alone


@st.composite
def worlds(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A valid mixed input: registry, county and city inspections, findings (linked or by date),
    reports and lapses, across 2025Q4–2026Q4."""
    days = st.dates(_dt.date(2025, 10, 1), _dt.date(2026, 12, 31)).map(_dt.date.isoformat)
    places = {"HJ-01": HJ, "HJ-02": HJ, "RQ-01": RQ, "RQ-02": RQ}
    recs: list[dict[str, Any]] = [outlet(o, c) for o, c in places.items() if draw(st.booleans())]
    n = 0
    for _ in range(draw(st.integers(0, 8))):
        n += 1
        iid = f"I{n}"
        o, d, by = draw(st.sampled_from(sorted(places))), draw(days), draw(st.sampled_from(["county", "city"]))
        recs.append(inspection(iid, o, d, by))
        for _ in range(draw(st.integers(0, 2))):
            n += 1
            art = draw(st.sampled_from([18, 25, 27]))
            # linked to its inspection by id, or left to be matched by outlet and date
            link = iid if draw(st.booleans()) else None
            recs.append(finding(f"F{n}", o, d, art, points=None if art == 25 else 1, inspection=link))
    for _ in range(draw(st.integers(0, 4))):
        n += 1
        q = draw(st.sampled_from(["2025Q4", "2026Q1", "2026Q2", "2026Q3"]))
        recs.append(report(f"R{n}", draw(st.sampled_from([HJ, RQ])), q, draw(days)))
    for _ in range(draw(st.integers(0, 5))):
        n += 1
        recs.append(
            lapse(
                f"L{n}", draw(st.sampled_from([HJ, RQ])), draw(days), draw(st.sampled_from(["unfound", "unrectified"]))
            )
        )
    return recs


@settings(deadline=None)
@given(st.data(), worlds(), st.sampled_from(["2026-04-11", "2026-10-10", "2026-11-27", "2027-02-01"]))
def test_any_permutation_of_the_lines_gives_identical_actions(
    data: st.DataObject, recs: list[dict[str, Any]], as_of: str
) -> None:
    shuffled = data.draw(st.permutations(recs))
    assert actions(shuffled, as_of=as_of) == actions(recs, as_of=as_of)


# =============================================================================================
# Article 44: candidates
# =============================================================================================
def candidate_world() -> list[dict[str, Any]]:
    # as-of 2026-11-27; inspections only in Q2 and Q3 of 2026 → judged quarters 2026Q2, 2026Q3.
    # All outlets in 河间; each scorecard starts at 100.
    recs: list[dict[str, Any]] = []
    for o in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"]:
        recs.append(outlet(o, HJ))
        recs.append(inspection(f"{o}-q2", o, "2026-05-12"))
        if o != "E":  # E: not inspected by its county in Q3 → excluded
            recs.append(inspection(f"{o}-q3", o, "2026-08-12"))
    recs += [
        # A: 100, 100 → mean 100, 0 deductions
        # B: Q2 article 18 graded 2 → 98; Q3 100 → mean 99, 1 deduction
        finding("B1", "B", "2026-05-12", 18, points=2),
        # C: Q2 article 18 graded 1 and article 27 graded 1 → 98; Q3 100 → mean 99, 2 deductions
        finding("C1", "C", "2026-05-12", 18, points=1),
        finding("C2", "C", "2026-05-12", 27, points=1),
        # D: like B (mean 99, 1 deduction): tie with B on both → by outlet id, B before D
        finding("D1", "D", "2026-08-12", 27, points=2),
        # E: a perfect record, but no Q3 inspection (无评分不等于满分)
        # F: a verified complaint in 2026 → excluded
        complaint("F1", "F", "2026-07-01"),
        # G: a verified complaint that made the customer move the account → excluded
        complaint("G1", "G", "2026-06-01", transferred=True),
        # H: an employee drunk on duty in 2026 → excluded
        finding("H1", "H", "2026-08-12", 41, tag="drunk_on_duty"),
        # I: drunk on duty in 2025 only: another year, not excluded; 2026: 100, 100 → ties A, after A by id
        finding("I1", "I", "2025-06-01", 41, tag="drunk_on_duty"),
        # J: Q2 article 25 (fixed 3) → 97; Q3 article 18 graded 2 → 98 → mean 97.5, 2 deductions
        finding("J1", "J", "2026-05-12", 25),
        finding("J2", "J", "2026-08-12", 18, points=2),
        # a finding in Q4 (not judged at 2026-11-27) does not count against A
        finding("A9", "A", "2026-11-01", 18, points=3),
    ]
    return recs


EXPECTED_RANKING = [
    # (rank, outlet, mean, deductions, quarter totals)
    (1, "A", 100.0, 0, (("2026Q2", 100), ("2026Q3", 100))),
    (2, "I", 100.0, 0, (("2026Q2", 100), ("2026Q3", 100))),
    (3, "B", 99.0, 1, (("2026Q2", 98), ("2026Q3", 100))),
    (4, "D", 99.0, 1, (("2026Q2", 100), ("2026Q3", 98))),
    (5, "C", 99.0, 2, (("2026Q2", 98), ("2026Q3", 100))),
    (6, "J", 97.5, 2, (("2026Q2", 97), ("2026Q3", 98))),
]


def run_candidates(recs: list[dict[str, Any]], **kw: Any) -> sr.CandidatesResult:
    kw.setdefault("as_of", AS_OF)
    result = sr.candidates(cangzhou(), [sr.Records(recs)], year=2026, **kw)
    assert not result.rejected, result.rejected
    return result


def test_candidates_ranking_and_ties() -> None:
    result = run_candidates(candidate_world())
    assert result.year == 2026
    assert result.judged_quarters == ("2026Q2", "2026Q3")
    got = [
        (c.rank, c.outlet, c.mean_total, c.deductions, tuple((q.period, q.total) for q in c.quarters))
        for c in result.candidates
    ]
    assert got == EXPECTED_RANKING
    assert all(c.county == HJ for c in result.candidates)


def test_candidates_exclusions_with_reasons() -> None:
    result = run_candidates(candidate_world())
    codes = {e.outlet: {r.code for r in e.reasons} for e in result.excluded}
    assert set(codes) == {"E", "F", "G", "H"}
    assert codes["E"] == {"not_inspected"}
    assert codes["F"] == {"verified_complaint"}
    assert "account_transferred" in codes["G"]  # (a transfer complaint is a verified complaint too)
    assert codes["H"] == {"drunk_on_duty"}
    by_outlet = {e.outlet: e for e in result.excluded}
    (e_reason,) = by_outlet["E"].reasons
    assert "2026Q3" in e_reason.reason and "2026Q2" not in e_reason.reason
    assert by_outlet["F"].reasons[0].observations == ("F1",)
    assert "G1" in next(r for r in by_outlet["G"].reasons if r.code == "account_transferred").observations
    assert by_outlet["H"].reasons[0].observations == ("H1",)
    assert all(e.reasons and all(r.reason for r in e.reasons) for e in result.excluded)


def test_candidates_top() -> None:
    result = run_candidates(candidate_world(), top=2)
    assert [(c.rank, c.outlet) for c in result.candidates] == [(1, "A"), (2, "I")]
    assert {e.outlet for e in result.excluded} == {"E", "F", "G", "H"}  # exclusions are still listed
    with pytest.raises(sr.UsageError):
        run_candidates(candidate_world(), top=0)


def test_candidates_notice_says_the_union_decides() -> None:
    result = run_candidates(candidate_world())
    assert "第四十四条" in result.notice
    assert "最终推荐" in result.notice and "市联社" in result.notice


def test_candidates_only_judged_quarters_of_the_year() -> None:
    # At 2026-08-01 only Q2 is judged (Q3 has not ended): E's missing Q3 inspection does not count
    # yet, and Q3 findings are outside the ranking. Exclusions go by the year (F, G, H: all 2026).
    # Q2 totals: A, D, E, I 100 with 0 deductions (by id); B 98 (1); C 98 (2); J 97 (1).
    result = run_candidates(candidate_world(), as_of="2026-08-01")
    assert result.judged_quarters == ("2026Q2",)
    assert {e.outlet for e in result.excluded} == {"F", "G", "H"}
    got = [(c.outlet, c.mean_total, c.deductions) for c in result.candidates]
    assert got == [
        ("A", 100.0, 0),
        ("D", 100.0, 0),
        ("E", 100.0, 0),
        ("I", 100.0, 0),
        ("B", 98.0, 1),
        ("C", 98.0, 2),
        ("J", 97.0, 1),
    ]


def test_what_does_not_exclude() -> None:
    # Only a VERIFIED complaint excludes (第五章: "经核实后扣10分"): a pending one (no `verified`)
    # or one found unfounded (verified false) does not, and neither costs points. A verified
    # complaint of 2025 does not exclude from the 2026 list.
    recs = [outlet("P", HJ), outlet("Q", HJ), outlet("S", HJ)]
    for o in "PQS":
        recs += [inspection(f"{o}-q3", o, "2026-08-01")]
    recs += [
        {"type": "complaint", "id": "P1", "outlet": "P", "date": "2026-08-02", "channel": "written"},
        {"type": "complaint", "id": "Q1", "outlet": "Q", "date": "2026-08-02", "channel": "phone", "verified": False},
        complaint("S1", "S", "2025-12-20"),
    ]
    result = run_candidates(recs)
    assert result.judged_quarters == ("2026Q3",)
    assert result.excluded == ()
    assert [(c.rank, c.outlet, c.mean_total, c.deductions) for c in result.candidates] == [
        (1, "P", 100.0, 0),
        (2, "Q", 100.0, 0),
        (3, "S", 100.0, 0),
    ]


def test_no_judged_quarter_no_candidates_but_the_notice() -> None:
    # The only inspection is in Q3, and at as-of 2026-09-30 Q3 has not ended before the as-of date:
    # nothing is judged, nobody can be ranked (无评分不等于满分), and the notice is still there.
    recs = [outlet("A", HJ), inspection("A-q3", "A", "2026-08-12")]
    result = run_candidates(recs, as_of="2026-09-30")
    assert result.judged_quarters == ()
    assert result.candidates == ()
    assert "第四十四条" in result.notice


@pytest.fixture
def gc_restored() -> Any:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()


def test_candidates_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], gc_restored: None) -> None:
    path = tmp_path / "world.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in candidate_world()), encoding="utf-8")
    code = main(["candidates", "--pack", "cangzhou", "--year", "2026", "--as-of", AS_OF, "--top", "3", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["year"] == 2026 and data["as_of"] == AS_OF
    assert data["judged_quarters"] == ["2026Q2", "2026Q3"]
    assert [(c["rank"], c["outlet"], c["mean_total"], c["deductions"]) for c in data["candidates"]] == [
        (1, "A", 100.0, 0),
        (2, "I", 100.0, 0),
        (3, "B", 99.0, 1),
    ]
    assert {e["outlet"] for e in data["excluded"]} == {"E", "F", "G", "H"}
    assert "第四十四条" in data["notice"]
    assert data["rejected"] == []


# main() is called in-process (by tests, by programs): it must leave the caller's garbage collector
# as it found it (the CLI used to gc.disable() for speed and never re-enable it).
def test_candidates_cli_leaves_the_garbage_collector_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gc_restored: None
) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(outlet("A", HJ), ensure_ascii=False) + "\n", encoding="utf-8")
    gc.enable()
    assert main(["candidates", "--pack", "cangzhou", "--year", "2026", "--as-of", AS_OF, str(path)]) == 0
    capsys.readouterr()
    assert gc.isenabled()


# =============================================================================================
# Pack authoring: the rules are data
# =============================================================================================
def edited_pack(tmp_path: Path) -> sr.CompiledPack:
    """Cangzhou with a two-step ladder, no counting window, and reports due on the 15th."""
    folder = tmp_path / "cz-variant"
    shutil.copytree(sr.load_pack("cangzhou").root, folder)
    path = folder / "oversight.toml"
    text = path.read_text(encoding="utf-8")
    # drop the third step
    start = text.index('[[ladders.steps]]\naction = "disciplinary_action"')
    end = text.index("circulate = true", start) + len("circulate = true\n")
    text = text[:start] + text[end:]
    assert 'action = "disciplinary_action"' not in text
    edits = [('window = "calendar_year"', 'window = "none"'), ("day = { value = 10,", "day = { value = 15,")]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return sr.compile_pack(sr.load_pack(folder))


def test_an_edited_pack_changes_the_actions_without_code(tmp_path: Path) -> None:
    variant = edited_pack(tmp_path)
    lapses = [lapse("L1", HJ, "2025-06-01"), lapse("L2", HJ, "2026-02-01"), lapse("L3", HJ, "2026-03-01")]
    # Built-in: counted per calendar year → 2025: 1st; 2026: 1st, 2nd.
    assert [a.action for a in ladder(actions(lapses))] == [
        "rectification_notice",
        "rectification_notice",
        "written_review",
    ]
    # Variant: one count for all time, two steps, the last repeating → 1st, 2nd, 2nd (capped).
    got = [(a.action, a.circulate) for a in ladder(actions(lapses, pack=variant))]
    assert got == [("rectification_notice", False), ("written_review", True), ("written_review", True)]

    # Reports due on the 15th of the first month of the next quarter.
    on_15th = [report("R", HJ, "2026Q3", "2026-10-15")]
    assert [a.action for a in actions(on_15th)] == ["late_report"]
    assert actions(on_15th, pack=variant) == ()
    on_16th = [report("R", HJ, "2026Q3", "2026-10-16")]
    assert brief(actions(on_16th, pack=variant)) == {(HJ, "late_report", "2026Q3", "2026-10-16")}
    q4 = [report("R", HJ, "2026Q4", "2027-01-15")]
    assert actions(q4, as_of="2027-03-01", pack=variant) == ()

    registry = [outlet("HJ-01", HJ), inspection("K1", "HJ-01", "2026-08-01")]
    assert actions(registry, as_of="2026-10-15", pack=variant) == ()
    assert brief(actions(registry, as_of="2026-10-16", pack=variant)) == {
        (HJ, "missing_report", "2026Q3", "2026-10-15")
    }
    assert brief(actions(registry, as_of="2026-10-16")) == {(HJ, "missing_report", "2026Q3", "2026-10-10")}
