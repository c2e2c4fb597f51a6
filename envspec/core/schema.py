"""The JSON Schema of a spec file, generated from the pydantic model (the single source).

Editors use it through the modeline `# yaml-language-server: $schema=../schemas/envspec.schema.json`.
`envspec schema --out schemas/envspec.schema.json` writes it; a test keeps the committed copy current.
The output is deterministic: keys sorted, two-space indent, one trailing newline.
"""

from __future__ import annotations

import copy
import json
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:envspec:schema:1"
TITLE = "envspec app spec (format version 1)"

YAML_NOTES = (
    "envspec reads YAML 1.2 scalars: only `true`/`false` are booleans (`yes`, `no`, `on`, `off` "
    "are strings), `012` is the string \"012\" (not octal), `1_000` is a string, and dates stay "
    "strings. Quote account ids and versions (`\"111111111111\"`, `\"16.4\"`). Duplicate keys, "
    "anchors, aliases, `<<` merge keys, custom tags, several documents in one file and control "
    "characters are errors. `${app}` and `${env.name}`, `${env.region}`, `${env.account_id}` are "
    "substituted in every string field of a component; component references such as "
    "`${databases.main.url}` are allowed in `env` values; `$${` writes a literal `${`."
)


# Models whose string fields are not interpolated (everything else in `$defs` is a component or
# part of one, where `${app}` and `${env.*}` are substituted before validation).
NOT_INTERPOLATED = frozenset({"Environment"})
INTERPOLATION = r"\$\{"


OVERRIDE_SUFFIX = "Override"
# Per-environment overrides may change anything but these (resolve.py refuses them).
NOT_OVERRIDABLE = ("type", "overrides")


def build() -> dict[str, Any]:
    """The schema as a dict."""
    from envspec.core.model import Spec

    schema = Spec.model_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    for name, definition in defs.items():
        if name not in NOT_INTERPOLATED:
            for field in definition.get("properties", {}).values():
                _allow_interpolation(field)
    _override_schemas(defs)
    _editor_friendly(schema)
    description = schema.get("description", "").strip()
    schema.update(
        {
            "$schema": SCHEMA_DIALECT,
            "$id": SCHEMA_ID,
            "title": TITLE,
            "description": f"{description}\n\n{YAML_NOTES}" if description else YAML_NOTES,
        }
    )
    return schema


def render() -> str:
    """The schema as deterministic JSON text (sorted keys, trailing newline)."""
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _allow_interpolation(field: dict[str, Any]) -> None:
    """Let a patterned string field also hold `${...}`: the pattern is checked after substitution,
    which an editor cannot do, so the schema accepts any value that contains a reference."""
    if field.get("type") == "string" and "pattern" in field:
        field["pattern"] = f"(?:{field['pattern']})|{INTERPOLATION}"
    for key in ("anyOf", "oneOf", "allOf"):
        for member in field.get(key, []):
            _allow_interpolation(member)


def _override_schemas(defs: dict[str, Any]) -> None:
    """Give every component's `overrides` a schema of its own: the component's fields, each optional,
    with the same types and descriptions (nested models partial too, since overrides deep-merge),
    and no unknown field. An editor then checks and completes what is written under `overrides`."""
    partial: dict[str, str] = {}

    def partial_of(name: str) -> str:
        if name not in partial:
            partial[name] = f"{name}{OVERRIDE_SUFFIX}"
            definition = copy.deepcopy(defs[name])
            definition.pop("required", None)
            properties = definition.get("properties", {})
            for key in NOT_OVERRIDABLE:
                properties.pop(key, None)
            for field in properties.values():
                field.pop("default", None)
                _retarget(field)
            definition["additionalProperties"] = False
            defs[partial[name]] = definition
        return partial[name]

    def _retarget(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
                node["$ref"] = f"#/$defs/{partial_of(ref[8:])}"
            for value in node.values():
                _retarget(value)
        elif isinstance(node, list):
            for value in node:
                _retarget(value)

    for name in [n for n, d in defs.items() if "overrides" in d.get("properties", {})]:
        field = defs[name]["properties"]["overrides"]
        (env_pattern,) = field.pop("patternProperties")
        field["propertyNames"] = {"pattern": env_pattern}
        field["additionalProperties"] = {"$ref": f"#/$defs/{partial_of(name)}"}


def _editor_friendly(node: Any, *, top: bool = True) -> None:
    """What yaml-language-server shows well: hover text from `markdownDescription` (rendered as
    Markdown; a plain `description` is shown with its backticks escaped), each field titled by its
    own name (the hover's heading; otherwise the nearest title up the tree, the whole spec's), no
    other generated `title` (hover joins the titles of every branch that matches: "Schedule || Schedule",
    "LambdaService || LambdaService"; the descriptions say it better), and mapping keys
    checked by `propertyNames` (a key that matches no `patternProperties` is otherwise allowed)."""
    if isinstance(node, list):
        for item in node:
            _editor_friendly(item, top=False)
        return
    if not isinstance(node, dict):
        return
    if not top:
        node.pop("title", None)
    if isinstance(node.get("description"), str):
        node["markdownDescription"] = node["description"]
    branches = node.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        (other,) = [b for b in branches if b != {"type": "null"}]
        if isinstance(other.get("type"), str):  # `X | None` of a plain type: one schema, no branches
            del node["anyOf"]
            node.update({k: v for k, v in other.items() if k != "type"})
            node["type"] = [other["type"], "null"]
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1:
        (pattern,) = patterns
        names = node.setdefault("propertyNames", {})
        names.setdefault("pattern", pattern)
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            for name, field in value.items():
                _editor_friendly(field, top=False)
                field["title"] = name  # the hover's heading: the field, not the whole spec's title
        elif key == "$defs" and isinstance(value, dict):
            for definition in value.values():
                _editor_friendly(definition, top=False)
        elif key not in ("examples", "default", "const", "enum"):
            _editor_friendly(value, top=False)
