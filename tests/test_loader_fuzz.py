"""Random edits of a valid pack give a valid pack or located errors, never a crash."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import service_rules as sr

PACK_FILES = ["pack.toml", "sections.toml", "articles.toml", "rules.toml", "oversight.toml"]


def to_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for test data: every value inline (valid TOML for any JSON-like data)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(type(v))

    return "".join(f"{json.dumps(k, ensure_ascii=False)} = {value(v)}\n" for k, v in data.items())


def pack_data(name: str) -> dict[str, dict[str, Any]]:
    root = Path(sr.load_pack(name).root or "")
    return {f: tomllib.loads((root / f).read_text(encoding="utf-8")) for f in PACK_FILES if (root / f).is_file()}


BASE = {name: pack_data(name) for name in ("cangzhou", "generic")}
REPLACEMENTS = st.one_of(
    st.none(),
    st.integers(-5, 200),
    st.sampled_from(
        ["", "x", "finding", "complaint", "literal", "assumed", "graded", "cz-5-item", "deduct", "pending"]
    ),
    st.booleans(),
    st.lists(st.integers(0, 50), max_size=3),
    st.just({}),
    st.just({"gt": 3}),
    st.floats(allow_nan=False, allow_infinity=False),
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(paths(v, (*prefix, i)))
    return out


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, dict[str, dict[str, Any]]]:
    name = draw(st.sampled_from(sorted(BASE)))
    data = json.loads(json.dumps(BASE[name]))  # a deep copy
    for _ in range(draw(st.integers(1, 3))):
        file = draw(st.sampled_from(sorted(data)))
        where = paths(data[file])
        if not where:
            continue
        path = draw(st.sampled_from(where))
        parent: Any = data[file]
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "rename", "duplicate"]))
        if action == "replace":
            new = json.loads(json.dumps(draw(REPLACEMENTS)))  # st.just shares its object: never edit it
            if new is None:  # TOML has no null: delete instead
                action = "delete"
            else:
                parent[last] = new
        if action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[last + "_x"] = parent.pop(last)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[last])))
    return name, data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=edited())
def test_an_edited_pack_loads_or_fails_with_located_problems(
    case: tuple[str, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    _name, data = case
    folder = tmp_path / "p"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for file, content in data.items():
        (folder / file).write_text(to_toml(content), encoding="utf-8")
    shutil.copy(Path(sr.load_pack(_name).root or "") / "source.txt", folder / "source.txt")
    try:
        sr.compile_pack(sr.load_pack(folder), matcher="python")
    except sr.PackError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.file in PACK_FILES, p
            assert p.path or p.code in {"missing_file", "invalid_toml", "extends_cycle"}, p
            assert p.code and p.message, p


def test_the_writer_round_trips_the_shipped_packs(tmp_path: Path) -> None:
    for name, data in BASE.items():
        folder = tmp_path / name
        folder.mkdir()
        for file, content in data.items():
            (folder / file).write_text(to_toml(content), encoding="utf-8")
        assert sr.load_pack(folder).rules == sr.load_pack(name).rules


@pytest.mark.parametrize("text", ["[pack\nname=", "x = 1\nx = 2\n", "\udcff"])
def test_broken_toml_is_a_located_problem(tmp_path: Path, text: str) -> None:
    (tmp_path / "pack.toml").write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(sr.PackError) as err:
        sr.load_pack(tmp_path)
    (problem,) = err.value.problems
    assert problem.file == "pack.toml" and problem.code in {"invalid_toml", "invalid_utf8"}
