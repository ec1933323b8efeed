"""What several engine tests share: Cangzhou with one more rule for article 18 (``v-18``,
superseding ``cz-4-item`` where its ``when`` holds), and a compiled pack's matcher made to note
every question it is asked."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import service_rules as sr


def cangzhou_with_v18(tmp_path: Path, when: str, name: str = "variant") -> Path:
    """The variant's folder under ``tmp_path``; ``when``: the rule's ``when`` table, in TOML."""
    folder = tmp_path / name
    shutil.copytree(sr.load_pack("cangzhou").root, folder)
    rules = (folder / "rules.toml").read_text(encoding="utf-8")
    rules += (
        f'\n[[rules]]\nid = "v-18"\nsection = 4\narticle = 18\nwhen = {when}\n'
        'deduct = { kind = "graded", min = 1, max = 3, provenance = "assumed", note = "测试用变体" }\n'
        'supersedes = ["cz-4-item"]\nreason = "变体:第{article}条扣{points}分。"\n'
    )
    (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return folder


def questions_to(compiled: sr.CompiledPack) -> list[dict[str, Any]]:
    """From now on, every shape ``compiled``'s matcher is asked about, in order."""
    asked: list[dict[str, Any]] = []
    ask = compiled.matcher.matches

    def counting(shape: dict[str, Any]) -> frozenset[str]:
        asked.append(shape)
        return ask(shape)

    compiled.matcher.matches = counting  # type: ignore[method-assign]
    return asked
