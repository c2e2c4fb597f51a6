"""The security group rules each module creates, named so that an adopted rule can be found.

AWS gives a security group rule an id (`sgr-...`) that nothing can derive, and the rules Ansible
creates (inline in `amazon.aws.ec2_security_group`) carry no tags. What identifies a rule is what it
allows, which is the same whichever tool created it: the group it is on, its direction, protocol and
port range, and its peer (a CIDR block, or another group). Its *canonical key* writes exactly that:

    services.api/sg ingress tcp 4000 4000 network/lb-sg

with each group named `<component address>/<IR resource key>` rather than by its id. The
`imports.tf` of an adopted component reads every rule on the groups its rules are on, gives each
the same key (group ids replaced by these names: :mod:`envspec_terraform.imports`), and imports
exactly the rules whose key is one of :func:`module_rules`; a rule missing in AWS is created.

:func:`module_rules` mirrors the `aws_vpc_security_group_{ingress,egress}_rule` resources of
`modules/<kind>/main.tf` and of the submodule it calls, `modules/service_access/main.tf` for the
services (the tests evaluate those modules against the same inputs and compare).
Which rules a module creates is its kind's binding's (`Binding.rules`), built from the pieces here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from envspec.core.ir import Attr, Node

from .binding import binding
from .hcl import quote

ANYWHERE = "0.0.0.0/0"
INGRESS = "aws_vpc_security_group_ingress_rule"
EGRESS = "aws_vpc_security_group_egress_rule"


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

    address: str  # inside the module: `module.access.aws_vpc_security_group_ingress_rule.database["databases.main"]`
    group: Group  # the group the rule is on
    direction: Literal["ingress", "egress"]
    protocol: str
    from_port: int
    to_port: int
    peer: Group | str  # the other side: a group, or a CIDR block

    @property
    def key(self) -> str:
        """The canonical key; `imports` builds the same string from what AWS reports."""
        peer = self.peer.name if isinstance(self.peer, Group) else self.peer
        return " ".join([self.group.name, self.direction, self.protocol, str(self.from_port), str(self.to_port), peer])


def tcp(address: str, group: Group, direction: Literal["ingress", "egress"], port: tuple[int, int], peer: Group | str) -> SecurityGroupRule:
    """A TCP rule on `group` for the ports `port` (first, last)."""
    return SecurityGroupRule(address, group, direction, "tcp", port[0], port[1], peer)


def own_group(node: Node) -> Group | None:
    """The security group a component's module creates, if any."""
    key = binding(node.kind).own_group
    return Group(node.address, key) if key is not None and any(r.key == key for r in node.resources) else None


def group_of(value: Any, kinds: Mapping[str, str], where: str) -> Group:
    """The group a module input names: `Attr("databases.main", "security_group_id")` -> databases.main/sg."""
    if isinstance(value, Attr) and value.address in kinds:
        key = binding(kinds[value.address]).group_attributes.get(value.attribute)
        if key is not None:
            return Group(value.address, key)
    raise RuleError(f"{where}: {value!r} does not name a security group")


def port(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{where}: {value!r} is not a port")
    return value


def module_rules(node: Node, kinds: Mapping[str, str]) -> tuple[SecurityGroupRule, ...]:
    """The rules the module of `node` creates with its inputs, in module order.

    `kinds` maps every component address of the graph to its kind (to read `Attr` inputs).
    """
    own = own_group(node)
    rules = binding(node.kind).rules
    if rules is None or own is None:  # no group (no load balancer, a Lambda outside the VPC)
        return ()
    return tuple(rules(node, own, kinds))


# ---- the pieces of the services' rules -----------------------------------------------------------


def https_egress(address: str, own: Group) -> list[SecurityGroupRule]:
    """HTTPS out to anywhere (AWS APIs, package mirrors)."""
    return [tcp(address, own, "egress", (443, 443), ANYWHERE)]


def load_balancer_ingress(node: Node, own: Group, kinds: Mapping[str, str]) -> list[SecurityGroupRule]:
    """The service's port, from the shared load balancer's group (when it is behind it)."""
    lb = node.inputs.get("load_balancer")
    if not isinstance(lb, Mapping):
        return []
    service_port = port(node.inputs["port"], f"{node.address}.port")
    peer = group_of(lb["security_group_id"], kinds, f"{node.address}.load_balancer.security_group_id")
    return [tcp(f"{INGRESS}.from_lb[0]", own, "ingress", (service_port, service_port), peer)]


def database_access(node: Node, own: Group, kinds: Mapping[str, str], within: str = "") -> list[SecurityGroupRule]:
    """Ingress on each referenced database's group from this one (the database's module has no rules
    of its own: the components that reference it add them), then egress from this one to each.
    `within` prefixes the rules' addresses when the module makes them in a submodule (`module.access.`)."""
    access = node.inputs.get("database_access") or []
    if not isinstance(access, (list, tuple)):
        raise RuleError(f"{node.address}.database_access: {access!r} is not a list")
    databases = [  # the modules' `for_each` over database_access, keyed (and so ordered) by address
        (
            f"[{quote(str(entry['database']))}]",
            group_of(entry["security_group_id"], kinds, f"{node.address}.database_access[{i}].security_group_id"),
            port(entry["port"], f"{node.address}.database_access[{i}].port"),
        )
        for i, entry in sorted(enumerate(access), key=lambda item: str(item[1]["database"]))
    ]
    rules = [tcp(f"{within}{INGRESS}.database{index}", group, "ingress", (p, p), own) for index, group, p in databases]
    rules += [tcp(f"{within}{EGRESS}.database{index}", own, "egress", (p, p), group) for index, group, p in databases]
    return rules
