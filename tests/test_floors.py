"""Floors per section (falling back to the pack's), and layers that replace an inherited table
whole (``replace = true``), listed as layer changes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules._loader import load_pack_partial

PACKS = Path(__file__).parent / "packs"


def _layer(tmp_path: Path, base: str | Path, files: dict[str, str], pack_extra: str = "") -> Path:
    """A layer over ``base`` (a name, or a pack folder copied beside the layer)."""
    if isinstance(base, Path):
        shutil.copytree(base, tmp_path / base.name, dirs_exist_ok=True)
        base = f"../{base.name}"
    folder = tmp_path / "layer"
    folder.mkdir(exist_ok=True)
    (folder / "pack.toml").write_text(
        f'[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "{base}"\n{pack_extra}', encoding="utf-8"
    )
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


RECORDS: list[dict[str, Any]] = [
    {"type": "finding", "id": "F1", "outlet": "A", "date": "2027-01-05", "article": 2},
    {"type": "finding", "id": "F2", "outlet": "A", "date": "2027-01-20", "article": 2},
    {"type": "finding", "id": "F3", "outlet": "A", "date": "2027-01-21", "article": 1},
    {"type": "finding", "id": "F4", "outlet": "A", "date": "2027-01-22", "article": 1},
    {"type": "finding", "id": "F5", "outlet": "A", "date": "2027-01-23", "article": 1},
]


def _sections(folder: Path) -> list[tuple[int, int, int | None, int | None, int]]:
    result = sr.score(folder, [sr.Records(RECORDS)], as_of="2027-06-30")
    [card] = result.scorecards
    return [(s.number, s.deducted, s.score, s.floor, s.beyond_floor) for s in card.sections]


def test_the_pack_floor_by_hand() -> None:
    # Section 1: three findings of 4 = 12 of 10; section 2: two of 6 = 12 of 10. Floor 0 for both.
    assert _sections(PACKS / "monthly") == [(1, 12, 0, 0, 2), (2, 12, 0, 0, 2)]


def test_a_section_floor_overrides_the_packs(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        PACKS / "monthly",
        {
            "sections.toml": "[[sections]]\nnumber = 2\noverride = true\n"
            'floor = { policy = "none", provenance = "assumed", note = "本章下不保底。" }\n'
        },
    )
    # Section 1 keeps the pack's floor (0); section 2 goes negative: 10 - 12 = -2.
    assert _sections(folder) == [(1, 12, 0, 0, 2), (2, 12, -2, None, 0)]


def test_a_section_floor_of_its_own_value(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        PACKS / "monthly",
        {
            "sections.toml": "[[sections]]\nnumber = 1\noverride = true\n"
            'floor = { policy = "minimum", value = -1, provenance = "assumed", note = "至多扣成负1分。" }\n'
        },
    )
    assert _sections(folder) == [(1, 12, -1, -1, 1), (2, 12, 0, 0, 2)]


def test_a_layer_cannot_change_the_floor_policy_key_by_key(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path, "generic", {}, '[pack.floor]\npolicy = "none"\nprovenance = "literal"\nnote = "下不保底。"\n'
    )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    [problem] = [p for p in err.value.problems if p.code == "floor_value_unexpected"]
    assert "replace = true" in problem.message


def test_a_layer_replaces_the_floor_whole(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        "generic",
        {},
        '[pack.floor]\nreplace = true\npolicy = "none"\nprovenance = "literal"\nnote = "第十四条后“下不保底”。"\n',
    )
    pack = sr.load_pack(folder)
    assert pack.meta.floor == sr.Floor(policy="none", provenance="literal", value=None, note="第十四条后“下不保底”。")
    changes = [(c.kind, c.key, c.action, c.base_layer) for c in pack.changes]
    assert changes == [("pack", "floor", "replace", "generic")]
    sr.compile_pack(pack)  # valid
    docs = sr.render_pack_docs(pack)
    assert "整体替换 规则包设置 `floor`" in docs


def test_an_override_replaces_a_nested_table_and_says_so(tmp_path: Path) -> None:
    base = _layer(
        tmp_path,
        PACKS / "monthly",
        {
            "sections.toml": "[[sections]]\nnumber = 2\noverride = true\n"
            'floor = { policy = "minimum", value = 1, provenance = "assumed", note = "一。" }\n'
        },
    )
    top = tmp_path / "top"
    top.mkdir()
    (top / "pack.toml").write_text(
        f'[pack]\nname = "top"\ntitle = "t"\nversion = "1"\nextends = "../{base.name}"\n', encoding="utf-8"
    )
    (top / "sections.toml").write_text(
        "[[sections]]\nnumber = 2\noverride = true\n"
        'floor = { replace = true, policy = "none", provenance = "assumed", note = "不保底。" }\n',
        encoding="utf-8",
    )
    pack = sr.load_pack(top)
    [change] = [c for c in pack.changes if c.layer == "top"]
    assert (change.kind, change.key, change.action, change.replaced) == ("sections", "2", "override", ["floor"])
    assert _sections(top)[1] == (2, 12, -2, None, 0)


def test_a_whole_entry_replaced(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        PACKS / "monthly",
        {
            "sections.toml": '[[sections]]\nnumber = 2\nreplace = true\nscored = true\ntitle = "新标题"\n'
            'allotment = { value = 10, provenance = "assumed", note = "测试。" }\n'
        },
    )
    pack = sr.load_pack(folder)
    [change] = pack.changes
    assert (change.kind, change.key, change.action) == ("sections", "2", "replace")
    assert pack.sections[1].title == "新标题"


@pytest.mark.parametrize(
    ("files", "extra", "code"),
    [
        ({}, '[pack.floor]\nreplace = true\npolicy = "none"\nprovenance = "literal"\n', None),
        (
            {
                "sections.toml": '[[sections]]\nnumber = 1\noverride = true\nfloor = { replace = true, policy = "none", provenance = "literal" }\n'
            },
            "",
            "replace_missing",
        ),
        (
            {"sections.toml": "[[sections]]\nnumber = 9\nreplace = true\nscored = false\n"},
            "",
            "override_missing",
        ),
        (
            {
                "sections.toml": '[[sections]]\nnumber = 1\noverride = true\nfloor = { replace = "yes", policy = "none", provenance = "literal" }\n'
            },
            "",
            "invalid_value",
        ),
    ],
)
def test_replace_where_nothing_is_replaced_is_an_error(
    tmp_path: Path, files: dict[str, str], extra: str, code: str | None
) -> None:
    folder = _layer(tmp_path, PACKS / "monthly", files, extra)
    _, problems = load_pack_partial(folder)
    if code is None:  # the monthly pack has a floor: replacing it is fine
        assert not problems
        return
    assert code in [p.code for p in problems]


def test_replace_in_a_base_pack_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "base"
    shutil.copytree(PACKS / "monthly", folder)
    text = (
        (folder / "pack.toml").read_text(encoding="utf-8").replace("[pack.floor]\n", "[pack.floor]\nreplace = true\n")
    )
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    _, problems = load_pack_partial(folder)
    [problem] = problems
    assert (problem.code, problem.path) == ("replace_missing", "$.pack.floor.replace")


def test_a_section_floor_above_its_allotment(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        PACKS / "monthly",
        {
            "sections.toml": "[[sections]]\nnumber = 1\noverride = true\n"
            'floor = { policy = "minimum", value = 11, provenance = "assumed", note = "错。" }\n'
        },
    )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    [problem] = [p for p in err.value.problems if p.code == "floor_above_allotment"]
    assert problem.path is not None and problem.path.endswith("floor.value")


@pytest.fixture(scope="module")
def mixed_floors(tmp_path_factory: pytest.TempPathFactory) -> sr.CompiledPack:
    """The monthly pack with section 1 below no floor and section 2 at no less than −3 (the pack's 0 for neither)."""
    root = tmp_path_factory.mktemp("mixed")
    folder = _layer(
        root,
        PACKS / "monthly",
        {
            "sections.toml": "[[sections]]\nnumber = 1\noverride = true\n"
            'floor = { policy = "none", provenance = "assumed", note = "不保底。" }\n'
            "[[sections]]\nnumber = 2\noverride = true\n"
            'floor = { policy = "minimum", value = -3, provenance = "assumed", note = "至多负3分。" }\n'
        },
    )
    return sr.compile_pack(sr.load_pack(folder))


@settings(max_examples=40, deadline=None)
@given(found=st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(1, 28), st.sampled_from([1, 2])), max_size=12))
def test_each_section_is_held_at_its_own_floor(mixed_floors: sr.CompiledPack, found: list[Any]) -> None:
    records = [
        {"type": "finding", "id": f"F{i}", "outlet": o, "date": f"2027-01-{d:02d}", "article": a}
        for i, (o, d, a) in enumerate(found)
    ]
    result = sr.score(mixed_floors, [sr.Records(records)], as_of="2027-06-30")
    floors = {1: None, 2: -3}
    for card in result.scorecards:
        for s in card.sections:
            raw = s.allotment - s.deducted
            assert s.floor == floors[s.number]
            assert s.score == (raw if s.floor is None else max(s.floor, raw))
            assert s.beyond_floor == s.score - raw >= 0
        assert card.total == sum(s.score for s in card.sections if s.score is not None)
