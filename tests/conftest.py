"""Isolation shared by every test: packs installed in the environment never take part.

The suite must pass whatever else is installed beside service_rules, so discovery of
installed packs is off unless a test asks for a fake site of its own (``plugin_site``).
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from service_rules import _loader


@pytest.fixture(autouse=True)
def _no_installed_packs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(_loader.DISABLE_PLUGINS_ENV, "1")
    yield


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder standing in for site-packages: the only place packs are discovered from.
    Modules imported from it are forgotten afterwards, so the next test imports its own."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv(_loader.DISABLE_PLUGINS_ENV, raising=False)

    def only_this_site() -> importlib.metadata.EntryPoints:
        eps = [ep for dist in importlib.metadata.distributions(path=[str(site)]) for ep in dist.entry_points]
        return importlib.metadata.EntryPoints(eps).select(group=_loader.PLUGIN_GROUP)

    monkeypatch.setattr(_loader, "_group_entry_points", only_this_site)
    yield site
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(site)):
            del sys.modules[name]


def fake_distribution(site: Path, dist: str, packs: dict[str, str], module_source: str) -> None:
    """An installed distribution ``dist`` 1.0 with one module whose attributes name its packs."""
    module = dist.replace("-", "_")
    (site / f"{module}.py").write_text(module_source, encoding="utf-8")
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8")
    lines = "".join(f"{name} = {module}:{attr}\n" for name, attr in packs.items())
    (info / "entry_points.txt").write_text(f"[service_rules.packs]\n{lines}", encoding="utf-8")
