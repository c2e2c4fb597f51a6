"""A lambda service's module (`modules/lambda/`): a function with its role and log group, optionally
in the VPC, on a schedule and triggered by a queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from envspec.core.ir import Node

from ..binding import Binding
from . import _services

if TYPE_CHECKING:
    from ..finders import Finder

# The names the module (and the Ansible role) give the schedule's target and invoke permission.
SCHEDULE_TARGET_ID = "function"
SCHEDULE_STATEMENT_ID = "envspec-schedule"


def _schedule(finder: Finder, node: Node) -> list[tuple[str, Any]]:
    """The schedule's target and invoke permission, made with its rule by Ansible."""
    schedule = node.inputs.get("schedule")
    if not isinstance(schedule, Mapping):
        return []
    return [
        ("aws_cloudwatch_event_target.this[0]", f"{schedule['rule_name']}/{SCHEDULE_TARGET_ID}"),
        # the permission of the alias (FUNCTION:QUALIFIER/STATEMENT)
        ("aws_lambda_permission.schedule[0]", f"{node.inputs['function_name']}:{node.inputs['alias']}/{SCHEDULE_STATEMENT_ID}"),
    ]


def _alias(finder: Finder, node: Node) -> list[tuple[str, Any]]:
    """The alias Ansible made with the function."""
    return [("aws_lambda_alias.this", f"{node.inputs['function_name']}/{node.inputs['alias']}")]


def _created_from_a_version(node: Node) -> bool:
    """A function whose code's key has `{version}` is created from the zip of the version released."""
    return "{version}" in str(node.inputs.get("s3_key", ""))


BINDING = Binding(
    addresses={
        **_services.ROLE,
        "log-group": "aws_cloudwatch_log_group.this",
        **_services.SECURITY_GROUP,
        "function": "aws_lambda_function.this",
        "schedule": "aws_cloudwatch_event_rule.this[0]",
        "trigger": "aws_lambda_event_source_mapping.this[0]",
    },
    lookups={"security_group_id": _services.security_group_id},
    rule_addresses=_services.RULES,
    # A queue trigger is imported by the UUID AWS gave it, and no data source reads one: the tagging
    # API finds it by the tags both tools give it, and its ARN ends in the UUID.
    data_sources={"aws_lambda_event_source_mapping": _services.tagging_api("lambda:event-source-mapping")},
    # arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID
    import_attributes={
        "aws_lambda_event_source_mapping": 'element(split(":", one({data}.resource_tag_mapping_list[*].resource_arn)), 6)',
    },
    extra_imports=(_services.role_policies, _alias, _schedule),
    takes_release_version=_created_from_a_version,
)
