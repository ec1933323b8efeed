"""Hardening of pack references, plugins and pack files (issue 11, items 5–7 and 13).

Each test first reproduced the failure it guards against: a traceback from the loader, a local
folder shadowing a built-in pack, a plugin's ``SystemExit`` ending unrelated commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import service_rules as sr
from conftest import fake_distribution
from service_rules import _loader
from service_rules.cli import main
from test_loader_fuzz import to_toml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "cangzhou-2026q3.jsonl")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return int(code), out, err


def layer(folder: Path, extends: str = "cangzhou", name: str = "tianjin", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(
        f'[pack]\nname = "{name}"\ntitle = "天津"\nversion = "1"\nextends = {json.dumps(extends)}\n{extra}',
        encoding="utf-8",
    )
    return folder


def one_line(err: str) -> None:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err


# ---- a name is a name, a path is a path ---------------------------------------------------


def test_a_local_folder_named_like_a_built_in_pack_never_shadows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The office keeps its data in cangzhou/; before, --pack cangzhou loaded that folder.
    layer(tmp_path / "cangzhou", name="cangzhou", extends="generic")
    monkeypatch.chdir(tmp_path)
    assert sr.load_pack("cangzhou").layers == ["cangzhou"]  # the built-in one
    assert sr.load_pack("./cangzhou").layers == ["generic", "cangzhou"]  # the folder


def test_a_folder_without_a_slash_is_a_name_with_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layer(tmp_path / "tianjin")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sr.PackNotFoundError, match=r"\./tianjin"):
        sr.load_pack("tianjin")
    assert sr.load_pack("./tianjin").layers == ["cangzhou", "tianjin"]
    assert sr.load_pack(Path("tianjin")).layers == ["cangzhou", "tianjin"]  # a path object is a path


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("a" * 5000, "1024"),
        ("a\0b", "NUL"),
        ("./" + "a" * 5000, "1024"),
        ("", "为空"),
        ("Cangzhou", "不是规则包名称"),
    ],
)
def test_bad_pack_references_are_clean_errors(capsys: pytest.CaptureFixture[str], ref: str, words: str) -> None:
    with pytest.raises(sr.PackNotFoundError, match=words):
        sr.load_pack(ref)
    if "\0" not in ref:  # argv cannot carry a NUL
        code, out, err = run(capsys, "check", ref)
        assert code == 2 and words in (out + err)


@pytest.mark.parametrize(
    ("extends", "words"),
    [
        ("a\0b", "NUL"),
        ("a" * 5000, "1024"),
        ("../" + "a" * 5000, "1024"),
        ("/etc", "绝对路径"),
        (str(ROOT / "policies" / "generic"), "绝对路径"),
        ("../nowhere", "不是规则包文件夹"),
    ],
)
def test_bad_extends_are_located_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extends: str, words: str
) -> None:
    folder = layer(tmp_path / "p", extends=extends)
    with pytest.raises(sr.PackError) as info:
        sr.load_pack(folder)
    [problem] = info.value.problems
    assert (problem.code, problem.file, problem.path) == ("unknown_base", "pack.toml", "$.pack.extends")
    assert words in problem.message
    code, out, err = run(capsys, "check", str(folder))
    assert code == 2 and "unknown_base" in out and "Traceback" not in err


def test_extends_takes_a_relative_path(tmp_path: Path) -> None:
    layer(tmp_path / "base", name="base", extends="generic")
    folder = layer(tmp_path / "p", extends="../base")
    assert sr.load_pack(folder).layers == ["generic", "base", "tianjin"]


@pytest.mark.parametrize("depth", [33, 500, 5000])
def test_deeply_nested_toml_is_a_located_error(capsys: pytest.CaptureFixture[str], tmp_path: Path, depth: int) -> None:
    folder = layer(tmp_path / "p", extra=f"description = {'[' * depth}{']' * depth}\n")
    with pytest.raises(sr.PackError) as info:
        sr.load_pack(folder)
    assert [(p.code, p.file) for p in info.value.problems] == [("too_deep", "pack.toml")]
    code, out, err = run(capsys, "check", str(folder))
    assert code == 2 and "too_deep" in out and "Traceback" not in err


def test_nesting_up_to_the_limit_reads(tmp_path: Path) -> None:
    nested = "[" * (_loader.MAX_NESTING - 2) + "]" * (_loader.MAX_NESTING - 2)
    folder = layer(tmp_path / "p", extra=f"description = {nested}\n")
    with pytest.raises(sr.PackError) as info:  # read, then refused for its type, located
        sr.load_pack(folder)
    [problem] = info.value.problems
    assert problem.path == "$.pack.description" and len(problem.message) < 200


# ---- plugins --------------------------------------------------------------------------------


@pytest.mark.parametrize("raises", ["SystemExit(3)", "KeyboardInterrupt()", "ImportError('x')", "RecursionError()"])
def test_a_plugin_that_raises_on_import_breaks_only_itself(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, plugin_site: Path, raises: str
) -> None:
    fake_distribution(plugin_site, "bad-plugin", {"badpack": "PACK"}, f"raise {raises}\n")
    # Unrelated commands are untouched, and resolving a built-in pack imports no plugin.
    code, out, _ = run(capsys, "score", "--pack", "cangzhou", "--as-of", "2026-11-27", EXAMPLE)
    assert code == 0 and json.loads(out)["pack"]["name"] == "cangzhou"
    assert "bad_plugin" not in sys.modules
    layered = layer(tmp_path / "tianjin")
    assert sr.load_pack(layered).layers == ["cangzhou", "tianjin"]
    # The plugin's own name is a clean error, and list shows it as invalid.
    code, out, err = run(capsys, "check", "badpack")
    assert code == 2 and "Traceback" not in err
    assert "bad-plugin" in out + err and raises.split("(")[0] in out + err
    code, out, err = run(capsys, "list", "--format", "json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["badpack"]["status"].startswith("invalid:") and rows["cangzhou"]["status"] == "ok"


def test_resolving_a_built_in_pack_imports_no_plugin(plugin_site: Path, tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    fake_distribution(
        plugin_site, "noisy", {"noisy": "PACK"}, f"open({str(marker)!r}, 'w').close()\nPACK = {str(tmp_path)!r}\n"
    )
    sr.load_pack("cangzhou")
    sr.load_pack("generic")
    assert not marker.exists()
    with pytest.raises(sr.PackNotFoundError):
        sr.load_pack("noisy")  # now it is imported: its folder is no pack
    assert marker.exists()


def test_two_distributions_declaring_one_name_is_an_error_naming_both(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, plugin_site: Path
) -> None:
    one = layer(tmp_path / "one", name="tianjin")
    two = layer(tmp_path / "two", name="tianjin")
    fake_distribution(plugin_site, "tianjin-a", {"tianjin": "PACK"}, f"PACK = {str(one)!r}\n")
    fake_distribution(plugin_site, "tianjin-b", {"tianjin": "PACK"}, f"PACK = {str(two)!r}\n")
    with pytest.raises(sr.PackNotFoundError) as info:
        sr.load_pack("tianjin")
    assert "tianjin-a 1.0" in info.value.message and "tianjin-b 1.0" in info.value.message
    code, out, err = run(capsys, "list")
    assert code == 0
    assert out.count("warning:") == 2 and "tianjin-a 1.0" in err and "tianjin-b 1.0" in err
    assert sr.load_pack("cangzhou").name == "cangzhou"  # nothing else is affected


def test_an_installed_pack_named_like_a_built_in_one_is_a_warning_in_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, plugin_site: Path
) -> None:
    other = layer(tmp_path / "other", name="cangzhou", extends="generic")
    fake_distribution(plugin_site, "cz-fork", {"cangzhou": "PACK"}, f"PACK = {str(other)!r}\n")
    assert sr.load_pack("cangzhou").layers == ["cangzhou"]  # the built-in
    code, out, err = run(capsys, "list")
    assert code == 0 and "cz-fork" in err and "warning:" in out


def test_the_suite_is_isolated_from_installed_packs() -> None:
    assert _loader.plugins_disabled()
    assert _loader.installed_packs() == []


# ---- check reports every problem at once; a failing pack test still reports coverage -------


def test_check_reports_an_override_required_with_the_layers_other_problems(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = layer(tmp_path / "p")
    (folder / "rules.toml").write_text(
        # cz-5-item exists in cangzhou: override_required. Before, that one error hid the rest.
        '[[rules]]\nid = "cz-5-item"\nsection = 5\nwhen = { type = "finding", section = 5 }\nreason = "x"\n'
        # a new rule with a typo'd key: unknown_key
        '[[rules]]\nid = "tj-new"\nsection = 5\nwhen = { type = "finding", article = 25 }\nreasn = "x"\n',
        encoding="utf-8",
    )
    (folder / "sections.toml").write_text(
        '[[sections]]\nnumber = 42\nscored = true\ntitle = "新"\n', encoding="utf-8"
    )  # allotment_missing: found by the compiler
    code, out, _ = run(capsys, "check", "--format", "json", str(folder))
    assert code == 2
    codes = sorted(p["code"] for p in json.loads(out)["problems"])
    assert "override_required" in codes and "unknown_key" in codes, codes
    with pytest.raises(sr.PackError) as info:  # the API raises, with the loader's problems
        sr.load_pack(folder)
    assert {p.code for p in info.value.problems} >= {"override_required", "unknown_key"}


def test_check_runs_the_compiler_on_a_layer_whose_only_fault_is_a_merge_mistake(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = layer(tmp_path / "p")
    (folder / "rules.toml").write_text(
        '[[rules]]\nid = "cz-5-item"\nsection = 5\nwhen = { type = "finding", section = 5 }\nreason = "x"\n',
        encoding="utf-8",
    )
    (folder / "sections.toml").write_text('[[sections]]\nnumber = 42\nscored = true\ntitle = "新"\n', encoding="utf-8")
    code, out, _ = run(capsys, "check", "--format", "json", str(folder))
    assert code == 2
    codes = {p["code"] for p in json.loads(out)["problems"]}
    assert {"override_required", "allotment_missing"} <= codes, codes


CASES = """
[[cases]]
name = "passes: harsh tone, 2 persons"
as_of = "2026-11-27"
records = [ { type = "finding", id = "f1", outlet = "A", date = "2026-07-01", article = 26, tag = "harsh_tone", persons = 2 } ]
[cases.expect]
accepted = 1

[[cases]]
name = "fails: wrong expectation"
records = [ { type = "finding", id = "f1", outlet = "A", date = "2026-07-01", article = 18, points = 2 } ]
[cases.expect]
accepted = 5

[[cases]]
name = "cannot run: as_of is no date"
as_of = "2026-13-01"
records = []

[[cases]]
name = "cannot run: period"
period = "xx"
records = []

[[cases]]
name = "unquoted TOML date"
as_of = 2026-11-27
records = []
"""


def test_a_failing_pack_test_still_reports_the_coverage_of_what_ran(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "a.toml").write_text(CASES, encoding="utf-8")
    (cases / "b.toml").write_text("[[cases]\n", encoding="utf-8")  # unreadable: fails as a case of its own
    report = sr.run_pack_tests(sr.compile_pack(sr.load_pack("cangzhou")), cases)
    outcome = {c.name: c.passed for c in report.cases}
    assert outcome == {
        "<invalid_toml>": False,
        "passes: harsh tone, 2 persons": True,
        "fails: wrong expectation": False,
        "cannot run: as_of is no date": False,
        "cannot run: period": False,
        "unquoted TOML date": True,
    }
    assert "cz-5-tone" in report.rules.covered and "26" in report.articles.covered
    assert "cz-4-item" in report.rules.uncovered  # the failing case's rule is not counted
    code, out, err = run(capsys, "test", "cangzhou", "--cases", str(cases))
    assert code == 1 and "Traceback" not in err
    assert "2/6 个用例通过" in out and "规则覆盖率" in out and "用例无法运行" in out


# ---- every number in a pack has a documented range, checked ----------------------------------

BIG = 10**29


@pytest.mark.parametrize(
    ("file", "text", "path"),
    [
        (
            "sections.toml",
            f'[[sections]]\nnumber = 3\noverride = true\nallotment = {{ value = {BIG}, provenance = "literal" }}\n',
            "$.sections[0].allotment.value",
        ),
        (
            "pack.toml",
            '[pack.floor]\npolicy = "minimum"\nvalue = -1000000000000000000000\nprovenance = "assumed"\nnote = "x"\n',
            "$.pack.floor.value",
        ),
        (
            "rules.toml",
            f'[[rules]]\nid = "cz-5-item"\noverride = true\ndeduct = {{ kind = "fixed", points = {2**64}, provenance = "literal" }}\n',
            "$.rules[0].deduct.points",
        ),
        (
            "rules.toml",
            '[[rules]]\nid = "cz-5-item"\noverride = true\ncap = { value = 10000001, provenance = "literal" }\n',
            "$.rules[0].cap.value",
        ),
        (
            "rules.toml",
            f'[[rules]]\nid = "tj-x"\nsection = 5\nwhen = {{ type = "finding", article = 25, persons = {{ gt = {2**63} }} }}\nreason = "x"\n',
            "$.rules[0].when.persons.gt",
        ),
        (
            "oversight.toml",
            '[[cadences]]\nid = "cz-4-cadence"\noverride = true\nmin_inspections = { value = 100000, provenance = "literal" }\n',
            "$.cadences[0].min_inspections.value",
        ),
        (
            "articles.toml",
            '[[articles]]\nnumber = 99999\nstatus = "complete"\nsection = 5\ntext = "x"\n',
            "$.articles[0].number",
        ),
    ],
)
def test_numbers_outside_their_range_are_located_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, file: str, text: str, path: str
) -> None:
    folder = layer(tmp_path / "p")
    if file == "pack.toml":
        (folder / file).write_text((folder / file).read_text(encoding="utf-8") + text, encoding="utf-8")
    else:
        (folder / file).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "check", "--format", "json", str(folder))
    assert code == 2 and "Traceback" not in err
    found = [(p["file"], p["path"]) for p in json.loads(out)["problems"] if p["code"] == "number_out_of_range"]
    assert found == [(f"tianjin/{file}", path)], json.loads(out)["problems"]
    # score, which crashed on such packs after check called them valid, refuses them cleanly
    code, out, err = run(capsys, "score", "--pack", str(folder), EXAMPLE)
    assert (code, out) == (2, "") and "Traceback" not in err


def test_numbers_at_the_ends_of_their_ranges_are_accepted(tmp_path: Path) -> None:
    from service_rules import _limits

    folder = layer(tmp_path / "p")
    (folder / "rules.toml").write_text(
        '[[rules]]\nid = "cz-5-item"\noverride = true\n'
        f'deduct = {{ kind = "fixed", points = {_limits.POINTS.high}, provenance = "literal" }}\n',
        encoding="utf-8",
    )
    pack = sr.compile_pack(sr.load_pack(folder))
    result = sr.score(pack, [EXAMPLE], as_of="2026-11-27")
    assert any(d.points == 10**6 for c in result.scorecards for d in c.deductions)


def test_the_docs_list_the_ranges_the_code_checks() -> None:
    from service_rules import _limits

    doc = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")
    for name, r in _limits.RANGES.items():
        assert f"| `{name}` | {r.low} | {r.high} |" in doc, name


def test_the_shipped_packs_keep_to_the_ranges() -> None:
    from service_rules import _limits

    for name in sr.builtin_pack_names():
        for file, path, value, allowed in _limits.pack_numbers(sr.load_pack(name)):
            assert value in allowed, (name, file, path, value)


# ---- fuzz: a hostile number anywhere in a pack is refused or scores cleanly ------------------

HOSTILE_INTS = [
    0,
    -1,
    1,
    10**6,
    10**6 + 1,
    -(10**6) - 1,
    2**31,
    2**53,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**29,
    -(10**21),
]
EXAMPLES = {"cangzhou": EXAMPLE, "generic": str(ROOT / "examples" / "generic-2027q1.jsonl")}


def _int_paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(node, bool):
        return []
    if isinstance(node, int):
        return [prefix]
    out: list[tuple[object, ...]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_int_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_int_paths(v, (*prefix, i)))
    return out


def _pack_files(name: str) -> dict[str, dict[str, object]]:
    import tomllib

    root = Path(sr.load_pack(name).root or "")
    return {f.name: tomllib.loads(f.read_text(encoding="utf-8")) for f in sorted(root.glob("*.toml"))}


FUZZ_BASE = {name: _pack_files(name) for name in EXAMPLES}


@st.composite
def hostile_numbers(draw: st.DrawFn) -> tuple[str, dict[str, dict[str, object]]]:
    name = draw(st.sampled_from(sorted(FUZZ_BASE)))
    data = json.loads(json.dumps(FUZZ_BASE[name]))
    for _ in range(draw(st.integers(1, 3))):
        file = draw(st.sampled_from(sorted(data)))
        where = _int_paths(data[file])
        if not where:
            continue
        path = draw(st.sampled_from(where))
        parent: object = data[file]
        for key in path[:-1]:
            parent = parent[key]  # type: ignore[index]
        old = parent[path[-1]]  # type: ignore[index]
        near = st.sampled_from([old, old + 1, max(old - 1, 0), old * 1000])
        parent[path[-1]] = draw(st.one_of(near, st.sampled_from(HOSTILE_INTS)))  # type: ignore[index]
    return name, data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=hostile_numbers())
def test_a_pack_with_hostile_numbers_is_refused_or_scores_cleanly(
    case: tuple[str, dict[str, dict[str, object]]], tmp_path: Path
) -> None:
    import io
    import shutil

    name, data = case
    folder = tmp_path / "p"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for file, content in data.items():
        (folder / file).write_text(to_toml(content), encoding="utf-8")
    try:
        compiled = sr.compile_pack(sr.load_pack(folder), matcher="python")
    except sr.PackError as exc:
        assert all(p.file and p.code and p.message for p in exc.problems), exc.problems
        return
    out = io.BytesIO()
    sr.score_to_stream(compiled, [EXAMPLES[name]], out, as_of="2027-12-31")
    json.loads(out.getvalue())
    event("scored")


def test_what_a_plugin_prints_on_import_never_reaches_the_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, plugin_site: Path
) -> None:
    pack = layer(tmp_path / "tianjin")
    fake_distribution(
        plugin_site, "chatty", {"tianjin": "PACK"}, f"print('hello from a plugin')\nPACK = {str(pack)!r}\n"
    )
    code, out, err = run(capsys, "score", "--pack", "tianjin", "--as-of", "2026-11-27", EXAMPLE)
    assert code == 0 and json.loads(out)["pack"]["name"] == "tianjin"
    assert "hello from a plugin" in err
