"""The shipped packs pass their own checks and cases, as a pack repository's CI would run them."""

from __future__ import annotations

from pathlib import Path

import pytest

import service_rules as sr
from service_rules.cli import main


@pytest.mark.parametrize("pack", ["cangzhou", "generic"])
def test_check_strict(pack: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--strict", pack]) == 0
    assert "valid" in capsys.readouterr().out


@pytest.mark.parametrize("pack", ["cangzhou", "generic"])
def test_own_cases_pass_with_full_coverage(pack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "junit.xml"
    assert main(["test", pack, "--min-coverage", "100", "--junit", str(junit)]) == 0
    out = capsys.readouterr().out
    assert "规则覆盖率" in out and "(100.0%)" in out
    assert b'failures="0"' in junit.read_bytes()


def test_a_failing_case_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "wrong.toml").write_text(
        '[[cases]]\nname = "错误的期望"\nrecords = [ { type = "finding", id = "f1", outlet = "A", '
        'date = "2026-07-01", article = 25 } ]\n[[cases.expect.scorecards]]\noutlet = "A"\nperiod = "2026Q3"\n'
        "total = 99\n",  # 五: each item 3 points → 97, not 99
        encoding="utf-8",
    )
    junit = tmp_path / "j.xml"
    assert main(["test", "cangzhou", "--cases", str(tmp_path), "--junit", str(junit)]) == 1
    assert "total:期望 99,实际 97" in capsys.readouterr().out
    assert b'failures="1"' in junit.read_bytes()


def test_coverage_below_the_minimum_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "one.toml").write_text(
        '[[cases]]\nname = "一条"\nrecords = [ { type = "finding", id = "f1", outlet = "A", '
        'date = "2026-07-01", article = 25 } ]\n',
        encoding="utf-8",
    )
    assert main(["test", "cangzhou", "--cases", str(tmp_path), "--min-coverage", "50"]) == 1
    assert "低于 --min-coverage" in capsys.readouterr().err


def test_docs_renders_every_shipped_pack(capsys: pytest.CaptureFixture[str]) -> None:
    for pack in sr.builtin_pack_names():
        assert main(["docs", pack]) == 0
        assert capsys.readouterr().out.startswith("# ")
