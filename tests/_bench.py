"""The benchmarks' own scripts (benchmarks/*.py), imported by tests that use their inputs or
check their peers: one loader instead of one per test file."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@functools.cache
def bench_module(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module (benchmarks/ on the path: generate.py is imported by name)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # importable by name: a pool's worker finds its functions (pickled by name)
    spec.loader.exec_module(module)
    return module
