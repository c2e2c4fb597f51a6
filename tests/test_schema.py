"""envspec.core.schema: the committed JSON Schema is current, valid, and accepts every shipped spec."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from envspec.core.schema import SCHEMA_DIALECT, render
from envspec.core.source import read

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "schemas" / "envspec.schema.json"
REGENERATE = "envspec schema --out schemas/envspec.schema.json"
SPECS = sorted((ROOT / "examples").rglob("*.yaml")) + sorted((ROOT / "specs").glob("*.yaml"))


def test_the_committed_schema_is_current() -> None:
    current = render()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == current, f"schemas/envspec.schema.json is stale; regenerate it with: {REGENERATE}"


def test_output_is_deterministic_sorted_and_ends_with_one_newline() -> None:
    text = render()
    assert text == render()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_schema_header() -> None:
    schema = json.loads(render())
    assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    assert schema["title"].startswith("envspec")
    assert "YAML 1.2" in schema["description"]
    assert set(schema["required"]) >= {"envspec", "app", "environments"}


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(render()))


def test_every_field_has_a_description() -> None:
    schema = json.loads(render())
    missing = [
        f"{name}.{field}"
        for name, definition in {**schema["$defs"], "Spec": schema}.items()
        for field, body in definition.get("properties", {}).items()
        if not body.get("description")
    ]
    assert not missing


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_and_spec_validates_against_the_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(render()))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(read(path).data)]
    assert not errors


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_and_spec_uses_the_schema_modeline(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    depth = len(path.relative_to(ROOT).parts) - 1
    assert first == f"# yaml-language-server: $schema={'../' * depth}schemas/envspec.schema.json"


def test_the_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(render()))
    spec = read(ROOT / "examples" / "minimal.yaml").data
    assert validator.is_valid(spec)
    assert not validator.is_valid({**spec, "extra": 1})
    assert not validator.is_valid({**spec, "environments": {"dev": {"region": "us-east-1", "account_id": 1}}})
    bad_service = {"greeter": {**spec["services"]["greeter"], "runtime": "cobol"}}
    assert not validator.is_valid({**spec, "services": bad_service})
