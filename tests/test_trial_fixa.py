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
