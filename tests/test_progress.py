"""Progress on a terminal's stderr for long runs; never in the JSON, never when redirected."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import pytest

from service_rules import cli


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def big_input(tmp_path: Path, n: int = 70_000) -> Path:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(
                json.dumps(
                    {"type": "finding", "id": f"f{i}", "outlet": f"O{i % 50}", "date": "2026-07-01", "article": 25}
                )
                + "\n"
            )
    return path


@pytest.fixture
def slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reading of the clock is 0.4 s later: the run 'takes' seconds, whatever the machine."""
    ticks = itertools.count()
    monkeypatch.setattr("time.monotonic", lambda: next(ticks) * 1.5)


def run(
    tmp_path: Path, stderr: io.StringIO, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> bytes:
    monkeypatch.setattr("sys.stderr", stderr)
    assert cli.main(["score", "--pack", "cangzhou", "--as-of", "2026-11-27", str(big_input(tmp_path))]) == 0
    return capsysbinary.readouterr().out


def test_progress_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], slow_clock: None
) -> None:
    err = FakeTerminal()
    out = run(tmp_path, err, monkeypatch, capsysbinary)
    assert "65,536 行" in err.getvalue() and "行/秒" in err.getvalue()
    assert err.getvalue().endswith("\n")
    data = json.loads(out)  # stdout is the JSON and only the JSON
    assert data["inputs"][0]["accepted"] == 70_000


def test_no_progress_when_stderr_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], slow_clock: None
) -> None:
    err = io.StringIO()
    run(tmp_path, err, monkeypatch, capsysbinary)
    assert err.getvalue() == ""
