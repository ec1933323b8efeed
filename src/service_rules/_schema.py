"""JSON Schemas of the pack files, generated from the model, so editors validate while typing."""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from ._conditions import OPERATORS
from ._loader import MERGED_LISTS
from ._model import AMENDMENTS_FILE, PACK_FILES, SIDE_FILES, AmendmentsFile, ConditionValue

_SCALARS: dict[type, dict[str, Any]] = {str: {"type": "string"}, int: {"type": "integer"}, bool: {"type": "boolean"}}
_CONDITION: dict[str, Any] = {
    "description": "a value (equality), a list (any of), or a table of operators: " + ", ".join(OPERATORS),
    "anyOf": [
        {"type": ["string", "integer", "boolean"]},
        {"type": "array", "items": {"type": ["string", "integer", "boolean"]}, "minItems": 1},
        {"type": "object", "propertyNames": {"enum": list(OPERATORS)}},
    ],
}


_REPLACE: dict[str, Any] = {
    "type": "boolean",
    "description": "in a layer: replace the inherited table (or entry) whole instead of merging key by key",
}


def _schema_of(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is ConditionValue:
        return _CONDITION
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    origin = get_origin(tp)
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        return _schema_of(options[0], defs) if len(options) == 1 else {"anyOf": [_schema_of(a, defs) for a in options]}
    if origin is list:
        return {"type": "array", "items": _schema_of(get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(get_args(tp)[1], defs)}
    if attrs.has(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _class_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _class_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props: dict[str, Any] = {}
    required = []
    for field in attrs.fields(cls):
        props[field.name] = _schema_of(hints[field.name], defs)
        if field.default is attrs.NOTHING:
            required.append(field.name)
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    if cls.__doc__:
        schema["description"] = " ".join(cls.__doc__.split())
    return schema


def pack_schemas() -> dict[str, dict[str, Any]]:
    """One JSON Schema per pack file (``pack.toml`` → its schema), from the attrs model."""
    out = {}
    for file_name, cls in {**PACK_FILES, **SIDE_FILES, AMENDMENTS_FILE: AmendmentsFile}.items():
        defs: dict[str, Any] = {}
        root = _class_schema(cls, defs)
        # A layer may replace any inherited table whole: replace = true on it.
        for schema in defs.values() if file_name in PACK_FILES else ():
            if schema.get("type") == "object" and "properties" in schema:
                schema["properties"]["replace"] = _REPLACE
        # Entries a layer merges may say override = true or disable = true (and then need only their key).
        for (f, key), ident in MERGED_LISTS.items():
            if f != file_name:
                continue
            item_ref = root["properties"][key]["items"]["$ref"].rsplit("/", 1)[1]
            entry = defs[item_ref]
            entry["properties"]["override"] = {"type": "boolean", "description": "merge over the base pack's entry"}
            entry["properties"]["disable"] = {"type": "boolean", "description": "remove the base pack's entry"}
            strict = dict(entry)
            defs[item_ref] = {
                "anyOf": [
                    strict,
                    {"type": "object", "required": [ident, "override"], "properties": {"override": {"const": True}}},
                    {"type": "object", "required": [ident, "disable"], "properties": {"disable": {"const": True}}},
                ]
            }
        if file_name == "pack.toml":
            # A layer (extends = …) inherits the rest of [pack] from its base.
            meta = defs["PackMeta"]
            defs["PackMeta"] = {
                "anyOf": [
                    meta,
                    {**meta, "required": ["name", "title", "version", "extends"]},
                ]
            }
        if file_name == "imports.toml":
            from ._importmap import RECORD_FIELDS

            root["properties"]["imports"]["propertyNames"] = {"enum": list(RECORD_FIELDS)}
        out[file_name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"service_rules/{file_name.removesuffix('.toml')}.schema.json",
            "title": f"service_rules pack file {file_name}",
            **root,
            "$defs": defs,
        }
    return out


def schema_text(file_name: str) -> str:
    return json.dumps(pack_schemas()[file_name], ensure_ascii=False, indent=2, sort_keys=False) + "\n"
