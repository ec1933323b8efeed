"""Issue 12's bundled example: the Cangzhou quarter with its appeals, a correction and a dated
amendment, scored to hand-computed results.

Inputs: examples/cangzhou-2026q3.jsonl (the quarter), examples/cangzhou-2026q3-appeals.jsonl (four
appeals and one correction), under examples/cangzhou-amended (the Cangzhou pack with one amendment in
force from 2026-08-16: 劳动纪律 8 points per person-time instead of 5; 第三章 15 → 10 and 第八章 15 → 20,
the total staying 100). Cangzhou sets no floor, so a section may go below zero.

By hand, as of 2026-11-30:
- BT-01: 第30条 1 point (ch. 6) on 08-20; appeal SS-2026-03 filed, never decided: pending, counted.
  100 − 1 = 99.
- HJ-01: 第18条 2 points (ch. 4) overturned by SS-2026-01 (decided 10-20): not counted, listed.
  Left: 第12条 1 (ch. 3), 第26条 harsh tone 5 and the verified phone complaint 10 (ch. 5).
  100 − 1 − 15 = 84.
- HJ-02: the 07-15 lateness record (2 persons) is replaced by HJ-2026Q3-02-2R (1 person). 07-15 is
  before the amendment: 5 × 1 = 5 (ch. 8). With 第15条 1 (ch. 4): 100 − 1 − 5 = 94.
- RQ-01: 第28条 3 points amended to 1 by SS-2026-02 (original 3 kept). 第25条 3 and the transfer
  complaint 20 (ch. 5: 23 of 20), 第41条 drunk on duty 10 (ch. 8, unchanged by the amendment).
  100 − 23 − 1 − 10 = 66.
- RQ-02: 第41条, two employees on 09-10, after the amendment: 8 × 2 = 16 (ch. 8), with 第19条 2
  (ch. 4): 100 − 2 − 16 = 82.
- BT-02: nothing recorded: not scored.
Every card's allotments are those in force on 2026-09-30 (ch. 3: 10, ch. 8: 20), so each lists the
amendment among the versions that judged it.
Ladders: 任丘's given lapse L-2026-RQ-01 is overturned by SS-2026-04, so of its two lapses only the
late report counts: the first step (rectification notice) says it no longer counts the overturned
one, and the second step (written review) is gone.
"""

from __future__ import annotations

from pathlib import Path

import service_rules as sr

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _result() -> sr.ScoreResult:
    return sr.score(
        sr.load_pack(str(EXAMPLES / "cangzhou-amended")),
        [EXAMPLES / "cangzhou-2026q3.jsonl", EXAMPLES / "cangzhou-2026q3-appeals.jsonl"],
        as_of="2026-11-30",
    )


def test_totals_by_hand() -> None:
    cards = {c.outlet: c for c in _result().scorecards}
    assert {o: c.total for o, c in cards.items()} == {
        "BT-01": 99,
        "BT-02": None,
        "HJ-01": 84,
        "HJ-02": 94,
        "RQ-01": 66,
        "RQ-02": 82,
    }
    assert all(c.versions == ("cz-2026-08",) for c in cards.values())
    for card in cards.values():
        allotments = {s.number: s.allotment for s in card.sections}
        assert (allotments[3], allotments[8], sum(allotments.values())) == (10, 20, 100)


def test_each_deduction_by_the_text_of_its_day_and_its_appeal() -> None:
    cards = {c.outlet: c for c in _result().scorecards}
    points = {d.observations[0]: d.points for c in cards.values() for d in c.deductions}
    assert points["HJ-2026Q3-02-2R"] == 5  # before 08-16: 5 per person-time, 1 person
    assert points["CITY-2026Q3-01-2"] == 16  # after 08-16: 8 per person-time, 2 people
    assert points["RQ-2026Q3-01-3"] == 10  # drunk on duty: unchanged
    amended = next(d for d in cards["RQ-01"].deductions if d.observations == ("RQ-2026Q3-01-1",))
    assert (amended.points, amended.original_points) == (1, 3)
    assert amended.appeal is not None and (amended.appeal.id, amended.appeal.decision) == ("SS-2026-02", "amended")
    pending = next(d for d in cards["BT-01"].deductions if d.observations == ("BT-2026Q3-01-1",))
    assert pending.points == 1
    assert pending.appeal is not None and (pending.appeal.id, pending.appeal.state) == ("SS-2026-03", "pending")
    assert [d.observations for d in cards["HJ-01"].overturned] == [("HJ-2026Q3-01-1",)]
    assert "HJ-2026Q3-01-1" not in points


def test_the_correction_and_the_overturned_lapse() -> None:
    result = _result()
    assert [(r.id, r.by) for r in result.replaced] == [("HJ-2026Q3-02-2", "HJ-2026Q3-02-2R")]
    assert [x.id for x in result.overturned_lapses] == ["L-2026-RQ-01"]
    renqiu = [a for a in result.actions if a.subject == "任丘"]
    assert sorted(a.action for a in renqiu) == ["late_report", "rectification_notice"]
    notice = next(a for a in renqiu if a.action == "rectification_notice")
    assert notice.overturned == ("L-2026-RQ-01",)
    assert result.rejected == ()


def test_before_the_decisions_the_machine_result_stands() -> None:
    """As of 2026-10-19 no appeal is decided: every deduction counts (the correction still applies)."""
    result = sr.score(
        sr.load_pack(str(EXAMPLES / "cangzhou-amended")),
        [EXAMPLES / "cangzhou-2026q3.jsonl", EXAMPLES / "cangzhou-2026q3-appeals.jsonl"],
        as_of="2026-10-19",
    )
    cards = {c.outlet: c for c in result.scorecards}
    assert cards["HJ-01"].total == 84 - 2  # 第18条's 2 points count again
    assert cards["RQ-01"].total == 66 - 2  # 第28条 at its 3 points
    assert cards["HJ-01"].overturned == ()
