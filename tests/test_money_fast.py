"""The fast money paths equal the slow ones they replace, field for field: the employee ledger
(parts worked out once per shape of deduction) against the one-deduction-at-a-time reference in
tests/_naive_money.py, on generated deductions and fines; the fines (each shape's key, cause
and window, each occurrence's amount and actions worked out once) on the bundled examples and
generated quarters under packs with several kinds of fines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import service_rules as sr
from _bench import bench_module
from _naive_money import naive_fines_and_actions, naive_ledger
from service_rules._employees import Named, ledger
from service_rules._evaluate import standing
from service_rules._fines import fines_and_actions
from service_rules._ingest import ingest
from service_rules._results import Fine
from service_rules._store import Facts
from test_money import make_pack

EMPLOYEES = st.sampled_from(["E1", "E2", "E10", "e2", "张三", "李四", "0", "E1 "])
PERIODS = st.sampled_from(["2026Q3", "2026Q4", "2026-07"])
OUTLETS = st.sampled_from(["O1", "O2", "O10"])
DATES = st.sampled_from(["2026-07-01", "2026-07-02", "2026-10-05"])
AMOUNTS = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["0.00", "0", "10", "0.01", "0.10", "33.33"]),
)


@st.composite
def named(draw: Any) -> Named:
    return Named(
        outlet=draw(OUTLETS),
        period=draw(PERIODS),
        rule=draw(st.sampled_from(["r1", "r2"])),
        article=draw(st.sampled_from([None, 3, 12])),
        observations=tuple(draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=2))),
        date=draw(DATES),
        points=draw(st.integers(min_value=0, max_value=25)),
        amount=draw(AMOUNTS),
        # duplicates on purpose: a Named built by hand may repeat an employee
        employees=tuple(draw(st.lists(EMPLOYEES, min_size=1, max_size=5))),
    )


@st.composite
def fine(draw: Any) -> Fine:
    return Fine(
        subject=draw(st.one_of(EMPLOYEES, OUTLETS)),
        subject_type=draw(st.sampled_from(["employee", "outlet"])),
        rule=draw(st.sampled_from(["f1", "f2"])),
        occurrence=draw(st.integers(min_value=1, max_value=4)),
        amount=draw(st.sampled_from(["50.00", "100.00", "1000.00", "0.50"])),
        observations=(draw(st.sampled_from(["a", "b", "c"])),),
        reason="罚款",
        period=draw(PERIODS),
        date=draw(DATES),
        outlet=draw(OUTLETS),
        article=None,
        deduction_rule="r1",
        key="article=null",
        window=None,
        actions=(),
    )


@settings(max_examples=300)
@given(
    st.lists(named(), max_size=30),
    st.lists(fine(), max_size=10),
    st.sampled_from(["full", "split"]),
)
def test_the_ledger_equals_the_one_deduction_at_a_time_ledger(
    deductions: list[Named], fines: list[Fine], share: str
) -> None:
    assert ledger(deductions, fines, share) == naive_ledger(deductions, fines, share)


def test_a_split_shape_shared_again_in_another_order_of_ids() -> None:
    # 1 point among three: 0.34, 0.33, 0.33 by id; the second deduction reuses the shape's parts
    one = Named("O1", "2026Q3", "r1", None, ("a",), "2026-07-01", 1, "10", ("E3", "E1", "E2"))
    two = Named("O1", "2026Q3", "r1", None, ("b",), "2026-07-02", 1, "10", ("E2", "E3", "E1"))
    got = {a.employee: (a.points, a.amount) for a in ledger([one, two], [], "split")}
    assert got == {"E1": ("0.68", "6.68"), "E2": ("0.66", "6.66"), "E3": ("0.66", "6.66")}
    assert ledger([one, two], [], "split") == naive_ledger([one, two], [], "split")


# ---- fines: each shape's key, cause and window, each occurrence's amount, worked out once ----

ROOT = Path(__file__).resolve().parent.parent

MANY_FINES = """
action_labels = { bad_record = "记入不良记录", talk = "诫勉谈话" }

[[fines]]
id = "same-error"
title = "同一差错重复罚款"
subject = "employee"
without_employee = "outlet"
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

[[fines]]
id = "outlet-repeat"
title = "网点重复差错"
subject = "outlet"
same = ["rule", "tag"]
window = "month"
steps = ["20", "30", "45.50"]
cap = "40"
provenance = "literal"
reason = "网点{subject}在{window}第{n}次同一差错({cause}),罚款{amount}元。{actions}"

[[fines.actions]]
start = 2
action = "talk"
label = "诫勉谈话。"

[[fines.actions]]
start = 4
action = "bad_record"
label = "记入不良记录。"

[[fines]]
id = "whole-input"
title = "整段同节差错"
subject = "employee"
same = ["section"]
window = "none"
first = "0.33"
factor = 3
cap = "7.77"
provenance = "literal"
reason = "{subject}第{n}次({cause}),{amount}元。"
"""


def _facts(compiled: sr.CompiledPack, inputs: list[str]) -> Facts:
    return standing(ingest(compiled, [Path(i) for i in inputs]), dt.date.fromisoformat("2026-11-27"))


def _same_fines(compiled: sr.CompiledPack, inputs: list[str]) -> int:
    facts = _facts(compiled, inputs)
    fast = fines_and_actions(compiled, facts)
    assert fast == naive_fines_and_actions(compiled, facts)
    return len(fast[0])


def test_fines_equal_the_one_deduction_at_a_time_fines_on_the_bundled_examples(tmp_path: Path) -> None:
    monthly = sr.compile_pack(sr.load_pack(ROOT / "examples" / "monthly"))
    assert _same_fines(monthly, [str(ROOT / "examples" / "monthly-2027-03.jsonl")]) > 0
    layered = make_pack(tmp_path, MANY_FINES)
    assert _same_fines(layered, [str(ROOT / "examples" / "cangzhou-2026q3.jsonl")]) > 0


@pytest.mark.parametrize("seed", [1, 7])
def test_fines_equal_the_one_deduction_at_a_time_fines_on_a_generated_quarter(tmp_path: Path, seed: int) -> None:
    generate = bench_module("generate")
    path = tmp_path / "quarter.jsonl"
    generate.generate(path, findings=3000, outlets=40, seed=seed)
    layered = make_pack(tmp_path, MANY_FINES)
    assert _same_fines(layered, [str(path)]) > 100
