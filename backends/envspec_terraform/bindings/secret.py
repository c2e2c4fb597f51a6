"""A secret's module (`modules/secret/`): a Secrets Manager secret or an SSM parameter."""

from __future__ import annotations

from typing import Any

from envspec.core.ir import Resource

from ..binding import Binding
from ..hcl import Attribute


def _secret(resource: Resource, tags: dict[str, str]) -> tuple[str, list[Any]]:
    return "aws_secretsmanager_secret", [Attribute("name", resource.name)]  # unique names; no tag filter here


BINDING = Binding(
    addresses={
        "secret": "aws_secretsmanager_secret.this[0]",
        "parameter": "aws_ssm_parameter.this[0]",
    },
    lookups={
        "arn": lambda finder, node: finder.found(node, "secret", "arn"),
    },
    data_sources={"aws_secretsmanager_secret": _secret},
    import_attributes={"aws_secretsmanager_secret": "{data}.arn"},
)
