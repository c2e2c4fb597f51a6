"""The network's module (`modules/network/`): the VPC, its subnets and routes, and the shared load balancer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from envspec.core.ir import Node, Resource

from ..binding import Binding, Lookup, RenderError
from ..hcl import Attribute, Expr, Template, quote

if TYPE_CHECKING:
    from ..finders import Finder


def load_balancer(finder: Finder, network: Node, port: int | None = None) -> tuple[Expr, Expr]:
    """(data.aws_lb, data.aws_lb_listener) of the app's shared load balancer, found by its tags,
    and of its listener on `port` (by default the one services attach rules to: 443 with a
    certificate, else 80)."""
    lb = network.inputs.get("load_balancer")
    if not isinstance(lb, Mapping):
        raise RenderError(f"{network.address}: has no load balancer to look up")
    aws_lb = finder.by_tags(network, finder.resource(network, "lb"))
    if port is None:
        port = 443 if lb.get("certificate_arn") else 80
    listener = finder.data(
        "aws_lb_listener",
        finder.label(network, f"lb_listener_{port}"),
        [Attribute("load_balancer_arn", Expr(f"{aws_lb.text}.arn")), Attribute("port", port)],
        network.address,
    )
    return aws_lb, listener


def _subnet_ids(side: str) -> Lookup:
    def lookup(finder: Finder, node: Node) -> list[Expr]:
        subnets = [r for r in node.resources if r.type == "aws_subnet" and r.key.startswith(f"{side}-")]
        return [Expr(finder.by_tags(node, r).text + ".id") for r in subnets]

    return lookup


def _lb_attribute(attribute: str) -> Lookup:
    def lookup(finder: Finder, node: Node) -> Expr:
        aws_lb, _ = load_balancer(finder, node)
        return Expr(f"{aws_lb.text}.{attribute}")

    return lookup


def _listener_arn(finder: Finder, node: Node) -> Expr:
    _, listener = load_balancer(finder, node)
    return Expr(f"{listener.text}.arn")


def _attachments(finder: Finder, node: Node) -> list[tuple[str, Any]]:
    """Route table associations and load balancer listeners exist once the network does, and
    creating them again would fail (AlreadyAssociated, DuplicateListener). Ids from the same lookups."""

    def found(key: str) -> Expr:
        return finder.found(node, key)

    def key_of(type_: str, name: str) -> str:
        for resource in node.resources:
            if resource.type == type_ and resource.name == name:
                return resource.key
        raise RenderError(f"{node.address}: no {type_} named {name!r} to import")

    out: list[tuple[str, Any]] = []
    public_rt = found("public-rt")
    for resource in node.resources:
        if resource.type == "aws_subnet" and resource.key.startswith("public-"):
            out.append((f"aws_route_table_association.public[{quote(resource.name)}]", Template((found(resource.key), "/", public_rt))))
    for table in node.inputs.get("private_route_tables") or []:
        subnet = node.inputs["private_subnets"][table["private_subnet_index"]]
        out.append((
            f"aws_route_table_association.private[{quote(table['name'])}]",
            Template((found(key_of("aws_subnet", subnet["name"])), "/", found(key_of("aws_route_table", table["name"])))),
        ))
    lb = node.inputs.get("load_balancer")
    if isinstance(lb, Mapping):
        _, http = load_balancer(finder, node, port=80)
        out.append(("aws_lb_listener.http[0]", Expr(f"{http.text}.arn")))
        if lb.get("certificate_arn"):
            _, https = load_balancer(finder, node, port=443)
            out.append(("aws_lb_listener.https[0]", Expr(f"{https.text}.arn")))
    return out


def _nat_gateway(resource: Resource, tags: dict[str, str]) -> tuple[str, list[Any]]:
    return "aws_nat_gateway", [Attribute("state", "available"), Attribute("tags", tags)]


BINDING = Binding(
    addresses={
        "vpc": "aws_vpc.this",
        "public": "aws_subnet.public[{name}]",
        "private": "aws_subnet.private[{name}]",
        "igw": "aws_internet_gateway.this",
        "nat-eip": "aws_eip.nat[{name}]",
        "nat": "aws_nat_gateway.this[{name}]",
        "public-rt": "aws_route_table.public",
        "private-rt": "aws_route_table.private[{name}]",
        "lb-sg": "aws_security_group.lb[0]",
        "lb": "aws_lb.this[0]",
    },
    lookups={
        "vpc_id": lambda finder, node: finder.found(node, "vpc"),
        "public_subnet_ids": _subnet_ids("public"),
        "private_subnet_ids": _subnet_ids("private"),
        "lb_arn": _lb_attribute("arn"),
        "lb_dns_name": _lb_attribute("dns_name"),
        "lb_security_group_id": lambda finder, node: finder.found(node, "lb-sg"),
        "lb_listener_arn": _listener_arn,
    },
    rule_addresses={
        "ingress": "aws_vpc_security_group_ingress_rule.lb[{name}]",
        "egress": "aws_vpc_security_group_egress_rule.lb[{name}]",
    },
    data_sources={"aws_nat_gateway": _nat_gateway},
    import_attributes={"aws_lb": "{data}.arn"},
    extra_imports=(_attachments,),
)
