"""An ec2 service's module (`modules/ec2/`): instances with a role and a group, behind the shared load balancer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from envspec.core.ir import Node, Resource

from ..binding import Binding, RenderError
from ..hcl import Attribute, Blank, Block, Body, Expr
from . import _services
from .network import load_balancer

if TYPE_CHECKING:
    from ..finders import Finder


def _instance(resource: Resource, tags: dict[str, str]) -> tuple[str, list[Any]]:
    return "aws_instance", [
        Attribute("instance_tags", tags),
        Blank(),
        Block("filter", body=Body([
            Attribute("name", "instance-state-name"),
            Attribute("values", ["pending", "running", "stopping", "stopped"]),
        ])),
    ]


def _listener_rule(finder: Finder, node: Node, resource: Resource) -> Expr:
    """The service's rule on the shared listener has no tags to find it by: it is the listener's
    rule with the service's priority."""
    lb = node.inputs.get("load_balancer")
    if not isinstance(lb, Mapping):
        raise RenderError(f"{node.address}: a listener rule without a load balancer")
    _, listener = load_balancer(finder, finder.graph.node("network"))
    rule = finder.data(
        "aws_lb_listener_rule",
        finder.label(node, resource.key),
        [Attribute("listener_arn", Expr(f"{listener.text}.arn")), Attribute("priority", lb["priority"])],
        node.address,
    )
    return Expr(f"{rule.text}.arn")



BINDING = Binding(
    addresses={
        **_services.SECURITY_GROUP,
        **_services.ROLE,
        **_services.PROFILE,
        "instance": "aws_instance.this[{name}]",
        "target-group": "aws_lb_target_group.this[0]",
        "listener-rule": "aws_lb_listener_rule.this[0]",
    },
    not_rendered=frozenset({"environment", "release", "deploy"}),  # the deploy writes the host's environment file
    lookups={"security_group_id": _services.security_group_id},
    rule_addresses=_services.RULES,
    data_sources={"aws_instance": _instance},
    import_attributes={"aws_lb_target_group": "{data}.arn"},
    import_ids={"listener-rule": _listener_rule},
    extra_imports=(_services.role_policies,),
)
