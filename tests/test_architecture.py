"""docs/architecture.md is the map of the code: each module's imports stay within its row."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "service_rules"


def imports_of(path: Path) -> set[str]:
    """The package modules a file imports (relative imports, at any depth of the file)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module)
            else:
                found.update(alias.name for alias in node.names)
    return {m for m in found if (PACKAGE / f"{m}.py").exists()}


def documented() -> dict[str, set[str] | None]:
    """Module → the modules it may import (None: any)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| .+ \| (.+) \|$", text, re.M)
    table: dict[str, set[str] | None] = {}
    for module, allowed in rows:
        if "every private module" in allowed:
            table[module] = None
        else:
            table[module] = set(re.findall(r"`(\w+)`", allowed))
    return table


def test_every_module_is_documented_once() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert set(documented()) == modules


def test_imports_stay_within_the_documented_rows() -> None:
    for module, allowed in documented().items():
        actual = imports_of(PACKAGE / f"{module}.py")
        if allowed is not None:
            assert actual <= allowed, f"{module} imports {sorted(actual - allowed)}, which its row does not allow"


def test_no_import_cycles() -> None:
    graph = {p.stem: imports_of(p) for p in PACKAGE.glob("*.py")}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError(" → ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


def test_only_the_engine_module_imports_durable_rules() -> None:
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(from durable|import durable)", text, re.M):
            assert path.stem == "_engine", path.name
        if path.stem != "_engine":
            assert "$and" not in text and "$neq" not in text and '"$ex"' not in text, path.name


def test_a_scoring_run_imports_neither_the_spreadsheet_reader_nor_the_rarer_commands() -> None:
    """Start-up is part of every run: ``import service_rules`` and the command line leave the
    spreadsheet reader, candidates, pack diffs, pack documents and pack tests to the runs that use
    them (imported when first asked for), and the public names still resolve."""
    import subprocess
    import sys

    code = (
        "import sys, service_rules.cli, service_rules as sr\n"
        "late = ['_sheets', '_candidates', '_diff', '_packdocs', '_packtest', 'openpyxl', 'durable']\n"
        "print(sorted(m for m in late if any(k.split('.')[-1] == m or k == m for k in sys.modules)))\n"
        "print(sr.candidates.__module__, sr.diff_packs.__module__, sr.run_pack_tests.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.splitlines() == [
        "[]",
        "service_rules._candidates service_rules._diff service_rules._packtest",
    ]
