"""Node inputs as HCL values: a reference to another component's output becomes an expression.

An :class:`~envspec.core.ir.Attr` of a Terraform-owned component is `module.<name>.<attribute>`; of an
Ansible-owned one, `local.<name>.<attribute>`, a local of `lookups.tf` that its kind's binding finds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envspec.core.ir import Attr, Interp, Node, ResourceGraph, SecretValue, SecurityGroup
from envspec.core.kinds import OUTPUTS

from .binding import RenderError, binding
from .finders import DataSources, Finder
from .hcl import Expr, Template


class Values:
    """Renders node inputs; collects in `lookups` what finds the Ansible-owned components they name."""

    def __init__(self, graph: ResourceGraph, modules: Mapping[str, str]) -> None:
        self.graph = graph
        self.modules = modules
        self.lookups = DataSources()
        self.finder = Finder(graph, modules, self.lookups)

    def value(self, value: Any, where: str) -> Any:
        """A node input as a value `hcl.literal` renders: Attr -> Expr, Interp -> Template."""
        if isinstance(value, Attr):
            return self.attr(value, where)
        if isinstance(value, Interp):
            parts: list[str | Expr] = []
            for part in value.parts:
                if isinstance(part, str):
                    parts.append(part)
                elif isinstance(part, Attr):
                    parts.append(self.attr(part, where))
                else:
                    raise RenderError(f"{where}: a secret's value cannot be rendered into Terraform")
            return Template(tuple(parts))
        if isinstance(value, SecretValue):
            raise RenderError(f"{where}: a secret's value cannot be rendered into Terraform")
        if isinstance(value, Mapping):
            return {k: self.value(v, f"{where}.{k}") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    def attr(self, attr: Attr, where: str) -> Expr:
        try:
            target = self.graph.node(attr.address)
        except KeyError:
            raise RenderError(f"{where}: refers to {attr.address}, which is not in the graph") from None
        if attr.attribute not in OUTPUTS[target.kind]:
            raise RenderError(f"{where}: {attr.address} ({target.kind}) has no dynamic attribute '{attr.attribute}'")
        name = self.modules[target.address]
        if target.owner == "terraform":
            return Expr(f"module.{name}.{attr.attribute}")
        values = self.lookups.values.setdefault(name, {})
        if attr.attribute not in values:
            values[attr.attribute] = self.lookup(target, attr.attribute)
        return Expr(f"local.{name}.{attr.attribute}")

    def lookup(self, node: Node, attribute: str) -> Expr | list[Expr] | Template:
        """The expression of `attribute` of the Ansible-owned `node`, adding the data sources it needs."""
        find = binding(node.kind).lookups.get(attribute)
        if find is None:
            raise RenderError(f"{node.address}: cannot look up '{attribute}' of a {node.kind} owned by Ansible")
        return find(self.finder, node)


def security_group_rules(node: Node) -> list[dict[str, Any]]:
    """The node's security group rules as its module's variable `security_group_rules` takes them:
    the provider's argument names; a group of another component by the id it outputs (an Attr), the
    module's own group as null (the module creates it)."""

    def group_id(group: SecurityGroup) -> Attr | None:
        return None if node.own_group(group) else group.id

    return [
        {
            "name": rule.name,
            "direction": rule.direction,
            "security_group_id": group_id(rule.group),
            "ip_protocol": rule.protocol,
            "from_port": rule.from_port,
            "to_port": rule.to_port,
            "cidr_ipv4": None if isinstance(rule.peer, SecurityGroup) else rule.peer,
            "referenced_security_group_id": group_id(rule.peer) if isinstance(rule.peer, SecurityGroup) else None,
            "description": rule.description,
        }
        for rule in node.security_group_rules
    ]
