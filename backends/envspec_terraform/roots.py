"""The Terraform root of one environment, rendered from its ResourceGraph.

* `main.tf`: one module call per component that Terraform owns, its inputs straight from the
  node's `inputs`. A dynamic attribute (:class:`~envspec.graph.Attr`) of another Terraform-owned
  component becomes `module.<name>.<attribute>`; of an Ansible-owned one, `local.<name>.<attribute>`,
  defined in `lookups.tf`.
* `lookups.tf`: data sources that find the Ansible-owned components that Terraform-owned ones
  refer to, by the names and tags the core gave them, and one local object per component with
  exactly the attributes referred to (the same names a module outputs).
* `imports.tf`: for an adopted component (Ansible created it, Terraform owns it now) an `import`
  block per AWS resource, by the import id the core derived, or by the id of a data source that
  finds the resource by its tags when AWS assigns the id. Its security group rules have neither
  a name nor tags: they are read from AWS and matched by what they allow (:mod:`.rules`), and
  each rule of the module is imported if it exists (else Terraform creates it).
* `removed.tf`: for a released component (Terraform owned it, Ansible owns it now) a `removed`
  block that forgets it without destroying anything.
* `outputs.tf`: every dynamic attribute of every Terraform-owned component, one object per
  component, so Ansible can read them from the state as well.

Every file is always written; when it has nothing to declare it says so in a comment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import PurePosixPath
from typing import Any

from envspec.graph import Attr, Interp, Node, Resource, ResourceGraph, SecretValue
from envspec.kinds import OUTPUTS
from envspec.lower import state_bucket, state_key

from .hcl import Attribute, Blank, Block, Body, Comment, Expr, Template, quote, render_file
from .names import data_label, module_names, resource_address
from .rules import Group, module_rules, own_group

REQUIRED_VERSION = ">= 1.11"  # S3 state locking without DynamoDB (`use_lockfile`) is GA from 1.11
AWS_PROVIDER = {"source": "hashicorp/aws", "version": ">= 5.100, < 7.0"}

# Inputs that the Ansible side needs and Terraform does not: never rendered into module calls
# (the module declares them, documented as unused, so its interface matches the component's).
NOT_RENDERED: Mapping[str, frozenset[str]] = {
    "ec2": frozenset({"environment", "release", "deploy"}),  # the deploy writes the host's environment file
}


# Names the modules give sub-objects (their `locals`, the same as the Ansible roles'): the ids of
# those sub-objects when they are imported. The real plan after a move checks they agree
# (tests/test_coexistence.py: an import of a missing object fails the plan).
MODULE_NAMES: Mapping[str, str] = {
    "policy_name": "envspec-references",
    "schedule_target_id": "function",
    "schedule_statement_id": "envspec-schedule",
}


class RenderError(ValueError):
    """The graph holds something this backend cannot render (a core/backend mismatch)."""


def _tags_value(tags: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(tags.items()))


@dataclass
class _Lookups:
    """Data sources and local values for Ansible-owned components, collected while rendering."""

    blocks: dict[tuple[str, str], Block] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # module name -> attribute -> expr
    found_by: dict[tuple[str, str], str] = field(default_factory=dict)  # data source -> component address

    def data(self, type_: str, label: str, body: list[Any], address: str = "") -> Expr:
        if (type_, label) not in self.blocks:
            self.blocks[(type_, label)] = Block("data", (type_, label), Body(body))
            self.found_by[(type_, label)] = address
        return Expr(f"data.{type_}.{label}")


class RootRenderer:
    def __init__(self, graph: ResourceGraph) -> None:
        self.graph = graph
        self.modules = module_names(n.address for n in graph.nodes)
        self.kinds = {n.address: n.kind for n in graph.nodes}
        self.lookups = _Lookups()
        self.import_data = _Lookups()

    # ---- values --------------------------------------------------------------------------------

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

    # ---- finding Ansible-owned components --------------------------------------------------------

    def _resource(self, node: Node, key: str) -> Resource:
        for resource in node.resources:
            if resource.key == key:
                return resource
        raise RenderError(f"{node.address}: no resource '{key}' to look up")

    def _by_tags(self, sink: _Lookups, node: Node, resource: Resource, prefix: str = "") -> Expr:
        """A data source that finds `resource` by the tags of its IR lookup (or its Name tag)."""
        label = prefix + data_label(self.modules[node.address], resource.key)
        tags = _tags_value(resource.lookup.tags if resource.lookup else {"Name": resource.name})
        body: list[Any]
        if resource.type == "aws_instance":
            body = [
                Attribute("instance_tags", tags),
                Blank(),
                Block("filter", body=Body([
                    Attribute("name", "instance-state-name"),
                    Attribute("values", ["pending", "running", "stopping", "stopped"]),
                ])),
            ]
        elif resource.type == "aws_nat_gateway":
            body = [Attribute("state", "available"), Attribute("tags", tags)]
        elif resource.type == "aws_secretsmanager_secret":
            body = [Attribute("name", resource.name)]  # names are unique; this data source has no tag filter
        elif resource.type == "aws_elastic_beanstalk_environment":
            body = [Attribute("resource_type_filters", ["elasticbeanstalk:environment"])]
            for k, v in tags.items():
                body += [Blank(), Block("tag_filter", body=Body([Attribute("key", k), Attribute("values", [v])]))]
        else:
            body = [Attribute("tags", tags)]
        data_type = "aws_resourcegroupstaggingapi_resources" if resource.type == "aws_elastic_beanstalk_environment" else resource.type
        return sink.data(data_type, label, body, node.address)

    def _load_balancer(self, sink: _Lookups, network: Node, prefix: str = "", port: int | None = None) -> tuple[Expr, Expr]:
        """(data.aws_lb, data.aws_lb_listener) of the app's shared load balancer, found by its tags,
        and of its listener on `port` (by default the one services attach rules to: 443 with a
        certificate, else 80)."""
        lb = network.inputs.get("load_balancer")
        if not isinstance(lb, Mapping):
            raise RenderError(f"{network.address}: has no load balancer to look up")
        module = self.modules[network.address]
        aws_lb = self._by_tags(sink, network, self._resource(network, "lb"), prefix)
        if port is None:
            port = 443 if lb.get("certificate_arn") else 80
        listener = sink.data(
            "aws_lb_listener",
            prefix + data_label(module, f"lb_listener_{port}"),
            [Attribute("load_balancer_arn", Expr(f"{aws_lb.text}.arn")), Attribute("port", port)],
            network.address,
        )
        return aws_lb, listener

    def lookup(self, node: Node, attribute: str) -> Expr | list[Expr] | Template:
        """The expression of `attribute` of the Ansible-owned `node`, adding the data sources it needs."""
        sink = self.lookups
        if node.kind == "network":
            if attribute == "vpc_id":
                return Expr(self._by_tags(sink, node, self._resource(node, "vpc")).text + ".id")
            if attribute in ("public_subnet_ids", "private_subnet_ids"):
                side = attribute.partition("_")[0]
                subnets = [r for r in node.resources if r.type == "aws_subnet" and r.key.startswith(f"{side}-")]
                return [Expr(self._by_tags(sink, node, r).text + ".id") for r in subnets]
            if attribute in ("lb_arn", "lb_dns_name"):
                aws_lb, _ = self._load_balancer(sink, node)
                return Expr(f"{aws_lb.text}.{attribute.removeprefix('lb_')}")
            if attribute == "lb_security_group_id":
                return Expr(self._by_tags(sink, node, self._resource(node, "lb-sg")).text + ".id")
            if attribute == "lb_listener_arn":
                _, listener = self._load_balancer(sink, node)
                return Expr(f"{listener.text}.arn")
        elif node.kind == "secret" and attribute == "arn":
            return Expr(self._by_tags(sink, node, self._resource(node, "secret")).text + ".arn")
        elif node.kind == "database":
            if attribute == "security_group_id":
                return Expr(self._by_tags(sink, node, self._resource(node, "sg")).text + ".id")
            data = sink.data(
                "aws_db_instance",
                data_label(self.modules[node.address], "instance"),
                [Attribute("db_instance_identifier", node.inputs["identifier"])],
                node.address,
            )
            if attribute == "host":
                return Expr(f"{data.text}.address")
            if attribute == "secret_arn":  # RDS's own secret, whichever tool created the instance
                return Expr(f"{data.text}.master_user_secret[0].secret_arn")
        elif node.kind == "cache" and attribute == "host":
            data = sink.data(
                "aws_elasticache_cluster",
                data_label(self.modules[node.address], "cluster"),
                [Attribute("cluster_id", node.inputs["cluster_id"])],
                node.address,
            )
            return Expr(f"{data.text}.cache_nodes[0].address")
        elif attribute == "security_group_id":  # ec2, beanstalk, lambda in a VPC, cache
            return Expr(self._by_tags(sink, node, self._resource(node, "sg")).text + ".id")
        elif node.kind == "beanstalk" and attribute == "url":
            # No data source reads an environment's CNAME; its load balancer (tagged by Elastic
            # Beanstalk with the environment's name) answers on the same URL.
            data = sink.data(
                "aws_lb",
                data_label(self.modules[node.address], "environment_lb"),
                [Attribute("tags", {"elasticbeanstalk:environment-name": node.inputs["environment_name"]})],
                node.address,
            )
            return Template(("http://", Expr(f"{data.text}.dns_name")))
        raise RenderError(f"{node.address}: cannot look up '{attribute}' of a {node.kind} owned by Ansible")

    # ---- imports ---------------------------------------------------------------------------------

    def import_id(self, node: Node, resource: Resource) -> Any:
        """The id to import `resource` by: the core's import id, else found by its tags."""
        if resource.import_id is not None:
            return resource.import_id
        sink = self.import_data
        if resource.type == "aws_lb_listener_rule":
            lb = node.inputs.get("load_balancer")
            if not isinstance(lb, Mapping):
                raise RenderError(f"{node.address}: a listener rule without a load balancer")
            _, listener = self._load_balancer(sink, self.graph.node("network"), prefix="import_")
            rule = sink.data(
                "aws_lb_listener_rule",
                "import_" + data_label(self.modules[node.address], resource.key),
                [Attribute("listener_arn", Expr(f"{listener.text}.arn")), Attribute("priority", lb["priority"])],
                node.address,
            )
            return Expr(f"{rule.text}.arn")
        if resource.lookup is None:
            raise RenderError(f"{node.address}: resource '{resource.key}' has neither an import id nor a lookup")
        data = self._by_tags(sink, node, resource, prefix="import_")
        if resource.type == "aws_elastic_beanstalk_environment":
            return Expr(f'one({data.text}.resource_tag_mapping_list[*].tags["elasticbeanstalk:environment-id"])')
        if resource.type in ("aws_lb", "aws_lb_target_group", "aws_secretsmanager_secret"):
            return Expr(f"{data.text}.arn")
        return Expr(f"{data.text}.id")

    def network_attachments(self, node: Node) -> list[tuple[str, Any]]:
        """Imports beyond the IR's resources that adopting a network needs: route table
        associations and load balancer listeners exist once the network does, and creating
        them again would fail (AlreadyAssociated, DuplicateListener). Ids from the same lookups."""
        sink = self.import_data

        def found(key: str) -> Expr:
            return Expr(self._by_tags(sink, node, self._resource(node, key), prefix="import_").text + ".id")

        out: list[tuple[str, Any]] = []
        public_rt = found("public-rt")
        for resource in node.resources:
            if resource.type == "aws_subnet" and resource.key.startswith("public-"):
                out.append((
                    f"aws_route_table_association.public[{quote(resource.name)}]",
                    Template((found(resource.key), "/", public_rt)),
                ))
        def key_of(type_: str, name: str) -> str:
            for resource in node.resources:
                if resource.type == type_ and resource.name == name:
                    return resource.key
            raise RenderError(f"{node.address}: no {type_} named {name!r} to import")

        for table in node.inputs.get("private_route_tables") or []:
            subnet = node.inputs["private_subnets"][table["private_subnet_index"]]
            out.append((
                f"aws_route_table_association.private[{quote(table['name'])}]",
                Template((found(key_of("aws_subnet", subnet["name"])), "/", found(key_of("aws_route_table", table["name"])))),
            ))
        lb = node.inputs.get("load_balancer")
        if isinstance(lb, Mapping):
            _, http = self._load_balancer(sink, node, prefix="import_", port=80)
            out.append(("aws_lb_listener.http[0]", Expr(f"{http.text}.arn")))
            if lb.get("certificate_arn"):
                _, https = self._load_balancer(sink, node, prefix="import_", port=443)
                out.append(("aws_lb_listener.https[0]", Expr(f"{https.text}.arn")))
        return out

    def settings_imports(self, node: Node) -> list[tuple[str, Any]]:
        """Imports of the module's resources that are settings of an IR resource rather than objects
        of their own (a bucket's versioning, a role's inline policy and managed policy attachments, a
        schedule's target and invoke permission): Ansible made them with the resource, so they exist;
        planning to create them again would rewrite them, or fail (a permission's statement id).
        Their ids follow from names the core decided and the module's own names (MODULE_NAMES)."""
        inputs = node.inputs
        out: list[tuple[str, Any]] = []
        if node.kind == "bucket":
            bucket = inputs["name"]
            for resource in ("ownership_controls", "public_access_block", "server_side_encryption_configuration",
                             "versioning", "policy"):
                out.append((f"aws_s3_bucket_{resource}.this", bucket))
            if inputs.get("expiry") is not None:
                out.append(("aws_s3_bucket_lifecycle_configuration.this[0]", bucket))
        if node.kind in ("ec2", "beanstalk", "lambda"):
            role = inputs["role_name"]
            for arn in inputs.get("managed_policy_arns") or []:
                out.append((f"aws_iam_role_policy_attachment.this[{quote(arn)}]", f"{role}/{arn}"))
            if inputs.get("policy_statements"):
                out.append(("aws_iam_role_policy.this[0]", f"{role}:{MODULE_NAMES['policy_name']}"))
        if node.kind == "lambda" and isinstance(inputs.get("schedule"), Mapping):
            out.append(("aws_cloudwatch_event_target.this[0]",
                        f"{inputs['schedule']['rule_name']}/{MODULE_NAMES['schedule_target_id']}"))
            out.append(("aws_lambda_permission.schedule[0]",
                        f"{inputs['function_name']}/{MODULE_NAMES['schedule_statement_id']}"))
        return out

    def rule_imports(self, node: Node) -> tuple[list[Block], list[Block]]:
        """(locals, import blocks) that adopt the security group rules of `node`'s module.

        The data sources read every rule on the groups the module's rules are on (its own group,
        found by its tags, and the groups of the databases it reaches, found by theirs), and a
        local gives each rule its canonical key (`rules.SecurityGroupRule.key`), with the ids of
        the groups involved replaced by their names. Each rule of the module then gets an import
        block whose `for_each` holds the one found rule with its key, or nothing: a rule missing
        in AWS is created. Every value is known at plan time (data sources of literal tags).
        """
        rules = module_rules(node, self.kinds)
        own = own_group(node)
        if not rules or own is None:
            return [], []
        sink = self.import_data
        module = self.modules[node.address]
        groups_local = f"import_{module}_groups"
        rules_local = f"import_{module}_rules"

        def lookup(group: Group) -> Expr:
            """The group's id (its own: it must exist) or list of 0 or 1 ids (another's: a group
            that does not exist yet, such as a database's born in this plan, has no rules)."""
            holder = self.graph.node(group.address)
            resource = self._resource(holder, group.resource)
            if group == own:
                return Expr(self._by_tags(sink, node, resource, prefix="import_").text + ".id")
            tags = _tags_value(resource.lookup.tags if resource.lookup else {"Name": resource.name})
            label = "import_" + data_label(self.modules[holder.address], group.resource)
            return Expr(sink.data("aws_security_groups", label, [Attribute("tags", tags)], node.address).text + ".ids")

        involved = {r.group for r in rules} | {r.peer for r in rules if isinstance(r.peer, Group)}
        others = sorted(involved - {own})
        ids = {group: lookup(group) for group in [own, *others]}
        holding = [ids[g].text for g in others if any(r.group == g for r in rules)]
        values = f"concat([{ids[own].text}], {', '.join(holding)})" if holding else f"[{ids[own].text}]"
        found = sink.data("aws_vpc_security_group_rules", rules_local, [
            Block("filter", body=Body([Attribute("name", "group-id"), Attribute("values", Expr(values))])),
        ], node.address)
        each_rule = sink.data("aws_vpc_security_group_rule", rules_local, [
            Attribute("for_each", Expr(f"toset({found.text}.ids)")),
            Blank(),
            Attribute("security_group_rule_id", Expr("each.value")),
        ], node.address)

        names = [f"    {{ ({ids[own].text}) = {quote(own.name)} }},"]
        names += [f"    {{ for id in {ids[g].text} : id => {quote(g.name)} }}," for g in others]
        groups_expr = "merge(\n" + "\n".join(names) + "\n  )"
        by_name = f"local.{groups_local}"
        rules_expr = "\n".join([
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
        local = Block("locals", body=Body([
            Comment("The groups of these rules, by name; every rule on them, by its canonical key\n"
                    "(group, direction, protocol, from port, to port, peer): its id."),
            Attribute(groups_local, Expr(groups_expr)),
            Attribute(rules_local, Expr(rules_expr)),
        ]))
        imports = [
            Block("import", body=Body([
                Attribute("for_each", Expr(f"{{ for key, id in local.{rules_local} : key => id if key == {quote(r.key)} }}")),
                Attribute("to", Expr(f"module.{module}.{r.address}")),
                Attribute("id", Expr("each.value")),
            ]))
            for r in rules
        ]
        return [local], imports

    # ---- files -----------------------------------------------------------------------------------

    def header(self, what: str) -> str:
        g = self.graph
        source = PurePosixPath(g.source.replace("\\", "/")).name or "the spec"
        return (
            f"{what}\n"
            f"App {g.app}, environment {g.env} ({g.region}, account {g.account_id}).\n"
            f"Generated by envspec from {source}: edit the spec, not this file."
        )

    def module_block(self, node: Node) -> Block:
        skip = NOT_RENDERED.get(node.kind, frozenset())
        items: list[Any] = [Attribute("source", f"../modules/{node.kind}"), Blank()]
        for name, value in node.inputs.items():
            if name in skip:
                continue
            items.append(Attribute(name, self.value(value, f"{node.address}.{name}")))
        return Block("module", (self.modules[node.address],), Body(items))

    def render(self) -> dict[str, str]:
        g = self.graph
        owned = g.owned_by("terraform")
        files: dict[str, str] = {}

        files["backend.tf"] = render_file(
            [
                Block("terraform", body=Body([
                    Block("backend", ("s3",), Body([
                        Attribute("bucket", state_bucket(g.app, g.account_id)),
                        Attribute("key", state_key(g.app, g.env)),
                        Attribute("region", g.region),
                        Attribute("encrypt", True),
                        Attribute("use_lockfile", True),
                    ])),
                ])),
            ],
            header=self.header("State of this root: S3, encrypted, locked with a lock file in the bucket."),
        )

        files["providers.tf"] = render_file(
            [
                Block("terraform", body=Body([
                    Attribute("required_version", REQUIRED_VERSION),
                    Blank(),
                    Block("required_providers", body=Body([Attribute("aws", dict(AWS_PROVIDER))])),
                ])),
                Block("provider", ("aws",), Body([
                    Attribute("region", g.region),
                    Attribute("allowed_account_ids", [g.account_id]),
                    Blank(),
                    Block("default_tags", body=Body([
                        Attribute("tags", {"envspec:app": g.app, "envspec:env": g.env}),
                    ])),
                ])),
            ],
            header=self.header("Terraform and the AWS provider; every resource is tagged with the app and environment."),
        )

        main_blocks: list[Block | Comment] = [self.module_block(node) for node in owned]
        if not main_blocks:
            main_blocks = [Comment("Terraform owns no component in this environment.")]
        files["main.tf"] = render_file(
            main_blocks,
            header=self.header("One module per component that Terraform owns here; Ansible owns the others."),
        )

        files["outputs.tf"] = self.render_outputs(owned)
        files["imports.tf"] = self.render_imports(owned)
        files["removed.tf"] = self.render_removed()
        files["lookups.tf"] = self.render_lookups()  # last: the other files collect what it needs
        return files

    def render_outputs(self, owned: Sequence[Node]) -> str:
        blocks: list[Block | Comment] = []
        for node in owned:
            attributes = OUTPUTS[node.kind]
            if not attributes:
                continue
            name = self.modules[node.address]
            blocks.append(Block("output", (name,), Body([
                Attribute("description", f"Dynamic attributes of {node.address} ({node.kind})."),
                Attribute("value", {a: Expr(f"module.{name}.{a}") for a in attributes}),
            ])))
        if not blocks:
            blocks = [Comment("No component that Terraform owns here has attributes that AWS assigns.")]
        return render_file(
            blocks,
            header=self.header("The AWS-assigned attributes of every component Terraform owns, one object per component."),
        )

    def render_imports(self, owned: Sequence[Node]) -> str:
        blocks: list[Block | Comment] = []
        for node in owned:
            if not node.adopted:
                continue
            module = self.modules[node.address]
            known = len(self.import_data.blocks)  # the dict only grows: what this node adds comes last
            targets = [(resource_address(node, r), self.import_id(node, r)) for r in node.resources]
            targets += self.network_attachments(node) if node.kind == "network" else []
            targets += self.settings_imports(node)
            imports = [
                Block("import", body=Body([Attribute("to", Expr(f"module.{module}.{to}")), Attribute("id", id_)]))
                for to, id_ in targets
            ]
            rule_locals, rule_imports = self.rule_imports(node)
            finders = list(islice(reversed(self.import_data.blocks.values()), len(self.import_data.blocks) - known))
            blocks.append(Comment(f"{node.address}: created by Ansible, adopted by Terraform."))
            blocks.extend(sorted(finders, key=_block_key))
            blocks.extend(rule_locals)
            blocks.extend(imports)
            blocks.extend(rule_imports)
        if not blocks:
            blocks = [Comment("No component is being adopted from Ansible in this environment.")]
        return render_file(
            blocks,
            header=self.header(
                "Components that Ansible created and Terraform now owns: each AWS resource is imported,\n"
                "never recreated. Ids that AWS assigns are found by the resources' names and tags, and\n"
                "those of security group rules by what the rules allow."
            ),
        )

    def render_removed(self) -> str:
        blocks: list[Block | Comment] = []
        for node in self.graph.nodes:
            if not node.released:
                continue
            blocks.append(Comment(f"{node.address}: owned by Ansible again; Terraform forgets it and destroys nothing."))
            blocks.append(Block("removed", body=Body([
                Attribute("from", Expr(f"module.{self.modules[node.address]}")),
                Blank(),
                Block("lifecycle", body=Body([Attribute("destroy", False)])),
            ])))
        if not blocks:
            blocks = [Comment("No component has moved from Terraform back to Ansible in this environment.")]
        return render_file(
            blocks,
            header=self.header("Components that Terraform owned and Ansible owns now: forgotten, never destroyed."),
        )

    def render_lookups(self) -> str:
        blocks: list[Block | Comment] = []
        by_node: dict[str, list[Block]] = {}  # grouped once: a scan per node would be quadratic
        for k, b in self.lookups.blocks.items():
            by_node.setdefault(self.lookups.found_by[k], []).append(b)
        for node in self.graph.nodes:
            found = by_node.get(node.address, [])
            if found:
                blocks.append(Comment(f"{node.address} ({node.kind}), owned by Ansible."))
                blocks.extend(sorted(found, key=_block_key))
        if self.lookups.values:
            blocks.append(Block("locals", body=Body([
                Attribute(name, dict(sorted(values.items())))
                for name, values in sorted(self.lookups.values.items())
            ])))
        if not blocks:
            blocks = [Comment("Terraform-owned components refer to no Ansible-owned one in this environment.")]
        return render_file(
            blocks,
            header=self.header(
                "Components that Ansible owns and Terraform-owned ones refer to, found by the names and\n"
                "tags envspec gave them. Each local has the attributes a module of that kind outputs."
            ),
        )


def _block_key(block: Block) -> tuple[str, ...]:
    return (block.type, *block.labels)


def render_root(graph: ResourceGraph) -> dict[str, str]:
    """The files of the root of `graph`'s environment, by file name."""
    return RootRenderer(graph).render()
