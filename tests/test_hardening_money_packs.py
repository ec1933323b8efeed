"""Hostile money.toml, oversight.toml and amendments.toml (issues 9 and 12, hardened).

Each test first reproduced what it guards against: a traceback (exit 70) or nonsense accepted
silently. The money table reads like test_money's; the CLI run like test_hardening_packs'.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules._errors import PackError
from service_rules.cli import main
from test_loader_fuzz import paths, to_toml
from test_money import DOUBLING, RATE_10, make_pack


def codes_of(tmp_path: Path, money: str) -> list[str]:
    with pytest.raises(PackError) as err:
        make_pack(tmp_path, money)
    problems = err.value.problems
    assert all(p.file and p.file.endswith("money.toml") for p in problems), problems
    return [p.code for p in problems]


# ---- amounts: Decimal() takes far more than an amount of yuan ---------------------------------

HUGE = "9" * 60


@pytest.mark.parametrize(
    "money",
    [
        # 60 digits: quantize() overflowed the decimal context — InvalidOperation, exit 70.
        RATE_10.replace('per_point = "10"', f'per_point = "{HUGE}"'),
        DOUBLING.replace('cap = "1000"', f'cap = "{HUGE}"'),
        DOUBLING.replace('first = "50"', f'first = "{HUGE}"'),
        DOUBLING.replace('first = "50"', 'first = "1e400"'),
        DOUBLING.replace('first = "50"', f"first = {HUGE}"),
        DOUBLING.replace("factor = 2\n", f'steps = ["{HUGE}"]\n'),
        # Decimal() also took these, silently: whitespace, exponents, underscores, other digits.
        DOUBLING.replace('first = "50"', 'first = " 50 "'),
        DOUBLING.replace('first = "50"', 'first = "5e1"'),
        DOUBLING.replace('first = "50"', 'first = "5_0"'),
        DOUBLING.replace('first = "50"', 'first = "５０"'),
        DOUBLING.replace('first = "50"', 'first = "+50"'),
        DOUBLING.replace('first = "50"', 'first = "50."'),
        DOUBLING.replace('first = "50"', 'first = ".5"'),
    ],
)
def test_an_amount_that_is_no_plain_number_of_yuan_is_refused(tmp_path: Path, money: str) -> None:
    assert "invalid_amount" in codes_of(tmp_path, money)


@pytest.mark.parametrize("factor", [f'"{HUGE}"', '"1e1"', '" 2 "', '"２"', '"Infinity"', '"NaN"', '"-2"'])
def test_a_factor_that_is_no_plain_number_is_refused(tmp_path: Path, factor: str) -> None:
    assert "invalid_factor" in codes_of(tmp_path, DOUBLING.replace("factor = 2", f"factor = {factor}"))


def test_the_cli_says_invalid_amount_not_internal_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "czm"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "czm"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', encoding="utf-8"
    )
    (folder / "money.toml").write_text(DOUBLING.replace('cap = "1000"', f'cap = "{HUGE}"'), encoding="utf-8")
    assert main(["check", str(folder)]) == 2
    out, err = capsys.readouterr()
    assert "invalid_amount" in out and "fines[0].cap" in out
    assert "internal_error" not in out + err and "Traceback" not in out + err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(st.characters(exclude_categories=["Cs"]), max_size=80)
    | st.from_regex(r"[0-9]{0,40}(\.[0-9]{0,4})?", fullmatch=True)
)
def test_any_string_amount_is_an_amount_or_a_located_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    root = tmp_path_factory.mktemp("m")
    money = RATE_10.replace('per_point = "10"', "per_point = " + _toml_string(text))
    try:
        pack = make_pack(root, money)
    except PackError as err:
        assert {p.code for p in err.problems} <= {"invalid_amount"}, err.problems
    else:
        assert text.isascii() and text == text.strip()
        assert pack.money is not None


def _toml_string(text: str) -> str:
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in text) + '"'


def test_a_plain_amount_still_reads(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, RATE_10.replace('per_point = "10"', 'per_point = "999999999.99"'))
    assert pack.money is not None


# ---- amendment folders: inside the pack, once, without amendments of their own ---------------

AMENDED = Path(__file__).resolve().parent.parent / "examples" / "cangzhou-amended"


def _amended(tmp_path: Path, folder: str, extra: str = "") -> Path:
    pack = tmp_path / "cangzhou-amended"
    shutil.copytree(AMENDED, pack)
    text = (pack / "amendments.toml").read_text(encoding="utf-8")
    (pack / "amendments.toml").write_text(
        text.replace('folder = "amendments/cz-2026-08"', f'folder = "{folder}"') + extra, encoding="utf-8"
    )
    return pack


def _problems(pack: Path) -> list[tuple[str, str | None, str | None]]:
    with pytest.raises(PackError) as caught:
        sr.load_pack(pack)
    return [(p.code, p.file, p.path) for p in caught.value.problems]


AT = ("cangzhou-amended/amendments.toml", "$.amendments[0].folder")


def test_an_amendment_folder_that_links_out_of_the_pack_is_refused(tmp_path: Path) -> None:
    # Before, a symbolic link took the amendment from another pack's folder (monthly's files).
    pack = _amended(tmp_path, "link")
    (pack / "link").symlink_to(AMENDED.parent / "monthly")
    assert _problems(pack) == [("invalid_value", *AT)]


@pytest.mark.parametrize("folder", [".", "./", "self"])
def test_the_packs_own_folder_is_no_amendment(tmp_path: Path, folder: str) -> None:
    # Before: its pack.toml read as the amendment's, "cannot change name/extends" — misleading.
    pack = _amended(tmp_path, folder)
    (pack / "self").symlink_to(".")
    assert _problems(pack) == [("invalid_value", *AT)]


def test_a_link_inside_the_pack_is_a_folder_like_any(tmp_path: Path) -> None:
    pack = _amended(tmp_path, "alias")
    (pack / "alias").symlink_to("amendments/cz-2026-08")
    assert [t.amendment.id for t in sr.load_pack(pack).amendments] == ["cz-2026-08"]


def test_two_amendments_in_one_folder_are_refused(tmp_path: Path) -> None:
    # Before: valid; the second date re-applied the same layer (3 warnings, no error).
    extra = (
        '\n[[amendments]]\nid = "again"\neffective = "2026-10-01"\ndocument = "某文"\n'
        'folder = "./amendments/cz-2026-08/"\n'
    )
    pack = _amended(tmp_path, "amendments/cz-2026-08", extra)
    assert _problems(pack) == [("duplicate_folder", "cangzhou-amended/amendments.toml", "$.amendments[1].folder")]


def test_an_amendment_with_amendments_of_its_own_is_refused(tmp_path: Path) -> None:
    # Before: amendments/cz-2026-08/amendments.toml was ignored without a word.
    pack = _amended(tmp_path, "amendments/cz-2026-08")
    shutil.copy(pack / "amendments.toml", pack / "amendments" / "cz-2026-08" / "amendments.toml")
    assert _problems(pack) == [("unsupported_amendment", "amendments/cz-2026-08/amendments.toml", None)]


def test_an_amendment_folder_name_too_long_is_located_not_an_os_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = _amended(tmp_path, "a" * 5000)
    assert _problems(pack) == [("missing_folder", *AT)]
    assert main(["check", str(pack)]) == 2
    out, err = capsys.readouterr()
    assert "missing_folder" in out and "OSError" not in err


# ---- every integer of money.toml and the new oversight tables has a range ----------------------


@pytest.mark.parametrize(
    ("money", "path"),
    [
        # Before: a 第9223372036854775807次起 action was valid; it can never be reached.
        (DOUBLING.replace("start = 3", "start = 9223372036854775807"), "fines[0].actions[0].start"),
        (DOUBLING.replace("start = 3", "start = 10001"), "fines[0].actions[0].start"),
        (DOUBLING.replace('window = "year"', 'window = "year"\nwhen = { section = 99999999999999999999 }'), "fines[0].when.section"),
        (DOUBLING.replace('window = "year"', 'window = "year"\narticle = 100000'), "fines[0].article"),
        (RATE_10.replace('per_point = "10"', 'per_point = "10"\nsection = 0'), "rates[0].section"),
    ],
)  # fmt: skip
def test_money_integers_out_of_range_are_located(tmp_path: Path, money: str, path: str) -> None:
    with pytest.raises(PackError) as err:
        make_pack(tmp_path, money)
    found = [(p.code, p.path) for p in err.value.problems]
    assert ("number_out_of_range", f"$.{path}") in found, found


def test_a_start_at_the_limit_is_valid(tmp_path: Path) -> None:
    compiled = make_pack(tmp_path, DOUBLING.replace("start = 3", "start = 10000"))
    assert [a.start for f in compiled.pack.money.fines for a in f.actions] == [10000]


# ---- a case's as_of: a real day of the contract's years ----------------------------------------

MONTHLY = Path(__file__).resolve().parent.parent / "examples" / "monthly"


@pytest.mark.parametrize(
    ("as_of", "words"),
    [
        ('"2027-02-29"', "实际存在的日期"),  # before: "ValueError: day is out of range for month"
        ('"20270410"', "实际存在的日期"),  # before: read as 2027-04-10 (ISO basic form)
        ('"2100-01-01"', "1900 至 2099"),  # before: the case passed; --as-of refuses this year
        ("2100-01-01", "1900 至 2099"),
    ],
)
def test_a_case_as_of_outside_the_contract_fails_in_chinese(tmp_path: Path, as_of: str, words: str) -> None:
    pack = tmp_path / "monthly"
    shutil.copytree(MONTHLY, pack)
    cases = pack / "tests" / "cases.toml"
    text = cases.read_text(encoding="utf-8")
    cases.write_text(text.replace('as_of = "2027-04-10"', f"as_of = {as_of}", 1), encoding="utf-8")
    report = sr.run_pack_tests(sr.compile_pack(sr.load_pack(pack)))
    failed = [r for r in report.cases if r.failures]
    assert len(failed) == 1 and words in failed[0].failures[0], failed


# ---- ids are visible names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        # Before: valid, and docs printed the escape sequence raw into the document.
        ('id = "same-error"', 'id = "x\\u001b[2J"', "money.toml:$.fines[0].id"),
        ('id = "same-error"', 'id = "same\\u202eerror"', "money.toml:$.fines[0].id"),
        ('id = "same-error"', 'id = " same-error"', "money.toml:$.fines[0].id"),
        ('id = "same-error"', 'id = ""', "money.toml:$.fines[0].id"),
        ('id = "wage-pool"', 'id = "wage\\u0000pool"', "money.toml:$.rates[0].id"),
    ],
)
def test_an_id_with_control_characters_is_refused(tmp_path: Path, old: str, new: str, where: str) -> None:
    pack = tmp_path / "monthly"
    shutil.copytree(MONTHLY, pack)
    money = pack / "money.toml"
    money.write_text(money.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PackError) as err:
        sr.compile_pack(sr.load_pack(pack))
    assert where in [f"{p.file}:{p.path}" for p in err.value.problems if p.code == "invalid_id"]


@pytest.mark.parametrize(("file", "old"), [("oversight.toml", 'id = "pass-mark"'), ("rules.toml", 'id = "m-3"')])
def test_oversight_and_rule_ids_too(tmp_path: Path, file: str, old: str) -> None:
    pack = tmp_path / "monthly"
    shutil.copytree(MONTHLY, pack)
    path = pack / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, 'id = "a\\nb"', 1), encoding="utf-8")
    with pytest.raises(PackError) as err:
        sr.compile_pack(sr.load_pack(pack))
    assert "invalid_id" in [p.code for p in err.value.problems]


def test_chinese_ids_stay_valid(tmp_path: Path) -> None:
    pack = tmp_path / "monthly"
    shutil.copytree(MONTHLY, pack)
    money = pack / "money.toml"
    money.write_text(
        money.read_text(encoding="utf-8").replace('id = "wage-pool"', 'id = "工资 总额"', 1), encoding="utf-8"
    )
    assert sr.compile_pack(sr.load_pack(pack)).pack.money.rates[0].id == "工资 总额"


# ---- the loader fuzz, over the new files: money.toml, thresholds, amendments.toml --------------

NEW_FILES = ["pack.toml", "sections.toml", "rules.toml", "oversight.toml", "money.toml"]
EXAMPLE_MONTH = str(MONTHLY.parent / "monthly-2027-03.jsonl")
HOSTILE = st.one_of(
    st.integers(-(2**64), 2**64),
    st.sampled_from(["", "0", "-1", "1e3", "0.001", "9" * 40, "2027-02-29", "1900-01-01", "2099-12-31", "none"]),
    st.sampled_from(["month", "quarter", "half_year", "year", "gt", "lt", "total", "deducted", "fined", "amount"]),
    st.booleans(),
    st.just([]),
    st.just({}),
    st.floats(allow_nan=False, allow_infinity=False),
)


@st.composite
def edited_new_files(draw: st.DrawFn) -> tuple[Path, dict[str, dict[str, Any]]]:
    base = draw(st.sampled_from([MONTHLY, AMENDED]))
    files = NEW_FILES + (["amendments.toml"] if base == AMENDED else [])
    data = {f: tomllib.loads((base / f).read_text(encoding="utf-8")) for f in files if (base / f).is_file()}
    for _ in range(draw(st.integers(1, 3))):
        file = draw(st.sampled_from(sorted(data)))
        where = paths(data[file])
        if not where:
            continue
        path = draw(st.sampled_from(where))
        parent: Any = data[file]
        for key in path[:-1]:
            parent = parent[key]
        new = json.loads(json.dumps(draw(HOSTILE)))
        if draw(st.booleans()) or not isinstance(parent, (dict, list)):
            parent[path[-1]] = new
        else:
            del parent[path[-1]]
    return base, data


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=edited_new_files())
def test_an_edited_money_or_amended_pack_compiles_scores_or_fails_located(
    case: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    base, data = case
    folder = tmp_path / "p"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder)
    for file, content in data.items():
        (folder / file).write_text(to_toml(content), encoding="utf-8")
    try:
        compiled = sr.compile_pack(sr.load_pack(folder))
    except sr.PackError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.code and p.message and p.file, p
        return
    with compiled:  # a pack check calls valid scores without an exception
        sr.score(
            compiled,
            [EXAMPLE_MONTH if base == MONTHLY else str(AMENDED.parent / "cangzhou-2026q3.jsonl")],
            as_of="2027-12-31",
        )


def test_a_float_factor_is_called_a_factor_not_an_amount_of_yuan(tmp_path: Path) -> None:
    # Before: "invalid_value: expected an amount of yuan as a string ..." for factor = 1.5.
    with pytest.raises(PackError) as err:
        make_pack(tmp_path, DOUBLING.replace("factor = 2", "factor = 1.5"))
    (problem,) = err.value.problems
    assert (problem.code, problem.path) == ("invalid_factor", "$.fines[0].factor")
    assert "yuan" not in problem.message and '"1.5"' in problem.message and "found 1.5" in problem.message


@pytest.mark.parametrize(("key", "old"), [("cap", 'cap = "1000"'), ("first", 'first = "50"')])
def test_a_float_amount_is_invalid_amount_whether_the_key_is_optional_or_not(
    tmp_path: Path, key: str, old: str
) -> None:
    """Regression: two structuring hooks for amounts (one for required, one for optional keys) gave
    `invalid_amount` for `per_point = 1.5` but `invalid_value` for `cap = 1.5` (docs: invalid_amount)."""
    assert old in DOUBLING
    with pytest.raises(PackError) as err:
        make_pack(tmp_path, DOUBLING.replace(old, f"{key} = 1.5"))
    (problem,) = err.value.problems
    assert (problem.code, problem.path) == ("invalid_amount", f"$.fines[0].{key}")
    assert "found 1.5" in problem.message
