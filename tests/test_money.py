"""Money and employees (money.toml): point rates, fines per occurrence, the employee ledger.

Every expected amount is computed by hand in the comments, from the Cangzhou pack (layered here
with a money.toml) and examples/cangzhou-2026q3.jsonl or records written out in the test.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import service_rules as sr
from service_rules._employees import Named, ledger
from service_rules._errors import PackError

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cangzhou-2026q3.jsonl"
AS_OF = "2026-11-27"

RATE_10 = """
[[rates]]
id = "wage-pool"
per_point = "10"
provenance = "literal"
note = "每扣1分扣减网点工资总额10元"
"""

# 同一差错第一次罚款50元,每重复一次加倍,单次最高1000元,第三次起记入不良记录
DOUBLING = """
action_labels = { bad_record = "记入不良记录" }

[[fines]]
id = "same-error"
title = "同一差错重复罚款"
subject = "employee"
same = ["article"]
window = "year"
first = "50"
factor = 2
cap = "1000"
provenance = "literal"
reason = "{subject}本年度第{n}次同一差错({cause}),罚款{amount}元。{actions}"

[[fines.actions]]
start = 3
action = "bad_record"
label = "记入不良记录。"
"""

LEDGER_SPLIT = """
[employees]
share = "split"
provenance = "assumed"
note = "共同责任人平均分摊"
"""

LEDGER_FULL = """
[employees]
share = "full"
provenance = "assumed"
note = "共同责任人各自全额承担"
"""


def make_pack(root: Path, money: str, *, name: str = "czm", pack_extra: str = "", rules: str = "") -> sr.CompiledPack:
    folder = root / name
    folder.mkdir()
    (folder / "pack.toml").write_text(
        f'[pack]\nname = "{name}"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n{pack_extra}', encoding="utf-8"
    )
    (folder / "money.toml").write_text(money, encoding="utf-8")
    if rules:
        (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return sr.compile_pack(sr.load_pack(folder))


def score(pack: sr.CompiledPack, records: list[dict[str, Any]] | None = None, **kw: Any) -> sr.ScoreResult:
    inputs: list[Any] = [sr.Records(records)] if records is not None else [str(EXAMPLE)]
    return sr.score(pack, inputs, as_of=AS_OF, **kw)


def finding(id: str, date: str, article: int, **kw: Any) -> dict[str, Any]:
    return {"type": "finding", "id": id, "outlet": "O1", "date": date, "article": article, **kw}


def cards(result: sr.ScoreResult) -> dict[str, sr.Scorecard]:
    return {c.outlet: c for c in result.scorecards}


# ---- rates ------------------------------------------------------------------------------------


def test_ten_yuan_a_point_on_the_example(tmp_path: Path) -> None:
    result = score(make_pack(tmp_path, RATE_10))
    by = cards(result)
    # points lost per outlet (tests/test_diff.py): BT-01 1, HJ-01 1+2+5+10 = 18, HJ-02 1+10 = 11,
    # RQ-01 3+3+20+10 = 36, RQ-02 2+10 = 12; × 10 yuan. BT-02 has nothing recorded: not scored, null.
    assert {o: c.amount for o, c in by.items()} == {
        "BT-01": "10.00",
        "BT-02": None,
        "HJ-01": "180.00",
        "HJ-02": "110.00",
        "RQ-01": "360.00",
        "RQ-02": "120.00",
    }
    hj = by["HJ-01"]
    assert [(d.points, d.amount) for d in hj.deductions] == [(1, "10.00"), (2, "20.00"), (5, "50.00"), (10, "100.00")]
    assert hj.fined is None  # no fine in the pack
    assert result.fines == () and result.employees == ()


def test_the_most_specific_rate_applies(tmp_path: Path) -> None:
    money = (
        RATE_10
        + """
[[rates]]
id = "chapter-5"
section = 5
per_point = "20.50"
provenance = "assumed"
note = "测试"

[[rates]]
id = "complaint"
rule = "cz-5-complaint"
per_point = "0.50"
provenance = "assumed"
note = "测试"
"""
    )
    by = cards(score(make_pack(tmp_path, money)))
    hj = by["HJ-01"]
    # art 12 (三) 1 × 10 = 10.00; art 18 (四) 2 × 10 = 20.00; art 26 (五) 5 × 20.50 = 102.50;
    # the verified complaint (五, its own rate) 10 × 0.50 = 5.00; total 137.50
    assert [d.amount for d in hj.deductions] == ["10.00", "20.00", "102.50", "5.00"]
    assert hj.amount == "137.50"


def test_a_rate_for_one_rule_only_leaves_the_others_null(tmp_path: Path) -> None:
    money = """
[[rates]]
id = "drunk"
rule = "cz-8-drunk"
per_point = 100
provenance = "assumed"
note = "测试"
"""
    rq = cards(score(make_pack(tmp_path, money)))["RQ-01"]
    # only art 41 drunk (10 points × 100); the others have no rate: null, and not added
    assert [(d.rule, d.amount) for d in rq.deductions if d.amount is not None] == [("cz-8-drunk", "1000.00")]
    assert sum(1 for d in rq.deductions if d.amount is None) == 3
    assert rq.amount == "1000.00"


def test_a_rate_is_on_points_after_caps_and_before_the_floor(tmp_path: Path) -> None:
    # 第八章 per person 5 points, capped here at 5 per card (the second person is absorbed by the cap);
    # 第五章 allotment 20 with a floor of 0: transfer complaint 20 + harsh tone 5 = 25 lost, score held at 0.
    rules = """
[[rules]]
id = "cz-8-person"
override = true
cap = { value = 5, provenance = "assumed", note = "测试" }
"""
    pack = make_pack(
        tmp_path,
        RATE_10,
        rules=rules,
        pack_extra='floor = { policy = "minimum", value = 0, provenance = "assumed", note = "测试" }\n',
    )
    records = [
        finding("P", "2026-07-01", 40, persons=2),
        finding("T", "2026-07-02", 26, tag="harsh_tone", persons=1),
        {"type": "complaint", "id": "C", "outlet": "O1", "date": "2026-07-03", "channel": "written",
         "verified": True, "account_transferred": True},
    ]  # fmt: skip
    (card,) = score(pack, records).scorecards
    p = next(d for d in card.deductions if d.rule == "cz-8-person")
    assert (p.raw_points, p.points, p.amount) == (10, 5, "50.00")  # the cap bit: 5 points cost 50, not 100
    five = next(s for s in card.sections if s.number == 5)
    assert (five.deducted, five.score, five.beyond_floor) == (25, 0, 5)
    # the floor absorbed 5 points, not their money: 5 + 25 = 30 points × 10 = 300.00
    assert card.amount == "300.00"


# ---- fines ------------------------------------------------------------------------------------


def test_doubling_fines_with_a_cap_and_a_record_from_the_third_time(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, DOUBLING)
    records = [finding(f"F{i}", f"2026-0{i}-10", 18, points=1, employees=["E1"]) for i in range(1, 8)]
    result = score(pack, records)
    # 50, ×2 = 100, 200, 400, 800, 1600 → cap 1000, 1000
    assert [(f.subject, f.occurrence, f.amount) for f in result.fines] == [
        ("E1", 1, "50.00"),
        ("E1", 2, "100.00"),
        ("E1", 3, "200.00"),
        ("E1", 4, "400.00"),
        ("E1", 5, "800.00"),
        ("E1", 6, "1000.00"),
        ("E1", 7, "1000.00"),
    ]
    assert [f.actions for f in result.fines] == [(), (), *[("bad_record",)] * 5]
    third = result.fines[2]
    assert (third.subject_type, third.rule, third.observations, third.key, third.window) == (
        "employee",
        "same-error",
        ("F3",),
        "article=18",
        "2026",
    )
    assert third.reason.startswith("E1本年度第3次同一差错(第18条")
    assert third.reason.endswith("罚款200.00元。记入不良记录。")
    assert result.fines[1].reason.endswith("罚款100.00元。")
    records_taken = [a for a in result.actions if a.rule == "same-error"]
    assert [(a.subject, a.subject_type, a.action, a.date, a.observations) for a in records_taken] == [
        ("E1", "employee", "bad_record", f"2026-0{i}-10", (f"F{i}",)) for i in range(3, 8)
    ]
    # the cards' fined: each quarter's occurrences on O1: Q1 50+100+200 = 350, Q2 400+800+1000 = 2200, Q3 1000
    assert {c.period: c.fined for c in result.scorecards} == {
        "2026Q1": "350.00",
        "2026Q2": "2200.00",
        "2026Q3": "1000.00",
    }


def test_the_count_is_per_subject_per_same_thing_per_window(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, DOUBLING)
    records = [
        finding("A1", "2026-03-01", 18, points=1, employees=["E1"]),
        finding("A2", "2026-04-01", 18, points=1, employees=["E1", "E2"]),  # E1's 2nd, E2's 1st
        finding("B1", "2026-05-01", 19, points=1, employees=["E1"]),  # another article: E1's 1st of 19
        finding("A3", "2027-01-05", 18, points=1, employees=["E1"]),  # a new year: E1's 1st again
        finding("N1", "2026-06-01", 18, points=1),  # no employee: the outlet is the subject
    ]
    fines = score(pack, records).fines
    assert [(f.subject, f.subject_type, f.key, f.occurrence, f.amount, f.observations[0]) for f in fines] == [
        ("E1", "employee", "article=18", 1, "50.00", "A1"),
        ("E1", "employee", "article=18", 2, "100.00", "A2"),
        ("E2", "employee", "article=18", 1, "50.00", "A2"),
        ("E1", "employee", "article=19", 1, "50.00", "B1"),
        ("O1", "outlet", "article=18", 1, "50.00", "N1"),
        ("E1", "employee", "article=18", 1, "50.00", "A3"),
    ]


def test_without_employee_none_fines_nobody(tmp_path: Path) -> None:
    money = DOUBLING.replace('window = "year"', 'window = "year"\nwithout_employee = "none"')
    fines = score(make_pack(tmp_path, money), [finding("N1", "2026-06-01", 18, points=1)]).fines
    assert fines == ()


def test_steps_and_a_whole_input_window(tmp_path: Path) -> None:
    money = """
[[fines]]
id = "steps"
subject = "outlet"
same = ["rule", "tag"]
when = { section = 5 }
window = "none"
steps = ["20", "50", 100]
provenance = "assumed"
note = "测试"
reason = "{subject}第{n}次:{amount}元"
"""
    records = [finding(f"T{i}", f"{2025 + i}-07-01", 26, tag="harsh_tone") for i in range(4)] + [
        finding("X", "2026-07-02", 18, points=1)
    ]  # section 4: not selected by when
    fines = score(make_pack(tmp_path, money), records).fines
    # window none: 2025…2028 count together; the last step repeats
    assert [(f.occurrence, f.amount, f.window) for f in fines] == [
        (1, "20.00", None),
        (2, "50.00", None),
        (3, "100.00", None),
        (4, "100.00", None),
    ]
    assert fines[0].key == "rule=cz-5-tone,tag=harsh_tone"
    assert fines[1].reason == "O1第2次:50.00元"


def test_fines_follow_the_period_like_actions(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, DOUBLING)
    records = [finding(f"F{i}", f"2026-0{i}-10", 18, points=1, employees=["E1"]) for i in (2, 5, 8)]
    result = score(pack, records, period="2026Q2")
    # occurrences are counted over the whole year, then only Q2's is listed: the 2nd, 100.00
    assert [(f.occurrence, f.amount) for f in result.fines] == [(2, "100.00")]
    (card,) = [c for c in result.scorecards if c.outlet == "O1"]
    assert card.fined == "100.00"


def test_pending_and_dismissed_observations_are_no_occurrence(tmp_path: Path) -> None:
    money = DOUBLING.replace('same = ["article"]', 'same = ["rule"]').replace(
        'subject = "employee"', 'subject = "outlet"'
    )
    records = [
        {"type": "complaint", "id": "C1", "outlet": "O1", "date": "2026-07-01", "channel": "phone"},  # pending
        {"type": "complaint", "id": "C2", "outlet": "O1", "date": "2026-07-02", "channel": "phone", "verified": False},
        {"type": "complaint", "id": "C3", "outlet": "O1", "date": "2026-07-03", "channel": "phone", "verified": True},
    ]
    fines = score(make_pack(tmp_path, money), records).fines
    assert [(f.observations, f.occurrence) for f in fines] == [(("C3",), 1)]


# ---- the employee ledger ----------------------------------------------------------------------


def test_a_split_deduction_adds_back_to_the_cent(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, RATE_10 + LEDGER_SPLIT)
    # art 18 graded 2 points among three: 200 cents / 3 = 66 r 2 → E1 and E2 (first by id) 0.67, E3 0.66;
    # 20.00 yuan: 2000 / 3 = 666 r 2 → 6.67, 6.67, 6.66
    result = score(pack, [finding("F", "2026-07-01", 18, points=2, employees=["E3", "E1", "E2"])])
    assert [(e.employee, e.points, e.amount, e.fined) for e in result.employees] == [
        ("E1", "0.67", "6.67", None),
        ("E2", "0.67", "6.67", None),
        ("E3", "0.66", "6.66", None),
    ]
    share = result.employees[0].deductions[0]
    assert (share.outlet, share.rule, share.article, share.observations, share.points, share.among) == (
        "O1", "cz-4-item", 18, ("F",), "0.67", 3,
    )  # fmt: skip


def test_borne_in_full_points_stay_integers(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, DOUBLING + RATE_10 + LEDGER_FULL)
    records = [
        finding("F1", "2026-07-01", 18, points=2, employees=["E1", "E2"]),
        finding("F2", "2026-08-01", 18, points=1, employees=["E1"]),
    ]
    result = score(pack, records)
    # E1: 2 + 1 = 3 points, 30.00 yuan; fines 50 (1st of art 18) + 100 (2nd) = 150.00
    # E2: 2 points, 20.00; fine 50.00
    assert [(e.employee, e.period, e.outlets, e.points, e.amount, e.fined) for e in result.employees] == [
        ("E1", "2026Q3", ("O1",), 3, "30.00", "150.00"),
        ("E2", "2026Q3", ("O1",), 2, "20.00", "50.00"),
    ]
    assert [(f.rule, f.occurrence, f.amount) for f in result.employees[0].fines] == [
        ("same-error", 1, "50.00"),
        ("same-error", 2, "100.00"),
    ]


def test_the_example_ledger_matches_the_split_points(tmp_path: Path) -> None:
    result = score(make_pack(tmp_path, LEDGER_SPLIT))
    # HJ01-E07: art 26 harsh tone 5 + verified complaint 10 = 15; RQ01-E03: drunk 10;
    # RQ02-E01 and RQ02-E04 share art 41's 10 points: 5.00 each. No rate: amount null.
    assert [(e.employee, e.points, e.amount) for e in result.employees] == [
        ("HJ01-E07", "15.00", None),
        ("RQ01-E03", "10.00", None),
        ("RQ02-E01", "5.00", None),
        ("RQ02-E04", "5.00", None),
    ]


def test_the_stream_writes_the_same_bytes(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, DOUBLING + RATE_10 + LEDGER_SPLIT)
    out = io.BytesIO()
    sr.score_to_stream(pack, [str(EXAMPLE)], out, as_of=AS_OF)
    assert out.getvalue() == score(pack).to_json() + b"\n"
    assert b'"fines":[{' in out.getvalue() and b'"employees":[{' in out.getvalue()


# ---- check ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "code"),
    [
        ('[[rates]]\nid = "a"\nper_point = "1.234"\nprovenance = "literal"\n', "invalid_amount"),
        ('[[rates]]\nid = "a"\nper_point = -1\nprovenance = "literal"\n', "invalid_amount"),
        ('[[rates]]\nid = "a"\nper_point = 1\nrule = "nope"\nprovenance = "literal"\n', "unknown_rule"),
        ('[[rates]]\nid = "a"\nper_point = 1\nsection = 99\nprovenance = "literal"\n', "unknown_section"),
        ('[[rates]]\nid = "a"\nper_point = 1\nsection = 5\nrule = "cz-5-tone"\nprovenance = "literal"\n', "rate_scope"),
        ('[[rates]]\nid = "a"\nper_point = 1\nprovenance = "assumed"\n', "provenance_note_missing"),
        (RATE_10 + RATE_10.replace('"wage-pool"', '"again"'), "duplicate_rate"),
        (DOUBLING.replace('cap = "1000"\n', ""), "fine_cap_missing"),
        (DOUBLING.replace('same = ["article"]', 'same = ["employee"]'), "unknown_field"),
        (DOUBLING.replace('window = "year"', 'window = "year"\nwhen = { channel = "phone" }'), "unknown_field"),
        (DOUBLING.replace('window = "year"', 'window = "year"\nwhen = { article = 999 }'), "unknown_article"),
        (DOUBLING.replace("factor = 2", 'factor = 2\nsteps = ["1"]'), "fine_amounts"),
        (DOUBLING.replace("factor = 2", 'factor = "0.5"'), "invalid_factor"),
        (DOUBLING.replace('first = "50"', 'first = "5000"'), "invalid_amount"),
        (DOUBLING.replace("{amount}元", "{yuan}元"), "unknown_placeholder"),
        (DOUBLING.replace("start = 3", "start = 0"), "invalid_value"),
        (LEDGER_SPLIT.replace('note = "共同责任人平均分摊"\n', ""), "provenance_note_missing"),
    ],
)
def test_check_refuses(tmp_path: Path, money: str, code: str) -> None:
    with pytest.raises(PackError) as err:
        make_pack(tmp_path, money)
    codes = [p.code for p in err.value.problems]
    assert code in codes, codes
    assert all(p.file and p.file.endswith("money.toml") for p in err.value.problems if p.code == code)


def test_a_float_amount_is_refused_by_the_loader(tmp_path: Path) -> None:
    with pytest.raises(PackError) as err:
        make_pack(tmp_path, '[[rates]]\nid = "a"\nper_point = 1.5\nprovenance = "literal"\n')
    assert any("per_point" in (p.path or "") for p in err.value.problems)


# ---- employees as subjects of ladders --------------------------------------------------------

LADDER = """
[[ladders]]
id = "emp-ladder"
when = {{ type = "finding", article = {article} }}
{same}
subject = "{subject}"
subject_type = "{subject_type}"
window = "calendar_year"
window_provenance = "assumed"
window_note = "测试"
steps_provenance = "assumed"
steps_note = "测试"
reason = "{{subject}}第{{n}}次"

[[ladders.steps]]
action = "warn"
label = "提醒"

[[ladders.steps]]
action = "fine"
label = "罚款"
"""


def make_ladder_pack(
    root: Path, subject: str, subject_type: str, *, same: str = "", article: str = "18"
) -> sr.CompiledPack:
    folder = root / "czl"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "czl"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', encoding="utf-8"
    )
    (folder / "oversight.toml").write_text(
        LADDER.format(subject=subject, subject_type=subject_type, same=same, article=article), encoding="utf-8"
    )
    return sr.compile_pack(sr.load_pack(folder))


def test_a_ladder_on_employees_counts_each_named_employee(tmp_path: Path) -> None:
    pack = make_ladder_pack(tmp_path, "employees", "employee")
    records = [
        finding("F1", "2026-07-01", 18, points=1, employees=["E1", "E2"]),
        finding("F2", "2026-08-01", 18, points=1, employees=["E1"]),
        finding("F3", "2026-08-02", 18, points=1),  # names nobody: no employee to count
    ]
    actions = [a for a in score(pack, records).actions if a.rule == "emp-ladder"]
    assert [(a.subject, a.subject_type, a.action, a.observations) for a in actions] == [
        ("E1", "employee", "warn", ("F1",)),
        ("E2", "employee", "warn", ("F1",)),
        ("E1", "employee", "fine", ("F2",)),
    ]


@pytest.mark.parametrize(
    ("subject", "subject_type", "code"),
    [
        ("employee", "employee", "unknown_field"),  # a finding names employees in 'employees'
        ("article", "outlet", "subject_field_type"),  # a number never names a subject
        ("outlet", "employee", "subject_mismatch"),
        ("employees", "outlet", "subject_mismatch"),
    ],
)
def test_a_ladder_subject_that_could_never_count_is_an_error(
    tmp_path: Path, subject: str, subject_type: str, code: str
) -> None:
    with pytest.raises(PackError) as err:
        make_ladder_pack(tmp_path, subject, subject_type)
    assert code in [p.code for p in err.value.problems]


# ---- pack tests -------------------------------------------------------------------------------

CASES = """
[[cases]]
name = "同一差错第二次罚款加倍;两人共担的扣分平均分摊"
records = [
  { type = "finding", id = "F1", outlet = "O1", date = "2026-07-01", article = 18, points = 2, employees = ["E1", "E2"] },
  { type = "finding", id = "F2", outlet = "O1", date = "2026-08-01", article = 18, points = 1, employees = ["E1"] },
]
[[cases.expect.scorecards]]
outlet = "O1"
period = "2026Q3"
amount = "30.00"      # 3 points × 10
fined = "200.00"      # E1 50 + 100, E2 50
[cases.expect]
fines = [
  { subject = "E1", occurrence = 1, amount = "50.00", observations = ["F1"] },
  { subject = "E2", occurrence = 1, amount = "50.00" },
  { subject = "E1", occurrence = 2, amount = "100.00", observations = ["F2"] },
]
employees = [
  { employee = "E1", points = "2.00", amount = "20.00", fined = "150.00" },   # 1 + 1
  { employee = "E2", points = "1.00", amount = "10.00", fined = "50.00" },
]
"""


def test_pack_cases_expect_fines_and_ledgers_and_coverage_counts_them(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, DOUBLING + RATE_10 + LEDGER_SPLIT)
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "money.toml").write_text(CASES, encoding="utf-8")
    report = sr.run_pack_tests(pack, cases)
    assert report.passed, [c.failures for c in report.cases]
    # the layer adds a rate, a fine and the ledger: all three reached by the passing case
    assert set(report.rules.covered) == {"rate:wage-pool", "fine:same-error", "ledger:employees"}
    assert report.rules.uncovered == ()
    wrong = CASES.replace('amount = "100.00", observations', 'amount = "99.00", observations')
    (cases / "money.toml").write_text(wrong, encoding="utf-8")
    report = sr.run_pack_tests(pack, cases)
    assert not report.passed
    assert any("fines[2].amount" in f for c in report.cases for f in c.failures)
    assert report.rules.covered == ()  # a failing case proves nothing


# ---- the worked example: examples/monthly -----------------------------------------------------

MONTHLY = Path(__file__).resolve().parent.parent / "examples" / "monthly"


def test_the_monthly_example_passes_its_hand_computed_cases_with_full_coverage() -> None:
    pack = sr.compile_pack(sr.load_pack(MONTHLY))
    assert pack.warnings == ()  # check --strict passes
    report = sr.run_pack_tests(pack, scope="all")
    assert report.passed, [(c.name, c.failures) for c in report.cases if not c.passed]
    assert len(report.cases) >= 6
    assert report.rules.percent == 100.0 and report.articles.percent == 100.0
    assert {"rate:wage-pool", "fine:same-error", "ledger:employees"} <= set(report.rules.covered)


def test_one_ladder_counts_the_same_error_by_the_same_employee(tmp_path: Path) -> None:
    # one ladder over articles 18 and 19 instead of one per article: counted apart per article
    pack = make_ladder_pack(tmp_path, "employees", "employee", same='same = ["article"]', article="[18, 19]")
    records = [
        finding("F1", "2026-07-01", 18, points=1, employees=["E1"]),
        finding("F2", "2026-07-02", 19, points=1, employees=["E1"]),  # another error: E1's 1st of 19
        finding("F3", "2026-07-03", 18, points=1, employees=["E1"]),  # E1's 2nd of 18
    ]
    actions = [a for a in score(pack, records).actions if a.rule == "emp-ladder"]
    assert [(a.subject, a.action, a.observations) for a in actions] == [
        ("E1", "warn", ("F1",)),
        ("E1", "warn", ("F2",)),
        ("E1", "fine", ("F3",)),
    ]


@pytest.mark.parametrize("same", ['same = ["employees"]', 'same = ["nope"]', 'same = ["article", "article"]'])
def test_a_ladder_same_field_must_be_one_the_facts_carry(tmp_path: Path, same: str) -> None:
    with pytest.raises(PackError) as err:
        make_ladder_pack(tmp_path, "employees", "employee", same=same)
    assert {p.code for p in err.value.problems} & {"unknown_field", "invalid_value"}


# ---- laws -------------------------------------------------------------------------------------

_names = st.lists(st.sampled_from(["E1", "E2", "E3", "E10", "Z"]), min_size=1, max_size=5, unique=True)


@given(
    st.lists(
        st.tuples(_names, st.integers(min_value=0, max_value=10_000), st.sampled_from([None, "1", "10", "12.50"])),
        max_size=8,
    ),
    st.sampled_from(["split", "full"]),
)
def test_the_ledger_adds_back_to_the_deductions(
    deductions: list[tuple[list[str], int, str | None]], share: str
) -> None:
    named = [
        Named("O1", "2027-03", "r", None, (f"F{i}",), "2027-03-01", points,
              None if rate is None else str((Decimal(rate) * points).quantize(Decimal("0.01"))), tuple(names))
        for i, (names, points, rate) in enumerate(deductions)
    ]  # fmt: skip
    accounts = ledger(named, (), share)
    for i, d in enumerate(named):
        parts = [p for a in accounts for p in a.deductions if p.observations == (f"F{i}",)]
        assert sorted(
            a.employee for a in accounts if any(p.observations == (f"F{i}",) for p in a.deductions)
        ) == sorted(d.employees)
        if share == "split":  # the parts add back exactly, each within 0.01 of its exact share
            assert sum(Decimal(str(p.points)) for p in parts) == d.points
            assert all(abs(Decimal(str(p.points)) - Decimal(d.points) / len(parts)) < Decimal("0.01") for p in parts)
            if d.amount is not None:
                assert sum(Decimal(p.amount or "0") for p in parts) == Decimal(d.amount)
        else:  # each bears it in full
            assert all(p.points == d.points and p.amount == d.amount for p in parts)
    for a in accounts:  # an entry's totals are its parts
        assert Decimal(str(a.points)) == sum((Decimal(str(p.points)) for p in a.deductions), Decimal(0))


def test_the_table_shows_money_fines_and_the_ledger(tmp_path: Path) -> None:
    from service_rules._report import render_table

    pack = make_pack(tmp_path, DOUBLING + RATE_10 + LEDGER_SPLIT)
    records = [finding("F1", "2026-07-01", 18, points=2, employees=["E1", "E2"])]
    text = render_table(score(pack, records))
    assert "扣减金额 20.00 元  罚款 100.00 元" in text  # 2 points × 10; E1 and E2 50 each
    assert "-2  20.00 元  第18条" in text
    assert "员工E1  第1次  50.00 元  [same-error]" in text
    assert "个人台账:" in text and "1.00" in text
    plain = render_table(score(sr.compile_pack(sr.load_pack("cangzhou")), records))
    assert "罚款" not in plain and "元" not in plain  # a pack without money shows none


def test_the_workbook_gains_fines_and_ledger_sheets_only_with_money(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from service_rules._documents import write_workbook

    pack = make_pack(tmp_path, DOUBLING + RATE_10 + LEDGER_SPLIT)
    records = [finding("F1", "2026-07-01", 18, points=2, employees=["E1", "E2"])]
    write_workbook(score(pack, records), tmp_path / "m.xlsx")
    book = load_workbook(tmp_path / "m.xlsx")
    fines = [list(r) for r in book["罚款"].iter_rows(min_row=2, values_only=True)]
    assert [(r[2], r[8], r[9]) for r in fines] == [("E1", 1, 50), ("E2", 1, 50)]
    ledger_rows = [list(r) for r in book["个人台账"].iter_rows(min_row=3, values_only=True)]
    assert [(r[0], r[4], r[5], r[7]) for r in ledger_rows] == [("E1", 1, 10, 50), ("E2", 1, 10, 50)]
    write_workbook(score(sr.compile_pack(sr.load_pack("cangzhou")), records), tmp_path / "c.xlsx")
    assert not {"罚款", "个人台账"} & set(load_workbook(tmp_path / "c.xlsx").sheetnames)


def test_quotations_in_money_toml_are_checked_against_the_source(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "m"
    shutil.copytree(MONTHLY, folder)
    money = folder / "money.toml"
    money.write_text(
        money.read_text(encoding="utf-8").replace("扣减网点当月工资总额10元", "扣减工资10元"), encoding="utf-8"
    )
    with pytest.raises(PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    assert [(p.code, p.file, p.path) for p in err.value.problems] == [
        ("quotation_not_verbatim", "money.toml", "$.rates[0].note")
    ]


def test_many_repeats_of_one_error_cost_constant_work_each(tmp_path: Path) -> None:
    # 3,000 occurrences of one error by one employee: 50 × 1.01^(n−1), rounded to the cent each time,
    # reaches the cap of 100 and stays there (a quadratic recomputation would take minutes)
    money = DOUBLING.replace("factor = 2", 'factor = "1.01"').replace('cap = "1000"', 'cap = "100"')
    records = [finding(f"F{i:04d}", "2026-07-01", 18, points=1, employees=["E1"]) for i in range(3000)]
    fines = score(make_pack(tmp_path, money), records).fines
    assert [f.amount for f in fines[:3]] == ["50.00", "50.50", "51.01"]  # 50.50 × 1.01 = 51.005 → 51.01
    assert fines[-1].amount == "100.00" and fines[-1].occurrence == 3000


def test_the_monthly_example_input(tmp_path: Path) -> None:
    pack = sr.compile_pack(sr.load_pack(MONTHLY))
    result = sr.score(pack, [str(MONTHLY.parent / "monthly-2027-03.jsonl")], as_of="2027-04-10")
    assert result.rejected == ()
    # M-01: 营业环境 −2 −3, 服务规范 −4 (2 人次) −5 −10 → 35 + 41 = 76; 24 points × 10 = 240.00;
    #   fines E101 50, E102 50 (第6条), E103 50 (第7条) + 50 (the complaint) = 200.00
    # M-02: −1 −2 −2 → 95; 50.00; E201 50 then 100 (第6条 again) = 150.00
    # M-03: a complaint still being verified: pending, nothing lost
    assert [(c.outlet, c.total, c.amount, c.fined) for c in result.scorecards] == [
        ("M-01", 76, "240.00", "200.00"),
        ("M-02", 95, "50.00", "150.00"),
        ("M-03", 100, "0.00", "0.00"),
    ]
    assert [(e.employee, e.points, e.amount, e.fined) for e in result.employees] == [
        ("E101", "2.00", "20.00", "50.00"),
        ("E102", "2.00", "20.00", "50.00"),
        ("E103", "15.00", "150.00", "100.00"),
        ("E201", "4.00", "40.00", "150.00"),
    ]


def test_docs_show_the_money_in_chinese() -> None:
    text = sr.render_pack_docs(sr.load_pack(MONTHLY))
    money = text[text.index("## 金额与个人台账") :]
    assert "- `wage-pool` 全包:每扣1分 10 元〔原文〕(依据第8条)" in money
    assert "- 金额〔原文〕:第1次 50 元,此后每次为上次的 2 倍,单次最高 1000 元" in money
    assert "- 第3次起:记入员工不良记录。(`bad_record`;不通报)" in money
    assert "未列员工的,不罚款" in money and "平均分摊" in money
    assert "## 金额与个人台账" not in sr.render_pack_docs(sr.load_pack("cangzhou"))


# ---- thresholds on money and employees -------------------------------------------------------

THRESHOLDS = """
[[thresholds]]
id = "wage-review"
quantity = "amount"
compare = "gte"
value = {{ value = "{amount}", provenance = "assumed", note = "测试" }}
action = "wage_review"
label = "工资复核"
reason = "{{subject}}{{window}}扣减{{quantity}}元,达到{{value}}元,{{label}}。"

[[thresholds]]
id = "employee-review"
subject_type = "employee"
quantity = "{employee_quantity}"
compare = "gt"
value = {{ value = {employee_value}, provenance = "assumed", note = "测试" }}
action = "hr_review"
label = "人事复核"
reason = "{{subject}}{{window}}:{{quantity}},{{label}}。"
"""


def make_threshold_pack(
    root: Path, money: str, amount: str = "300", employee_quantity: str = "deducted", employee_value: str = "9"
) -> sr.CompiledPack:
    folder = root / "czt"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "czt"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', encoding="utf-8"
    )
    (folder / "money.toml").write_text(money, encoding="utf-8")
    text = THRESHOLDS.format(amount=amount, employee_quantity=employee_quantity, employee_value=employee_value)
    (folder / "oversight.toml").write_text(text, encoding="utf-8")
    return sr.compile_pack(sr.load_pack(folder))


def test_thresholds_read_the_money_and_the_ledger(tmp_path: Path) -> None:
    pack = make_threshold_pack(tmp_path, RATE_10 + LEDGER_SPLIT)
    result = sr.score(pack, [str(EXAMPLE)], as_of=AS_OF, period="2026Q3")
    taken = {
        (a.rule, a.subject, a.subject_type) for a in result.actions if a.rule in ("wage-review", "employee-review")
    }
    # amounts (tests/test_money.py, ten yuan a point): only RQ-01's 360.00 reaches 300.00;
    # the ledger's points: HJ01-E07 15.00 and RQ01-E03 10.00 exceed 9, RQ02-E01 and -E04 bear 5.00 each
    assert taken == {
        ("wage-review", "RQ-01", "outlet"),
        ("employee-review", "HJ01-E07", "employee"),
        ("employee-review", "RQ01-E03", "employee"),
    }
    hr = next(a for a in result.actions if a.subject == "HJ01-E07")
    assert hr.reason == "HJ01-E072026Q3:15.00,人事复核。"
    assert hr.observations == ("C-2026-031", "HJ-2026Q3-01-3")


def test_thresholds_on_money_need_money(tmp_path: Path) -> None:
    with pytest.raises(PackError) as err:
        make_threshold_pack(tmp_path, DOUBLING)  # a fine, but no rate and no ledger
    found = {(p.code, p.path) for p in err.value.problems}
    assert ("threshold_unsupported", "$.thresholds[0].quantity") in found
    assert ("threshold_unsupported", "$.thresholds[1].subject_type") in found


def test_an_employee_has_no_total(tmp_path: Path) -> None:
    with pytest.raises(PackError) as err:
        make_threshold_pack(tmp_path, RATE_10 + LEDGER_SPLIT, employee_quantity="total")
    assert ("invalid_value", "$.thresholds[1].quantity") in {(p.code, p.path) for p in err.value.problems}


def test_a_sanction_group_may_hold_a_fines_action(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(MONTHLY, tmp_path / "monthly")
    layer = tmp_path / "grouped"
    layer.mkdir()
    (layer / "pack.toml").write_text(
        '[pack]\nname = "grouped"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n', encoding="utf-8"
    )
    (layer / "oversight.toml").write_text(
        '[[sanction_groups]]\nid = "employee"\nprovenance = "assumed"\nnote = "测试"\nmembers = [\n'
        '  { rule = "same-error", action = "bad_record", rank = 1 },\n  { rule = "employee-quarter", rank = 2 },\n]\n',
        encoding="utf-8",
    )
    pack = sr.compile_pack(sr.load_pack(layer))
    # E1, 第七条 in January, February and March: 5 points each, 15.00 in 2027Q1 (> 10: 动态管理, dated
    # 2027-03-31, period 2027-03); the 3rd occurrence (March) takes bad_record in 2027-03 too: the
    # group keeps the higher rank, dynamic_management, and bad_record is absorbed by it
    records = [finding(f"F{m}", f"2027-0{m}-10", 7, employees=["E1"]) for m in (1, 2, 3)]
    result = sr.score(pack, [sr.Records(records)], as_of="2027-04-10")
    assert [(a.subject, a.action) for a in result.actions if a.subject == "E1"] == [("E1", "dynamic_management")]
    assert [(a.action, a.absorbed_by.rule if a.absorbed_by else None) for a in result.absorbed] == [
        ("bad_record", "employee-quarter")
    ]
    assert [f.amount for f in result.fines] == ["50.00", "100.00", "200.00"]  # the money stays
