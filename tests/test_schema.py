"""The shipped JSON Schemas are the model's, and the shipped packs validate against them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

import service_rules as sr
from service_rules._schema import pack_schemas, schema_text

SHIPPED = Path(sr.__file__).parent / "schema"


@pytest.mark.parametrize("file_name", sorted(pack_schemas()))
def test_shipped_schema_is_generated_from_the_model(file_name: str) -> None:
    shipped = SHIPPED / (file_name.removesuffix(".toml") + ".schema.json")
    assert shipped.read_text(encoding="utf-8") == schema_text(file_name), (
        "run: service-rules schema --out src/service_rules/schema"
    )


@pytest.mark.parametrize("pack", ["cangzhou", "generic"])
def test_shipped_packs_validate(pack: str) -> None:
    root = Path(sr.load_pack(pack).root or "")
    checked = 0
    for file_name, schema in pack_schemas().items():
        if (root / file_name).is_file():
            jsonschema.validate(tomllib.loads((root / file_name).read_text(encoding="utf-8")), schema)
            checked += 1
    assert checked >= 4


def test_a_typo_fails_validation() -> None:
    schema = pack_schemas()["rules.toml"]
    rule = {"id": "x", "section": 1, "when": {"type": "finding"}, "reason": "r", "supersedes": []}
    jsonschema.validate({"rules": [rule]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"rules": [{**rule, "supersede": ["y"]}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"rules": [{**rule, "outcome": "maybe"}]}, schema)


def test_a_layer_entry_needs_only_its_key() -> None:
    schema = pack_schemas()["rules.toml"]
    jsonschema.validate({"rules": [{"id": "cz-5-item", "disable": True}]}, schema)
    jsonschema.validate({"rules": [{"id": "cz-5-item", "override": True, "deduct": {"points": 4}}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"rules": [{"id": "cz-5-item"}]}, schema)


def test_schemas_are_json() -> None:
    for path in SHIPPED.glob("*.json"):
        assert json.loads(path.read_text(encoding="utf-8"))["$schema"].startswith("https://json-schema.org/")


def test_shipped_cases_schema_is_generated() -> None:
    from service_rules._packtest import cases_schema

    shipped = json.loads((SHIPPED / "cases.schema.json").read_text(encoding="utf-8"))
    assert shipped == cases_schema(), "run: service-rules schema --out src/service_rules/schema"
def test_money_toml_validates_and_refuses_a_float_amount() -> None:
    schema = pack_schemas()["money.toml"]
    rate = {"id": "pool", "per_point": "10", "provenance": "literal"}
    fine = {"id": "f", "subject": "employee", "window": "year", "first": 50, "factor": 2, "cap": "1000",
            "provenance": "literal", "reason": "r", "actions": [{"start": 3, "action": "bad_record", "label": "l"}]}  # fmt: skip
    jsonschema.validate({"rates": [rate], "fines": [fine], "employees": {"share": "split", "provenance": "literal"}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"rates": [{**rate, "per_point": 10.5}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"employees": {"share": "halves", "provenance": "literal"}}, schema)
