"""The blocks of `imports.tf` and `removed.tf`: components changing hands between the two tools.

An adopted component (Ansible created it, Terraform owns it now) gets an `import` block per AWS
resource, by the import id the core derived, or by the id of a data source that finds the resource
by its tags when AWS assigns the id. Its security group rules have neither a name nor tags: they
are read from AWS and matched by what they allow (the canonical key of each of the node's
`security_group_rules`, decided by the core), and each rule of the module is imported if it exists
(else Terraform creates it). A released component (Terraform owned it,
Ansible owns it now) gets a `removed` block that forgets it without destroying anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import islice
from typing import Any

from envspec.core.ir import Node, Resource, ResourceGraph, SecurityGroup, SecurityGroupRule

from .binding import RenderError, binding
from .finders import DataSources, Finder, lookup_tags
from .hcl import Attribute, Blank, Block, Body, Comment, Expr, quote
from .names import resource_address, rule_address


def block_key(block: Block) -> tuple[str, ...]:
    return (block.type, *block.labels)


class Imports:
    """The `import` blocks of the adopted components, with the data sources that find their ids."""

    def __init__(self, graph: ResourceGraph, modules: Mapping[str, str]) -> None:
        self.graph = graph
        self.modules = modules
        self.sources = DataSources()
        self.finder = Finder(graph, modules, self.sources, prefix="import_")

    def blocks(self, owned: Sequence[Node]) -> list[Block | Comment]:
        blocks: list[Block | Comment] = []
        for node in owned:
            if not node.adopted:
                continue
            module = self.modules[node.address]
            known = len(self.sources.blocks)  # the dict only grows: what this node adds comes last
            targets = [(resource_address(node, r), self.import_id(node, r)) for r in node.resources]
            for extra in binding(node.kind).extra_imports:
                targets += extra(self.finder, node)
            imports = [
                Block("import", body=Body([Attribute("to", Expr(f"module.{module}.{to}")), Attribute("id", id_)]))
                for to, id_ in targets
            ]
            rule_locals, rule_imports = self.rule_imports(node)
            finders = list(islice(reversed(self.sources.blocks.values()), len(self.sources.blocks) - known))
            blocks.append(Comment(f"{node.address}: created by Ansible, adopted by Terraform."))
            blocks.extend(sorted(finders, key=block_key))
            blocks.extend(rule_locals)
            blocks.extend(imports)
            blocks.extend(rule_imports)
        return blocks

    def import_id(self, node: Node, resource: Resource) -> Any:
        """The id to import `resource` by: the core's import id, else found by its tags."""
        if resource.import_id is not None:
            return resource.import_id
        kind = binding(node.kind)
        special = kind.import_ids.get(resource.key)
        if special is not None:
            return special(self.finder, node, resource)
        if resource.lookup is None:
            raise RenderError(f"{node.address}: resource '{resource.key}' has neither an import id nor a lookup")
        data = self.finder.by_tags(node, resource)
        return Expr(kind.import_attributes.get(resource.type, "{data}.id").format(data=data.text))

    # ---- security group rules ------------------------------------------------------------------

    def rule_imports(self, node: Node) -> tuple[list[Block], list[Block]]:
        """(locals, import blocks) that adopt the security group rules of `node`'s module.

        The data sources read every rule on the groups the module's rules are on (its own group,
        found by its tags, and the groups of the databases it reaches, found by theirs), and a
        local gives each rule its canonical key (`envspec.core.ir.SecurityGroupRule.key`), with the ids of
        the groups involved replaced by their names. Each rule of the module then gets an import
        block whose `for_each` holds the one found rule with its key, or nothing: a rule missing
        in AWS is created. Every value is known at plan time (data sources of literal tags).
        """
        rules = node.security_group_rules
        own = next((g for r in rules for g in r.groups() if node.own_group(g)), None)
        if own is None:
            return [], []
        module = self.modules[node.address]
        ids, others = self._group_ids(node, own, rules)
        each_rule = self._rule_sources(node, module, ids, own, [g for g in others if any(r.group == g for r in rules)])
        groups_local, rules_local = f"import_{module}_groups", f"import_{module}_rules"
        local = Block("locals", body=Body([
            Comment("The groups of these rules, by name; every rule on them, by its canonical key\n"
                    "(group, direction, protocol, from port, to port, peer): its id."),
            Attribute(groups_local, Expr(_groups_expr(ids, own, others))),
            Attribute(rules_local, Expr(_rules_expr(each_rule, f"local.{groups_local}"))),
        ]))
        imports = [
            Block("import", body=Body([
                Attribute("for_each", Expr(f"{{ for key, id in local.{rules_local} : key => id if key == {quote(r.key)} }}")),
                Attribute("to", Expr(f"module.{module}.{rule_address(node, r)}")),
                Attribute("id", Expr("each.value")),
            ]))
            for r in rules
        ]
        return [local], imports

    def _group_ids(self, node: Node, own: SecurityGroup, rules: Sequence[SecurityGroupRule]) -> tuple[dict[SecurityGroup, Expr], list[SecurityGroup]]:
        """The expressions of the ids of the groups involved, and the groups other than `own`: its
        own group's id (it must exist), another's list of 0 or 1 ids (a group that does not exist
        yet, such as a database's born in this plan, has no rules)."""
        involved = {r.group for r in rules} | {r.peer for r in rules if isinstance(r.peer, SecurityGroup)}
        others = sorted(involved - {own})
        ids: dict[SecurityGroup, Expr] = {}
        for group in [own, *others]:
            holder = self.graph.node(group.address)
            resource = self.finder.resource(holder, group.resource)
            if group == own:
                ids[group] = Expr(self.finder.by_tags(node, resource).text + ".id")
            else:
                label = self.finder.label(holder, group.resource)
                found = self.finder.data("aws_security_groups", label, [Attribute("tags", lookup_tags(resource))], node.address)
                ids[group] = Expr(found.text + ".ids")
        return ids, others

    def _rule_sources(self, node: Node, module: str, ids: Mapping[SecurityGroup, Expr], own: SecurityGroup, holding: Sequence[SecurityGroup]) -> Expr:
        """The data sources that read every rule on `own` and the `holding` groups: one per rule."""
        label = f"import_{module}_rules"
        values = ", ".join(ids[g].text for g in holding)
        values = f"concat([{ids[own].text}], {values})" if holding else f"[{ids[own].text}]"
        found = self.finder.data("aws_vpc_security_group_rules", label, [
            Block("filter", body=Body([Attribute("name", "group-id"), Attribute("values", Expr(values))])),
        ], node.address)
        return self.finder.data("aws_vpc_security_group_rule", label, [
            Attribute("for_each", Expr(f"toset({found.text}.ids)")),
            Blank(),
            Attribute("security_group_rule_id", Expr("each.value")),
        ], node.address)


def _groups_expr(ids: Mapping[SecurityGroup, Expr], own: SecurityGroup, others: Sequence[SecurityGroup]) -> str:
    names = [f"    {{ ({ids[own].text}) = {quote(own.name)} }},"]
    names += [f"    {{ for id in {ids[g].text} : id => {quote(g.name)} }}," for g in others]
    return "merge(\n" + "\n".join(names) + "\n  )"


def _rules_expr(each_rule: Expr, by_name: str) -> str:
    return "\n".join([
        "{",
        f'    for id, rule in {each_rule.text} : join(" ", [',
        f"      lookup({by_name}, rule.security_group_id, rule.security_group_id),",
        '      rule.is_egress ? "egress" : "ingress",',
        "      rule.ip_protocol,",
        "      rule.from_port,",
        "      rule.to_port,",
        "      rule.referenced_security_group_id == null ? coalesce(rule.cidr_ipv4, rule.cidr_ipv6, rule.prefix_list_id)"
        f" : lookup({by_name}, rule.referenced_security_group_id, rule.referenced_security_group_id),",
        "    ]) => id",
        "  }",
    ])


def removed_blocks(graph: ResourceGraph, modules: Mapping[str, str]) -> list[Block | Comment]:
    """A `removed` block per released component: Terraform forgets it and destroys nothing."""
    blocks: list[Block | Comment] = []
    for node in graph.nodes:
        if not node.released:
            continue
        blocks.append(Comment(f"{node.address}: owned by Ansible again; Terraform forgets it and destroys nothing."))
        blocks.append(Block("removed", body=Body([
            Attribute("from", Expr(f"module.{modules[node.address]}")),
            Blank(),
            Block("lifecycle", body=Body([Attribute("destroy", False)])),
        ])))
    return blocks
