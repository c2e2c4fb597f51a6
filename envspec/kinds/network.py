"""The app's VPC: subnets in each zone, NAT, and the load balancer its public services share."""

from __future__ import annotations

from ..model import Network
from .base import Attribute, ComponentKind

KIND = ComponentKind(
    name="network",
    section="network",
    model=Network,
    attributes=(Attribute("vpc_id"), Attribute("public_subnet_ids"), Attribute("private_subnet_ids")),
    outputs=(
        "vpc_id", "public_subnet_ids", "private_subnet_ids",
        "lb_arn", "lb_dns_name", "lb_security_group_id", "lb_listener_arn",
    ),
    list_outputs=frozenset({"public_subnet_ids", "private_subnet_ids"}),
)
