"""Regression tests for a new pack author's trial of issue 9 (layers, check, imports)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import service_rules as sr
from service_rules._errors import PackError
from service_rules._packdocs import render_pack_docs

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _layer(tmp_path: Path, files: dict[str, str], pack_extra: str = "") -> Path:
    shutil.copytree(EXAMPLES / "monthly", tmp_path / "monthly")
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        f'[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "../monthly"\n{pack_extra}', encoding="utf-8"
    )
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _codes(folder: Path) -> list[tuple[str, str | None]]:
    with pytest.raises(PackError) as info:
        sr.compile_pack(sr.load_pack(folder))
    return [(p.code, p.path) for p in info.value.problems]


# ---- 2: money numbers changed by a layer need their own provenance -----------------------


@pytest.mark.parametrize(
    "entry",
    [
        '[[rates]]\nid = "wage-pool"\noverride = true\nper_point = "15"\n',
        '[[fines]]\nid = "same-error"\noverride = true\ncap = "800"\n',
        '[[fines]]\nid = "same-error"\noverride = true\nfirst = 60\n',
        '[[fines]]\nid = "same-error"\noverride = true\nfactor = 3\n',
        '[[fines]]\nid = "same-error"\noverride = true\nsteps = ["50", "100"]\nfactor = 1\n',
    ],
)
def test_a_money_number_without_its_provenance_is_stale(tmp_path: Path, entry: str) -> None:
    folder = _layer(tmp_path, {"money.toml": entry})
    assert ("provenance_stale", "$.rates[0]" if "rates" in entry else "$.fines[0]") in _codes(folder)


def test_a_yuan_threshold_value_without_its_provenance_is_stale(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path, {"oversight.toml": '[[thresholds]]\nid = "pass-mark"\noverride = true\nvalue = { value = "85" }\n'}
    )
    assert any(code == "provenance_stale" for code, _ in _codes(folder))


def test_a_money_number_with_its_provenance_drops_the_old_note(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        {"money.toml": '[[rates]]\nid = "wage-pool"\noverride = true\nper_point = "15"\nprovenance = "literal"\n'},
    )
    pack = sr.compile_pack(sr.load_pack(folder)).pack
    (rate,) = pack.money.rates
    assert (rate.per_point, rate.provenance, rate.note) == ("15", "literal", None)
    assert "第八条:“每扣1分扣减网点当月工资总额10元”" not in render_pack_docs(pack)


def test_a_money_entry_changed_without_numbers_keeps_its_provenance(tmp_path: Path) -> None:
    folder = _layer(tmp_path, {"money.toml": '[[fines]]\nid = "same-error"\noverride = true\ntitle = "同一差错罚款"\n'})
    pack = sr.compile_pack(sr.load_pack(folder)).pack
    (fine,) = pack.money.fines
    assert fine.note is not None and fine.note.startswith("第九条")


# ---- 10: a layer's pack-level settings are layer changes --------------------------------


def _generic_layer(tmp_path: Path, pack_extra: str) -> Path:
    folder = tmp_path / "gl"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        f'[pack]\nname = "gl"\ntitle = "t"\nversion = "1"\nextends = "generic"\n{pack_extra}', encoding="utf-8"
    )
    return folder


def test_a_layer_changing_the_period_is_a_layer_change(tmp_path: Path) -> None:
    pack = sr.load_pack(_generic_layer(tmp_path, 'period = "month"\n'))
    found = [(c.kind, c.key, c.action, c.base_layer, c.changed) for c in pack.changes]
    assert found == [("pack", "period", "override", "generic", ["period"])]
    sr.compile_pack(pack)  # no override_noop: compiles without problems
    assert "覆盖 规则包设置 `period`(层 `gl`" in render_pack_docs(pack)


def test_a_layer_restating_the_same_setting_and_its_own_name_changes_nothing(tmp_path: Path) -> None:
    pack = sr.load_pack(_generic_layer(tmp_path, 'source = "某县"\n'))
    assert [c for c in pack.changes if c.kind == "pack"] == []


def test_a_layer_changing_the_total_lists_the_keys_it_changed(tmp_path: Path) -> None:
    folder = _layer(tmp_path, {}, 'total = { value = 120, provenance = "assumed", note = "测试" }\n')
    pack = sr.load_pack(folder)
    found = [(c.kind, c.key, c.action, c.base_layer, c.changed) for c in pack.changes]
    assert found == [("pack", "total", "override", "monthly-example", ["note", "provenance", "value"])]


# ---- 13: one check run reports every problem: errors do not hide warnings ----------------

BOTH = """
[[rules]]
id = "m-3-again"
section = 2
article = 3
when = { type = "finding", article = 3 }
deduct = { kind = "fixed", points = 1, provenance = "assumed", note = "测试" }
reason = "第{article}条,扣{points}分。"

[[rules]]
id = "m-6-light"
section = 3
article = 6
when = { type = "finding", article = 6 }
supersedes = ["m-6"]
deduct = { kind = "per_person", points = 1, provenance = "assumed", note = "测试" }
reason = "第{article}条,扣{points}分。"
"""


def test_a_double_counting_error_does_not_hide_a_warning(tmp_path: Path) -> None:
    folder = _layer(tmp_path, {"rules.toml": BOTH})
    with pytest.raises(PackError) as info:
        sr.compile_pack(sr.load_pack(folder))
    assert [p.code for p in info.value.problems] == ["double_counting"]
    assert "supersedes_heavier" in [p.code for p in info.value.warnings]


def test_check_prints_the_warning_beside_the_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from service_rules.cli import main

    folder = _layer(tmp_path, {"rules.toml": BOTH})
    assert main(["check", str(folder)]) == 2
    out = capsys.readouterr().out
    assert "error: " in out and "double_counting" in out
    assert "warning: " in out and "supersedes_heavier" in out


# ---- 5: a standalone pack without imports.toml says so ----------------------------------


def test_a_pack_without_an_import_map_says_so_in_chinese(tmp_path: Path) -> None:
    from service_rules._sheets import iter_sheets

    folder = tmp_path / "alone"
    shutil.copytree(EXAMPLES / "monthly", folder)
    (folder / "imports.toml").unlink()
    pack = sr.load_pack(folder)
    assert not pack.imports.imports
    csv = tmp_path / "findings.csv"
    csv.write_text("问题编号,网点代码,检查日期,条款\nF1,M-01,2027-03-05,3\n", encoding="utf-8")
    (sheet,) = list(iter_sheets(csv, pack.imports))
    assert sheet.record_type is None and sheet.problem is not None
    assert "规则包没有导入映射(imports.toml)" in sheet.problem
    assert 'extends = "generic"' in sheet.problem and "复制" in sheet.problem
    assert ":)" not in sheet.problem and ":" not in sheet.problem.split("(")[-1][:1]


def test_the_monthly_example_reads_office_sheets(tmp_path: Path) -> None:
    from service_rules._sheets import read_records

    csv = tmp_path / "findings.csv"
    csv.write_text("问题编号,网点代码,检查日期,条款\nF1,M-01,2027-03-05,3\n", encoding="utf-8")
    records = read_records(csv, sr.load_pack(EXAMPLES / "monthly").imports)
    assert records == [{"type": "finding", "id": "F1", "outlet": "M-01", "date": "2027-03-05", "article": 3}]


# ---- 12: what the docs promise ------------------------------------------------------------


@pytest.mark.parametrize("value", ["12.5", "0", '"0"', "-3"])
def test_a_float_zero_or_negative_amount_is_invalid_amount(tmp_path: Path, value: str) -> None:
    folder = _layer(tmp_path, {"money.toml": f'[[rates]]\nid = "wage-pool"\noverride = true\nper_point = {value}\n'
                               'provenance = "literal"\n'})  # fmt: skip
    assert ("invalid_amount", "$.rates[0].per_point") in _codes(folder)


def test_the_cases_schema_lists_the_money_keys_of_a_scorecard() -> None:
    from service_rules._packtest import cases_schema

    card = cases_schema()["properties"]["cases"]["items"]["properties"]["expect"]["properties"]["scorecards"]
    assert {"total", "amount", "fined", "deductions"} <= set(card["items"]["properties"])


def test_a_fine_action_starting_at_another_occurrence_needs_its_provenance(tmp_path: Path) -> None:
    entry = (
        '[[fines]]\nid = "same-error"\noverride = true\n'
        '[[fines.actions]]\nstart = 2\naction = "bad_record"\nlabel = "记入员工不良记录。"\n'
    )
    assert ("provenance_stale", "$.fines[0]") in _codes(_layer(tmp_path, {"money.toml": entry}))


def test_a_fine_action_relabelled_keeps_its_provenance(tmp_path: Path) -> None:
    entry = (
        '[[fines]]\nid = "same-error"\noverride = true\n'
        '[[fines.actions]]\nstart = 3\naction = "bad_record"\nlabel = "记入不良记录。"\n'
    )
    pack = sr.compile_pack(sr.load_pack(_layer(tmp_path, {"money.toml": entry}))).pack
    assert pack.money.fines[0].note is not None
