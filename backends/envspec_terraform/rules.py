"""The security group rules each module creates, named so that an adopted rule can be found.

AWS gives a security group rule an id (`sgr-...`) that nothing can derive, and the rules Ansible
creates (inline in `amazon.aws.ec2_security_group`) carry no tags. What identifies a rule is what it
allows, which is the same whichever tool created it: the group it is on, its direction, protocol and
port range, and its peer (a CIDR block, or another group). Its *canonical key* writes exactly that:

    services.api/sg ingress tcp 4000 4000 network/lb-sg

with each group named `<component address>/<IR resource key>` rather than by its id. The
`imports.tf` of an adopted component reads every rule on the groups its rules are on, gives each
the same key (group ids replaced by these names: :func:`envspec_terraform.roots`), and imports
exactly the rules whose key is one of :func:`module_rules`; a rule missing in AWS is created.

:func:`module_rules` mirrors the `aws_vpc_security_group_{ingress,egress}_rule` resources of
`modules/<kind>/main.tf` (the tests evaluate those modules against the same inputs and compare).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from envspec.graph import Attr, Node

from .hcl import quote

# The IR resource (by key) holding the security group that a dynamic attribute of a kind names.
_GROUP_ATTRIBUTES: Mapping[tuple[str, str], str] = {
    ("network", "lb_security_group_id"): "lb-sg",
    ("database", "security_group_id"): "sg",
    ("cache", "security_group_id"): "sg",
    ("ec2", "security_group_id"): "sg",
    ("beanstalk", "security_group_id"): "sg",
    ("lambda", "security_group_id"): "sg",
}

ANYWHERE = "0.0.0.0/0"
# The kinds whose modules create rules. A database's has none: the components that reference it
# add the ingress on its group (their rules, imported when they are adopted).
_RULE_KINDS = frozenset({"network", "ec2", "beanstalk", "lambda"})


class RuleError(ValueError):
    """The inputs of a node do not say what its module's rules are (a core/backend mismatch)."""


@dataclass(frozen=True, order=True)
class Group:
    """A security group, by the component that owns it and its IR resource key."""

    address: str
    resource: str

    @property
    def name(self) -> str:
        return f"{self.address}/{self.resource}"


@dataclass(frozen=True)
class SecurityGroupRule:
    """One rule resource instance of a module."""

    address: str  # inside the module: `aws_vpc_security_group_ingress_rule.database["databases.main"]`
    group: Group  # the group the rule is on
    direction: Literal["ingress", "egress"]
    protocol: str
    from_port: int
    to_port: int
    peer: Group | str  # the other side: a group, or a CIDR block

    @property
    def key(self) -> str:
        """The canonical key; `roots` builds the same string from what AWS reports."""
        peer = self.peer.name if isinstance(self.peer, Group) else self.peer
        return " ".join([self.group.name, self.direction, self.protocol, str(self.from_port), str(self.to_port), peer])


def own_group(node: Node) -> Group | None:
    """The security group a component's module creates, if any."""
    key = "lb-sg" if node.kind == "network" else "sg"
    return Group(node.address, key) if any(r.key == key for r in node.resources) else None


def group_of(value: Any, kinds: Mapping[str, str], where: str) -> Group:
    """The group a module input names: `Attr("databases.main", "security_group_id")` -> databases.main/sg."""
    if isinstance(value, Attr) and value.address in kinds:
        key = _GROUP_ATTRIBUTES.get((kinds[value.address], value.attribute))
        if key is not None:
            return Group(value.address, key)
    raise RuleError(f"{where}: {value!r} does not name a security group")


def _port(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{where}: {value!r} is not a port")
    return value


def module_rules(node: Node, kinds: Mapping[str, str]) -> tuple[SecurityGroupRule, ...]:
    """The rules the module of `node` creates with its inputs, in module order.

    `kinds` maps every component address of the graph to its kind (to read `Attr` inputs).
    """
    own = own_group(node)
    if node.kind not in _RULE_KINDS or own is None:  # no load balancer, a Lambda outside the VPC
        return ()
    inputs = node.inputs

    def rule(address: str, group: Group, direction: Literal["ingress", "egress"], port: tuple[int, int], peer: Group | str) -> SecurityGroupRule:
        return SecurityGroupRule(address, group, direction, "tcp", port[0], port[1], peer)

    ingress, egress = "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"
    rules: list[SecurityGroupRule] = []
    if node.kind == "network":
        lb = inputs["load_balancer"]
        if not isinstance(lb, Mapping):
            raise RuleError(f"{node.address}: a load balancer group without a load balancer")
        if lb.get("certificate_arn"):
            rules.append(rule(f"{ingress}.lb_https[0]", own, "ingress", (443, 443), ANYWHERE))
        rules.append(rule(f"{ingress}.lb_http[0]", own, "ingress", (80, 80), ANYWHERE))
        rules.append(rule(f"{egress}.lb_to_vpc[0]", own, "egress", (0, 65535), str(inputs["cidr"])))
        return tuple(rules)
    https = f"{egress}.https[0]" if node.kind == "lambda" else f"{egress}.https"
    rules.append(rule(https, own, "egress", (443, 443), ANYWHERE))
    lb = inputs.get("load_balancer") if node.kind == "ec2" else None
    if isinstance(lb, Mapping):
        port = _port(inputs["port"], f"{node.address}.port")
        peer = group_of(lb["security_group_id"], kinds, f"{node.address}.load_balancer.security_group_id")
        rules.append(rule(f"{ingress}.from_lb[0]", own, "ingress", (port, port), peer))
    access = inputs.get("database_access") or []
    if not isinstance(access, (list, tuple)):
        raise RuleError(f"{node.address}.database_access: {access!r} is not a list")
    databases = [  # the modules' `for_each` over database_access, keyed (and so ordered) by address
        (
            f"[{quote(str(entry['database']))}]",
            group_of(entry["security_group_id"], kinds, f"{node.address}.database_access[{i}].security_group_id"),
            _port(entry["port"], f"{node.address}.database_access[{i}].port"),
        )
        for i, entry in sorted(enumerate(access), key=lambda item: str(item[1]["database"]))
    ]
    # Ingress on each database's group from this one (the database's module has no rules of its
    # own: the components that reference it add them), and egress from this one to it.
    rules += [rule(f"{ingress}.database{index}", group, "ingress", (port, port), own) for index, group, port in databases]
    rules += [rule(f"{egress}.database{index}", own, "egress", (port, port), group) for index, group, port in databases]
    return tuple(rules)
