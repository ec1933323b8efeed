"""``diff`` compares money (money.toml): scorecard amount/fined, fines, the employee ledger.

The numbers are computed by hand from examples/monthly (第八条 10 yuan per point, 第九条 fines
50, ×2 per repeat within the year; 第十条 a shared deduction split) and the M-02 lines below:

  F-0308-01 art 5 fixed 1            → 1 point
  F-0308-02 art 6 per person 2, E201 → 2 points, E201's 1st art-6 error: fine 50
  F-0325-01 art 6 per person 2, E201 → 2 points, E201's 2nd art-6 error: fine 100
  M-02 2027-03: 100 − 5 = 95; amount 5 × 10 = 50.00; fined 50 + 100 = 150.00
  E201: 4 points, 40.00 yuan, fined 150.00
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import orjson

import service_rules as sr
from service_rules._diff import diff_packs, render_diff_markdown

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LINES = [
    {"type": "outlet", "outlet": "M-02", "county": "东城"},
    {"type": "inspection", "id": "I-0308-02", "outlet": "M-02", "date": "2027-03-08", "by": "county"},
    {
        "type": "finding",
        "id": "F-0308-01",
        "outlet": "M-02",
        "date": "2027-03-08",
        "article": 5,
        "inspection": "I-0308-02",
    },
    {
        "type": "finding",
        "id": "F-0308-02",
        "outlet": "M-02",
        "date": "2027-03-08",
        "article": 6,
        "employees": ["E201"],
        "inspection": "I-0308-02",
    },
    {"type": "finding", "id": "F-0325-01", "outlet": "M-02", "date": "2027-03-25", "article": 6, "employees": ["E201"]},
]
AS_OF = "2027-04-10"


def _copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(EXAMPLES / "monthly", folder)
    money = folder / "money.toml"
    text = money.read_text(encoding="utf-8")
    assert old in text
    money.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def _input(tmp_path: Path) -> Path:
    path = tmp_path / "m02.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in LINES) + b"\n")
    return path


def test_a_rate_change_alone_is_a_change(tmp_path: Path) -> None:
    rate15 = _copy(tmp_path, "rate15", 'per_point = "10"', 'per_point = "15"')
    d = diff_packs(EXAMPLES / "monthly", rate15, [_input(tmp_path)], as_of=AS_OF)
    assert not d.empty and d.money_changed
    (card,) = d.changed
    assert (card.outlet, card.total_old, card.total_new, card.rearranged, card.money_only) == ("M-02", 95, 95, False, True)
    assert (card.amount_old, card.amount_new) == ("50.00", "75.00")  # 5 × 10, 5 × 15
    assert (card.fined_old, card.fined_new) == ("150.00", "150.00")
    assert card.sections == ()
    assert d.fines_added == d.fines_removed == ()
    (e,) = d.employees_changed
    assert (e.employee, e.period, e.amount_old, e.amount_new, e.fined_old, e.fined_new) == (
        "E201",
        "2027-03",
        "40.00",
        "60.00",
        "150.00",
        "150.00",
    )  # 4 points × 10, × 15
    text = render_diff_markdown(d)
    assert "完全相同" not in text
    assert "50.00 → 75.00" in text and "40.00 → 60.00" in text
    data = d.to_dict()
    assert data["changed"][0]["amount_new"] == "75.00"
    assert data["employees_changed"][0]["amount_new"] == "60.00"


def test_a_fine_change_shows_fines_and_ledger(tmp_path: Path) -> None:
    first60 = _copy(tmp_path, "first60", 'first = "50"', 'first = "60"')
    d = diff_packs(EXAMPLES / "monthly", first60, [_input(tmp_path)], as_of=AS_OF)
    (card,) = d.changed
    assert (card.fined_old, card.fined_new) == ("150.00", "180.00")  # 50 + 100 → 60 + 120
    assert (card.amount_old, card.amount_new) == ("50.00", "50.00")
    assert sorted((f.occurrence, f.amount) for f in d.fines_removed) == [(1, "50.00"), (2, "100.00")]
    assert sorted((f.occurrence, f.amount) for f in d.fines_added) == [(1, "60.00"), (2, "120.00")]
    (e,) = d.employees_changed
    assert (e.fined_old, e.fined_new) == ("150.00", "180.00")
    assert "### 罚款变化" in render_diff_markdown(d)


def test_identical_money_packs_are_empty(tmp_path: Path) -> None:
    same = _copy(tmp_path, "same", 'per_point = "10"', 'per_point = "10"')
    d = diff_packs(EXAMPLES / "monthly", same, [_input(tmp_path)], as_of=AS_OF)
    assert d.empty and not d.money_changed


def test_fail_on_changed_trips_on_money(tmp_path: Path) -> None:
    rate15 = _copy(tmp_path, "rate15", 'per_point = "10"', 'per_point = "15"')
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "service_rules",
            "diff",
            str(EXAMPLES / "monthly"),
            str(rate15),
            "--observations",
            str(_input(tmp_path)),
            "--as-of",
            AS_OF,
            "--fail-on",
            "changed",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 3, run.stderr
    assert "员工台账变化 1 条" in run.stderr
    assert sr.__name__  # the package imports
