"""Hardening of the command line (issue 11): exit codes, signals, gates, escaped tables, arguments.

Each test first reproduced the failure it guards against (a traceback, a wrong exit code, raw
control characters on a terminal, a silently accepted argument).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules import _evaluate, _loader, _parallel, cli
from service_rules.cli import ExitCode, main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "cangzhou-2026q3.jsonl")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return int(code), out, err


def write(path: Path, *records: dict[str, Any] | str) -> str:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
        encoding="utf-8",
    )
    return str(path)


def one_line(err: str) -> None:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err


# ---- the codes ------------------------------------------------------------------------------


def test_the_exit_codes_are_one_documented_enum() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "REJECTED": 1,
        "USAGE": 2,
        "GATE": 3,
        "INTERNAL": 70,
        "INTERRUPTED": 130,
        "BROKEN_PIPE": 141,
    }
    assert sr.ExitCode is ExitCode
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for c in ExitCode:
        assert f"| {int(c)} | `{c.name}` |" in doc, c


@pytest.fixture
def broken_ledger(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A bug in the middle of a streamed result: the scorecards are written, the actions fail."""

    def fail(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(_evaluate, "sanctions", fail)
    yield


@pytest.mark.usefixtures("broken_ledger")
def test_an_internal_error_is_exit_70_one_line_and_no_complete_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    code, out, err = run(capsys, "score", "--pack", "cangzhou", "--as-of", "2026-11-27", EXAMPLE)
    assert code == ExitCode.INTERNAL == 70
    one_line(err)
    assert "internal_error" in err and "RuntimeError: a bug" in err and "--debug" in err
    assert '"scorecards":[' in out  # the stream had started …
    with pytest.raises(json.JSONDecodeError):  # … and what it left cannot be taken for a result
        json.loads(out)


@pytest.mark.usefixtures("broken_ledger")
@pytest.mark.parametrize("how", ["flag-before", "flag-after", "env"])
def test_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    argv = ["score", "--pack", "cangzhou", "--format", "table", EXAMPLE]
    if how == "flag-before":
        argv = ["--debug", *argv]
    elif how == "flag-after":
        argv = [*argv[:-1], "--debug", EXAMPLE]
    else:
        monkeypatch.setenv(cli.DEBUG_ENV, "1")
    code, out, err = run(capsys, *argv)
    assert code == 70
    assert out == ""  # the table is written whole or not at all
    assert "Traceback" in err and "RuntimeError: a bug" in err


@pytest.mark.parametrize("command", ["score", "candidates", "check", "list"])
def test_ctrl_c_ends_quietly_with_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    def interrupted(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(_loader, "resolve_pack", interrupted)
    argv = {
        "score": ["score", "--pack", "cangzhou", EXAMPLE],
        "candidates": ["candidates", "--pack", "cangzhou", "--year", "2026", EXAMPLE],
        "check": ["check", "cangzhou"],
        "list": ["list"],
    }[command]
    code, _out, err = run(capsys, *argv)
    assert (code, err) == (130, "")


def test_a_closed_stdout_ends_quietly_with_141_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed:
        def write(self, _: Any) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["score", "--pack", "cangzhou", "--format", "table", EXAMPLE]) == 141


def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["SERVICE_RULES_DISABLE_PLUGINS"] = "1"
    return env


def test_a_closed_pipe_ends_quietly_with_141() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "service_rules", "score", "--pack", "cangzhou", EXAMPLE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_subprocess_env(),
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader went away before the first byte
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert err == b""


def test_a_closed_stdin_with_dash_is_a_usage_error() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; os.close(0); sys.argv[0] = 'service-rules'; "
            "from service_rules.cli import main; sys.exit(main(['score', '--pack', 'cangzhou', '-']))",
        ],
        capture_output=True,
        env=_subprocess_env(),
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert b"Traceback" not in proc.stderr and "标准输入".encode() in proc.stderr
    assert proc.stdout == b""


def test_no_stdin_at_all_with_dash_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    code, out, err = run(capsys, "score", "--pack", "cangzhou", "-")
    assert (code, out) == (2, "")
    one_line(err)
    assert "标准输入" in err


# ---- arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["99999999999999999999", "0", "-1", "1899", "2100", "2026.5", "二〇二六", "1e3"])
def test_candidates_year_outside_the_contract_is_a_usage_error(capsys: pytest.CaptureFixture[str], year: str) -> None:
    code, out, err = run(capsys, "candidates", "--pack", "cangzhou", f"--year={year}", EXAMPLE)
    assert (code, out) == (2, "")
    one_line(err)
    assert ("--year" in err and "1900" in err) or "整数" in err


@pytest.mark.parametrize("year", ["1900", "2026", "2099"])
def test_candidates_years_inside_the_contract_run(capsys: pytest.CaptureFixture[str], year: str) -> None:
    code, out, _ = run(capsys, "candidates", "--pack", "cangzhou", "--year", year, "--as-of", "2099-12-31", EXAMPLE)
    assert code == 0
    assert json.loads(out)["year"] == int(year)


@pytest.mark.parametrize(
    "argv",
    [
        ["candidates", "--pack", "cangzhou", "--year", "2026", "--top", "0", EXAMPLE],
        ["candidates", "--pack", "cangzhou", "--year", "2026", "--top", "99999999999999999999", EXAMPLE],
        ["test", "cangzhou", "--min-coverage", "nan"],
        ["test", "cangzhou", "--min-coverage", "101"],
        ["diff", "cangzhou", "cangzhou", "--observations", EXAMPLE, "--limit", "-1"],
        ["diff", "cangzhou", "cangzhou", "--observations", EXAMPLE, "--fail-on", "anything"],
    ],
)
def test_numeric_options_out_of_range_are_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    one_line(err)


def test_a_5000_character_pack_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", "--pack", "a" * 5000, EXAMPLE)
    assert (code, out) == (2, "")
    one_line(err)
    assert len(err) < 600


# ---- diff --fail-on -------------------------------------------------------------------------


GRADE_ONE = """
[[rules]]
id = "cz-4-item"
override = true
deduct = { kind = "graded", min = 1, max = 1, provenance = "assumed", note = "测试" }
"""


def _layer(folder: Path, rules: str = "") -> str:
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "hejian"\ntitle = "t"\nversion = "2"\nextends = "cangzhou"\n', encoding="utf-8"
    )
    if rules:
        (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return str(folder)


def test_diff_fail_on_trips_only_when_asked_and_only_when_true(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    same = _layer(tmp_path / "same")
    base = ["diff", "cangzhou", same, "--observations", EXAMPLE, "--as-of", "2026-11-27"]
    assert run(capsys, *base, "--fail-on", "changed", "--fail-on", "rejected")[0] == 0
    disabled = _layer(tmp_path / "disabled", '[[rules]]\nid = "cz-8-drunk"\ndisable = true\n')
    base = ["diff", "cangzhou", disabled, "--observations", EXAMPLE, "--as-of", "2026-11-27"]
    code, out, err = run(capsys, *base)
    assert code == 0 and "cz-8-drunk" in out
    code, out, err = run(capsys, *base, "--fail-on", "changed")
    assert code == ExitCode.GATE == 3
    assert "cz-8-drunk" in out  # the report is complete
    one_line(err)
    assert "--fail-on changed" in err


def test_diff_fail_on_rejected_trips_on_newly_rejected_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = write(
        tmp_path / "in.jsonl",
        {"type": "finding", "id": "F1", "outlet": "O1", "date": "2026-07-01", "article": 18, "points": 2},
    )
    gone = _layer(tmp_path / "gone", GRADE_ONE)
    base = ["diff", "cangzhou", gone, "--observations", data, "--as-of", "2026-11-27", "--format", "json"]
    code, out, err = run(capsys, *base, "--fail-on", "rejected")
    assert code == 3, err
    assert json.loads(out)["newly_rejected"]
    code, out, err = run(capsys, "diff", gone, "cangzhou", *base[3:], "--fail-on", "rejected")
    assert code == 0  # the other way round, nothing is newly rejected (one line is newly accepted)


# ---- tables never print raw control characters ----------------------------------------------

HOSTILE = "\x1b[2J\x1b[31mEVIL\x1b[0m\r\n\x07\u202e\x00"


def _visible(text: str) -> None:
    for ch in text:
        assert ch == "\n" or (ch.isprintable() or ch == "\u3000"), (ch, text)


def test_the_escape_helper() -> None:
    from service_rules._report import escape

    assert escape("网点 HJ-01") == "网点 HJ-01"
    assert escape("C:\\data\\x.jsonl") == "C:\\data\\x.jsonl"  # nothing else to escape: as it is
    assert escape("a\x1b[31mb") == "a\\x1b[31mb"
    assert escape("a\\b\n") == "a\\\\b\\n"  # one escaped: backslashes doubled, the text reads back
    assert escape("\u202eabc") == "\\u202eabc"
    _visible(escape(HOSTILE))


def test_score_table_escapes_input_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = write(
        tmp_path / "in.jsonl",
        {
            "type": "finding",
            "id": f"F{HOSTILE}",
            "outlet": f"O{HOSTILE}",
            "date": "2026-07-01",
            "article": 18,
            "points": 2,
        },
        {"type": "finding", "id": f"G{HOSTILE}", "outlet": "O1", "date": "2026-07-01", "article": 7},
        {
            "type": "finding",
            "id": "H1",
            "outlet": "O2",
            "date": "2026-07-01",
            "article": 18,
            "points": 2,
            f"x{HOSTILE}": 1,
        },
    )
    code, out, _err = run(capsys, "score", "--pack", "cangzhou", "--format", "table", "--as-of", "2026-11-27", data)
    assert code == 1
    _visible(out)
    assert "\\x1b[31mEVIL" in out


def test_candidates_table_escapes_input_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = write(
        tmp_path / "in.jsonl",
        {
            "type": "inspection",
            "id": "I1",
            "outlet": f"O{HOSTILE}",
            "county": f"C{HOSTILE}",
            "by": "county",
            "date": "2026-02-01",
        },
        {
            "type": "finding",
            "id": "F1",
            "outlet": f"O{HOSTILE}",
            "date": "2026-02-01",
            "article": 41,
            "tag": "drunk_on_duty",
            "persons": 1,
        },
    )
    code, out, err = run(
        capsys, "candidates", "--pack", "cangzhou", "--year", "2026", "--format", "table", "--as-of", "2027-01-31", data
    )
    assert code in (0, 1), err
    assert "EVIL" in out
    _visible(out)


def test_diff_markdown_escapes_input_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = write(
        tmp_path / "in.jsonl",
        {
            "type": "finding",
            "id": f"F{HOSTILE}",
            "outlet": f"O{HOSTILE}",
            "date": "2026-07-01",
            "article": 18,
            "points": 2,
        },
    )
    gone = _layer(tmp_path / "gone", GRADE_ONE)
    code, out, err = run(capsys, "diff", gone, "cangzhou", "--observations", data, "--as-of", "2026-11-27")
    assert code == 0, err
    assert "EVIL" in out
    _visible(out)


@pytest.mark.parametrize(
    "option", ["--as-of=99999-01-01", "--as-of=0001-01-01", "--as-of=2100-01-01", "--period=0226Q3", "--period=99999Q1"]
)
def test_dates_outside_the_contract_years_are_usage_errors(capsys: pytest.CaptureFixture[str], option: str) -> None:
    code, out, err = run(capsys, "score", "--pack", "cangzhou", option, EXAMPLE)
    assert (code, out) == (2, "")
    one_line(err)
    assert "1900" in err and "2099" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["docs", "cangzhou", "-o", "/nonexistent-dir/x.md"],
        ["test", "cangzhou", "--junit", "/nonexistent-dir/x.xml"],
        ["schema", "--out", "/dev/null/x"],
    ],
)
def test_an_output_file_that_cannot_be_written_is_exit_2_not_a_crash(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    one_line(err)
    assert "无法读写文件" in err


# ---- fuzz: any argv ends with a documented code, never a traceback, never exit 70 -----------

TOKENS = [
    "score",
    "candidates",
    "check",
    "test",
    "list",
    "docs",
    "diff",
    "schema",
    "--pack",
    "cangzhou",
    "generic",
    "./nowhere",
    "nowhere",
    "a" * 300,
    "Cangzhou",
    "./",
    "..",
    "--year",
    "2026",
    "0",
    "-1",
    "99999999999999999999",
    "1e3",
    "--as-of",
    "2026-11-27",
    "0001-01-01",
    "bad",
    "2026-02-30",
    "--period",
    "2026Q3",
    "0226Q3",
    "2026Q5",
    "2026-07",
    "--format",
    "json",
    "table",
    "markdown",
    "text",
    "--top",
    "3",
    "--limit",
    "--fail-on",
    "changed",
    "rejected",
    "--strict",
    "--min-coverage",
    "nan",
    "50",
    "--coverage",
    "all",
    "layer",
    "--observations",
    "--match-every",
    "-",
    EXAMPLE,
    "/nonexistent/file.jsonl",
    "\x1b[31m",
    "",
    "--",
    "-h",
    "--version",
]


PACKS = st.sampled_from(
    ["cangzhou", "cangzhou", "cangzhou", "generic", "./nowhere", "nowhere", "a" * 300, "Cangzhou", ".", "\x1b[31m"]
)
FILES = st.sampled_from([EXAMPLE, "-", "/nonexistent/file.jsonl", str(ROOT / "examples" / "generic-2027q1.jsonl")])
OPTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["--as-of"]),
            st.sampled_from(["2026-11-27", "0001-01-01", "bad", "2026-02-30", "2099-12-31"]),
        ),
        st.tuples(st.sampled_from(["--period"]), st.sampled_from(["2026Q3", "0226Q3", "2026Q5", "2026-07", "2027Q1"])),
        st.tuples(
            st.sampled_from(["--format"]), st.sampled_from(["json", "table", "markdown", "text", "csv", "xlsx", "docx"])
        ),
        st.tuples(
            st.sampled_from(["--top", "--limit", "--min-coverage"]), st.sampled_from(["3", "0", "-1", "nan", "1e3"])
        ),
        st.tuples(st.sampled_from(["--fail-on"]), st.sampled_from(["changed", "rejected", "x"])),
        st.tuples(st.sampled_from(["--strict", "--match-every", "--debug", "--coverage"])),
    ),
    max_size=3,
).map(lambda pairs: [t for pair in pairs for t in pair])


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["random", "score", "candidates", "diff", "check", "test", "docs", "list"]))
    if kind == "random":
        return draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8))
    allowed = {
        "score": {"--as-of", "--period", "--format", "--match-every", "--debug"},
        "candidates": {"--as-of", "--format", "--top", "--debug"},
        "diff": {"--as-of", "--period", "--format", "--limit", "--fail-on", "--debug"},
        "check": {"--strict", "--format", "--debug"},
        "test": {"--min-coverage", "--debug"},
        "docs": {"--debug"},
        "list": {"--format", "--debug"},
    }[kind]
    opts = draw(OPTIONS)
    if draw(st.booleans()):  # mostly options the command takes, so that runs get past argparse
        keep: list[str] = []
        for i, token in enumerate(opts):
            if token.startswith("--") and token in allowed:
                keep.append(token)
                if i + 1 < len(opts) and not opts[i + 1].startswith("--"):
                    keep.append(opts[i + 1])
        opts = keep
    if kind == "score":
        return ["score", "--pack", draw(PACKS), *opts, draw(FILES)]
    if kind == "candidates":
        year = draw(st.sampled_from(["2026", "2027", "0", "-1", "99999999999999999999"]))
        return ["candidates", "--pack", draw(PACKS), "--year", year, *opts, draw(FILES)]
    if kind == "diff":
        return ["diff", draw(PACKS), draw(PACKS), *opts, "--observations", draw(FILES)]
    if kind == "list":
        return ["list", *opts]
    return [kind, *opts, draw(PACKS)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
@example(argv=["score", "-h"])  # regression: the help (exit 0) is no JSON document, and needs none
@example(argv=["score", "--pack", "cangzhou", "--he"])  # (argparse takes an abbreviated --help)
def test_any_argv_ends_with_a_documented_code_and_no_traceback(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"))
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    monkeypatch.chdir(tmp_path_factory.getbasetemp())  # schema writes into the current folder
    code = main(argv)
    out, err = capsys.readouterr()
    event(f"{argv[0]} exit {code}")
    assert code in {int(c) for c in ExitCode} and code not in (70, 130, 141), (argv, code, err)
    assert "Traceback" not in err or "--debug" in argv, (argv, err)
    formats = [argv[i + 1] for i, t in enumerate(argv[:-1]) if t == "--format"]
    helped = out.startswith("usage:")  # -h, or an abbreviation of --help: the help, not a result
    if code in (0, 1) and argv[0] == "score" and formats[-1:] in ([], ["json"]) and "--debug" not in argv:
        if helped:
            assert code == 0 and "--pack" in out
        else:
            json.loads(out)  # the default JSON output is complete whenever the code says so


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["score", "--pack", "cangzhou", EXAMPLE], 2),
        (["list"], 2),
        (["check", "cangzhou"], 2),
        (["docs", "cangzhou", "-o", "{tmp}/d.md"], 0),  # needs no stdout
    ],
)
def test_a_process_started_without_stdout_reports_it(tmp_path: Path, argv: list[str], code: int) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    proc = subprocess.run(
        [sys.executable, "-m", "service_rules", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_subprocess_env(),
        cwd=ROOT,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert proc.returncode == code, proc.stderr
    assert b"Traceback" not in proc.stderr
    if code:
        assert "标准输出已关闭".encode() in proc.stderr


def test_a_full_disk_on_stdout_is_exit_2_not_a_complete_run() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "service_rules", "score", "--pack", "cangzhou", EXAMPLE],
            stdout=full,
            stderr=subprocess.PIPE,
            env=_subprocess_env(),
            cwd=ROOT,
            timeout=120,
        )
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr


def test_a_closed_stderr_scores_as_any_other_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Regression: started with stderr closed (``2>&-``, so ``sys.stderr`` is None), every score
    run ended as an internal error (70) asking whether to show progress on it."""
    out = tmp_path / "out.json"
    expected = main(["score", "--pack", "cangzhou", "--as-of", "2026-11-27", "-o", str(out), EXAMPLE])
    first = out.read_bytes()
    monkeypatch.setattr(sys, "stderr", None)
    assert main(["score", "--pack", "cangzhou", "--as-of", "2026-11-27", "-o", str(out), EXAMPLE]) == expected
    assert out.read_bytes() == first


@pytest.mark.skipif(sys.platform != "linux", reason="a file name of any bytes (POSIX)")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_file_name_that_is_not_utf8_is_shown_with_a_replacement_character(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, workers: str
) -> None:
    """Regression (review): a file name whose bytes are not UTF-8 (any bytes make a POSIX name)
    ended every run as an internal error (70) when the JSON named it. The output shows the bytes
    that are not UTF-8 as U+FFFD; the file is read and scored as any other."""
    example = (Path(__file__).resolve().parents[1] / "examples" / "cangzhou-2026q3.jsonl").read_bytes()
    odd = os.path.join(os.fsencode(tmp_path), b"q\xff.jsonl")
    with open(odd, "wb") as handle:
        handle.write(example)
    name = os.fsdecode(odd)
    code, out, err = run(capsys, "score", "--pack", "cangzhou", "--as-of", "2026-11-27", "--workers", workers, name)
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["inputs"][0]["file"] == str(tmp_path / "q\ufffd.jsonl")
    assert result["scorecards"]
    facts = _parallel.ingest_parallel(sr.compile_pack(sr.load_pack("cangzhou")), [name], workers=2, min_bytes=0)
    assert facts.inputs[0].file == str(tmp_path / "q\ufffd.jsonl")
