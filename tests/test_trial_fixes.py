"""What a new author's trial on another union's regulation found (issue 9): stale provenance on
an overridden number, double-counting messages that list unread fields, ``[]`` of a missing tag,
a schema for test-case files."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

import service_rules as sr
from service_rules._loader import load_pack_partial
from service_rules._templates import render
from service_rules.cli import main


def _layer(tmp_path: Path, rules: str) -> Path:
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "generic"\n', encoding="utf-8"
    )
    (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return folder


def test_an_override_of_a_number_without_its_provenance_is_an_error(tmp_path: Path) -> None:
    folder = _layer(tmp_path, '[[rules]]\nid = "g-105"\noverride = true\ndeduct = { points = 5 }\n')
    _, problems = load_pack_partial(folder)
    [problem] = problems
    assert problem.code == "provenance_stale"
    assert problem.file == "layer/rules.toml"
    assert "points 3 → 5" in problem.message


def test_the_old_note_is_not_kept_beside_a_new_number(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path, '[[rules]]\nid = "g-105"\noverride = true\ndeduct = { points = 5, provenance = "literal" }\n'
    )
    pack = sr.load_pack(folder)
    [rule] = [r for r in pack.rules if r.id == "g-105"]
    assert rule.deduct is not None
    assert (rule.deduct.points, rule.deduct.provenance, rule.deduct.note) == (5, "literal", None)


def test_an_assumed_new_number_needs_its_own_note(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path, '[[rules]]\nid = "g-105"\noverride = true\ndeduct = { points = 5, provenance = "assumed" }\n'
    )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    assert [p.code for p in err.value.problems] == ["provenance_note_missing"]


def test_an_override_that_keeps_the_numbers_keeps_the_note(tmp_path: Path) -> None:
    folder = _layer(tmp_path, '[[rules]]\nid = "g-105"\noverride = true\ndeduct = { points = 3 }\ntitle = "新"\n')
    [rule] = [r for r in sr.load_pack(folder).rules if r.id == "g-105"]
    assert rule.deduct is not None and rule.deduct.note


def test_double_counting_names_only_the_fields_the_rules_read(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        '[[rules]]\nid = "x-101"\nsection = 1\narticle = 101\nwhen = { type = "finding", article = 101 }\n'
        'deduct = { kind = "fixed", points = 1, provenance = "literal" }\nreason = "r"\n',
    )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    [problem] = [p for p in err.value.problems if p.code == "double_counting"]
    assert "(type='finding', article=101)" in problem.message
    assert "tag=" not in problem.message and "variants" not in problem.message


@pytest.mark.parametrize(
    ("template", "values", "text"),
    [
        ("第{article}条[{tag}]扣{points}分", {"article": 3, "points": 2}, "第3条扣2分"),
        ("第{article}条({tag})扣分", {"article": 3, "tag": None}, "第3条扣分"),
        ("第{article}条（{tag}）扣分", {"article": 3}, "第3条扣分"),
        ("第{article}条【{tag}】", {"article": 3, "tag": ""}, "第3条"),
        ("第{article}条[{tag}]", {"article": 3, "tag": "语气生硬"}, "第3条[语气生硬]"),
        ("[{a}", {}, "["),  # no pair: nothing dropped
        ("第{article}条:{tag}", {"article": 3}, "第3条:"),
    ],
)
def test_a_missing_value_drops_its_brackets(template: str, values: dict[str, object], text: str) -> None:
    assert render(template, values) == text


def test_the_case_files_have_a_schema_and_the_shipped_cases_validate(tmp_path: Path) -> None:
    assert main(["schema", "--out", str(tmp_path)]) == 0
    schema = json.loads((tmp_path / "cases.schema.json").read_text(encoding="utf-8"))
    checked = 0
    for name in ("cangzhou", "generic"):
        root = Path(sr.load_pack(name).root or "") / "tests"
        for f in sorted(root.glob("*.toml")):
            jsonschema.validate(tomllib.loads(f.read_text(encoding="utf-8")), schema)
            checked += 1
    assert checked >= 2
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"cases": [{"name": "x", "recrods": []}]}, schema)


def test_diff_separates_changed_totals_from_rearranged_sections(tmp_path: Path) -> None:
    import shutil

    from service_rules import diff_packs, render_diff_markdown

    shutil.copytree(Path(__file__).parent / "packs" / "monthly", tmp_path / "monthly")
    folder = tmp_path / "moved"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "moved"\ntitle = "t"\nversion = "2"\nextends = "../monthly"\n', encoding="utf-8"
    )
    # Article 1 moves to section 2; article 2 now costs 7 points.
    (folder / "articles.toml").write_text("[[articles]]\nnumber = 1\noverride = true\nsection = 2\n", encoding="utf-8")
    (folder / "rules.toml").write_text(
        '[[rules]]\nid = "m-1"\noverride = true\nsection = 2\n'
        '[[rules]]\nid = "m-2"\noverride = true\ndeduct = { points = 7, provenance = "assumed", note = "改为7分。" }\n',
        encoding="utf-8",
    )
    records = [
        {"type": "finding", "id": "F1", "outlet": "A", "date": "2027-02-03", "article": 1},  # 4 points, moved
        {"type": "finding", "id": "F2", "outlet": "B", "date": "2027-02-03", "article": 2},  # 6 → 7
    ]
    d = diff_packs(tmp_path / "monthly", folder, [sr.Records(records)], as_of="2027-06-30")
    by_outlet = {c.outlet: c for c in d.changed}
    # A: 6 + 10 = 16 before, 10 + 6 = 16 after: the same total, sections rearranged.
    assert (by_outlet["A"].total_old, by_outlet["A"].total_new, by_outlet["A"].rearranged) == (16, 16, True)
    assert [(s.number, s.score_old, s.score_new) for s in by_outlet["A"].sections] == [(1, 6, 10), (2, 10, 6)]
    # B: 20 - 6 = 14 before, 20 - 7 = 13 after.
    assert (by_outlet["B"].delta, by_outlet["B"].rearranged) == (-1, False)
    md = render_diff_markdown(d)
    assert "其中 2 张有变化(总分变化 1 张,总分不变、仅章节得分或扣分调整 1 张)" in md
    changed, rearranged = md.split("### 总分不变、仅章节得分或扣分调整的评分卡")
    assert "| B | 2027-02 | 14 | 13 | -1 |" in changed and "| A |" not in changed
    assert "| A | 2027-02 | 16 | 16 | 0 |" in rearranged.split("###")[0]


def test_diff_refuses_packs_of_different_periods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.copytree(Path(__file__).parent / "packs" / "monthly", tmp_path / "monthly")
    path = tmp_path / "in.jsonl"
    path.write_text('{"type":"finding","id":"F1","outlet":"A","date":"2027-01-05","article":2}\n', encoding="utf-8")
    code = main(["diff", "cangzhou", str(tmp_path / "monthly"), "--observations", str(path)])
    assert code == 2
    err = capsys.readouterr().err  # in Chinese, like every message for people
    assert "计分期间不同" in err and "period = quarter" in err and "period = month" in err


def test_periods_are_ascii_digits_only() -> None:
    from service_rules._periods import parse_period

    for text in ("\uff12\uff10\uff12\uff17Q1", "2027Q\uff11", "\u0662\u0660\u0662\u0667"):
        with pytest.raises(ValueError):
            parse_period(text)


def test_a_ladder_window_changed_by_a_layer_needs_its_provenance(tmp_path: Path) -> None:
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', encoding="utf-8"
    )
    (folder / "oversight.toml").write_text(
        '[[ladders]]\nid = "cz-3-escalation"\noverride = true\nwindow = "quarter"\n', encoding="utf-8"
    )
    _, problems = load_pack_partial(folder)
    assert [(p.code, p.path) for p in problems] == [("provenance_stale", "$.ladders[0].window")]
    (folder / "oversight.toml").write_text(
        '[[ladders]]\nid = "cz-3-escalation"\noverride = true\nwindow = "quarter"\nwindow_provenance = "literal"\n',
        encoding="utf-8",
    )
    [ladder] = [x for x in sr.load_pack(folder).oversight.ladders if x.id == "cz-3-escalation"]
    assert (ladder.window, ladder.window_provenance, ladder.window_note) == ("quarter", "literal", None)
    assert ladder.steps_note  # steps untouched: their note stays
