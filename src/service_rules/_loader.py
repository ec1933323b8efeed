"""Pack folders → :class:`Pack`: TOML through one cattrs converter, every error located.

A pack is a folder holding ``pack.toml`` and, optionally, ``sections.toml``,
``articles.toml`` and ``rules.toml``. Built-in packs ship inside this package under
``policies/<name>``; any other folder is loaded by path. Every problem in every file is
reported together, each as ``file:key.path: code: message``.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import cattrs
from cattrs.errors import ClassValidationError

from ._errors import PackError, PackNotFoundError, Problem
from ._model import (
    PACK_FILES,
    ArticlesFile,
    ConditionValue,
    Oversight,
    Pack,
    PackFile,
    RulesFile,
    SectionsFile,
)

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
"""The one converter that loads and dumps packs."""


def _structure_condition(value: Any, _: Any) -> Any:
    # Conditions are checked key by key in the compiler, where the fact schema is known.
    if isinstance(value, (str, int, bool, list, dict)) and not isinstance(value, float):
        return value
    raise TypeError(f"expected a value, a list or a table of operators, found {value!r}")


converter.register_structure_hook(ConditionValue, _structure_condition)


def _strict(kind: type, label: str) -> Any:
    # cattrs would call int("3") and int(True); a pack says what it means or is rejected.
    def hook(value: Any, _: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {label}, found {type(value).__name__} {value!r}")
        return value

    return hook


for _kind, _label in ((int, "an integer"), (str, "a string"), (bool, "true or false")):
    converter.register_structure_hook(_kind, _strict(_kind, _label))

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def builtin_packs_root() -> Path:
    """The folder of the packs shipped inside the package."""
    return Path(str(importlib.resources.files("service_rules") / "policies"))


def builtin_pack_names() -> list[str]:
    root = builtin_packs_root()
    return sorted(p.name for p in root.iterdir() if (p / "pack.toml").is_file())


def resolve_pack(ref: str | os.PathLike[str]) -> Path:
    """A pack name (``cangzhou``) or a path to a pack folder → the folder."""
    text = os.fspath(ref)
    if _NAME.match(text) and not Path(text).is_dir():
        folder = builtin_packs_root() / text
        if (folder / "pack.toml").is_file():
            return folder
        known = ", ".join(builtin_pack_names()) or "none"
        raise PackNotFoundError(f"no built-in pack named {text!r} (built-in: {known})")
    folder = Path(text)
    if folder.is_file() and folder.name == "pack.toml":
        folder = folder.parent
    if not (folder / "pack.toml").is_file():
        raise PackNotFoundError(f"{text}: not a pack folder (expected {folder / 'pack.toml'})")
    return folder


def _located(exc: BaseException, file: str) -> list[Problem]:
    problems = []
    for line in cattrs.transform_error(exc, path="$"):
        message, _, path = line.rpartition(" @ ")
        code = "missing_key" if message.startswith("required field missing") else "invalid_value"
        if message.startswith("extra fields found"):
            code = "unknown_key"
        problems.append(Problem(code, message or line, file=file, path=path or None))
    return problems


def load_pack(ref: str | os.PathLike[str]) -> Pack:
    """Load a pack by built-in name or folder path; raise :class:`PackError` listing every problem.

    The result is only loaded, not checked: :func:`compile_pack` runs the checks.
    """
    folder = resolve_pack(ref)
    problems: list[Problem] = []
    parts: dict[str, Any] = {}
    digest = hashlib.sha256()
    for file_name, cls in PACK_FILES.items():
        path = folder / file_name
        if not path.is_file():
            if cls is PackFile:
                problems.append(Problem("missing_file", "pack.toml is required", file=file_name))
            continue
        raw = path.read_bytes()
        digest.update(file_name.encode() + b"\0" + raw + b"\0")
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(Problem("invalid_utf8", f"not UTF-8: {exc}", file=file_name))
            continue
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem("invalid_toml", str(exc), file=file_name))
            continue
        try:
            parts[file_name] = converter.structure(data, cls)
        except (ClassValidationError, ValueError, TypeError) as exc:
            problems.extend(_located(exc, file_name))
    if problems:
        raise PackError(problems, location=str(folder))
    pack_file: PackFile = parts["pack.toml"]
    sections: SectionsFile = parts.get("sections.toml", SectionsFile([]))
    articles: ArticlesFile = parts.get("articles.toml", ArticlesFile([]))
    rules: RulesFile = parts.get("rules.toml", RulesFile([]))
    return Pack(
        meta=pack_file.pack,
        sections=sections.sections,
        articles=articles.articles,
        rules=rules.rules,
        oversight=parts.get("oversight.toml", Oversight()),
        root=str(folder),
        digest="sha256:" + digest.hexdigest(),
    )
