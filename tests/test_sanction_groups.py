"""Sanction groups by fact ("同一事实适用多项处理的,按最高标准执行,不重复处理"), computed by hand.

The pack is examples/monthly with a layer: a flat "quarrel" fine of 300 yuan per article-7
occurrence per employee (rank 2) in one group with "same-error" (50, 100, 200, 400 …, the 3rd on
takes bad_record; rank 1) — the cases a new author's trial found inconsistent.
"""

from __future__ import annotations

import io
import shutil
import types
from pathlib import Path
from typing import Any

import attrs
import pytest

import service_rules as sr
from service_rules._groups import absorb, rank_provisional
from service_rules._model import GroupMember, SanctionGroup
from service_rules._results import Absorption, Action

ROOT = Path(__file__).parents[1]
QUARREL = (
    '[[fines]]\nid = "quarrel"\nsubject = "employee"\nwithout_employee = "none"\nwindow = "year"\n'
    'when = { article = 7 }\nfirst = "300"\nprovenance = "assumed"\nnote = "测试用"\n'
    'reason = "员工{subject}与客户争吵,罚款{amount}元。"\n'
)


def _layer(tmp_path: Path, members: str, money: str = QUARREL) -> Path:
    shutil.copytree(ROOT / "examples" / "monthly", tmp_path / "monthly", ignore=shutil.ignore_patterns("tests"))
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    if money:
        (folder / "money.toml").write_text(money, encoding="utf-8")
    (folder / "oversight.toml").write_text(
        f'[[sanction_groups]]\nid = "emp"\nprovenance = "assumed"\nnote = "测试"\nmembers = [ {members} ]\n',
        encoding="utf-8",
    )
    return folder


def _f(fid: str, outlet: str, day: str, article: int, *employees: str) -> dict[str, Any]:
    return {"type": "finding", "id": fid, "outlet": outlet, "date": day, "article": article, "employees": list(employees)}


RECORDS = [
    _f("g1", "A", "2027-02-03", 4, "E1"),  # same-error E1/4 #1 50
    _f("g2", "A", "2027-02-10", 7, "E1", "E2"),  # same-error E1/7 #1, E2/7 #1 (50 each); quarrel E1 #1, E2 #1 (300 each)
    _f("g3", "B", "2027-02-15", 4, "E2"),  # same-error E2/4 #1 50: another fact at another outlet
    _f("g4", "A", "2027-03-04", 7, "E2"),  # same-error E2/7 #2 100; quarrel E2 #2 300
    _f("g5", "A", "2027-03-12", 7, "E2"),  # same-error E2/7 #3 200 + bad_record; quarrel E2 #3 300
    _f("g6", "A", "2027-03-20", 4, "E1"),  # same-error E1/4 #2 100
    _f("g7", "A", "2027-03-25", 4, "E1"),  # same-error E1/4 #3 200 + bad_record
    _f("g8", "A", "2027-03-28", 4, "E1"),  # same-error E1/4 #4 400 + bad_record
]


def test_two_fine_rules_compete_only_on_the_same_fact(tmp_path: Path) -> None:
    """On g2, g4 and g5 the quarrel fine (rank 2) is levied and the same-error fine of the same
    employee and finding is absorbed — with its bad_record (g5). The fines of other findings stay:
    E1's article-4 fines (g1, g6–g8) and E2's at outlet B (g3), and the escalation counts every
    occurrence (g5 is E2's 3rd article-7 error although g2's and g4's fines were absorbed)."""
    folder = _layer(tmp_path, '{ rule = "same-error", rank = 1 }, { rule = "quarrel", rank = 2 }')
    result = sr.score(folder, [sr.Records(RECORDS)], as_of="2027-04-10")
    levied = sorted((f.observations[0], f.subject, f.rule, f.occurrence, f.amount) for f in result.fines)
    assert levied == [
        ("g1", "E1", "same-error", 1, "50.00"),
        ("g2", "E1", "quarrel", 1, "300.00"),
        ("g2", "E2", "quarrel", 1, "300.00"),
        ("g3", "E2", "same-error", 1, "50.00"),
        ("g4", "E2", "quarrel", 2, "300.00"),
        ("g5", "E2", "quarrel", 3, "300.00"),
        ("g6", "E1", "same-error", 2, "100.00"),
        ("g7", "E1", "same-error", 3, "200.00"),
        ("g8", "E1", "same-error", 4, "400.00"),
    ]
    by = Absorption("emp", "quarrel", "fine")
    absorbed = sorted((f.observations[0], f.subject, f.occurrence, f.amount, f.absorbed_by) for f in result.absorbed_fines)
    assert absorbed == [
        ("g2", "E1", 1, "50.00", by),
        ("g2", "E2", 1, "50.00", by),
        ("g4", "E2", 2, "100.00", by),
        ("g5", "E2", 3, "200.00", by),
    ]
    # a fine's actions follow it: E1's two bad_records (g7, g8) stay — its own repeats are never
    # absorbed —, E2's (g5) is absorbed with its fine
    bad = [(a.subject, a.observations) for a in result.actions if a.action == "bad_record"]
    assert bad == [("E1", ("g7",)), ("E1", ("g8",))]
    assert [(a.subject, a.action, a.observations, a.absorbed_by) for a in result.absorbed] == [
        ("E2", "bad_record", ("g5",), by)
    ]
    out = io.BytesIO()  # the streamed result is the same, absorbed fine actions included
    sr.score_to_stream(sr.compile_pack(sr.load_pack(folder)), [sr.Records(RECORDS)], out, as_of="2027-04-10")
    assert out.getvalue() == result.to_json() + b"\n"
    march = sr.score(folder, [sr.Records(RECORDS)], as_of="2027-04-10", period="2027-03")
    assert [(a.subject, a.observations) for a in march.absorbed] == [("E2", ("g5",))]
    assert [f.observations for f in march.absorbed_fines] == [("g4",), ("g5",)]
    fined = {(c.outlet, c.period): c.fined for c in result.scorecards}
    assert fined == {
        ("A", "2027-02"): "650.00",  # 50 + 300 + 300
        ("B", "2027-02"): "50.00",  # not absorbed by A's quarrel fines
        ("A", "2027-03"): "1300.00",  # 300 + 300 + 100 + 200 + 400
    }


def test_a_group_of_one_fine_absorbs_nothing_and_check_says_so(tmp_path: Path) -> None:
    folder = _layer(tmp_path, '{ rule = "same-error", rank = 1 }', money="")
    compiled = sr.compile_pack(sr.load_pack(folder))
    assert [w.code for w in compiled.warnings if w.code == "group_too_small"] == ["group_too_small"]
    result = sr.score(compiled, [sr.Records(RECORDS)], as_of="2027-04-10")
    assert result.absorbed == () and result.absorbed_fines == ()
    bad = [(a.subject, a.observations) for a in result.actions if a.action == "bad_record"]
    assert bad == [("E2", ("g5",)), ("E1", ("g7",)), ("E1", ("g8",))]


def test_a_fines_action_named_in_a_group_ranks_alone(tmp_path: Path) -> None:
    """Named with its action, a fine's bad_record ranks against the employee's quarterly
    dynamic_management (rank 2): E1's article-4 findings g6–g8 in 2027Q1 give E1 3 + 3 + 3 + 3 =
    12 points (g1 too) > 10 → dynamic_management (period 2027-03, observations g1, g6, g7, g8);
    its bad_records (g7, g8) share those findings: absorbed, while the fines stay levied."""
    folder = _layer(
        tmp_path, '{ rule = "same-error", action = "bad_record", rank = 1 }, { rule = "employee-quarter", rank = 2 }', money=""
    )
    records = [r for r in RECORDS if r["id"] in ("g1", "g6", "g7", "g8")]
    result = sr.score(folder, [sr.Records(records)], as_of="2027-04-10")
    assert [(a.subject, a.action) for a in result.actions] == [("E1", "dynamic_management")]
    by = Absorption("emp", "employee-quarter", "dynamic_management")
    assert [(a.action, a.observations, a.absorbed_by) for a in result.absorbed] == [
        ("bad_record", ("g7",), by),
        ("bad_record", ("g8",), by),
    ]
    assert [f.amount for f in result.fines] == ["50.00", "100.00", "200.00", "400.00"]
    assert result.absorbed_fines == ()


def test_a_group_mixing_a_whole_fine_with_actions_is_an_error(tmp_path: Path) -> None:
    folder = _layer(tmp_path, '{ rule = "same-error", rank = 1 }, { rule = "pass-mark", rank = 2 }', money="")
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    assert [(p.code, p.path) for p in err.value.problems] == [("group_mixes_fines", "$.sanction_groups[0].members[1]")]


def _act(rule: str, action: str, observations: tuple[str, ...], period: str = "2027-03") -> Action:
    return Action("A", "outlet", action, None, period, "2027-03-31", observations, False, "", rule=rule)


def test_provisional_actions_rank_with_the_judged_ones_and_never_absorb_them() -> None:
    """Judged: a ladder's warning (rank 2) on o1. Provisional: the month's rectify (rank 1) and
    the quarter's dynamic_management (rank 3), both on o1 and o2: the rectify would be absorbed by
    the dynamic_management; the judged warning stays judged (an open window decides nothing)."""
    group = SanctionGroup(
        "g", [GroupMember("pass", 1), GroupMember("lad", 2, action="warning"), GroupMember("quarter", 3)]
    )
    compiled: Any = types.SimpleNamespace(versions=None, oversight=types.SimpleNamespace(sanction_groups=[group]))
    warning = _act("lad", "warning", ("o1",))
    rectify = _act("pass", "rectify", ("o1", "o2"))
    dm = _act("quarter", "dynamic_management", ("o1", "o2"))
    out = rank_provisional(compiled, [warning], [rectify, dm], set())
    assert [(a.action, a.absorbed_by) for a in out] == [
        ("rectify", Absorption("g", "quarter", "dynamic_management")),
        ("dynamic_management", None),
    ]
    # a provisional action a judged one outranks would be absorbed by it
    low = _act("pass", "rectify", ("o1",))
    [marked] = rank_provisional(compiled, [warning], [low], set())
    assert marked.absorbed_by == Absorption("g", "lad", "warning")
    # another period, or no shared finding: nothing
    assert rank_provisional(compiled, [warning], [_act("pass", "rectify", ("o1",), "2027-02")], set())[0].absorbed_by is None
    assert rank_provisional(compiled, [warning], [_act("pass", "rectify", ("o9",))], set())[0].absorbed_by is None


def test_the_trial_outlet_group_keeps_the_quarters_action_over_the_months() -> None:
    """A month's rectify (rank 1) and the quarter's dynamic_management (rank 2) of one outlet in
    March share March's findings: the rectify is absorbed. February's rectify is of another
    period: kept, though the quarter reads February's findings too."""

    group = SanctionGroup("g", [GroupMember("pass", 1), GroupMember("quarter", 2)])
    feb = _act("pass", "rectify", ("f1",), "2027-02")
    mar = _act("pass", "rectify", ("f2",))
    dm = _act("quarter", "dynamic_management", ("f1", "f2"))
    kept, absorbed = absorb([group], [feb, mar, dm], lambda a, by: attrs.evolve(a, absorbed_by=by))
    assert kept == [feb, dm]
    assert [(a.period, a.absorbed_by) for a in absorbed] == [("2027-03", Absorption("g", "quarter", "dynamic_management"))]
