"""The examples in docs/ run as written (a doc that lies is a defect)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def blocks(doc: str) -> list[str]:
    return BLOCK.findall((ROOT / "docs" / doc).read_text(encoding="utf-8"))


@pytest.mark.parametrize("index", range(len(blocks("api.md"))))
def test_api_examples_run(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    code = blocks("api.md")[index]
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, f"docs/api.md[{index}]", "exec"), {})
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out  # every example shows something
