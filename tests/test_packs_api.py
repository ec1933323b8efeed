"""Pack discovery and layering, as a policy author and another distribution use them."""

from __future__ import annotations

from pathlib import Path

import pytest

import service_rules as sr
from service_rules.cli import main


def write_pack(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def fake_distribution(site: Path, pack_folder: Path, name: str = "tianjin") -> None:
    """An installed distribution that declares a pack through the entry-point group."""
    pkg = site / "tianjin_pack"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text(f"PACK = {str(pack_folder)!r}\n", encoding="utf-8")
    info = site / "tianjin_pack-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tianjin-pack\nVersion: 0.3\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[service_rules.packs]\n{name} = tianjin_pack:PACK\n", encoding="utf-8")


LAYER = """[pack]
name = "tianjin"
title = "天津测试包"
version = "0.3"
extends = "generic"
"""


@pytest.fixture
def installed(tmp_path: Path, plugin_site: Path) -> Path:
    pack = write_pack(tmp_path / "packdata", {"pack.toml": LAYER})
    fake_distribution(plugin_site, pack)
    return pack


def test_an_installed_pack_resolves_by_name_and_is_listed(installed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = sr.load_pack("tianjin")
    assert pack.layers == ["generic", "tianjin"] and pack.version == "0.3"
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "tianjin" in out and "entry-point (tianjin-pack 0.3)" in out and "cangzhou" in out


def test_discovery_can_be_turned_off(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_RULES_DISABLE_PLUGINS", "1")
    with pytest.raises(sr.PackNotFoundError):
        sr.load_pack("tianjin")


def test_a_layer_completes_missing_articles_and_changes_points(tmp_path: Path) -> None:
    layer = write_pack(
        tmp_path / "hejian",
        {
            "pack.toml": '[pack]\nname = "hejian"\ntitle = "河间"\nversion = "1"\nextends = "cangzhou"\n',
            "articles.toml": '[[articles]]\nnumber = 7\noverride = true\nsection = 3\nstatus = "complete"\ntext = "(据纸质原文补全)"\n',
            "rules.toml": '[[rules]]\nid = "cz-5-item"\noverride = true\n'
            'deduct = { points = 4, provenance = "assumed", note = "河间加重" }\n',
        },
    )
    compiled = sr.compile_pack(sr.load_pack(layer))
    records = [
        {"type": "finding", "id": "a", "outlet": "X", "date": "2026-07-01", "article": 7, "points": 2},
        {"type": "finding", "id": "b", "outlet": "X", "date": "2026-07-01", "article": 25},
    ]
    result = sr.score(compiled, [sr.Records(records)], as_of="2026-11-27")
    assert not result.rejected  # article 7 has a text now; the base pack rejects it
    (card,) = result.scorecards
    assert [(d.rule, d.points, d.layer) for d in card.deductions] == [
        ("cz-3-item", 2, "cangzhou"),  # 第三章 rule of the base, now reaching article 7
        ("cz-5-item", 4, "hejian"),  # overridden: 4 instead of 3
    ]
    assert card.total == 100 - 2 - 4
    base = sr.score("cangzhou", [sr.Records(records)], as_of="2026-11-27")
    assert [r.code for r in base.rejected] == ["article_missing_text"]


@pytest.mark.parametrize(
    ("rules", "code"),
    [
        (
            '[[rules]]\nid = "cz-5-item"\nsection = 5\nwhen = { type = "finding", section = 5 }\nreason = "x"\n',
            "override_required",
        ),
        ('[[rules]]\nid = "no-such"\noverride = true\nreason = "x"\n', "override_missing"),
        ('[[rules]]\nid = "no-such"\ndisable = true\n', "override_missing"),
    ],
)
def test_layer_mistakes_are_located_errors(tmp_path: Path, rules: str, code: str) -> None:
    layer = write_pack(
        tmp_path / "bad",
        {"pack.toml": '[pack]\nname = "bad"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', "rules.toml": rules},
    )
    with pytest.raises(sr.PackError) as err:
        sr.load_pack(layer)
    (problem,) = err.value.problems
    assert problem.code == code and problem.file == "bad/rules.toml" and problem.path == "$.rules[0]"


def test_extends_cycles_are_errors(tmp_path: Path) -> None:
    write_pack(tmp_path / "a", {"pack.toml": '[pack]\nname = "a"\ntitle = "t"\nversion = "1"\nextends = "../b"\n'})
    write_pack(tmp_path / "b", {"pack.toml": '[pack]\nname = "b"\ntitle = "t"\nversion = "1"\nextends = "../a"\n'})
    with pytest.raises(sr.PackError) as err:
        sr.load_pack(tmp_path / "a")
    assert [p.code for p in err.value.problems] == ["extends_cycle"]


def test_disabling_a_rule_the_pack_needs_is_caught_by_the_compiler(tmp_path: Path) -> None:
    layer = write_pack(
        tmp_path / "gap",
        {
            "pack.toml": '[pack]\nname = "gap"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n',
            "rules.toml": '[[rules]]\nid = "cz-3-item"\ndisable = true\n',
        },
    )
    pack = sr.load_pack(layer)
    assert [(c.kind, c.key, c.action, c.base_layer) for c in pack.changes] == [
        ("rules", "cz-3-item", "disable", "cangzhou")
    ]
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(pack)
    assert {p.code for p in err.value.problems} == {"uncovered_shape"}


def test_layer_errors_point_at_the_layer_file(tmp_path: Path) -> None:
    layer = write_pack(
        tmp_path / "typo",
        {
            "pack.toml": '[pack]\nname = "typo"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n',
            "rules.toml": '[[rules]]\nid = "cz-5-item"\noverride = true\ndeduct = { pionts = 4 }\n',
        },
    )
    with pytest.raises(sr.PackError) as err:
        sr.load_pack(layer)
    (problem,) = err.value.problems
    assert problem.file == "typo/rules.toml" and problem.path is not None and problem.path.startswith("$.rules[0]")
    assert "pionts" in problem.message


def test_an_override_that_changes_nothing_is_warned_about(tmp_path: Path) -> None:
    layer = write_pack(
        tmp_path / "noop",
        {
            "pack.toml": '[pack]\nname = "noop"\ntitle = "t"\nversion = "1"\nextends = "generic"\n',
            "rules.toml": '[[rules]]\nid = "g-104"\noverride = true\ncap = {}\n'
            '[[rules]]\nid = "g-105"\noverride = true\ndeduct = { points = 2, provenance = "assumed", note = "本层假定2分。" }\n',
        },
    )
    pack = sr.load_pack(layer)
    assert [(c.key, c.changed) for c in pack.changes] == [("g-104", []), ("g-105", ["deduct"])]
    warnings = sr.compile_pack(pack).warnings
    assert [(w.code, w.file) for w in warnings if w.code == "override_noop"] == [("override_noop", "noop/rules.toml")]
    assert "g-104" in warnings[-1].message


def test_the_engine_limit_counts_oversight_conditions_too(tmp_path: Path) -> None:
    """511 rules fit under durable_rules' 512 sibling tests; the pack's ladder and exclusions do not."""
    rules = "".join(
        f'[[rules]]\nid = "x{i}"\nsection = 3\nwhen = {{ type = "finding", article = 11, points = {i} }}\n'
        'deduct = { kind = "fixed", points = 1, provenance = "literal" }\nreason = "r"\n'
        for i in range(500)
    )
    layer = write_pack(
        tmp_path / "many",
        {"pack.toml": '[pack]\nname = "many"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', "rules.toml": rules},
    )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(layer), matcher="python")
    assert "too_many_rules" in {p.code for p in err.value.problems}
    # 511 deduction rules (512 alternatives: one cangzhou rule lists two tags), and the 4 oversight
    # conditions (1 ladder, 3 exclusions) tip it over
    assert any("come to 516 alternative tests" in p.message for p in err.value.problems)


def test_the_engine_limit_counts_the_values_of_a_when_list(tmp_path: Path) -> None:
    """One rule whose `when` lists 512 values is 512 alternatives to durable_rules (registration
    would hang): a located check error, found before the engine sees anything."""
    values = ", ".join(str(i) for i in range(1, 513))
    layer = write_pack(
        tmp_path / "wide",
        {
            "pack.toml": '[pack]\nname = "wide"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n',
            "rules.toml": f'[[rules]]\nid = "wide"\nsection = 3\nwhen = {{ type = "finding", article = 11, points = [{values}] }}\n'
            'deduct = { kind = "fixed", points = 1, provenance = "literal" }\nreason = "r"\n',
        },
    )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(layer))  # the default matcher: durable_rules where it can be imported
    assert "too_many_rules" in {p.code for p in err.value.problems}
