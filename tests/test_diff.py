"""service_rules._diff: the same observations under two packs, compared.

Every expected number below is computed by hand from examples/cangzhou-2026q3.jsonl and the
Cangzhou pack (docs/contract.md, "Cangzhou at a glance"); the arithmetic is in the comments.
"""

from __future__ import annotations

import datetime
import io
import json
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

import service_rules as sr
from service_rules import _diff
from service_rules._diff import OutletChange, PackDiff, RuleEffect, SectionChange, diff_packs, render_diff_markdown

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cangzhou-2026q3.jsonl"
AS_OF = "2026-11-27"

# Totals of the example under Cangzhou (sections 三 四 五 六 七 八, allotments 15 15 20 20 15 15, no floor):
#   BT-01  art 30 graded 1 (六 −1)                                            → 100 − 1            = 99
#   BT-02  registered, nothing found                                            → 100
#   HJ-01  art 12 graded 1 (三 −1), art 18 graded 2 (四 −2),
#          art 26 harsh_tone 1 person × 5 (五 −5), verified complaint 10 (五 −10)  → 100 − 1 − 2 − 15  = 82
#   HJ-02  art 15 graded 1 (四 −1), art 40 2 persons × 5 (八 −10); complaint dismissed → 100 − 1 − 10   = 89
#   RQ-01  art 28 graded 3 (六 −3), art 25 untagged fixed 3 (五 −3),
#          complaint verified + account transferred 20 (五 −20), art 41 drunk 1 × 10 (八 −10)
#                                                                               → 100 − 3 − 23 − 10 = 64
#   RQ-02  art 19 graded 2 (四 −2), art 41 untagged 2 employees × 5 (八 −10)      → 100 − 2 − 10      = 88
BASE_TOTALS: dict[str, int | None] = {"BT-01": 99, "BT-02": None, "HJ-01": 82, "HJ-02": 89, "RQ-01": 64, "RQ-02": 88}


def make_pack(root: Path, name: str, version: str, files: dict[str, str], pack_extra: str = "") -> sr.CompiledPack:
    folder = root / name
    folder.mkdir()
    (folder / "pack.toml").write_text(
        f'[pack]\nname = "{name}"\ntitle = "t"\nversion = "{version}"\nextends = "cangzhou"\n{pack_extra}',
        encoding="utf-8",
    )
    for file_name, text in files.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    return sr.compile_pack(sr.load_pack(folder))


FOUR_POINTS = """
[[rules]]
id = "cz-5-item"
override = true
deduct = { kind = "fixed", points = 4, provenance = "assumed", note = "测试" }
"""

# Graded findings of section 四 may cost at most 1 point: a grade of 2 is out_of_range.
GRADE_ONE = """
[[rules]]
id = "cz-4-item"
override = true
deduct = { kind = "graded", min = 1, max = 1, provenance = "assumed", note = "测试" }
"""


@pytest.fixture(scope="module")
def cangzhou() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack("cangzhou"))


@pytest.fixture
def four(tmp_path: Path) -> sr.CompiledPack:
    return make_pack(tmp_path, "cz-new", "2", {"rules.toml": FOUR_POINTS})


@pytest.fixture
def grade_one(tmp_path: Path) -> sr.CompiledPack:
    return make_pack(tmp_path, "cz-grade", "3", {"rules.toml": GRADE_ONE})


def by_outlet(d: PackDiff) -> dict[str, OutletChange]:
    return {c.outlet: c for c in d.changed}


def test_the_baseline_is_what_the_comments_say(cangzhou: sr.CompiledPack) -> None:
    result = sr.score(cangzhou, [EXAMPLE], as_of=AS_OF)
    assert {c.outlet: c.total for c in result.scorecards} == BASE_TOTALS
    assert result.rejected == ()


def test_four_points_per_article_24_to_26_finding(cangzhou: sr.CompiledPack, four: sr.CompiledPack) -> None:
    # The example's untagged findings on articles 24–26 (rule cz-5-item): only RQ-2026Q3-01-2
    # (article 25, RQ-01). HJ-2026Q3-01-3 is article 26 tagged harsh_tone: cz-5-tone, unchanged.
    # RQ-01 section 五: old 20 − 3 − 20 = −3, new 20 − 4 − 20 = −4; total 64 → 63, −1.
    d = diff_packs(cangzhou, four, [EXAMPLE], as_of=AS_OF)
    assert (d.old.name, d.old.version, d.new.name, d.new.version) == ("cangzhou", "1.0.0", "cz-new", "2")
    assert d.as_of == AS_OF
    assert d.outlets_compared == 6
    assert d.changed == (
        OutletChange(
            outlet="RQ-01",
            county="任丘",
            period="2026Q3",
            total_old=64,
            total_new=63,
            delta=-1,
            sections=(
                SectionChange(
                    number=5,
                    title=None,
                    score_old=-3,
                    score_new=-4,
                    delta=-1,
                    rules=(RuleEffect("cz-5-item", 3, 4, 1, ("RQ-2026Q3-01-2",)),),
                ),
            ),
        ),
    )
    assert (d.rejected_old, d.rejected_new, d.newly_rejected, d.newly_accepted) == (0, 0, (), ())
    assert (d.actions_added, d.actions_removed) == ((), ())
    assert (d.points_moved, d.net_change, d.compared_both) == (1, -1, 6)
    assert [i.file for i in d.inputs] == [str(EXAMPLE)]
    assert not d.empty


def test_unchanged_outlets_are_not_listed(cangzhou: sr.CompiledPack, four: sr.CompiledPack) -> None:
    d = diff_packs(cangzhou, four, [EXAMPLE], as_of=AS_OF)
    # HJ-01 loses points in section 五 too, but by cz-5-tone and cz-5-complaint, which did not change.
    assert set(by_outlet(d)) == {"RQ-01"}
    assert [s.number for s in by_outlet(d)["RQ-01"].sections] == [5]


def test_every_untagged_article_24_to_26_finding_costs_one_more(
    cangzhou: sr.CompiledPack, four: sr.CompiledPack
) -> None:
    records: list[dict[str, Any]] = [
        # articles 24, 25, 26 untagged and 26 harsh_tone. Old 五: 3 + 3 + 3 + 5 = 14, new 4 + 4 + 4 + 5 = 17.
        {"type": "finding", "id": "a1", "outlet": "A-1", "date": "2026-07-01", "article": 24},
        {"type": "finding", "id": "a2", "outlet": "A-1", "date": "2026-07-01", "article": 25},
        {"type": "finding", "id": "a3", "outlet": "A-1", "date": "2026-07-01", "article": 26},
        {"type": "finding", "id": "a4", "outlet": "A-1", "date": "2026-07-01", "article": 26, "tag": "harsh_tone"},
        # one article 24 finding in Q3 and one in Q4: two scorecards, each −1.
        {"type": "finding", "id": "b1", "outlet": "A-2", "date": "2026-08-01", "article": 24},
        {"type": "finding", "id": "b2", "outlet": "A-2", "date": "2026-10-01", "article": 24},
        # section 四 only: unchanged.
        {"type": "finding", "id": "c1", "outlet": "A-3", "date": "2026-08-01", "article": 18, "points": 3},
    ]
    d = diff_packs(cangzhou, four, [sr.Records(records)], as_of=AS_OF)
    assert [(c.period, c.outlet, c.total_old, c.total_new, c.delta) for c in d.changed] == [
        ("2026Q3", "A-1", 100 - 14, 100 - 17, -3),
        ("2026Q3", "A-2", 97, 96, -1),
        ("2026Q4", "A-2", 97, 96, -1),
    ]
    (a1,) = d.changed[0].sections
    assert a1.rules == (RuleEffect("cz-5-item", 9, 12, 3, ("a1", "a2", "a3")),)
    assert (a1.score_old, a1.score_new) == (20 - 14, 20 - 17)
    assert d.outlets_compared == 4  # A-1 Q3, A-2 Q3, A-2 Q4, A-3 Q3
    assert (d.points_moved, d.net_change) == (5, -5)


def test_identical_packs_give_an_empty_diff(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    d = diff_packs(cangzhou, cangzhou, [EXAMPLE], as_of=AS_OF)
    assert d.changed == () and d.empty
    assert (d.newly_rejected, d.newly_accepted, d.actions_added, d.actions_removed) == ((), (), (), ())
    assert d.outlets_compared == 6
    # Another pack that says the same thing in another layer: different digest, same scores.
    same = make_pack(
        tmp_path,
        "cz-same",
        "9",
        {"rules.toml": FOUR_POINTS.replace("points = 4", "points = 3")},
    )
    d2 = diff_packs(cangzhou, same, [EXAMPLE], as_of=AS_OF)
    assert d2.old.digest != d2.new.digest
    assert d2.empty
    md = render_diff_markdown(d2)
    assert "其中 0 张有变化" in md and "完全相同" in md


def test_disabling_a_rule_that_leaves_articles_uncovered_does_not_compile(tmp_path: Path) -> None:
    # Disabling cz-3-item leaves articles 11–14 (section 三) with no rule: the compiler refuses
    # the pack, so such a change never reaches diff (and can never produce no_rule rejections).
    with pytest.raises(sr.PackError) as info:
        make_pack(tmp_path, "cz-off", "5", {"rules.toml": '[[rules]]\nid = "cz-3-item"\ndisable = true\n'})
    problems = info.value.problems
    assert {p.code for p in problems} == {"uncovered_shape"}
    assert sorted(p.message.split("on article ")[1].split(";")[0].split(" ")[0] for p in problems) == [
        "11",
        "12",
        "13",
        "14",
    ]


def test_a_narrower_grade_rejects_lines_the_old_pack_accepted(
    cangzhou: sr.CompiledPack, grade_one: sr.CompiledPack
) -> None:
    # Section 四 findings graded 2 are now out_of_range: line 7 (HJ-2026Q3-01-1, article 18, 2 points)
    # and line 19 (CITY-2026Q3-01-1, article 19, 2 points). Line 11 (article 15, 1 point) stays.
    # HJ-01 四: 15 − 2 = 13 → 15, total 82 → 84. RQ-02 四: 13 → 15, total 88 → 90.
    # The city check of RQ-02 still found article 41, so the article 5 cross-check still counts a
    # lapse for 任丘 (its 2nd this year: written_review), but that action no longer rests on
    # CITY-2026Q3-01-1 and its reason names article 41 only: removed and added.
    d = diff_packs(cangzhou, grade_one, [EXAMPLE], as_of=AS_OF)
    assert [(r.line, r.id, r.code) for r in d.newly_rejected] == [
        (7, "HJ-2026Q3-01-1", "out_of_range"),
        (19, "CITY-2026Q3-01-1", "out_of_range"),
    ]
    assert all(r.file == str(EXAMPLE) for r in d.newly_rejected)
    assert (d.rejected_old, d.rejected_new, d.newly_accepted) == (0, 2, ())
    assert d.inputs[0].rejected == 2 and d.inputs[0].accepted == 28  # the new run's summary
    assert [(c.outlet, c.total_old, c.total_new, c.delta) for c in d.changed] == [
        ("HJ-01", 82, 84, 2),
        ("RQ-02", 88, 90, 2),
    ]
    hj = by_outlet(d)["HJ-01"]
    assert hj.sections == (
        SectionChange(4, "服务设施规范", 13, 15, 2, (RuleEffect("cz-4-item", 2, 0, -2, ("HJ-2026Q3-01-1",)),)),
    )
    ((added,), (removed,)) = (d.actions_added, d.actions_removed)
    assert (removed.subject, removed.action, added.subject, added.action) == ("任丘", "written_review") * 2
    assert "CITY-2026Q3-01-1" in removed.observations and "第19、41条" in removed.reason
    assert "CITY-2026Q3-01-1" not in added.observations and "发现第41条问题" in added.reason

    # The other way round, the same lines are newly accepted.
    back = diff_packs(grade_one, cangzhou, [EXAMPLE], as_of=AS_OF)
    assert [(r.line, r.code) for r in back.newly_accepted] == [(7, "out_of_range"), (19, "out_of_range")]
    assert back.newly_rejected == ()
    assert [(c.outlet, c.delta) for c in back.changed] == [("HJ-01", -2), ("RQ-02", -2)]


def test_a_scorecard_under_one_pack_only_is_absent_not_full_marks(
    cangzhou: sr.CompiledPack, grade_one: sr.CompiledPack
) -> None:
    # X-1's only fact is a finding graded 2 on article 18: old 四 15 − 2 = 13, total 98; the new
    # pack rejects it, so X-1 has no scorecard at all under the new pack.
    records = [{"type": "finding", "id": "x1", "outlet": "X-1", "date": "2026-07-01", "article": 18, "points": 2}]
    d = diff_packs(cangzhou, grade_one, [sr.Records(records, name="app")], as_of=AS_OF)
    (c,) = d.changed
    assert (c.outlet, c.county, c.total_old, c.total_new, c.delta) == ("X-1", None, 98, None, None)
    assert [(s.number, s.score_old, s.score_new, s.delta) for s in c.sections] == [
        (3, 15, None, None),
        (4, 13, None, None),
        (5, 20, None, None),
        (6, 20, None, None),
        (7, 15, None, None),
        (8, 15, None, None),
    ]
    assert c.sections[1].rules == (RuleEffect("cz-4-item", 2, 0, -2, ("x1",)),)
    assert [(r.file, r.line, r.code) for r in d.newly_rejected] == [("app", 1, "out_of_range")]
    assert (d.points_moved, d.compared_both) == (0, 0)
    md = render_diff_markdown(d)
    assert "| X-1 | 2026Q3 | 98 | — | 移除 |" in md
    assert "仅旧规则包 1 张" in md


def test_a_section_only_one_pack_scores_shows_with_none(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    # A new scored section 10 worth 10 points (total 110): every scorecard gains 10 points there.
    sec = make_pack(
        tmp_path,
        "cz-sec",
        "4",
        {
            "sections.toml": '[[sections]]\nnumber = 10\ntitle = "测试章"\nscored = true\n'
            'allotment = { value = 10, provenance = "assumed", note = "测试" }\n'
        },
        pack_extra='total = { value = 110, provenance = "assumed", note = "测试" }\n',
    )
    d = diff_packs(cangzhou, sec, [EXAMPLE], as_of=AS_OF)
    assert {c.outlet: (c.total_old, c.total_new, c.delta) for c in d.changed} == {
        o: (t, t + 10, 10) for o, t in BASE_TOTALS.items() if t is not None
    }  # BT-02 is not scored under either pack: no change
    for c in d.changed:
        assert c.sections == (SectionChange(10, "测试章", None, 10, None, ()),)
    assert (d.points_moved, d.net_change) == (50, 50)


def test_an_observation_moving_between_rules_shows_as_two_effects(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    # A new rule for article 25 at the same 3 points takes RQ-2026Q3-01-2 from cz-5-item:
    # section 五 still −3 (score −3 both ways), but the deduction moved rule.
    moved = make_pack(
        tmp_path,
        "cz-move",
        "6",
        {
            "rules.toml": '[[rules]]\nid = "cz-5-art25"\nsection = 5\narticle = 25\ntitle = "t"\n'
            'when = { type = "finding", article = 25 }\n'
            'deduct = { kind = "fixed", points = 3, provenance = "assumed", note = "测试" }\n'
            'supersedes = ["cz-5-item"]\nreason = "第{article}条扣{points}分。"\n'
        },
    )
    d = diff_packs(cangzhou, moved, [EXAMPLE], as_of=AS_OF)
    (c,) = d.changed
    assert (c.outlet, c.total_old, c.total_new, c.delta) == ("RQ-01", 64, 64, 0)
    (s,) = c.sections
    assert (s.number, s.score_old, s.score_new, s.delta) == (5, -3, -3, 0)
    assert s.rules == (
        RuleEffect("cz-5-art25", 0, 3, 3, ("RQ-2026Q3-01-2",)),
        RuleEffect("cz-5-item", 3, 0, -3, ("RQ-2026Q3-01-2",)),
    )
    assert d.points_moved == 0


def test_action_changes(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    # 任丘 reported 2026Q3 on 2026-10-14, after the deadline of 10 October: a late_report.
    # With the deadline moved to the 15th it is on time: that action goes, nothing else changes.
    later = make_pack(
        tmp_path,
        "cz-late",
        "7",
        {
            "oversight.toml": '[[deadlines]]\nid = "cz-4-report"\noverride = true\n'
            'day = { value = 15, provenance = "assumed", note = "测试" }\n'
        },
    )
    # 泊头 never reported: its missing_report moves from 2026-10-10 to the new deadline 2026-10-15
    # (removed + added, the old one first in the old run's order: by date).
    d = diff_packs(cangzhou, later, [EXAMPLE], as_of=AS_OF)
    assert d.changed == ()
    assert [(a.subject, a.action, a.date) for a in d.actions_removed] == [
        ("泊头", "missing_report", "2026-10-10"),
        ("任丘", "late_report", "2026-10-14"),
    ]
    assert [(a.subject, a.action, a.date) for a in d.actions_added] == [("泊头", "missing_report", "2026-10-15")]
    assert "2026-10-15前上报" in d.actions_added[0].reason
    md = render_diff_markdown(d)
    assert "- 处理事项:新增 1 项,取消 2 项" in md
    assert "- 取消:2026Q3 2026-10-14 任丘 `late_report`:" in md
    assert "- 新增:2026Q3 2026-10-15 泊头 `missing_report`:" in md
    assert not d.empty


def test_one_shot_inputs_are_read_under_both_packs(
    cangzhou: sr.CompiledPack, four: sr.CompiledPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = EXAMPLE.read_bytes()
    expected = diff_packs(cangzhou, four, [EXAMPLE], as_of=AS_OF).changed
    records = [json.loads(line) for line in data.decode().splitlines()]
    # A generator is exhausted by the first run: without buffering the new run would see nothing.
    from_generator = diff_packs(cangzhou, four, [sr.Records(r for r in records)], as_of=AS_OF)
    assert from_generator.changed == expected
    assert from_generator.inputs[0].accepted == 30
    from_stream = diff_packs(cangzhou, four, [io.BytesIO(data)], as_of=AS_OF)
    assert from_stream.changed == expected and from_stream.inputs[0].lines == 30
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    from_stdin = diff_packs(cangzhou, four, ["-"], as_of=AS_OF)
    assert from_stdin.changed == expected and from_stdin.inputs[0].file == "-"
    with pytest.raises(sr.UsageError):
        diff_packs(cangzhou, four, [io.StringIO(data.decode())], as_of=AS_OF)  # type: ignore[list-item]


def test_a_file_changing_between_the_two_readings_is_an_error(
    cangzhou: sr.CompiledPack, four: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "obs.jsonl"
    path.write_bytes(EXAMPLE.read_bytes())
    real = sr.score
    calls: list[int] = []

    def score_then_edit(*args: Any, **kwargs: Any) -> sr.ScoreResult:
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            with path.open("ab") as f:
                f.write(b'{"type":"outlet","outlet":"Z-9","county":"z"}\n')
        return result

    monkeypatch.setattr(_diff, "score", score_then_edit)
    with pytest.raises(sr.InputFileError, match="changed between the two readings"):
        diff_packs(cangzhou, four, [path], as_of=AS_OF)


def test_period_and_as_of_are_passed_to_both_runs(cangzhou: sr.CompiledPack, four: sr.CompiledPack) -> None:
    d = diff_packs(cangzhou, four, [EXAMPLE], period="2026Q2", as_of=AS_OF)
    # No outlet has a fact in 2026Q2; the 6 registered outlets get a scorecard there, all full marks.
    assert (d.period, d.outlets_compared, d.changed) == ("2026Q2", 6, ())
    with pytest.raises(sr.UsageError):
        diff_packs(cangzhou, four, [EXAMPLE], period="2026-Q3", as_of=AS_OF)
    # A datetime is its date (score() itself fails on one: TypeError comparing datetime with date).
    at_three = diff_packs(cangzhou, four, [EXAMPLE], as_of=datetime.datetime(2026, 11, 27, 15, 0))
    assert at_three.as_of == AS_OF and len(at_three.changed) == 1


def test_to_dict_is_plain_json(cangzhou: sr.CompiledPack, grade_one: sr.CompiledPack) -> None:
    d = diff_packs(cangzhou, grade_one, [EXAMPLE], as_of=AS_OF)
    data = d.to_dict()
    assert json.loads(orjson.dumps(data)) == data
    assert list(data) == [
        "old",
        "new",
        "as_of",
        "period",
        "inputs",
        "outlets_compared",
        "changed",
        "rejected_old",
        "rejected_new",
        "newly_rejected",
        "newly_accepted",
        "actions_added",
        "actions_removed",
        "unattributed_old",
        "unattributed_new",
        "fines_added",
        "fines_removed",
        "absorbed_fines_added",
        "absorbed_fines_removed",
        "absorbed_added",
        "absorbed_removed",
        "employees_changed",
        "old_day",
        "new_day",
    ]
    assert data["changed"][0]["sections"][0]["rules"][0] == {
        "rule": "cz-4-item",
        "points_old": 2,
        "points_new": 0,
        "delta": -2,
        "observations": ["HJ-2026Q3-01-1"],
    }
    assert data["newly_rejected"][0]["code"] == "out_of_range"


def test_markdown_for_the_four_point_change(cangzhou: sr.CompiledPack, four: sr.CompiledPack) -> None:
    d = diff_packs(cangzhou, four, [EXAMPLE], as_of=AS_OF)
    md = render_diff_markdown(d)
    assert md == render_diff_markdown(diff_packs(cangzhou, four, [EXAMPLE], as_of=AS_OF))  # deterministic
    assert md.startswith("## 规则包评分对比:`cangzhou` 1.0.0 → `cz-new` 2\n")
    assert (
        "比较评分卡 6 张(网点×期间),其中 1 张有变化(总分变化 1 张,总分不变、仅章节得分或扣分调整 0 张);"
        "总分变动合计 1 分(净变化 -1 分)" in md
    )
    assert "平均每张评分卡总分变化 -0.17 分" in md  # −1 / 6
    assert "| 网点 | 期间 | 旧总分 | 新总分 | 变化 |" in md
    assert "### 总分有变化的评分卡" in md and "### 总分不变" not in md
    assert "| RQ-01 | 2026Q3 | 64 | 63 | -1 | 五、(标题缺失) -1 |" in md
    assert "| `cz-5-item` | 1 | 1 | 3 → 4 | +1 |" in md
    assert "新拒绝" not in md.split("- 拒绝行数")[1].split("\n", 1)[1]  # no section of newly rejected lines


def test_markdown_lists_rejections_and_respects_the_limit(
    cangzhou: sr.CompiledPack, grade_one: sr.CompiledPack
) -> None:
    d = diff_packs(cangzhou, grade_one, [EXAMPLE], as_of=AS_OF)
    md = render_diff_markdown(d)
    assert f"- `{EXAMPLE}:7` `out_of_range` `HJ-2026Q3-01-1`" in md
    assert f"- `{EXAMPLE}:19` `out_of_range` `CITY-2026Q3-01-1`" in md
    # Equal changes are ordered by period, then outlet.
    assert md.index("| HJ-01 | 2026Q3 | 82 | 84 | +2 |") < md.index("| RQ-02 | 2026Q3 | 88 | 90 | +2 |")
    short = render_diff_markdown(d, limit=1)
    assert "| HJ-01 |" in short and "| RQ-02 |" not in short
    assert f"{EXAMPLE}:19" not in short
    # Cut: the scorecard table, the rejected lines, and the actions (written_review removed + added).
    assert short.count("另有 1 项未列出") == 3
