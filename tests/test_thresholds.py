"""Thresholds (a pass mark, a sum above which an outlet goes to HR review) and sanction groups
("按最高标准执行,不重复奖罚"), on a layer over the Cangzhou pack (quarterly; no floor; sections
3–8 of 15+15+20+20+15+15 = 100 points; article 25 costs a fixed 3 points in section 5, whose
allotment is 20; article 18 is graded 1–3 in section 4).

Every expected value is worked out by hand below from the records; none was read off a run.

The layer (oversight.toml):
  pass-mark      quarterly total < 90                → rectify against the outlet (rank 1)
  half-deducted  points deducted in a half-year > 20 → dynamic_management against the outlet (rank 2)
  county-notice  a quarter's section-5 score ≤ 5     → county_notice against the outlet's county
  group "outlet" = pass-mark (1), half-deducted (2)

The records (A and B registered in county C), as of 2026-08-15 (Q1, Q2 and H1 are over; Q3 and H2
are open):
  A 2026Q1: art. 25 ×2 (6) + art. 18 graded 3 (3) → deducted 9, total 91; section 5: 20-6 = 14
  A 2026Q2: art. 25 ×4 → deducted 12, total 88 (< 90); section 5: 8
            H1: 9 + 12 = 21 (> 20)
  B 2026Q2: art. 25 ×5 → deducted 15, total 85 (< 90); section 5: 5 (≤ 5); H1: 15
  A 2026Q3: art. 25 ×7 → deducted 21, total 79; section 5: -1 (no floor); H2 so far: 21
  B 2026Q3: art. 25 ×4 → deducted 12, total 88; H2 so far: 12

Judged (windows ended by 2026-08-15):
  A rectify (2026Q2, 88)   — absorbed by A dynamic_management (same group, subject, period; rank 2 > 1)
  A dynamic_management (H1 21 → period 2026Q2, the quarter H1 ends in; date 2026-06-30)
  B rectify (2026Q2, 85)
  C county_notice (B's section 5 = 5 in 2026Q2), outlets [B]
Provisional (open windows): A rectify 2026Q3 (79), B rectify 2026Q3 (88), C county_notice 2026Q3
  (A's section 5 = -1), A dynamic_management H2 (21 so far; period 2026Q4, date 2026-12-31).
"""

from __future__ import annotations

import datetime as _dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

import service_rules as sr
from service_rules._groups import absorb
from service_rules._model import GroupMember, SanctionGroup, Threshold, ThresholdValue
from service_rules._results import Absorption, Action, Scorecard
from service_rules._thresholds import Measure, threshold_actions

AS_OF = "2026-08-15"

THRESHOLDS = """
action_labels = { rectify = "限期整改", dynamic_management = "纳入动态管理", county_notice = "通报县级联社" }

[[thresholds]]
id = "pass-mark"
quantity = "total"
compare = "lt"
value = { value = 90, provenance = "assumed", note = "测试用及格线" }
action = "rectify"
label = "限期整改,取消当季评优资格"
reason = "{subject}{window_words}总分{quantity}分,低于{value}分,{label}。"

[[thresholds]]
id = "half-deducted"
quantity = "deducted"
window = "half_year"
compare = "gt"
value = { value = 20, provenance = "assumed", note = "测试用" }
action = "dynamic_management"
label = "纳入动态管理"
reason = "{subject}{window_words}累计扣分{quantity}分,超过{value}分,{label}。"

[[thresholds]]
id = "county-notice"
quantity = "score"
section = 5
compare = "lte"
value = { value = 5, provenance = "assumed", note = "测试用" }
against = "county"
action = "county_notice"
label = "通报县级联社"
reason = "{county}所辖{outlet}{window_words}第五章得分{quantity}分,不高于{value}分,{label}。"

[[sanction_groups]]
id = "outlet"
title = "网点处理"
members = [ { rule = "pass-mark", rank = 1 }, { rule = "half-deducted", rank = 2 } ]
"""


def layer(tmp_path: Path, oversight: str = THRESHOLDS, rules: str | None = None) -> Path:
    folder = tmp_path / "layer"
    folder.mkdir(exist_ok=True)
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', encoding="utf-8"
    )
    (folder / "oversight.toml").write_text(oversight, encoding="utf-8")
    if rules is not None:
        (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return folder


def findings(outlet: str, date: str, n: int, article: int = 25, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "type": "finding",
            "id": f"{outlet}-{date}-{article}-{i}",
            "outlet": outlet,
            "date": date,
            "article": article,
            **extra,
        }
        for i in range(n)
    ]


RECORDS: list[dict[str, Any]] = [
    {"type": "outlet", "outlet": "A", "county": "C"},
    {"type": "outlet", "outlet": "B", "county": "C"},
    *findings("A", "2026-02-10", 2),
    *findings("A", "2026-02-11", 1, article=18, points=3),
    *findings("A", "2026-05-10", 4),
    *findings("B", "2026-05-10", 5),
    *findings("A", "2026-07-10", 7),
    *findings("B", "2026-07-10", 4),
]


@pytest.fixture
def compiled(tmp_path: Path) -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack(layer(tmp_path)))


def brief(actions: tuple[Action, ...]) -> list[tuple[str, str, str, str, str]]:
    return [(a.subject, a.action, a.period, a.date, a.rule or "") for a in actions]


def test_thresholds_and_a_group_as_computed_by_hand(compiled: sr.CompiledPack) -> None:
    result = sr.score(compiled, [sr.Records(RECORDS)], as_of=AS_OF)
    totals = {(c.outlet, c.period): c.total for c in result.scorecards}
    assert totals == {
        ("A", "2026Q1"): 91, ("B", "2026Q1"): None,
        ("A", "2026Q2"): 88, ("B", "2026Q2"): 85,
        ("A", "2026Q3"): 79, ("B", "2026Q3"): 88,
    }  # fmt: skip
    assert brief(result.actions) == [
        ("A", "dynamic_management", "2026Q2", "2026-06-30", "half-deducted"),
        ("B", "rectify", "2026Q2", "2026-06-30", "pass-mark"),
        ("C", "county_notice", "2026Q2", "2026-06-30", "county-notice"),
    ]
    assert brief(result.absorbed) == [("A", "rectify", "2026Q2", "2026-06-30", "pass-mark")]
    assert result.absorbed[0].absorbed_by == Absorption(
        group="outlet", rule="half-deducted", action="dynamic_management"
    )
    assert all(a.absorbed_by is None for a in result.actions)
    assert brief(result.provisional) == [
        ("A", "rectify", "2026Q3", "2026-09-30", "pass-mark"),
        ("B", "rectify", "2026Q3", "2026-09-30", "pass-mark"),
        ("C", "county_notice", "2026Q3", "2026-09-30", "county-notice"),
        ("A", "dynamic_management", "2026Q4", "2026-12-31", "half-deducted"),
    ]
    a_h1, b_q2, c_q2 = result.actions
    assert a_h1.reason == "A2026年上半年累计扣分21分,超过20分,纳入动态管理。"
    assert b_q2.reason == "B2026年第二季度总分85分,低于90分,限期整改,取消当季评优资格。"
    assert c_q2.reason == "C所辖B2026年第二季度第五章得分5分,不高于5分,通报县级联社。"
    assert c_q2.subject_type == "county" and c_q2.outlets == ("B",)
    assert c_q2.observations == tuple(sorted(f"B-2026-05-10-25-{i}" for i in range(5)))
    assert len(a_h1.observations) == 2 + 1 + 4  # A's H1 findings: 2 + 1 in Q1, 4 in Q2
    assert result.provisional[2].outlets == ("A",)
    assert result.provisional[3].reason == "A2026年下半年累计扣分21分,超过20分,纳入动态管理。"


def test_a_period_filters_judged_actions_by_period_and_provisional_ones_by_window(compiled: sr.CompiledPack) -> None:
    q2 = sr.score(compiled, [sr.Records(RECORDS)], as_of=AS_OF, period="2026Q2")
    assert [a.subject for a in q2.actions] == ["A", "B", "C"] and len(q2.absorbed) == 1
    assert q2.provisional == ()  # neither Q3 nor H2 holds 2026Q2
    q3 = sr.score(compiled, [sr.Records(RECORDS)], as_of=AS_OF, period="2026Q3")
    assert q3.actions == () and q3.absorbed == ()
    assert len(q3.provisional) == 4  # Q3's three, and H2 (which holds Q3)


def test_a_window_is_judged_on_its_last_day(compiled: sr.CompiledPack) -> None:
    on = sr.score(compiled, [sr.Records(RECORDS)], as_of="2026-09-30")
    assert ("A", "rectify", "2026Q3", "2026-09-30", "pass-mark") in brief(on.actions)
    before = sr.score(compiled, [sr.Records(RECORDS)], as_of="2026-09-29")
    assert ("A", "rectify", "2026Q3", "2026-09-30", "pass-mark") in brief(before.provisional)


def test_the_stream_writes_the_same_bytes(compiled: sr.CompiledPack, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    out = io.BytesIO()
    sr.score_to_stream(compiled, [str(path)], out, as_of=AS_OF)
    assert out.getvalue() == sr.score(compiled, [str(path)], as_of=AS_OF).to_json() + b"\n"
    data = json.loads(out.getvalue())
    assert data["absorbed"][0]["absorbed_by"] == {
        "group": "outlet",
        "rule": "half-deducted",
        "action": "dynamic_management",
    }
    assert len(data["provisional"]) == 4


def test_the_cangzhou_pack_has_no_threshold_and_absorbs_nothing() -> None:
    result = sr.score(
        "cangzhou", [str(Path(__file__).parents[1] / "examples" / "cangzhou-2026q3.jsonl")], as_of="2026-11-27"
    )
    assert result.absorbed == () and result.provisional == ()
    assert all(a.absorbed_by is None for a in result.actions)


# ---- the pure functions -----------------------------------------------------------------------
def _threshold(**kw: Any) -> Threshold:
    base: dict[str, Any] = {
        "id": "t",
        "quantity": "deducted",
        "compare": "gte",
        "value": ThresholdValue(10, "literal"),
        "action": "x",
        "label": "l",
        "reason": "{subject}{quantity}",
    }
    return Threshold(**{**base, **kw})


def _m(
    subject: str, period: str, value: int | Decimal, county: str | None = "C", quantity: str = "deducted"
) -> Measure:
    return Measure("outlet", subject, county, period, quantity, None, value, (f"{subject}{period}",))


def test_a_county_threshold_adds_up_its_outlets_and_skips_unregistered_ones() -> None:
    measures = [_m("A", "2026Q1", 4), _m("B", "2026Q1", 6), _m("X", "2026Q1", 50, county=None)]
    found = threshold_actions(
        [_threshold(subject_type="county")], measures, granularity="quarter", as_of=_dt.date(2027, 1, 1)
    )
    [action] = found.judged
    assert (action.subject, action.subject_type, action.reason, action.outlets) == ("C", "county", "C10", ("A", "B"))
    assert action.observations == ("A2026Q1", "B2026Q1")


def test_comparisons_are_strict_or_not_as_declared() -> None:
    measures = [_m("A", "2026Q1", 10)]
    day = _dt.date(2027, 1, 1)
    for compare, fires in (("lt", False), ("lte", True), ("gt", False), ("gte", True)):
        found = threshold_actions([_threshold(compare=compare)], measures, granularity="quarter", as_of=day)
        assert bool(found.judged) is fires, compare


def test_money_measures_add_up_in_decimal_yuan() -> None:
    t = _threshold(quantity="amount", value=ThresholdValue("0.30", "literal"), window="year", compare="gte")
    measures = [
        _m("A", "2026Q1", Decimal("0.10"), quantity="amount"),
        _m("A", "2026Q2", Decimal("0.20"), quantity="amount"),
    ]
    [action] = threshold_actions([t], measures, granularity="quarter", as_of=_dt.date(2027, 1, 1)).judged
    assert action.reason == "A0.30" and action.period == "2026Q4" and action.date == "2026-12-31"


def test_an_outlet_of_no_county_gets_a_warning_not_a_silent_miss() -> None:
    found = threshold_actions(
        [_threshold(against="county")],
        [_m("A", "2026Q1", 10, county=None)],
        granularity="quarter",
        as_of=_dt.date(2027, 1, 1),
    )
    assert found.judged == () and [w.code for w in found.warnings] == ["threshold_no_county"]


def test_an_unscored_card_measures_nothing() -> None:
    card = Scorecard("A", "C", "2026Q1", None, (), (), (), (), scored=False, reason="本期无")
    from service_rules._thresholds import scorecard_measures

    assert list(scorecard_measures([card])) == []


def _act(subject: str, rule: str, action: str, period: str = "2026Q1") -> Action:
    return Action(subject, "outlet", action, None, period, "2026-03-31", (), False, "", rule=rule)


def _mark(a: Action, by: Absorption) -> Action:
    import attrs

    return attrs.evolve(a, absorbed_by=by)


def test_a_group_keeps_the_highest_rank_then_the_first_rule_id_per_subject_and_period() -> None:
    group = SanctionGroup(
        "g",
        [
            GroupMember("b-rule", 2),
            GroupMember("a-rule", 2),
            GroupMember("low", 1),
            GroupMember("lad", 3, action="severe"),
        ],
    )
    items = [
        _act("A", "low", "x"),
        _act("A", "b-rule", "y"),
        _act("A", "a-rule", "z"),
        _act("B", "low", "x"),  # alone for B: kept
        _act("A", "low", "x", period="2026Q2"),  # another period: kept
        _act("A", "lad", "mild"),  # a ladder step the group does not rank: kept
        _act("A", "other", "w"),  # no member: kept
    ]
    kept, absorbed = absorb([group], items, _mark)
    assert [(a.subject, a.rule, a.period) for a in kept] == [
        ("A", "a-rule", "2026Q1"),
        ("B", "low", "2026Q1"),
        ("A", "low", "2026Q2"),
        ("A", "lad", "2026Q1"),
        ("A", "other", "2026Q1"),
    ]
    assert [(a.rule, a.absorbed_by) for a in absorbed] == [
        ("low", Absorption("g", "a-rule", "z")),
        ("b-rule", Absorption("g", "a-rule", "z")),
    ]
    # the order of the input changes nothing but the order of the lists
    kept2, absorbed2 = absorb([group], list(reversed(items)), _mark)
    assert sorted(map(repr, kept2)) == sorted(map(repr, kept))
    assert sorted(map(repr, absorbed2)) == sorted(map(repr, absorbed))


def test_a_ranked_action_of_a_ladder_absorbs_the_others() -> None:
    group = SanctionGroup("g", [GroupMember("lad", 3, action="severe"), GroupMember("lad", 1, action="mild")])
    kept, absorbed = absorb([group], [_act("A", "lad", "mild"), _act("A", "lad", "severe")], _mark)
    assert [a.action for a in kept] == ["severe"] and [a.action for a in absorbed] == ["mild"]


# ---- check ------------------------------------------------------------------------------------
def _problems(tmp_path: Path, oversight: str, rules: str | None = None) -> list[tuple[str, str | None]]:
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(layer(tmp_path, oversight, rules)))
    return [(p.code, p.path) for p in err.value.problems]


def test_check_locates_a_threshold_on_an_unknown_section_and_more(tmp_path: Path) -> None:
    bad = THRESHOLDS.replace("section = 5", "section = 42").replace('window = "half_year"', 'window = "month"')
    bad = bad.replace(
        '{ rule = "pass-mark", rank = 1 }', '{ rule = "pass-mark", rank = 1 }, { rule = "nope", rank = 1 }'
    )
    found = _problems(tmp_path, bad)
    assert ("unknown_section", "$.thresholds[2].section") in found
    assert ("window_finer_than_period", "$.thresholds[1].window") in found
    assert ("unknown_rule", "$.sanction_groups[0].members[1].rule") in found


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (('quantity = "total"', 'quantity = "score"'), "section_missing", "$.thresholds[0].section"),
        (('window = "half_year"\ncompare', 'window = "half_year"\nsubject_type = "employee"\ncompare'), "threshold_unsupported", "$.thresholds[1].subject_type"),
        (("value = { value = 90,", 'value = { value = "90.5",'), "invalid_value", "$.thresholds[0].value.value"),
        (('against = "county"', 'against = "employee"'), "invalid_value", "$.thresholds[2].against"),
        (("{label}。\"\n\n[[thresholds]]\nid = \"half", "{labl}。\"\n\n[[thresholds]]\nid = \"half"), "unknown_placeholder", "$.thresholds[0].reason"),
        (('{ rule = "pass-mark", rank = 1 }', '{ rule = "pass-mark", rank = 1, action = "fly" }'), "unknown_action", "$.sanction_groups[0].members[0].action"),
        (('{ rule = "half-deducted", rank = 2 }', '{ rule = "pass-mark", rank = 2 }'), "duplicate_member", "$.sanction_groups[0].members[1]"),
        (('id = "county-notice"', 'id = "cz-3-escalation"'), "duplicate_rule", "$.thresholds[2].id"),
    ],
)  # fmt: skip
def test_check_locates_each_threshold_and_group_error(
    tmp_path: Path, change: tuple[str, str], code: str, path: str
) -> None:
    old, new = change
    assert old in THRESHOLDS
    assert (code, path) in _problems(tmp_path, THRESHOLDS.replace(old, new, 1))


def test_a_quarterly_total_does_not_add_up_over_a_year(tmp_path: Path) -> None:
    bad = THRESHOLDS.replace('quantity = "total"\n', 'quantity = "total"\nwindow = "year"\n', 1)
    assert ("threshold_not_additive", "$.thresholds[0].window") in _problems(tmp_path, bad)


def test_check_warns_where_a_superseding_rule_deducts_less(tmp_path: Path) -> None:
    rules = """
[[rules]]
id = "cz-5-complaint-transfer"
override = true
deduct = { kind = "fixed", points = 5, provenance = "assumed", note = "测试:比被代替的10分少" }
"""
    compiled = sr.compile_pack(sr.load_pack(layer(tmp_path, THRESHOLDS, rules)))
    [warning] = [w for w in compiled.warnings if w.code == "supersedes_heavier"]
    assert warning.path is not None and warning.path.endswith(".supersedes")
    assert "cz-5-complaint" in warning.message and "5" in warning.message and "10" in warning.message
    plain = sr.compile_pack(sr.load_pack("cangzhou"))
    assert not [w for w in plain.warnings if w.code == "supersedes_heavier"]


# ---- docs and pack tests ------------------------------------------------------------------------
def test_docs_show_thresholds_and_groups_in_chinese(tmp_path: Path) -> None:
    doc = sr.render_pack_docs(sr.load_pack(layer(tmp_path)))
    assert "### 阈值处理" in doc
    assert "- 条件:每季度网点总分低于90分〔假定〕——测试用及格线" in doc
    assert "- 条件:每半年网点扣分超过20分〔假定〕——测试用" in doc
    assert "- 处理:对县级联社通报县级联社(`county_notice`;不通报)" in doc
    assert "### 从高处理(按最高标准执行,不重复奖罚)" in doc
    assert "  - 等级2:`half-deducted`的各项处理" in doc


CASE = """
[[cases]]
name = "半年累计扣分超过20分:纳入动态管理,吸收当季限期整改"
as_of = "2026-08-15"
period = "2026Q2"
records = [
  { type = "outlet", outlet = "A", county = "C" },
  { type = "finding", id = "a1", outlet = "A", date = "2026-02-10", article = 25 },
  { type = "finding", id = "a2", outlet = "A", date = "2026-02-10", article = 25 },
  { type = "finding", id = "a3", outlet = "A", date = "2026-02-11", article = 18, points = 3 },
  { type = "finding", id = "a4", outlet = "A", date = "2026-05-10", article = 25 },
  { type = "finding", id = "a5", outlet = "A", date = "2026-05-11", article = 25 },
  { type = "finding", id = "a6", outlet = "A", date = "2026-05-12", article = 25 },
  { type = "finding", id = "a7", outlet = "A", date = "2026-05-13", article = 25 },
]
[cases.expect]
actions = [ { subject = "A", action = "dynamic_management", period = "2026Q2", date = "2026-06-30" } ]
absorbed = [ { subject = "A", action = "rectify", absorbed_by = { group = "outlet", rule = "half-deducted", action = "dynamic_management" } } ]
provisional = []
"""


def test_pack_cases_expect_absorbed_sanctions_and_coverage_counts_thresholds_and_groups(tmp_path: Path) -> None:
    folder = layer(tmp_path)
    (folder / "tests").mkdir()
    (folder / "tests" / "cases.toml").write_text(CASE, encoding="utf-8")
    report = sr.run_pack_tests(sr.compile_pack(sr.load_pack(folder)))
    assert [c.failures for c in report.cases] == [()]
    assert set(report.rules.covered) == {"pass-mark", "half-deducted", "group:outlet"}
    assert set(report.rules.uncovered) == {"county-notice"}
    wrong = CASE.replace('group = "outlet"', 'group = "outlets"')
    (folder / "tests" / "cases.toml").write_text(wrong, encoding="utf-8")
    [case] = sr.run_pack_tests(sr.compile_pack(sr.load_pack(folder))).cases
    assert any('没有从高处理组 "outlets"' in f for f in case.failures)


def test_the_tutorial_layer_gives_what_the_tutorial_shows(tmp_path: Path) -> None:
    import re

    root = Path(__file__).parents[1]
    text = (root / "docs" / "tutorial.md").read_text(encoding="utf-8")
    section = text[text.index("## Pass marks") :]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    folder = tmp_path / "tianjin"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "tianjin"\ntitle = "t"\nversion = "1"\nextends = "generic"\n', encoding="utf-8"
    )
    (folder / "oversight.toml").write_text(block.group(1), encoding="utf-8")
    example = str(root / "examples" / "generic-2027q1.jsonl")
    result = sr.score(folder, [example], as_of="2027-05-01")
    shown = [(a.subject, a.action, a.reason) for a in result.actions if a.rule and a.rule.startswith("tj-")]
    assert shown == [
        ("TJ-02", "dynamic_management", "TJ-02网点2027年第一季度累计扣分30分,超过10分,纳入动态管理。"),
        ("和平", "county_notice", "和平所辖TJ-02网点2027年第一季度服务态度得分0分,不高于5分,通报县级联社。"),
    ]
    # two complaints are two facts: the ladder's fine (C-01) and suspension (C-02) both stay
    assert [(a.subject, a.action, a.observations) for a in result.actions if a.subject == "E-21"] == [
        ("E-21", "fine", ("C-01",)),
        ("E-21", "suspension_or_transfer", ("C-02",)),
    ]
    [absorbed] = result.absorbed
    assert (absorbed.subject, absorbed.action, absorbed.absorbed_by) == (
        "TJ-02",
        "rectify",
        Absorption("tj-outlet", "tj-deducted", "dynamic_management"),
    )
    for line in (
        "absorbed:  TJ-02  rectify",
        'absorbed_by = { group = "tj-outlet", rule = "tj-deducted", action = "dynamic_management" }',
        "TJ-02网点2027年第一季度累计扣分30分,超过10分,纳入动态管理。",
    ):
        assert line in section
    early = sr.score(folder, [example], as_of="2027-03-15")
    assert [(a.subject, a.action, a.absorbed_by) for a in early.provisional] == [
        ("TJ-02", "dynamic_management", None),
        ("TJ-02", "rectify", Absorption("tj-outlet", "tj-deducted", "dynamic_management")),
        ("和平", "county_notice", None),
    ]


# ---- laws ---------------------------------------------------------------------------------------
import attrs  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_RULES = ["r1", "r2", "r3", "free"]
_members = st.lists(
    st.tuples(st.sampled_from(_RULES[:3]), st.integers(1, 3)), unique_by=lambda m: m[0], min_size=1, max_size=3
)
_items = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),
        st.sampled_from(_RULES),
        st.sampled_from(["x", "y"]),
        st.sampled_from(["2026Q1", "2026Q2"]),
        st.lists(st.sampled_from(["o1", "o2", "o3", "o4"]), max_size=2, unique=True).map(tuple),
    ),
    max_size=12,
)


@given(_members, _items, st.randoms(use_true_random=False))
def test_absorption_laws(
    members: list[tuple[str, int]], raw: list[tuple[str, str, str, str, tuple[str, ...]]], rnd: Any
) -> None:
    """Nothing lost or invented; an item is absorbed only by a kept item of a higher-or-equal
    ranked other member, for the same subject and period, of the same fact; a member never
    absorbs its own items (a one-member group absorbs nothing); a fact's choice depends on the
    fact alone; the same choice whatever the input order."""
    group = SanctionGroup("g", [GroupMember(r, rank) for r, rank in members])
    ranks = dict(members)
    items = [Action(s, "outlet", a, None, p, "2026-03-31", obs, False, "", rule=r) for s, r, a, p, obs in raw]
    kept, absorbed = absorb([group], items, _mark)
    assert len(kept) + len(absorbed) == len(items)
    assert sorted(map(repr, [*kept, *(attrs.evolve(a, absorbed_by=None) for a in absorbed)])) == sorted(
        map(repr, items)
    )
    if len(members) == 1:
        assert absorbed == []
    for a in absorbed:
        by = a.absorbed_by
        assert a.rule in ranks and by is not None and by.rule != a.rule
        assert ranks[by.rule or ""] >= ranks[a.rule or ""]
        assert any((k.rule, k.action, k.subject, k.period) == (by.rule, by.action, a.subject, a.period) for k in kept)
    # per subject, period and observation (one fact; no observation: the whole period), the kept
    # items of the group are of one member
    for subject in ("A", "B"):
        for period in ("2026Q1", "2026Q2"):
            mine = [a for a in items if (a.subject, a.period) == (subject, period) and a.rule in ranks]
            if all(a.observations for a in mine):
                for obs in ("o1", "o2", "o3", "o4"):
                    assert len({a.rule for a in kept if a in mine and obs in a.observations}) <= 1
            elif mine:
                assert len({a.rule for a in kept if a in mine}) == 1
    shuffled = list(items)
    rnd.shuffle(shuffled)
    kept2, absorbed2 = absorb([group], shuffled, _mark)
    assert sorted(map(repr, kept2)) == sorted(map(repr, kept))
    assert sorted(map(repr, absorbed2)) == sorted(map(repr, absorbed))


def test_the_bulletin_and_the_table_list_absorbed_and_provisional_actions(compiled: sr.CompiledPack) -> None:
    from service_rules._documents import render_bulletin
    from service_rules._report import render_table

    result = sr.score(compiled, [sr.Records(RECORDS)], as_of=AS_OF)
    text = render_bulletin(result)
    assert "下列事项已由同一对象同期、同一事实更重的处理吸收,不再执行" in text
    assert "网点A:rectify(已由half-deducted的“dynamic_management”吸收(从高处理组outlet))。" in text
    assert "下列事项所属期间尚未结束" in text
    table = render_table(result)
    assert (
        "从高处理被吸收的事项" in table and "← 已由half-deducted的“dynamic_management”吸收(从高处理组outlet)" in table
    )
    assert "预判事项(期间尚未结束,仅供参考):" in table


# ---- a monthly pack with a quarter's sum (tests/packs/monthly: sections 10 + 10, floor 0; article
# 1 costs 4 in section 1, article 2 costs 6 in section 2; ladder m-repeat per month on article 2:
# 1st reminder, 2nd written_review) ----------------------------------------------------------------
MONTHLY_LAYER = """
[[thresholds]]
id = "m-pass"
quantity = "total"
compare = "lt"
value = { value = 16, provenance = "assumed", note = "测试用月度及格线" }
action = "rectify"
label = "限期整改,取消当月评优资格"
reason = "{subject}{window_words}得分{quantity}分,低于{value}分,{label}。"

[[thresholds]]
id = "m-quarter"
quantity = "deducted"
window = "quarter"
compare = "gt"
value = { value = 20, provenance = "assumed", note = "测试用" }
action = "dynamic_management"
label = "纳入动态管理"
reason = "{subject}{window_words}累计扣分{quantity}分,超过{value}分,{label}。"

[[sanction_groups]]
id = "highest"
members = [
  { rule = "m-pass", rank = 1 },
  { rule = "m-quarter", rank = 2 },
  { rule = "m-repeat", action = "written_review", rank = 3 },
]
"""


def test_a_quarter_sum_in_a_monthly_pack_as_computed_by_hand(tmp_path: Path) -> None:
    """Outlet A:
    2027-01: art. 1 (4) + art. 2 (6) → total 10 < 16: rectify (2027-01-31); ladder: reminder
    2027-02: art. 1 (4)              → total 16, not below 16
    2027-03: art. 2 ×2 (12; section 2 held at the floor 0) → total 10 < 16: rectify; deducted 12
             (points lost, before the floor); ladder: reminder, then written_review
    2027Q1 deducted: 10 + 4 + 12 = 26 > 20 → dynamic_management, period 2027-03 (the month the
             quarter ends in), date 2027-03-31
    Group in 2027-03 for A: written_review (3) absorbs dynamic_management (2) and rectify (1);
    the reminders belong to no group; 2027-01's rectify is alone in its period."""
    import shutil

    root = Path(__file__).parent / "packs" / "monthly"
    shutil.copytree(root, tmp_path / "monthly")
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    (folder / "oversight.toml").write_text(MONTHLY_LAYER, encoding="utf-8")
    records = [
        {"type": "finding", "id": "j1", "outlet": "A", "date": "2027-01-05", "article": 1},
        {"type": "finding", "id": "j2", "outlet": "A", "date": "2027-01-06", "article": 2},
        {"type": "finding", "id": "f1", "outlet": "A", "date": "2027-02-05", "article": 1},
        {"type": "finding", "id": "m1", "outlet": "A", "date": "2027-03-05", "article": 2},
        {"type": "finding", "id": "m2", "outlet": "A", "date": "2027-03-06", "article": 2},
    ]
    result = sr.score(folder, [sr.Records(records)], as_of="2027-04-10")
    assert [(c.period, c.total) for c in result.scorecards] == [("2027-01", 10), ("2027-02", 16), ("2027-03", 10)]
    assert brief(result.actions) == [
        ("A", "reminder", "2027-01", "2027-01-06", "m-repeat"),
        ("A", "rectify", "2027-01", "2027-01-31", "m-pass"),
        ("A", "reminder", "2027-03", "2027-03-05", "m-repeat"),
        ("A", "written_review", "2027-03", "2027-03-06", "m-repeat"),
    ]
    assert brief(result.absorbed) == [
        ("A", "dynamic_management", "2027-03", "2027-03-31", "m-quarter"),
        ("A", "rectify", "2027-03", "2027-03-31", "m-pass"),
    ]
    assert {a.absorbed_by for a in result.absorbed} == {Absorption("highest", "m-repeat", "written_review")}
    assert result.absorbed[0].reason == "A2027年第一季度累计扣分26分,超过20分,纳入动态管理。"
    assert result.provisional == ()
    # On 2027-03-20 March and the quarter are open: their threshold actions are provisional, and
    # nothing provisional is absorbed (groups judge what stands).
    early = sr.score(folder, [sr.Records(records)], as_of="2027-03-20")
    assert brief(early.provisional) == [  # by period, date, subject, then action code
        ("A", "dynamic_management", "2027-03", "2027-03-31", "m-quarter"),
        ("A", "rectify", "2027-03", "2027-03-31", "m-pass"),
    ]
    assert early.absorbed == ()
    # --period 2027-02: no judged action in February; the open quarter holds February
    feb = sr.score(folder, [sr.Records(records)], as_of="2027-03-20", period="2027-02")
    assert feb.actions == () and brief(feb.provisional) == [
        ("A", "dynamic_management", "2027-03", "2027-03-31", "m-quarter")
    ]


# ---- money and employees (examples/monthly: monthly; article 4 costs 3 points in section 2; 10 yuan a
# point; fine "same-error" per employee and article within a year: 50, doubling, cap 1000, from
# the 3rd occurrence on a bad_record action; the ledger splits) ----------------------------------
MONEY_LAYER = """
[[thresholds]]
id = "o-amount"
quantity = "amount"
compare = "gte"
value = { value = "30.00", provenance = "assumed", note = "测试用" }
action = "wage_notice"
label = "通知扣减工资总额"
reason = "{subject}{window_words}扣减工资总额{quantity}元,{label}。"

[[thresholds]]
id = "e-fined"
subject_type = "employee"
quantity = "fined"
window = "quarter"
compare = "gt"
value = { value = 100, provenance = "assumed", note = "测试用" }
action = "hr_review"
label = "提交人力资源部门审查"
reason = "{subject}{window_words}罚款累计{quantity}元,超过{value}元,{label}。"

[[thresholds]]
id = "e-points"
subject_type = "employee"
quantity = "deducted"
window = "quarter"
compare = "gte"
value = { value = 9, provenance = "assumed", note = "测试用" }
action = "talk"
label = "诫勉谈话"
reason = "{subject}{window_words}个人扣分{quantity}分,达到{value}分,{label}。"

[[sanction_groups]]
id = "employee"
members = [ { rule = "same-error", action = "bad_record", rank = 1 }, { rule = "e-fined", rank = 2 } ]
"""


def test_money_and_employee_thresholds_as_computed_by_hand(tmp_path: Path) -> None:
    """E1 at outlet A, one article-4 finding (3 points, 30 yuan) each in January, February and
    March 2027:
      fines of E1 (same article, same year): 50, 100, 200 — the 3rd takes bad_record (2027-03-10)
      A's amount each month 30.00 ≥ 30.00 → wage_notice each month (3)
      E1's fines in 2027Q1: 350.00 > 100.00 → hr_review (period 2027-03, date 2027-03-31)
      E1's points in 2027Q1 (split among one: 3.00 each month): 9.00 ≥ 9 → talk
      group "employee": hr_review (2) absorbs bad_record (1) for E1 in 2027-03; talk is no member."""
    import shutil

    root = Path(__file__).parents[1] / "examples" / "monthly"
    shutil.copytree(root, tmp_path / "monthly", ignore=shutil.ignore_patterns("tests"))
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    (folder / "oversight.toml").write_text(MONEY_LAYER, encoding="utf-8")
    records = [
        {"type": "finding", "id": f"f{m}", "outlet": "A", "date": f"2027-0{m}-10", "article": 4, "employees": ["E1"]}
        for m in (1, 2, 3)
    ]
    result = sr.score(folder, [sr.Records(records)], as_of="2027-04-05")
    assert [f.amount for f in result.fines] == ["50.00", "100.00", "200.00"]
    assert brief(result.actions) == [
        ("A", "wage_notice", "2027-01", "2027-01-31", "o-amount"),
        ("A", "wage_notice", "2027-02", "2027-02-28", "o-amount"),
        ("A", "wage_notice", "2027-03", "2027-03-31", "o-amount"),
        ("E1", "hr_review", "2027-03", "2027-03-31", "e-fined"),
        ("E1", "talk", "2027-03", "2027-03-31", "e-points"),
    ]
    hr, talk = result.actions[3:]
    assert hr.reason == "E12027年第一季度罚款累计350.00元,超过100.00元,提交人力资源部门审查。"
    assert talk.reason == "E12027年第一季度个人扣分9.00分,达到9分,诫勉谈话。"
    assert hr.subject_type == "employee" and hr.observations == ("f1", "f2", "f3")
    assert result.actions[0].reason == "A2027年1月扣减工资总额30.00元,通知扣减工资总额。"
    [absorbed] = result.absorbed
    assert (absorbed.subject, absorbed.action, absorbed.date, absorbed.absorbed_by) == (
        "E1",
        "bad_record",
        "2027-03-10",
        Absorption("employee", "e-fined", "hr_review"),
    )


def test_money_thresholds_need_money_in_the_pack(tmp_path: Path) -> None:
    bad = THRESHOLDS.replace('quantity = "deducted"\nwindow = "half_year"', 'quantity = "fined"\nwindow = "half_year"')
    assert ("threshold_unsupported", "$.thresholds[1].quantity") in _problems(tmp_path, bad)


def test_a_group_of_fines_levies_the_highest_fine_rule_and_keeps_its_escalation(tmp_path: Path) -> None:
    """The same three article-4 findings of E1; a layer adds a flat fine of 80 yuan per article-4
    occurrence ("flat", rank 2) beside "same-error" (50, 100, 200; rank 1), both in one group:
    every month E1's "flat" fine is levied and the "same-error" fine of that month is absorbed by
    it; the cards' fined and the ledger count 80.00 a month."""
    import shutil

    root = Path(__file__).parents[1] / "examples" / "monthly"
    shutil.copytree(root, tmp_path / "monthly", ignore=shutil.ignore_patterns("tests"))
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    (folder / "money.toml").write_text(
        '[[fines]]\nid = "flat"\nsubject = "employee"\nwithout_employee = "none"\nwindow = "year"\n'
        'when = { article = 4 }\nfirst = "80"\nprovenance = "assumed"\nnote = "测试用"\n'
        'reason = "员工{subject}罚款{amount}元。"\n',
        encoding="utf-8",
    )
    (folder / "oversight.toml").write_text(
        '[[sanction_groups]]\nid = "fines"\nmembers = [ { rule = "same-error", rank = 1 }, { rule = "flat", rank = 2 } ]\n',
        encoding="utf-8",
    )
    records = [
        {"type": "finding", "id": f"f{m}", "outlet": "A", "date": f"2027-0{m}-10", "article": 4, "employees": ["E1"]}
        for m in (1, 2, 3)
    ]
    result = sr.score(folder, [sr.Records(records)], as_of="2027-04-05")
    assert [(f.rule, f.occurrence, f.amount) for f in result.fines] == [("flat", n, "80.00") for n in (1, 2, 3)]
    assert [(f.rule, f.amount, f.absorbed_by) for f in result.absorbed_fines] == [
        ("same-error", amount, Absorption("fines", "flat", "fine")) for amount in ("50.00", "100.00", "200.00")
    ]
    assert [c.fined for c in result.scorecards] == ["80.00", "80.00", "80.00"]
    assert [e.fined for e in result.employees] == ["80.00", "80.00", "80.00"]
    out = io.BytesIO()
    sr.score_to_stream(sr.compile_pack(sr.load_pack(folder)), [sr.Records(records)], out, as_of="2027-04-05")
    assert out.getvalue() == result.to_json() + b"\n"
    compiled = sr.compile_pack(sr.load_pack(folder))  # the cards alone count the fines levied too
    assert [c.fined for c in sr.scorecards(compiled, sr.ingest(compiled, [sr.Records(records)]))] == ["80.00"] * 3


def test_the_monthly_example_scores_its_pass_mark() -> None:
    """examples/monthly, 第十一条 (月度得分低于80分的网点限期整改): the cases pass with full coverage,
    the pass mark among what they cover; check --strict finds nothing."""
    pack = sr.compile_pack(sr.load_pack(Path(__file__).parents[1] / "examples" / "monthly"))
    assert pack.warnings == ()
    report = sr.run_pack_tests(pack, scope="all")
    assert report.passed and report.rules.percent == 100.0
    assert "pass-mark" in report.rules.covered


def test_the_table_and_the_bulletin_list_absorbed_fines(tmp_path: Path) -> None:
    import shutil

    from service_rules._documents import render_bulletin
    from service_rules._report import render_table

    root = Path(__file__).parents[1] / "examples" / "monthly"
    shutil.copytree(root, tmp_path / "monthly", ignore=shutil.ignore_patterns("tests"))
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    (folder / "money.toml").write_text(
        '[[fines]]\nid = "flat"\nsubject = "employee"\nwithout_employee = "none"\nwindow = "year"\n'
        'when = { article = 4 }\nfirst = "80"\nprovenance = "assumed"\nnote = "测试用"\n'
        'reason = "员工{subject}罚款{amount}元。"\n',
        encoding="utf-8",
    )
    (folder / "oversight.toml").write_text(
        '[[sanction_groups]]\nid = "fines"\nmembers = [ { rule = "same-error", rank = 1 }, { rule = "flat", rank = 2 } ]\n',
        encoding="utf-8",
    )
    records = [{"type": "finding", "id": "f1", "outlet": "A", "date": "2027-01-10", "article": 4, "employees": ["E1"]}]
    result = sr.score(folder, [sr.Records(records)], as_of="2027-04-05")
    table = render_table(result)
    assert (
        "从高处理不再执行的罚款" in table and "same-error 第1次  50.00元  ← 已由罚款flat吸收(从高处理组fines)" in table
    )
    bulletin = render_bulletin(result)
    assert "下列罚款已由同一对象同期、同一事实更重的罚款吸收,不再执行" in bulletin
    assert "员工E1:罚款50.00元(2027年1月10日,已由罚款flat吸收(从高处理组fines))。" in bulletin


@pytest.mark.parametrize("bad", ['"12.345"', '"-5"', '"NaN"', '"Infinity"', "1.5", "true"])
def test_a_money_threshold_value_is_yuan_or_a_located_error(tmp_path: Path, bad: str) -> None:
    import shutil

    root = Path(__file__).parents[1] / "examples" / "monthly"
    shutil.copytree(root, tmp_path / "monthly", ignore=shutil.ignore_patterns("tests"))
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    (folder / "oversight.toml").write_text(
        MONEY_LAYER.replace('value = { value = "30.00",', f"value = {{ value = {bad},"), encoding="utf-8"
    )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    assert [(p.code, p.path) for p in err.value.problems] == [("invalid_value", "$.thresholds[0].value.value")]


def test_an_amendment_changes_a_threshold_for_the_windows_that_end_after_it(tmp_path: Path) -> None:
    """The layer's pass mark is 90; an amendment in force from 2026-07-01 raises it to 95. A's
    2026Q2 total 88 (< 90: rectify, judged by the original text: Q2 ends 2026-06-30); A's 2026Q3
    total 79 and B's 88 are judged by the amended text (< 95); B's 2026Q2 85 < 90. The group
    stays (it is in both texts)."""
    folder = layer(tmp_path)
    (folder / "amendments.toml").write_text(
        '[[amendments]]\nid = "raise"\neffective = "2026-07-01"\ndocument = "测试"\nfolder = "amendments/raise"\n'
        'provenance = "assumed"\nnote = "测试用"\n',
        encoding="utf-8",
    )
    (folder / "amendments" / "raise").mkdir(parents=True)
    (folder / "amendments" / "raise" / "oversight.toml").write_text(
        '[[thresholds]]\nid = "pass-mark"\noverride = true\nvalue = { value = 95, provenance = "assumed", note = "测试用" }\n',
        encoding="utf-8",
    )
    compiled = sr.compile_pack(sr.load_pack(folder))
    result = sr.score(compiled, [sr.Records(RECORDS)], as_of="2026-12-31")
    rectified = [(a.subject, a.period, a.reason) for a in (*result.actions, *result.absorbed) if a.rule == "pass-mark"]
    assert rectified == [
        ("B", "2026Q2", "B2026年第二季度总分85分,低于90分,限期整改,取消当季评优资格。"),
        ("A", "2026Q3", "A2026年第三季度总分79分,低于95分,限期整改,取消当季评优资格。"),
        ("B", "2026Q3", "B2026年第三季度总分88分,低于95分,限期整改,取消当季评优资格。"),
        ("A", "2026Q2", "A2026年第二季度总分88分,低于90分,限期整改,取消当季评优资格。"),  # absorbed
    ]


def test_the_workbook_has_a_sheet_for_absorbed_and_provisional_actions(
    compiled: sr.CompiledPack, tmp_path: Path
) -> None:
    import openpyxl

    from service_rules._documents import write_workbook

    result = sr.score(compiled, [sr.Records(RECORDS)], as_of=AS_OF)
    path = tmp_path / "out.xlsx"
    write_workbook(result, path)
    book = openpyxl.load_workbook(path)
    absorbed = [[c.value for c in row] for row in book["已吸收处理事项"].iter_rows()][1:]
    provisional = [[c.value for c in row] for row in book["预判处理事项"].iter_rows()][2:]  # a note, the header
    assert len(absorbed) == 1 and len(provisional) == 4
    [row] = absorbed
    assert row[2] == "A" and row[3] == "网点" and row[-4:-1] == ["dynamic_management", "half-deducted", "outlet"]
    plain = sr.score("cangzhou", [str(Path(__file__).parents[1] / "examples" / "cangzhou-2026q3.jsonl")], as_of=AS_OF)
    write_workbook(plain, tmp_path / "plain.xlsx")
    names = set(openpyxl.load_workbook(tmp_path / "plain.xlsx").sheetnames)
    assert not {"已吸收处理事项", "已吸收罚款", "预判处理事项"} & names


def test_a_streamed_run_measures_the_cards_it_writes_not_a_second_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thresholds measure every scorecard. score_to_stream measures the cards as it writes them
    (every period, the same fines) instead of sanctions() building them all again — the same
    bytes as score().to_json(); with a period it still measures them all (a window may span
    periods): the second build, and again the same bytes."""
    import io

    from service_rules import _sanctions

    examples = Path(__file__).parents[1] / "examples"
    pack = sr.compile_pack(sr.load_pack(str(examples / "monthly")))
    files = [str(examples / "monthly-2027-03.jsonl")]
    built: list[int] = []
    measures = _sanctions.measures

    def counted(compiled: sr.CompiledPack, facts: sr.Facts) -> Any:
        built.append(1)
        return measures(compiled, facts)

    monkeypatch.setattr(_sanctions, "measures", counted)
    for period in (None, "2027-03"):
        out = io.BytesIO()
        sr.score_to_stream(pack, files, out, as_of="2027-06-30", period=period)
        expected = sr.score(pack, files, as_of="2027-06-30", period=period).to_json() + b"\n"
        assert out.getvalue() == expected
        acted = {(a["rule"], a["action"]) for a in orjson.loads(out.getvalue())["actions"]}
        assert {("pass-mark", "rectify"), ("employee-quarter", "dynamic_management")} <= acted  # a card, the ledger
    assert len(built) == 3  # score() twice; the stream only with a period
