"""The JSON Schema of a spec file, generated from the pydantic model (the single source).

Editors use it through the modeline `# yaml-language-server: $schema=../schemas/envspec.schema.json`.
`envspec schema --out schemas/envspec.schema.json` writes it; a test keeps the committed copy current.
The output is deterministic: keys sorted, two-space indent, one trailing newline.
"""

from __future__ import annotations

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


def build() -> dict[str, Any]:
    """The schema as a dict."""
    from .model import Spec

    schema = Spec.model_json_schema()
    for name, definition in schema.get("$defs", {}).items():
        if name not in NOT_INTERPOLATED:
            for field in definition.get("properties", {}).values():
                _allow_interpolation(field)
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
