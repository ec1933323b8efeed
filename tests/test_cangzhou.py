"""Cangzhou scoring, example by example, each expected number worked out by hand from the rule text.

The source (第一篇 沧州市农村信用社优质文明服务规范管理细则) and what it says about points:

* 三 (title and allotment lost; 15 assumed) 第十一–十四条, after 第十四条:
  "发现以上内容缺损、未达标者,每项扣1-3分,下不保底(下同)。"
* 四、服务设施规范(15分) 第十五–十九条: no clause of its own — "下同" above: 1–3 per item.
* 五 (title and allotment lost; 20 assumed) 第二十四–二十六条, after 第二十六条:
  "对未达上述要求的,每项扣3分,发现一人(次)语气生硬、使用服务禁语扣5分。因服务态度差被客户
  以电话或书面形式投诉的,经核实后扣10分,造成客户转户的扣20分。"
* 六、服务质量规范(20分) 第二十七–三十条: "下同": 1–3 per item.
* 七 (every article lost; 15 assumed): nothing can be assessed.
* 八、劳动纪律规范(15分) 第三十九–四十三条, after 第四十三条:
  "违反上述规定,每人(次)扣5分,其中酒后上岗扣10分。"
* "下不保底": no floor, a section score may go below zero; the total is the sum of the six
  section scores (15 + 15 + 20 + 20 + 15 + 15 = 100 before any deduction).

Every expected number below is written with its arithmetic; none was taken from a run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import service_rules as sr

PACK = sr.compile_pack(sr.load_pack("cangzhou"))

# section number → allotment (三 15 assumed, 四 15, 五 20 assumed, 六 20, 七 15 assumed, 八 15)
ALLOT = {3: 15, 4: 15, 5: 20, 6: 20, 7: 15, 8: 15}
FULL = sum(ALLOT.values())  # 15 + 15 + 20 + 20 + 15 + 15 = 100

# articles with text, by section, as the source prints them (11 and 24 survive only in part)
SECTION_3 = (11, 12, 13, 14)
SECTION_4 = (15, 16, 17, 18, 19)
SECTION_5 = (24, 25, 26)
SECTION_6 = (27, 28, 29, 30)
SECTION_8 = (39, 40, 41, 42, 43)


def score(tmp_path: Path, records: list[dict[str, Any]], period: str | None = None) -> dict[str, Any]:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    result = sr.score(PACK, [path], period=period, as_of="2026-11-27").to_dict()
    assert result["rejected"] == [], result["rejected"]
    return result


def only_card(result: dict[str, Any]) -> dict[str, Any]:
    (card,) = result["scorecards"]
    return card


def scores(card: dict[str, Any]) -> dict[int, int]:
    return {s["number"]: s["score"] for s in card["sections"]}


def finding(id: str, article: int, date: str = "2026-07-14", outlet: str = "O1", **kw: Any) -> dict[str, Any]:
    return {"type": "finding", "id": id, "outlet": outlet, "date": date, "article": article, **kw}


def complaint(id: str, date: str = "2026-08-11", outlet: str = "O1", **kw: Any) -> dict[str, Any]:
    return {"type": "complaint", "id": id, "outlet": outlet, "date": date, "channel": "phone", **kw}


def expect(card: dict[str, Any], **deducted: int) -> None:
    """Check every section: ``s5=13`` means section 五 lost 13 points, the others nothing."""
    lost = {int(k[1:]): v for k, v in deducted.items()}
    for s in card["sections"]:
        n = s["number"]
        assert s["deducted"] == lost.get(n, 0), (n, s)
        assert s["score"] == ALLOT[n] - lost.get(n, 0), (n, s)
    assert card["total"] == FULL - sum(lost.values())
    assert card["total"] == sum(s["score"] for s in card["sections"])


# ---- the sections themselves ----------------------------------------------------------------


def test_sections_allotments_and_flags(tmp_path: Path) -> None:
    card = only_card(score(tmp_path, [{"type": "outlet", "outlet": "O1", "county": "河间"}], period="2026Q3"))
    assert [(s["number"], s["allotment"], s["assumed"], s["assessable"]) for s in card["sections"]] == [
        (3, 15, True, True),  # 三: allotment lost from the source, 15 assumed
        (4, 15, False, True),  # 四、服务设施规范(15分)
        (5, 20, True, True),  # 五: allotment lost, 20 assumed
        (6, 20, False, True),  # 六、服务质量规范(20分)
        (7, 15, True, False),  # 七: every article lost: 15 assumed, nothing assessable
        (8, 15, False, True),  # 八、劳动纪律规范(15分)
    ]
    assert [s["title"] for s in card["sections"]] == [None, "服务设施规范", None, "服务质量规范", None, "劳动纪律规范"]
    assert card["total"] is None and not card["scored"]  # registered, nothing recorded: no score, not 100
    assert all(s["floor"] is None and s["beyond_floor"] == 0 for s in card["sections"])  # 下不保底


def test_no_article_belongs_to_section_7() -> None:
    assert not [a for a in PACK.articles.values() if a.section == 7]


# ---- 三、四、六: 1–3 points per item, graded by the inspector --------------------------------


@pytest.mark.parametrize("points", [1, 2, 3])
@pytest.mark.parametrize(
    ("article", "section", "rule", "provenance"),
    [
        *[(a, 3, "cz-3-item", "literal") for a in SECTION_3],  # 第十四条后 "每项扣1-3分"
        *[(a, 4, "cz-4-item", "interpreted") for a in SECTION_4],  # "(下同)"
        *[(a, 6, "cz-6-item", "interpreted") for a in SECTION_6],  # "(下同)"
    ],
)
def test_graded_item(tmp_path: Path, article: int, section: int, rule: str, provenance: str, points: int) -> None:
    card = only_card(score(tmp_path, [finding("F1", article, points=points)]))
    # one item graded p: the section loses exactly p (e.g. 三 15 − 2 = 13), the total 100 − p
    expect(card, **{f"s{section}": points})
    (d,) = card["deductions"]
    assert (d["rule"], d["article"], d["section"], d["points"], d["raw_points"], d["provenance"]) == (
        rule, article, section, points, points, provenance,
    )  # fmt: skip
    assert f"第{article}条" in d["reason"]


def test_graded_items_add_up_within_a_section(tmp_path: Path) -> None:
    card = only_card(
        score(
            tmp_path,
            [
                finding("F1", 12, points=3),
                finding("F2", 13, points=2),
                finding("F3", 14, points=1),
                finding("F4", 27, points=3),
            ],
        )
    )
    # 三: 3 + 2 + 1 = 6 → 15 − 6 = 9;  六: 3 → 20 − 3 = 17;  total 9 + 15 + 20 + 17 + 15 + 15 = 91
    expect(card, s3=6, s6=3)
    assert card["total"] == 91


def test_graded_section_goes_negative(tmp_path: Path) -> None:
    records = [finding(f"F{i}", 18, points=3) for i in range(6)]
    card = only_card(score(tmp_path, records))
    # 四: six items × 3 = 18 → 15 − 18 = −3 (下不保底); total 15 − 3 + 20 + 20 + 15 + 15 = 82
    expect(card, s4=18)
    assert scores(card)[4] == -3
    assert card["total"] == 82


# ---- 五: 3 per item; article 26 tone/phrases 5 per person-time instead ----------------------


@pytest.mark.parametrize("article", SECTION_5)
def test_section_5_item_is_3_points(tmp_path: Path, article: int) -> None:
    card = only_card(score(tmp_path, [finding("F1", article)]))
    # "每项扣3分": 五 20 − 3 = 17, total 97
    expect(card, s5=3)
    (d,) = card["deductions"]
    assert (d["rule"], d["points"], d["persons"]) == ("cz-5-item", 3, None)


def test_section_5_items_add_up(tmp_path: Path) -> None:
    card = only_card(score(tmp_path, [finding("F1", 24), finding("F2", 25), finding("F3", 26)]))
    # three items × 3 = 9: 五 20 − 9 = 11, total 91
    expect(card, s5=9)
    assert card["total"] == 91


@pytest.mark.parametrize("tag", ["harsh_tone", "forbidden_phrase"])
@pytest.mark.parametrize(
    ("extra", "persons", "points"),
    [
        ({}, 1, 5),  # "一人(次)…扣5分": no count given = one person-time: 1 × 5 = 5
        ({"persons": 1}, 1, 5),  # 1 × 5 = 5
        ({"persons": 3}, 3, 15),  # 3 × 5 = 15
        ({"employees": ["E1"]}, 1, 5),  # one employee named: 1 × 5 = 5
        ({"employees": ["E1", "E2"]}, 2, 10),  # two named: 2 × 5 = 10
        ({"persons": 2, "employees": ["E1", "E2"]}, 2, 10),  # agreeing: 2 × 5 = 10
    ],
)
def test_article_26_tone_is_5_per_person_time(
    tmp_path: Path, tag: str, extra: dict[str, Any], persons: int, points: int
) -> None:
    card = only_card(score(tmp_path, [finding("F1", 26, tag=tag, **extra)]))
    expect(card, s5=points)
    (d,) = card["deductions"]  # one deduction: the 5-per-person rule replaces the item's 3
    assert (d["rule"], d["article"], d["tag"], d["persons"], d["points"]) == ("cz-5-tone", 26, tag, persons, points)
    assert d["points"] != points + 3  # never both the 3 of the item and the 5 per person


def test_article_26_tagged_never_also_costs_the_3(tmp_path: Path) -> None:
    card = only_card(score(tmp_path, [finding("F1", 26, tag="harsh_tone")]))
    # 5 only (not 3 + 5 = 8): 五 20 − 5 = 15
    assert [(d["rule"], d["points"]) for d in card["deductions"]] == [("cz-5-tone", 5)]
    assert scores(card)[5] == 15
    assert card["total"] == 95  # 100 − 5


def test_article_26_untagged_is_an_ordinary_item(tmp_path: Path) -> None:
    card = only_card(score(tmp_path, [finding("F1", 26), finding("F2", 26, tag="forbidden_phrase", employees=["E1"])]))
    # F1 untagged: 3;  F2 tagged, one person: 5 (not 3 + 5);  五 20 − 3 − 5 = 12, total 92
    assert [(d["observations"][0], d["rule"], d["points"]) for d in card["deductions"]] == [
        ("F1", "cz-5-item", 3),
        ("F2", "cz-5-tone", 5),
    ]
    expect(card, s5=8)


# ---- 五: complaints -------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["phone", "written"])
def test_verified_complaint_is_10(tmp_path: Path, channel: str) -> None:
    card = only_card(
        score(tmp_path, [complaint("C1", channel=channel, verified=True, verified_on="2026-08-15", employee="E7")])
    )
    # "以电话或书面形式投诉的,经核实后扣10分": 五 20 − 10 = 10, total 90
    expect(card, s5=10)
    (d,) = card["deductions"]
    assert (d["rule"], d["article"], d["section"], d["points"], d["employees"]) == (
        "cz-5-complaint",
        None,
        5,
        10,
        ["E7"],
    )
    assert (card["pending"], card["dismissed"]) == ([], [])


def test_account_transferred_is_20_instead_of_10(tmp_path: Path) -> None:
    card = only_card(score(tmp_path, [complaint("C1", verified=True, account_transferred=True)]))
    # "造成客户转户的扣20分": 20, not 10 + 20 = 30: 五 20 − 20 = 0, total 80
    assert [(d["rule"], d["points"]) for d in card["deductions"]] == [("cz-5-complaint-transfer", 20)]
    expect(card, s5=20)
    assert scores(card)[5] == 0
    assert card["total"] == 80


def test_account_transferred_false_is_10(tmp_path: Path) -> None:
    card = only_card(score(tmp_path, [complaint("C1", verified=True, account_transferred=False)]))
    expect(card, s5=10)  # 20 − 10 = 10


@pytest.mark.parametrize("transferred", [None, True, False])
def test_unverified_complaint_is_pending(tmp_path: Path, transferred: bool | None) -> None:
    extra = {} if transferred is None else {"account_transferred": transferred}
    card = only_card(score(tmp_path, [complaint("C1", **extra)]))
    # "经核实后扣10分": not yet verified → nothing deducted, listed as pending
    expect(card)
    assert (card["pending"], card["dismissed"], card["deductions"]) == (["C1"], [], [])


@pytest.mark.parametrize("transferred", [None, True])
def test_complaint_found_false_is_dismissed(tmp_path: Path, transferred: bool | None) -> None:
    extra = {} if transferred is None else {"account_transferred": transferred}
    card = only_card(score(tmp_path, [complaint("C1", verified=False, verified_on="2026-08-20", **extra)]))
    # verified false: the complaint did not hold; nothing deducted, listed as dismissed
    expect(card)
    assert (card["pending"], card["dismissed"], card["deductions"]) == ([], ["C1"], [])


def test_complaints_add_up_and_push_section_5_below_zero(tmp_path: Path) -> None:
    records = [
        complaint("C1", verified=True),  # 10
        complaint("C2", verified=True, account_transferred=True),  # 20
        complaint("C3", verified=True, account_transferred=True),  # 20
        complaint("C4"),  # pending: 0
        complaint("C5", verified=False),  # dismissed: 0
        finding("F1", 25),  # 3
    ]
    card = only_card(score(tmp_path, records))
    # 五: 10 + 20 + 20 + 3 = 53 → 20 − 53 = −33; total 15 + 15 − 33 + 20 + 15 + 15 = 47
    expect(card, s5=53)
    assert scores(card)[5] == -33
    assert card["total"] == 47
    assert (card["pending"], card["dismissed"]) == (["C4"], ["C5"])


# ---- 八: 5 per person-time; drunk on duty 10 per person-time instead ------------------------


@pytest.mark.parametrize("article", SECTION_8)
@pytest.mark.parametrize(
    ("extra", "persons", "points"),
    [
        ({}, 1, 5),  # "每人(次)扣5分": 1 × 5 = 5
        ({"persons": 2}, 2, 10),  # 2 × 5 = 10
        ({"employees": ["E1", "E2", "E3"]}, 3, 15),  # 3 × 5 = 15
    ],
)
def test_section_8_is_5_per_person_time(
    tmp_path: Path, article: int, extra: dict[str, Any], persons: int, points: int
) -> None:
    card = only_card(score(tmp_path, [finding("F1", article, **extra)]))
    expect(card, s8=points)
    (d,) = card["deductions"]
    assert (d["rule"], d["persons"], d["points"]) == ("cz-8-person", persons, points)


@pytest.mark.parametrize(
    ("extra", "persons", "points"),
    [
        ({}, 1, 10),  # "其中酒后上岗扣10分": 1 × 10 = 10
        ({"employees": ["E3"]}, 1, 10),  # 1 × 10 = 10
        ({"persons": 2}, 2, 20),  # 2 × 10 = 20
        ({"employees": ["E1", "E2"]}, 2, 20),  # 2 × 10 = 20
    ],
)
def test_drunk_on_duty_is_10_per_person_time_instead_of_5(
    tmp_path: Path, extra: dict[str, Any], persons: int, points: int
) -> None:
    card = only_card(score(tmp_path, [finding("F1", 41, tag="drunk_on_duty", **extra)]))
    expect(card, s8=points)
    (d,) = card["deductions"]  # one deduction: never 5 + 10 per person
    assert (d["rule"], d["tag"], d["persons"], d["points"]) == ("cz-8-drunk", "drunk_on_duty", persons, points)


def test_article_41_untagged_is_5_per_person(tmp_path: Path) -> None:
    card = only_card(score(tmp_path, [finding("F1", 41, employees=["E1", "E2"])]))
    # 串岗聊天 etc.: 2 × 5 = 10 → 八 15 − 10 = 5, total 90
    expect(card, s8=10)
    assert [(d["rule"], d["points"]) for d in card["deductions"]] == [("cz-8-person", 10)]


def test_section_8_negative_and_total_negative(tmp_path: Path) -> None:
    records = [
        finding("F1", 41, tag="drunk_on_duty", persons=12),  # 12 × 10 = 120
        finding("F2", 40, persons=1),  # 1 × 5 = 5
    ]
    card = only_card(score(tmp_path, records))
    # 八: 120 + 5 = 125 → 15 − 125 = −110; total 15 + 15 + 20 + 20 + 15 − 110 = −25
    expect(card, s8=125)
    assert scores(card)[8] == -110
    assert card["total"] == -25
    assert all(s["beyond_floor"] == 0 for s in card["sections"])  # no floor absorbed anything


# ---- quarters and several inspections --------------------------------------------------------


def test_several_inspections_in_a_quarter_add_up(tmp_path: Path) -> None:
    records = [
        {"type": "inspection", "id": "I1", "outlet": "O1", "date": "2026-07-14", "by": "county"},
        finding("F1", 12, date="2026-07-14", points=2, inspection="I1"),
        finding("F2", 40, date="2026-07-14", inspection="I1"),
        {"type": "inspection", "id": "I2", "outlet": "O1", "date": "2026-09-10", "by": "city"},
        finding("F3", 12, date="2026-09-10", points=3, inspection="I2"),
        finding("F4", 41, date="2026-09-10", tag="drunk_on_duty", inspection="I2"),
    ]
    card = only_card(score(tmp_path, records))
    # 三: 2 + 3 = 5 → 10;  八: 5 + 10 = 15 → 0;  total 10 + 15 + 20 + 20 + 15 + 0 = 80
    expect(card, s3=5, s8=15)
    assert card["total"] == 80


def test_each_quarter_is_scored_on_its_own(tmp_path: Path) -> None:
    records = [
        finding("F1", 12, date="2026-09-30", points=3),  # Q3: 三 −3
        finding("F2", 12, date="2026-10-01", points=1),  # Q4: 三 −1
        complaint("C1", date="2026-09-28", verified=True, verified_on="2026-10-08"),  # Q3 by its date: 五 −10
    ]
    result = score(tmp_path, records)
    q3, q4 = result["scorecards"]
    assert (q3["period"], q4["period"]) == ("2026Q3", "2026Q4")
    expect(q3, s3=3, s5=10)  # 100 − 3 − 10 = 87
    expect(q4, s3=1)  # 100 − 1 = 99
    assert (q3["total"], q4["total"]) == (87, 99)


def test_period_scores_one_quarter(tmp_path: Path) -> None:
    records = [finding("F1", 12, date="2026-09-30", points=3), finding("F2", 12, date="2026-10-01", points=1)]
    card = only_card(score(tmp_path, records, period="2026Q4"))
    assert card["period"] == "2026Q4"
    assert card["total"] == 99  # 100 − 1: the Q3 finding is not in this card


# ---- one outlet, every kind of decision at once ----------------------------------------------


def test_one_outlet_every_decision(tmp_path: Path) -> None:
    records = [
        {"type": "outlet", "outlet": "O1", "county": "任丘"},
        finding("a", 13, points=2),  # 三: 2
        finding("b", 17, points=1),  # 四: 1
        finding("c", 19, points=3),  # 四: 3
        finding("d", 24),  # 五: 3
        finding("e", 26, tag="harsh_tone", employees=["E1", "E2"]),  # 五: 2 × 5 = 10
        complaint("f", verified=True),  # 五: 10
        complaint("g", verified=True, account_transferred=True),  # 五: 20
        complaint("h"),  # pending
        complaint("i", verified=False),  # dismissed
        finding("j", 29, points=2),  # 六: 2
        finding("k", 39),  # 八: 5
        finding("l", 41, tag="drunk_on_duty"),  # 八: 10
    ]
    card = only_card(score(tmp_path, records))
    # 三 15 − 2 = 13
    # 四 15 − (1 + 3) = 11
    # 五 20 − (3 + 10 + 10 + 20) = 20 − 43 = −23
    # 六 20 − 2 = 18
    # 七 15
    # 八 15 − (5 + 10) = 0
    # total 13 + 11 − 23 + 18 + 15 + 0 = 34
    assert scores(card) == {3: 13, 4: 11, 5: -23, 6: 18, 7: 15, 8: 0}
    assert card["total"] == 34
    assert (card["county"], card["pending"], card["dismissed"]) == ("任丘", ["h"], ["i"])
    assert [(d["observations"][0], d["points"]) for d in card["deductions"]] == [
        ("a", 2), ("b", 1), ("c", 3), ("d", 3), ("e", 10), ("f", 10), ("g", 20), ("j", 2), ("k", 5), ("l", 10),
    ]  # fmt: skip
