"""A lambda service's module (`modules/lambda/`): a function with its role and log group, optionally
in the VPC and on a schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from envspec.graph import Node

from ..binding import Binding
from ..rules import EGRESS, Group, SecurityGroupRule, database_access, https_egress
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
        ("aws_lambda_permission.schedule[0]", f"{node.inputs['function_name']}/{SCHEDULE_STATEMENT_ID}"),
    ]


def _rules(node: Node, own: Group, kinds: Mapping[str, str]) -> list[SecurityGroupRule]:
    return [*https_egress(f"{EGRESS}.https[0]", own), *database_access(node, own, kinds)]


BINDING = Binding(
    addresses={
        "role": "aws_iam_role.this",
        "log-group": "aws_cloudwatch_log_group.this",
        "sg": "aws_security_group.this[0]",
        "function": "aws_lambda_function.this",
        "schedule": "aws_cloudwatch_event_rule.this[0]",
    },
    lookups={"security_group_id": _services.security_group_id},
    own_group="sg",
    group_attributes=_services.GROUP,
    rules=_rules,
    extra_imports=(_services.role_policies, _schedule),
)
