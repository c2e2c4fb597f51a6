"""The app's VPC: subnets in each zone, NAT, and the load balancer its public services share."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from envspec.core.ir import Resource, SecurityGroup, SecurityGroupRule, Value
from envspec.core.names import joined_name
from envspec.core.model import Network
from envspec.core.kinds.base import ANYWHERE, Attribute, ComponentKind, LoweredComponent

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import ResolvedComponent

LB_NAME_MAX = 32  # load balancer and target group names
LB_GROUP = SecurityGroup("network", "lb-sg", "lb_security_group_id")  # the load balancer's security group
SUBNET_NEWBITS = 4  # /16 -> /20 subnets; 16 slots: public in 0..5, private in 8..13
PRIVATE_SLOT_OFFSET = 8


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, Network)
    name = ctx.base_name(c)
    vpc = ipaddress.IPv4Network(model.cidr)
    slots = list(vpc.subnets(new_prefix=vpc.prefixlen + SUBNET_NEWBITS))
    azs = model.availability_zones
    # Decided here for both tools (see backends/envspec_terraform/README.md, "Arguments decided
    # once"): no subnet gives instances a public IP. Nothing envspec runs needs one: instances,
    # Beanstalk and Lambda sit in the private subnets; NAT gateways have their Elastic IPs and the
    # load balancer its own addresses.
    public = [
        {"name": f"{name}-public-{i + 1}", "cidr": str(slots[i]), "az_index": i, "map_public_ip_on_launch": False}
        for i in range(azs)
    ]
    private = [
        {
            "name": f"{name}-private-{i + 1}",
            "cidr": str(slots[PRIVATE_SLOT_OFFSET + i]),
            "az_index": i,
            "map_public_ip_on_launch": False,
        }
        for i in range(azs)
    ]
    nat_count = {"none": 0, "single": 1, "per_az": azs}[model.nat_gateway]
    nats = [{"name": f"{name}-nat-{i + 1}", "public_subnet_index": i} for i in range(nat_count)]
    private_route_tables = [
        {
            "name": f"{name}-private-{i + 1}",
            "private_subnet_index": i,
            "nat_index": None if nat_count == 0 else min(i, nat_count - 1),
        }
        for i in range(azs)
    ]
    load_balancer = _load_balancer(ctx, model, name)
    inputs: dict[str, Value] = {
        "name": name,
        "cidr": model.cidr,
        "public_subnets": public,
        "private_subnets": private,
        "nat_gateways": nats,
        "public_route_table_name": f"{name}-public",
        "private_route_tables": private_route_tables,
        "load_balancer": load_balancer,
        "tags": ctx.tags(c),
    }
    return LoweredComponent(inputs, _resources(ctx, c, inputs), (), _rules(model, load_balancer))


def _rules(model: Network, load_balancer: dict[str, Value] | None) -> tuple[SecurityGroupRule, ...]:
    """The load balancer's group: HTTPS (with a certificate) and HTTP from the internet, and out to
    the services in the VPC on any port."""
    if load_balancer is None:
        return ()
    https = bool(model.certificate_arn)
    http = "HTTP from the internet, redirected to HTTPS" if https else "HTTP from the internet"
    return (
        *([SecurityGroupRule("https", LB_GROUP, "ingress", "tcp", 443, 443, ANYWHERE, "HTTPS from the internet")] if https else []),
        SecurityGroupRule("http", LB_GROUP, "ingress", "tcp", 80, 80, ANYWHERE, http),
        SecurityGroupRule("to-vpc", LB_GROUP, "egress", "tcp", 0, 65535, model.cidr, "To the services in the VPC"),
    )


def _load_balancer(ctx: LoweringContext, model: Network, name: str) -> dict[str, Value] | None:
    """The load balancer the app's public services share: only when there is one."""
    if not ctx.public_services:
        return None
    return {
        "name": joined_name(name, max_len=LB_NAME_MAX),
        "security_group_name": f"{name}-lb",
        "certificate_arn": model.certificate_arn,
        # Requests with malformed headers are dropped at the load balancer, not passed on
        # (AWS's recommendation; neither tool's default).
        "drop_invalid_header_fields": True,
    }


def _resources(ctx: LoweringContext, c: ResolvedComponent, inputs: dict[str, Value]) -> list[Resource]:
    name = inputs["name"]

    def r(key: str, type_: str, aws: str) -> Resource:
        return ctx.resource(c, key, type_, aws, by_tags=True)

    resources = [r("vpc", "aws_vpc", name)]
    resources += [r(f"public-{i + 1}", "aws_subnet", s["name"]) for i, s in enumerate(inputs["public_subnets"])]
    resources += [r(f"private-{i + 1}", "aws_subnet", s["name"]) for i, s in enumerate(inputs["private_subnets"])]
    resources.append(r("igw", "aws_internet_gateway", name))
    for i, nat in enumerate(inputs["nat_gateways"]):
        resources.append(r(f"nat-eip-{i + 1}", "aws_eip", nat["name"]))
        resources.append(r(f"nat-{i + 1}", "aws_nat_gateway", nat["name"]))
    resources.append(r("public-rt", "aws_route_table", f"{name}-public"))
    resources += [
        r(f"private-rt-{i + 1}", "aws_route_table", t["name"]) for i, t in enumerate(inputs["private_route_tables"])
    ]
    load_balancer = inputs["load_balancer"]
    if load_balancer is not None:
        resources.append(r("lb-sg", "aws_security_group", load_balancer["security_group_name"]))
        resources.append(r("lb", "aws_lb", load_balancer["name"]))
    return resources


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
    lower=lower,
    base_name=lambda ctx, c: ctx.prefix,
)
