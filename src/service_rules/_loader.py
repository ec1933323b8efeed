"""Pack folders → :class:`Pack`: TOML through one cattrs converter, every error located.

A pack is a folder holding ``pack.toml`` and, optionally, ``sections.toml``,
``articles.toml`` and ``rules.toml``. Built-in packs ship inside this package under
``policies/<name>``; any other folder is loaded by path. Every problem in every file is
reported together, each as ``file:key.path: code: message``.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import importlib.resources
import os
import re
import sys
import tomllib
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import cattrs
from cattrs.errors import ClassValidationError

if TYPE_CHECKING:
    import importlib.metadata

from ._amendments import check_amendments, split_reference, text_in_force, version_digest
from ._errors import PackError, PackNotFoundError, Problem, UsageError
from ._importmap import ImportMap, LabelValue, check_import_map, merge_union
from ._model import (
    AMENDMENTS_FILE,
    PACK_FILES,
    SIDE_FILES,
    AmendedText,
    Amendment,
    AmendmentsFile,
    Amount,
    ArticlesFile,
    ConditionValue,
    LayerChange,
    Money,
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
    raise TypeError(f"expected a value, a list or a table of operators, found {_short(value)}")


converter.register_structure_hook(ConditionValue, _structure_condition)


def _structure_label_value(value: Any, _: Any) -> Any:
    if isinstance(value, (str, int, bool)) and not isinstance(value, float):
        return value
    raise TypeError(f"expected a string, an integer or true/false, found {value!r}")


converter.register_structure_hook(LabelValue, _structure_label_value)


def _structure_int_or_str(value: Any, _: Any) -> Any:
    # The same type as Amount (Union[str, int]), so this hook serves both: money.toml's amounts
    # and a threshold's value, points (an integer) or yuan (a string such as "500.00", or an integer).
    if type(value) in (int, str):
        return value
    raise TypeError(
        f'expected an integer or a string (yuan: "12.50", never a TOML float), found {_short(value)}'
    )


converter.register_structure_hook(int | str, _structure_int_or_str)
converter.register_structure_hook(
    Amount | None, lambda value, t: None if value is None else _structure_int_or_str(value, t)
)


def _structure_str_list(value: Any, _: Any) -> list[str]:
    # cattrs would turn "编号" into ["编", "号"]
    if not isinstance(value, list):
        raise TypeError(f"expected a list of strings, found {type(value).__name__} {value!r}")
    return [converter.structure(v, str) for v in value]


converter.register_structure_hook_func(lambda t: t == list[str], _structure_str_list)


def _strict(kind: type, label: str) -> Any:
    # cattrs would call int("3") and int(True); a pack says what it means or is rejected.
    def hook(value: Any, _: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {label}, found {type(value).__name__} {_short(value)}")
        return value

    return hook


def _short(value: Any, limit: int = 60) -> str:
    """A value's repr for a message, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} 个字符)"


for _kind, _label in ((int, "an integer"), (str, "a string"), (bool, "true or false")):
    converter.register_structure_hook(_kind, _strict(_kind, _label))

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


PLUGIN_GROUP = "service_rules.packs"
#: Set to 1 to ignore packs installed by other distributions (entry points).
DISABLE_PLUGINS_ENV = "SERVICE_RULES_DISABLE_PLUGINS"


@attrs.frozen
class PackSource:
    """Where a named pack comes from: built in, or an installed distribution's entry point."""

    name: str
    path: str
    origin: str  # "builtin" or "entry-point"
    distribution: str | None = None


def builtin_packs_root() -> Path:
    """The folder of the packs shipped inside the package."""
    return Path(str(importlib.resources.files("service_rules") / "policies"))


def builtin_pack_names() -> list[str]:
    root = builtin_packs_root()
    return sorted(p.name for p in root.iterdir() if (p / "pack.toml").is_file())


#: The longest pack reference (name or path) accepted, in characters.
MAX_REFERENCE = 1024


def plugins_disabled() -> bool:
    """True when ``SERVICE_RULES_DISABLE_PLUGINS`` turns installed packs off."""
    return os.environ.get(DISABLE_PLUGINS_ENV, "").strip() not in ("", "0")


def is_path_reference(ref: str | os.PathLike[str]) -> bool:
    """A pack reference is a path when it is a path object, contains ``/`` or starts with ``.``;
    otherwise it is a name (built-in first, then installed)."""
    if not isinstance(ref, str):
        return True
    return "/" in ref or ref.startswith(".") or (os.sep != "/" and os.sep in ref)


def _check_reference(text: str, what: str) -> None:
    if not text:
        raise PackNotFoundError(f"{what}为空:须为规则包名称(如 cangzhou)或路径(如 ./tianjin)")
    if "\0" in text:
        raise PackNotFoundError(f"{what}含有 NUL 字符,不是有效的名称或路径")
    if len(text) > MAX_REFERENCE:
        raise PackNotFoundError(f"{what}长 {len(text)} 个字符,超过上限 {MAX_REFERENCE}: {text[:40]!r}…")


def _group_entry_points() -> importlib.metadata.EntryPoints:
    """The installed entry points of :data:`PLUGIN_GROUP` (tests replace this to isolate themselves).
    Imported here: a built-in pack never reads installed metadata (0.05 s of every start-up)."""
    import importlib.metadata

    return importlib.metadata.entry_points(group=PLUGIN_GROUP)


def _entry_points(name: str | None = None) -> list[importlib.metadata.EntryPoint]:
    """The entry points of the group (of one name), one per distribution, in discovery order."""
    found = _group_entry_points()
    if name is not None:
        found = found.select(name=name)
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for ep in found:
        dist = ep.dist.name if ep.dist is not None else None
        key = (ep.name, dist.lower().replace("_", "-") if dist else ep.value)
        if key not in seen:  # the same distribution seen on two sys.path entries
            seen.add(key)
            unique.append(ep)
    return unique


def _distribution(ep: importlib.metadata.EntryPoint) -> str | None:
    return f"{ep.dist.name} {ep.dist.version}" if ep.dist is not None else None


def _load_plugin(ep: importlib.metadata.EntryPoint) -> PackSource:
    """Import one plugin; whatever its import raises (SystemExit and KeyboardInterrupt
    included) is recorded on its source, never raised: one broken plugin ends nothing else."""
    dist = _distribution(ep)
    try:
        # what a plugin prints on import goes to stderr: stdout carries the command's JSON
        with contextlib.redirect_stdout(sys.stderr):
            target = ep.load()
    except BaseException as exc:  # a plugin's import may raise anything
        why = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        return PackSource(ep.name, f"<cannot load: {why[:300]}>", "entry-point", dist)
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
    elif isinstance(getattr(target, "__file__", None), str):
        path = Path(target.__file__).parent  # a package whose folder is the pack
    else:
        return PackSource(ep.name, f"<not a path or package: {type(target).__name__}>", "entry-point", dist)
    return PackSource(ep.name, str(path), "entry-point", dist)


def installed_packs() -> list[PackSource]:
    """Every pack installed distributions declare (entry points), each plugin imported, in
    discovery order; duplicates and names a built-in pack takes are kept (``list`` shows them)."""
    if plugins_disabled():
        return []
    return [_load_plugin(ep) for ep in _entry_points()]


def available_packs() -> list[PackSource]:
    """Every pack that resolves by name: built-in first, then installed ones (entry points).

    A name that a built-in pack takes, or that two distributions declare, is listed once
    (the built-in; the first installed); :func:`pack_name_conflicts` says which.
    """
    packs = [PackSource(n, str(builtin_packs_root() / n), "builtin") for n in builtin_pack_names()]
    taken = {p.name for p in packs}
    for p in installed_packs():
        if p.name not in taken:
            taken.add(p.name)
            packs.append(p)
    return packs


def pack_name_conflicts(sources: list[PackSource] | None = None) -> dict[str, str]:
    """Name → a warning (Chinese) for each name declared by two installed distributions or by an
    installed distribution and a built-in pack."""
    builtin = set(builtin_pack_names())
    by_name: dict[str, list[PackSource]] = {}
    for p in installed_packs() if sources is None else sources:
        if p.origin == "entry-point":
            by_name.setdefault(p.name, []).append(p)
    out = {}
    for name, found in by_name.items():
        dists = "、".join(str(p.distribution) for p in found)
        if len(found) > 1:
            out[name] = f"名称 {name!r} 由多个已安装的发行包声明({dists}),按名称引用时报错"
        elif name in builtin:
            out[name] = f"名称 {name!r} 已是内置规则包;{dists} 的同名规则包按名称引用不到,请用路径引用"
    return out


def _resolve_name(name: str) -> Path:
    builtin = builtin_packs_root() / name
    if (builtin / "pack.toml").is_file():
        return builtin  # a built-in pack: no plugin is imported
    hint = f";本地文件夹请写作 ./{name}" if Path(name).is_dir() else ""
    if plugins_disabled():
        raise PackNotFoundError(
            f"没有名为 {name!r} 的内置规则包(已安装的规则包被 {DISABLE_PLUGINS_ENV} 关闭;"
            f"内置:{', '.join(builtin_pack_names())}{hint})"
        )
    eps = _entry_points(name)
    if len(eps) > 1:
        dists = "、".join(str(_distribution(ep) or ep.value) for ep in eps)
        raise PackNotFoundError(f"规则包名称 {name!r} 由多个已安装的发行包声明:{dists};请卸载其一,或用路径引用")
    if not eps:
        known = ", ".join([*builtin_pack_names(), *sorted({ep.name for ep in _entry_points()})]) or "无"
        raise PackNotFoundError(f"没有名为 {name!r} 的规则包(可用:{known}{hint})")
    source = _load_plugin(eps[0])
    if source.path.startswith("<"):
        raise PackNotFoundError(f"规则包 {name!r}(由 {source.distribution} 提供)无法使用:{source.path[1:-1]}")
    if not (Path(source.path) / "pack.toml").is_file():
        raise PackNotFoundError(f"规则包 {name!r}(由 {source.distribution} 提供)指向 {source.path},那里没有 pack.toml")
    return Path(source.path)


def resolve_pack(ref: str | os.PathLike[str]) -> Path:
    """A pack reference → its folder.

    A reference is a path when it contains ``/`` or starts with ``.`` (or is a path object):
    ``./tianjin``, ``/srv/packs/tianjin``. Otherwise it is a name: a built-in pack first
    (importing no plugin), then one an installed distribution declares. A local folder
    named like a built-in pack never shadows it.
    """
    text = os.fspath(ref)
    if not isinstance(text, str):
        raise PackNotFoundError(f"规则包引用须为文本,而不是 {type(text).__name__}")
    if isinstance(ref, str):  # what a user typed; a path object (extends) was checked as typed
        _check_reference(text, "规则包引用")
    elif "\0" in text:
        raise PackNotFoundError("规则包路径含有 NUL 字符")
    if not is_path_reference(ref):
        if not _NAME.match(text):
            raise PackNotFoundError(
                f"{text!r} 不是规则包名称(名称由小写字母、数字、-、_ 组成);本地文件夹请写作 ./{text}"
            )
        return _resolve_name(text)
    folder = Path(text)
    try:
        if folder.is_file() and folder.name == "pack.toml":
            folder = folder.parent
        found = (folder / "pack.toml").is_file()
    except (OSError, ValueError) as exc:
        raise PackNotFoundError(f"{text}: 无法读取({exc.__class__.__name__}: {exc})") from None
    if not found:
        raise PackNotFoundError(f"{text}: 不是规则包文件夹(应有 {folder / 'pack.toml'})")
    return folder


def _describe_type(tp: Any) -> str:
    """A pack author's words for a model type (never a Python type's repr)."""
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(_describe_type(a) for a in options)
    if origin is list:
        return "a list"
    if origin is dict:
        return "a table"
    if attrs.has(tp):
        return f"a table of {', '.join(f.name for f in attrs.fields(tp))}"
    return {int: "an integer", str: "a string", bool: "true or false"}.get(tp, getattr(tp, "__name__", str(tp)))


def _format_exception(exc: BaseException, tp: Any) -> str:
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        known = [f.name for f in attrs.fields(exc.cl)] if attrs.has(exc.cl) else []
        parts = []
        for key in sorted(exc.extra_fields):
            near = difflib.get_close_matches(key, known, n=1)
            parts.append(f"{key} (did you mean {near[0]}?)" if near else key)
        return f"unknown key {', '.join(parts)}; known: {', '.join(known)}"
    if isinstance(exc, KeyError):
        return "required key missing"
    if isinstance(exc, TypeError) and str(exc).startswith("expected "):
        return str(exc)  # our own strict hooks already say what and where
    if tp is not None:
        found = str(exc).split(" not in literal", 1)[0] if " not in literal" in str(exc) else None
        return f"expected {_describe_type(tp)}" + (f", found {found!r}" if found is not None else "")
    return f"invalid value ({exc})"


def _located(exc: BaseException, file: str) -> list[Problem]:
    problems = []
    for line in cattrs.transform_error(exc, path="$", format_exception=_format_exception):
        message, _, path = line.rpartition(" @ ")
        code = "missing_key" if message.startswith("required key missing") else "invalid_value"
        if message.startswith("unknown key"):
            code = "unknown_key"
        elif file.endswith("money.toml") and path.endswith(".factor") and "(yuan: " in message:
            code = "invalid_factor"  # a factor is no amount: say what it is (a TOML float: 1.5)
            message = (
                'a factor is a number from 1 to 100, as an integer (2) or a string ("1.5"), never a TOML float'
                + (message[message.index(", found") :] if ", found" in message else "")
            )
        elif file.endswith("money.toml") and "(yuan: " in message:
            code = "invalid_amount"  # an amount written as a TOML float (docs/packs.md, money)
        problems.append(Problem(code, message or line, file=file, path=path or None))
    return problems


#: Lists that layers merge entry by entry, and the key that identifies an entry.
MERGED_LISTS: dict[tuple[str, str], str] = {
    ("sections.toml", "sections"): "number",
    ("articles.toml", "articles"): "number",
    ("rules.toml", "rules"): "id",
    ("oversight.toml", "ladders"): "id",
    ("oversight.toml", "streaks"): "id",
    ("oversight.toml", "cadences"): "id",
    ("oversight.toml", "deadlines"): "id",
    ("oversight.toml", "crosschecks"): "id",
    ("money.toml", "rates"): "id",
    ("money.toml", "fines"): "id",
    ("oversight.toml", "thresholds"): "id",
    ("oversight.toml", "sanction_groups"): "id",
}
#: Tables that layers merge key by key.
MERGED_TABLES = {
    ("pack.toml", "pack"),
    ("oversight.toml", "recommendation"),
    ("oversight.toml", "lapse_labels"),
    ("oversight.toml", "action_labels"),
    ("money.toml", "employees"),
    ("money.toml", "action_labels"),
}
#: Tables that layers extend: tables merge key by key, lists gain the entries they lack.
UNION_TABLES = {("imports.toml", "imports")}


@attrs.frozen
class _Layer:
    name: str
    folder: Path
    data: dict[str, dict[str, Any]]

    def label(self, file: str, layered: bool) -> str:
        return f"{self.name}/{file}" if layered else file


@attrs.frozen
class _Origin:
    layer: str
    file: str  # as shown in problems
    index: int | None


#: The deepest nesting of tables and arrays a pack file may have (docs/packs.md, limits).
MAX_NESTING = 32
#: The largest pack file read, in bytes.
MAX_FILE_BYTES = 16 * 1024 * 1024


def _nesting(value: Any) -> int:
    """How deep tables and arrays nest in parsed TOML (iteratively: no recursion to exhaust)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_toml(raw: bytes, shown: str, problems: list[Problem]) -> dict[str, Any] | None:
    """One pack or case file's bytes → its data, or ``None`` with a located problem added."""
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem("file_too_large", f"文件有 {len(raw)} 字节,超过上限 {MAX_FILE_BYTES} 字节", file=shown))
        return None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(Problem("invalid_utf8", f"not UTF-8: {exc}", file=shown))
        return None
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem("invalid_toml", str(exc), file=shown))
        return None
    except RecursionError:
        problems.append(Problem("too_deep", f"表格或数组嵌套过深(上限 {MAX_NESTING} 层),无法读取", file=shown))
        return None
    if _nesting(data) > MAX_NESTING:
        problems.append(Problem("too_deep", f"表格或数组嵌套超过 {MAX_NESTING} 层", file=shown))
        return None
    return data


def _read_layer(folder: Path, problems: list[Problem], digest: Any, label: str) -> _Layer | None:
    data: dict[str, dict[str, Any]] = {}
    for file_name in (*PACK_FILES, *SIDE_FILES):
        path = folder / file_name
        shown = f"{label}/{file_name}" if label else file_name
        if not path.is_file():
            if file_name == "pack.toml":
                problems.append(Problem("missing_file", "pack.toml is required", file=shown))
            continue
        raw = path.read_bytes()
        # every file of the pack, import map included: a changed map can change what a workbook becomes
        digest.update(file_name.encode() + b"\0" + raw + b"\0")
        parsed = parse_toml(raw, shown, problems)
        if parsed is not None:
            data[file_name] = parsed
    if "pack.toml" not in data:
        return None
    meta = data["pack.toml"].get("pack")
    name = meta.get("name") if isinstance(meta, dict) else None
    return _Layer(name if isinstance(name, str) else folder.name, folder, data)


def _resolve_base(ref: str, child: Path) -> Path:
    """``extends``: a pack name, or a path relative to the extending pack's folder (never absolute)."""
    _check_reference(ref, "extends ")
    if not is_path_reference(ref):
        return resolve_pack(ref)
    if Path(ref).is_absolute() or Path(ref).drive:
        raise PackNotFoundError(f"extends 须为规则包名称或相对于本规则包的路径,不能是绝对路径:{ref!r}")
    return resolve_pack(child / ref)


def _merge_table(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_table(out[key], value)
        else:
            out[key] = value
    return out


def load_pack(ref: str | os.PathLike[str]) -> Pack:
    """Load a pack by built-in name or folder path; raise :class:`PackError` listing every problem.

    A pack whose ``[pack]`` says ``extends = "generic"`` (a name, or a path relative to
    it) is a layer over that pack: its entries add to the base's, and an entry with the key
    of a base entry must say ``override = true`` (its keys are merged over the base entry's)
    or ``disable = true`` (the base entry is removed). The result is only loaded, not
    checked: :func:`compile_pack` runs the checks.
    """
    if not isinstance(ref, (str, os.PathLike)):
        raise UsageError(f"pack={ref!r}: expected a pack name or a folder path", param="pack")
    folder, pack, problems = _load(ref)
    if problems or pack is None:
        raise PackError(problems, location=str(folder))
    return pack


def load_pack_partial(ref: str | os.PathLike[str]) -> tuple[Pack | None, list[Problem]]:
    """Like :func:`load_pack`, but return the problems with the pack as far as it could be built.

    A layer's merge mistakes (``override_required``, ``duplicate_key``, …) leave the entry
    out and the rest of the pack loaded, so ``check`` can report the layer's other problems,
    and the compiler's, at once. ``None`` when the files could not be read or structured.
    Raises :class:`PackNotFoundError` for a reference that names no pack.
    """
    _, pack, problems = _load(ref)
    return pack, problems


def _load(ref: str | os.PathLike[str]) -> tuple[Path, Pack | None, list[Problem]]:
    day = None
    if isinstance(ref, str):
        _check_reference(ref, "规则包引用")
        ref, day = split_reference(ref)  # cangzhou@2026-12-31: the text in force that day
    folder, pack, problems = _load_folder(ref)
    if day is not None and pack is not None and not problems:
        pack = text_in_force(pack, day)
    return folder, pack, problems


def _load_folder(ref: str | os.PathLike[str]) -> tuple[Path, Pack | None, list[Problem]]:
    folder = resolve_pack(ref)
    problems: list[Problem] = []
    digest = hashlib.sha256()
    chain: list[_Layer] = []
    seen: list[Path] = []
    current = folder
    while True:
        resolved = current.resolve()
        if resolved in seen:
            names = " → ".join(p.name for p in [*seen, resolved])
            problems.append(
                Problem(
                    "extends_cycle",
                    f"packs extend each other in a cycle: {names}",
                    file="pack.toml",
                    path="$.pack.extends",
                )
            )
            break
        seen.append(resolved)
        layer = _read_layer(current, problems, digest, "" if current == folder else current.name)
        if layer is None:
            break
        chain.append(layer)
        meta = layer.data["pack.toml"].get("pack")
        base_ref = meta.get("extends") if isinstance(meta, dict) else None
        if base_ref is None:
            break
        if not isinstance(base_ref, str):
            problems.append(
                Problem(
                    "invalid_value", "extends: expected a pack name or path", file="pack.toml", path="$.pack.extends"
                )
            )
            break
        try:
            current = _resolve_base(base_ref, current)
        except PackNotFoundError as exc:
            problems.append(
                Problem(
                    "unknown_base", str(exc), file=chain[-1].label("pack.toml", len(chain) > 1), path="$.pack.extends"
                )
            )
            break
    if problems:
        return folder, None, problems
    folder, pack, problems = _build(folder, chain, digest, problems)
    if pack is not None and not problems:
        pack = _amended(folder, chain, pack, digest, problems)
    return folder, pack, problems


def _build(
    folder: Path, chain: list[_Layer], digest: Any, problems: list[Problem]
) -> tuple[Path, Pack | None, list[Problem]]:
    """Merge the layers (``chain``: top first) into one pack; problems are added to ``problems``."""
    chain = list(chain)
    chain.reverse()  # base first
    layered = len(chain) > 1
    merged_files: dict[str, dict[str, Any]] = {}
    origins: dict[tuple[str, str], list[_Origin]] = {}
    changes: list[LayerChange] = []
    table_layers: dict[str, str] = {}  # "pack.floor" -> the layer that last set it
    for depth, layer in enumerate(chain):
        for file_name, data in layer.data.items():
            shown = layer.label(file_name, layered)
            target = merged_files.setdefault(file_name, {})
            for key, value in data.items():
                list_key = MERGED_LISTS.get((file_name, key))
                if list_key is not None and isinstance(value, list):
                    entries = target.setdefault(key, [])
                    where = origins.setdefault((file_name, key), [])
                    _merge_list(entries, where, value, list_key, layer, shown, key, depth, problems, changes)
                elif (file_name, key) in UNION_TABLES and isinstance(value, dict) and isinstance(target.get(key), dict):
                    target[key] = merge_union(target[key], value)
                elif (file_name, key) in MERGED_TABLES and isinstance(value, dict):
                    target[key] = _layer_table(target, key, value, layer, shown, table_layers, problems, changes)
                else:
                    target[key] = value
    merge_problems = len(problems)  # reported, but the rest is still structured and returned
    parts: dict[str, Any] = {}
    for file_name, cls in {**PACK_FILES, **SIDE_FILES}.items():
        if file_name not in merged_files:
            continue
        try:
            parts[file_name] = converter.structure(merged_files[file_name], cls)
        except (ClassValidationError, ValueError, TypeError) as exc:
            for problem in _located(exc, file_name):
                problems.append(_relocate(problem, file_name, origins, chain[-1].label(file_name, layered)))
    imports: ImportMap = parts.get("imports.toml", ImportMap())
    problems.extend(check_import_map(imports, chain[-1].label("imports.toml", layered)))
    if len(problems) > merge_problems:
        return folder, None, problems
    pack_file: PackFile = parts["pack.toml"]
    sections: SectionsFile = parts.get("sections.toml", SectionsFile([]))
    articles: ArticlesFile = parts.get("articles.toml", ArticlesFile([]))
    rules: RulesFile = parts.get("rules.toml", RulesFile([]))
    rule_origins = {
        str(e.get("id")): o.layer
        for e, o in zip(
            merged_files.get("rules.toml", {}).get("rules", []), origins.get(("rules.toml", "rules"), []), strict=True
        )
    }
    pack = Pack(
        meta=pack_file.pack,
        sections=sections.sections,
        articles=articles.articles,
        rules=rules.rules,
        oversight=parts.get("oversight.toml", Oversight()),
        root=str(folder),
        digest="sha256:" + digest.hexdigest(),
        layers=[layer.name for layer in chain],
        rule_layers=rule_origins,
        entry_origins={
            f"{key}[{i}]": (o.file, o.index if o.index is not None else i)
            for (_, key), found in origins.items()
            for i, o in enumerate(found)
        },
        changes=changes,
        sources=_layer_sources(chain),
        imports=imports,
        money=parts.get("money.toml", Money()),
    )
    return folder, pack, problems


def _layer_sources(chain: list[_Layer]) -> dict[str, str]:
    """The source file each layer names in its own pack.toml (``source_file``), as a path."""
    out = {}
    for layer in chain:
        meta = layer.data["pack.toml"].get("pack")
        named = meta.get("source_file") if isinstance(meta, dict) else None
        if isinstance(named, str):
            out[layer.name] = str(layer.folder / named)
    return out


def _is_key(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _merge_list(
    entries: list[dict[str, Any]],
    where: list[_Origin],
    incoming: list[Any],
    list_key: str,
    layer: _Layer,
    shown: str,
    key: str,
    depth: int,
    problems: list[Problem],
    changes: list[LayerChange],
) -> None:
    index_of = {e.get(list_key): i for i, e in enumerate(entries) if isinstance(e, dict) and _is_key(e.get(list_key))}
    for i, entry in enumerate(incoming):
        path = f"$.{key}[{i}]"
        if not isinstance(entry, dict):
            entries.append(entry)
            where.append(_Origin(layer.name, shown, i))
            continue
        ident = entry.get(list_key)
        if not _is_key(ident):  # the converter reports the bad or missing key, located
            entries.append(entry)
            where.append(_Origin(layer.name, shown, i))
            continue
        override = entry.get("override", False)
        disable = entry.get("disable", False)
        replace = entry.get("replace", False)
        body = {k: v for k, v in entry.items() if k not in ("override", "disable", "replace")}
        if not isinstance(override, bool) or not isinstance(disable, bool) or not isinstance(replace, bool):
            problems.append(
                Problem("invalid_value", "override, disable and replace take true or false", file=shown, path=path)
            )
            continue
        if override + disable + replace > 1:
            problems.append(Problem("invalid_value", "say one of override, disable and replace", file=shown, path=path))
            continue
        at = index_of.get(ident)
        if at is None:
            body = _without_replace(body, path, shown, problems)
            if override or disable or replace:
                problems.append(
                    Problem(
                        "override_missing",
                        f"{key} entry {ident!r} overrides nothing: no lower layer defines it",
                        file=shown,
                        path=path,
                    )
                )
                continue
            index_of[ident] = len(entries)
            entries.append(body)
            where.append(_Origin(layer.name, shown, i))
            if depth:
                changes.append(LayerChange(key, str(ident), "add", layer.name, shown, None))
            continue
        base_layer = where[at].layer
        if base_layer == layer.name:
            problems.append(
                Problem("duplicate_key", f"{key} entry {ident!r} is defined twice in this layer", file=shown, path=path)
            )
            continue
        if not (override or disable or replace):
            problems.append(
                Problem(
                    "override_required",
                    f"{key} entry {ident!r} is already defined by {base_layer}; say override = true to change it, "
                    "replace = true to write it anew or disable = true to remove it",
                    file=shown,
                    path=path,
                )
            )
            continue
        if disable:
            entries[at] = {"__disabled__": True}
            where[at] = _Origin(layer.name, shown, i)
            changes.append(LayerChange(key, str(ident), "disable", layer.name, shown, base_layer))
            continue
        if replace:
            fresh = _without_replace(body, path, shown, problems)
            changed = sorted(k for k in {**fresh, **entries[at]} if fresh.get(k) != entries[at].get(k))
            entries[at] = fresh
            where[at] = _Origin(layer.name, shown, i)
            changes.append(LayerChange(key, str(ident), "replace", layer.name, shown, base_layer, changed))
            continue
        replaced: list[str] = []
        # an entry with its own provenance (a rate, a fine): a number it changes needs it anew
        restated = _check_number_provenance(entries[at], body, path, shown, problems)
        merged = _merge_replacing(entries[at], body, "", replaced, path, shown, problems)
        if restated and "note" not in body:
            merged.pop("note", None)  # the inherited note speaks of the old number
        changed = sorted(k for k in {**merged, **entries[at]} if merged.get(k) != entries[at].get(k))
        entries[at] = merged
        where[at] = _Origin(layer.name, shown, i)
        changes.append(LayerChange(key, str(ident), "override", layer.name, shown, base_layer, changed, replaced))
    # drop disabled entries (and their origins) in place
    keep = [j for j, e in enumerate(entries) if not (isinstance(e, dict) and e.get("__disabled__"))]
    entries[:] = [entries[j] for j in keep]
    where[:] = [where[j] for j in keep]


# ---- replacing inherited tables whole (issue 9) -------------------------------------------
def _replace_flag(value: Any, path: str, shown: str, problems: list[Problem]) -> bool | None:
    """Whether a table says ``replace = true``; None (and a problem) when it says something else."""
    flag = value.get("replace", False) if isinstance(value, dict) else False
    if not isinstance(flag, bool):
        problems.append(Problem("invalid_value", "replace takes true or false", file=shown, path=f"{path}.replace"))
        return None
    return flag


def _without_replace(value: Any, path: str, shown: str, problems: list[Problem]) -> Any:
    """A value with nothing below it to replace: every ``replace = true`` in it is a mistake
    (``replace_missing``); ``replace`` keys are dropped."""
    if isinstance(value, list):
        return [_without_replace(v, f"{path}[{i}]", shown, problems) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if "replace" in value and _replace_flag(value, path, shown, problems):
        problems.append(
            Problem(
                "replace_missing",
                f"{path.removeprefix('$.')} says replace = true, but no lower layer defines it",
                file=shown,
                path=f"{path}.replace",
            )
        )
    return {k: _without_replace(v, f"{path}.{k}", shown, problems) for k, v in value.items() if k != "replace"}


def _merge_replacing(
    base: dict[str, Any],
    patch: dict[str, Any],
    prefix: str,
    replaced: list[str],
    path: str,
    shown: str,
    problems: list[Problem],
) -> dict[str, Any]:
    """:func:`_merge_table`, except that a table saying ``replace = true`` takes the place of the
    base's table whole (its keys not inherited); each such table's dotted path goes to ``replaced``."""
    out = dict(base)
    for key, value in patch.items():
        here, where = f"{prefix}{key}", f"{path}.{key}"
        if isinstance(value, dict) and "replace" in value:
            flag = _replace_flag(value, where, shown, problems)
            if flag is None:
                continue
            body = {k: v for k, v in value.items() if k != "replace"}
            if flag:
                if not isinstance(out.get(key), dict):
                    _without_replace(value, where, shown, problems)  # reports replace_missing
                    continue
                out[key] = _without_replace(body, where, shown, problems)
                replaced.append(here)
                continue
            value = body
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            restated = _check_number_provenance(out[key], value, where, shown, problems)
            out[key] = _merge_replacing(out[key], value, f"{here}.", replaced, where, shown, problems)
            if restated and "note" not in value:
                out[key].pop("note", None)  # the inherited note speaks of the old number
        else:
            out[key] = _without_replace(value, where, shown, problems)
    for key in _restated_companions(base, patch, path, shown, problems):
        out.pop(f"{key}_note", None)  # the inherited note speaks of the old window or steps
    return out


#: Keys whose provenance sits beside them (a ladder's ``window`` and ``steps``).
_COMPANIONS = ("window", "steps")


def _restated_companions(
    base: dict[str, Any], patch: dict[str, Any], path: str, shown: str, problems: list[Problem]
) -> list[str]:
    """A ladder's ``window`` or ``steps`` changed by a layer: like a number, it needs its
    ``…_provenance`` anew (``provenance_stale`` otherwise); the keys whose old note must go."""
    drop = []
    for key in _COMPANIONS:
        if key not in patch or patch[key] == base.get(key) or f"{key}_provenance" not in base:
            continue
        if f"{key}_provenance" not in patch:
            problems.append(
                Problem(
                    "provenance_stale",
                    f"{path.removeprefix('$.')}: the layer changes {key} but would inherit the old {key}_provenance "
                    f"and {key}_note; give {key}_provenance (and {key}_note: the old one is not kept)",
                    file=shown,
                    path=f"{path}.{key}",
                )
            )
        elif f"{key}_note" not in patch:
            drop.append(key)
    return drop


#: The numbers of the tables that carry a provenance (Quantity, Deduct, Floor, a threshold's
#: value) and the amounts of money.toml's entries (a rate's ``per_point``; a fine's ``first``,
#: ``factor``, ``steps``, ``cap``).
_NUMBER_KEYS = frozenset({"value", "points", "min", "max", "per_point", "first", "factor", "steps", "cap"})


def _is_number(value: Any) -> bool:
    """A number or an amount as a pack writes it (``5``, ``"12.50"``), or a list of them (a
    fine's ``steps``; a ladder's ``steps`` are tables and have their own provenance)."""
    if isinstance(value, list):
        return all(_is_number(v) and not isinstance(v, list) for v in value)
    return isinstance(value, (int, str, float)) and not isinstance(value, bool)


def _starts(value: Any) -> list[Any] | None:
    """The occurrences a fine's actions start at (第三次起: 3), a number of the text like an
    amount; None when ``value`` is not such a list."""
    if not isinstance(value, list) or not all(isinstance(a, dict) and "start" in a for a in value):
        return None
    return [a["start"] for a in value]


def _check_number_provenance(
    base: dict[str, Any], patch: dict[str, Any], path: str, shown: str, problems: list[Problem]
) -> bool:
    """A layer that changes a number of a table with a provenance (a deduction, a cap, an
    allotment, a floor) states that number's provenance anew: the inherited provenance and note
    speak of the old number (a note quoting 〔原文〕 “扣3分” beside 5 points is false). True when
    the patch changes a number and gives its provenance (its note, if not given, is not inherited)."""
    if "provenance" not in base:
        return False
    changed = [
        k
        for k, v in patch.items()
        if (k in _NUMBER_KEYS and _is_number(v) and v != base.get(k))
        or (k == "actions" and _starts(v) is not None and _starts(v) != _starts(base.get(k)))
    ]
    if not changed:
        return False
    if "provenance" not in patch:
        numbers = ", ".join(f"{k} {base.get(k)!r} → {patch[k]!r}" for k in changed)
        problems.append(
            Problem(
                "provenance_stale",
                f"{path.removeprefix('$.')}: the layer changes {numbers} but would inherit the old number's "
                "provenance and note; give the new number's provenance (and its note: the old one is not kept)",
                file=shown,
                path=path,
            )
        )
        return False
    return True


def _layer_table(
    target: dict[str, Any],
    key: str,
    value: dict[str, Any],
    layer: _Layer,
    shown: str,
    table_layers: dict[str, str],
    problems: list[Problem],
    changes: list[LayerChange],
) -> dict[str, Any]:
    """A merged table (``[pack]``, ``[recommendation]``, …) as a layer leaves it; every table the
    layer replaces whole (``replace = true``) is listed as a ``replace`` change of kind ``key``."""
    replaced: list[str] = []
    before = target.get(key)
    merged = _merge_replacing(
        {key: before} if isinstance(before, dict) else {}, {key: value}, "", replaced, "$", shown, problems
    )
    for path in replaced:
        name = path.removeprefix(f"{key}.") if path != key else key
        changes.append(LayerChange(key, name, "replace", layer.name, shown, table_layers.get(path)))
    result = merged.get(key, {})
    if isinstance(before, dict) and isinstance(result, dict):
        _setting_changes(key, before, result, replaced, layer, shown, table_layers, changes)
    for path in _table_paths(value, key):
        table_layers[path] = layer.name
    for k in value:
        table_layers[f"{key}.{k}"] = layer.name
    return result if isinstance(result, dict) else {}


#: Keys of ``[pack]`` every layer states for itself: not a change of the base's settings.
_IDENTITY_KEYS = frozenset({"name", "title", "version", "extends", "description", "source", "source_file"})


def _setting_changes(
    key: str,
    before: dict[str, Any],
    after: dict[str, Any],
    replaced: list[str],
    layer: _Layer,
    shown: str,
    table_layers: dict[str, str],
    changes: list[LayerChange],
) -> None:
    """Each setting of an inherited table (``[pack]``'s ``period``, ``total``, a floor merged
    key by key, a label) whose value the layer changes: an ``override`` change of kind ``key``
    (tables replaced whole are already listed as ``replace``)."""
    if key in replaced:  # the whole table replaced: listed as such
        return
    whole = {p.removeprefix(f"{key}.") for p in replaced}
    for k in sorted(before.keys() | after.keys()):
        if k in whole or (key == "pack" and k in _IDENTITY_KEYS) or before.get(k) == after.get(k):
            continue
        inner = after.get(k), before.get(k)
        changed = (
            sorted(x for x in inner[0].keys() | inner[1].keys() if inner[0].get(x) != inner[1].get(x))
            if isinstance(inner[0], dict) and isinstance(inner[1], dict)
            else [k]
        )
        # a setting the base left at its default (``period``) is overridden all the same
        base = table_layers.get(f"{key}.{k}", table_layers.get(key))
        changes.append(LayerChange(key, k, "override", layer.name, shown, base, changed))


def _table_paths(value: dict[str, Any], prefix: str) -> Iterator[str]:
    """The dotted path of a table and of every table inside it."""
    yield prefix
    for k, v in value.items():
        if isinstance(v, dict):
            yield from _table_paths(v, f"{prefix}.{k}")


_LIST_PATH = re.compile(r"^\$\.(\w+)\[(\d+)\](.*)$")


def _relocate(
    problem: Problem, file_name: str, origins: dict[tuple[str, str], list[_Origin]], default_file: str
) -> Problem:
    """Point a problem found in the merged data back at the layer file and entry it came from."""
    m = _LIST_PATH.match(problem.path or "")
    if m:
        found = origins.get((file_name, m.group(1)))
        if found and int(m.group(2)) < len(found):
            o = found[int(m.group(2))]
            return attrs.evolve(problem, file=o.file, path=f"$.{m.group(1)}[{o.index}]{m.group(3)}")
    return attrs.evolve(problem, file=default_file)


# ---- Dated amendments (issue 12) ---------------------------------------------------------
def _amended(folder: Path, chain: list[_Layer], pack: Pack, digest: Any, problems: list[Problem]) -> Pack:
    """The pack with its amendments (``amendments.toml`` in its own folder, ``chain[0]``): each
    amended text is the pack's layers with every amendment layer up to it merged on top."""
    layered = len(chain) > 1
    for layer in chain[1:]:
        if (layer.folder / AMENDMENTS_FILE).is_file():
            problems.append(
                Problem(
                    "amended_base",
                    f"{layer.name} 带有修订({AMENDMENTS_FILE});继承(extends)带修订的规则包尚不支持:"
                    "请把修订写在本规则包中",
                    file=chain[0].label("pack.toml", layered),
                    path="$.pack.extends",
                )
            )
    path = chain[0].folder / AMENDMENTS_FILE
    if problems or not path.is_file():
        return pack
    shown = chain[0].label(AMENDMENTS_FILE, layered)
    raw = path.read_bytes()
    full = digest.copy()
    full.update(AMENDMENTS_FILE.encode() + b"\0" + raw + b"\0")
    data = parse_toml(raw, shown, problems)
    if data is None:
        return pack
    try:
        found = converter.structure(data, AmendmentsFile)
    except (ClassValidationError, ValueError, TypeError) as exc:
        problems.extend(attrs.evolve(p, file=shown) for p in _located(exc, AMENDMENTS_FILE))
        return pack
    problems.extend(check_amendments(found, shown))
    if problems:
        return pack
    layers: list[_Layer] = []
    used: dict[Path, str] = {}
    for i, a in enumerate(found.amendments):
        if not _amendment_folder_inside(chain[0].folder, a, i, shown, used, problems):
            continue
        read = _read_amendment(chain[0].folder, a, i, shown, full, problems, chain[0].label("", layered))
        if read is not None:
            layers.append(read)
    if len(layers) < len(found.amendments):
        return pack
    # the amendments' own mistakes (a renamed pack, money they may not change) were left out of
    # their layers: the texts are built anyway, so check lists every problem at once
    digest_text = "sha256:" + full.hexdigest()
    texts = []
    for k, a in enumerate(found.amendments, start=1):
        found_problems: list[Problem] = []
        _, text, found_problems = _build(folder, [*reversed(layers[:k]), *chain], full, found_problems)
        problems.extend(
            attrs.evolve(p, message=f"{_in_chinese(p.message)}(修订 {a.id} 起施行的文本)") for p in found_problems
        )
        if text is not None:
            texts.append(AmendedText(a, attrs.evolve(text, digest=version_digest(digest_text, a.id))))
    if problems:
        return pack
    return attrs.evolve(pack, digest=digest_text, amendments=texts)


#: The layering messages an amendment's author meets, in Chinese (docs/packs.md: amendments' messages are Chinese).
_CHINESE = (
    (re.compile(r"^(\w+) entry ('[^']*') overrides nothing: no lower layer defines it$"),
     r"\1 条目 \2 标注了修订(override/disable/replace),但修订前的文本中没有这一条目"),
    (re.compile(r"^(\w+) entry ('[^']*') is defined twice in this layer$"), r"\1 条目 \2 在本修订中定义了两次"),
    (re.compile(r"^(\w+) entry ('[^']*') is already defined by ([^;]+); say override = true.*$"),
     r"\1 条目 \2 已由 \3 定义;修改它须写 override = true,整条重写写 replace = true,删除写 disable = true"),
    (re.compile(r"^(\S+) says replace = true, but no lower layer defines it$"), r"\1 写了 replace = true,但修订前的文本中没有它"),
    (re.compile(r"^override, disable and replace take true or false$"), "override、disable、replace 只能取 true 或 false"),
    (re.compile(r"^say one of override, disable and replace$"), "override、disable、replace 只能写其中之一"),
)  # fmt: skip


def _in_chinese(message: str) -> str:
    """A layering message in Chinese where it is one an amendment meets; any other as it is."""
    for pattern, words in _CHINESE:
        if pattern.match(message):
            return pattern.sub(words, message)
    return message


def _amendment_folder_inside(
    root: Path, a: Amendment, i: int, shown: str, used: dict[Path, str], problems: list[Problem]
) -> bool:
    """An amendment's folder lies inside the pack's folder once symbolic links are followed — not
    the pack's folder itself, not elsewhere through a link — and is no other amendment's."""
    where = f"$.amendments[{i}].folder"
    try:
        real, top = (root / a.folder).resolve(), root.resolve()
        (real / AMENDMENTS_FILE).exists()  # a name too long for the system raises here
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a NUL, a name too long
        problems.append(
            Problem(
                "missing_folder",
                f"修订 {a.id} 的文件夹 {a.folder} 无法读取({type(exc).__name__})",
                file=shown,
                path=where,
            )
        )
        return False
    if real == top or top not in real.parents:
        problems.append(
            Problem(
                "invalid_value",
                f"修订 {a.id} 的文件夹 {a.folder} 须是本规则包文件夹之内的子文件夹"
                "(不能是规则包文件夹本身,也不能经符号链接指向别处)",
                file=shown,
                path=where,
            )
        )
        return False
    if real in used:
        problems.append(
            Problem(
                "duplicate_folder",
                f"修订 {a.id} 的文件夹 {a.folder} 已是修订 {used[real]} 的文件夹;每次修订须有自己的文件夹",
                file=shown,
                path=where,
            )
        )
        return False
    used[real] = a.id
    if (real / AMENDMENTS_FILE).exists():
        problems.append(
            Problem(
                "unsupported_amendment",
                f"修订 {a.id} 的文件夹中有 {AMENDMENTS_FILE}:修订不能再带修订,请把各次修订都列在规则包的 {AMENDMENTS_FILE} 中",
                file=f"{a.folder.rstrip('/')}/{AMENDMENTS_FILE}",
            )
        )
        return False
    return True


def _read_amendment(
    root: Path, a: Amendment, i: int, shown: str, digest: Any, problems: list[Problem], prefix: str = ""
) -> _Layer | None:
    """One amendment's layer: the pack files its folder holds (pack.toml optional; it may not
    rename the pack or change what it extends). Its files are shown under ``prefix`` (the pack's
    own label, as its other files are: ``cangzhou-layer/`` in a layered pack) and its folder."""
    folder = root / a.folder
    base = prefix + a.folder.rstrip("/")
    if not folder.is_dir():
        problems.append(
            Problem(
                "missing_folder",
                f"修订 {a.id} 的文件夹 {a.folder} 不存在",
                file=shown,
                path=f"$.amendments[{i}].folder",
            )
        )
        return None
    data: dict[str, dict[str, Any]] = {}
    for file_name in (*PACK_FILES, *SIDE_FILES):
        path = folder / file_name
        if not path.is_file():
            continue
        raw = path.read_bytes()
        digest.update(f"{a.id}/{file_name}".encode() + b"\0" + raw + b"\0")
        where = f"{base}/{file_name}"
        parsed = parse_toml(raw, where, problems)
        if parsed is not None:
            data[file_name] = parsed
    if not data:
        problems.append(
            Problem(
                "empty_amendment",
                f"修订 {a.id} 的文件夹 {a.folder} 中没有规则包文件(sections.toml、rules.toml 等)",
                file=shown,
                path=f"$.amendments[{i}].folder",
            )
        )
        return None
    money = data.get("money.toml", {})
    for key in ("fines", "employees"):  # counted over the whole input with one definition
        if key in money:
            problems.append(
                Problem(
                    "unsupported_amendment",
                    f"修订尚不能改变 money.toml 的 {key}(罚款与员工台账按原文本计算);点值 rates 可以修订",
                    file=f"{base}/money.toml",
                    path=f"$.{key}",
                )
            )
            del money[key]
    meta = data.setdefault("pack.toml", {"pack": {}}).get("pack")
    if isinstance(meta, dict):
        for key in ("name", "extends", "period"):  # what a pack is, and the periods it scores, stay
            if key in meta:
                problems.append(
                    Problem(
                        "invalid_value",
                        f"修订不能改变规则包的 {key}",
                        file=f"{base}/pack.toml",
                        path=f"$.pack.{key}",
                    )
                )
                del meta[key]
    return _AmendmentLayer(a.id, folder, data, base)


@attrs.frozen
class _AmendmentLayer(_Layer):
    """An amendment's layer: named by the amendment's id, its files shown under its folder."""

    shown: str = ""

    def label(self, file: str, layered: bool) -> str:
        return f"{self.shown}/{file}"
