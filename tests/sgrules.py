"""Test helper: security group rules, from both ends, as canonical keys.

* :func:`module_rules` reads a Terraform module's `aws_vpc_security_group_{ingress,egress}_rule`
  resources (python-hcl2), and those of the local submodules it calls (`modules/service_access`,
  at `module.access.`), and evaluates them against the rules a module call passes and the node's
  inputs: {address in the module: (key, description)}; :func:`module_rule_keys` with the rules the
  Terraform backend passes. The tests compare them with the core's rules (`Node.security_group_rules`).
* :func:`role_rules` reads the rules an Ansible role takes (its input `security_group_rules`) the way
  the role uses them: [(key, description)].
* :func:`rule_imports` reads the rule `import` blocks of a root's `imports.tf`: {module: {address: key}}.

A key is `<group> <direction> <protocol> <from port> <to port> <peer>`; a group is named
`<component address>/<key of its aws_security_group resource in the IR>`, a CIDR peer is itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from envspec.core.ir import Attr, Node, ResourceGraph
from envspec_terraform import module_files
from envspec_terraform.values import security_group_rules

_PARSE = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
DIRECTIONS = {"aws_vpc_security_group_ingress_rule": "ingress", "aws_vpc_security_group_egress_rule": "egress"}


@cache
def _module(folder: str) -> dict[str, Any]:
    return hcl2.loads(module_files()[PurePosixPath("terraform/modules") / folder / "main.tf"], serialization_options=_PARSE)


def _rule_resources(folder: str, prefix: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in _module(folder).get("resource", []):
        for type_, named in entry.items():
            if type_ in DIRECTIONS:
                out.update({f"{prefix}{type_}.{name}": body for name, body in named.items()})
    return out


def module_rule_resources(kind: str) -> dict[str, dict[str, Any]]:
    """{`type.name`: body} of the rule resources in a module, then `module.<call>.type.name` of those
    in the local submodules it calls. A submodule's rules read `security_group_rules` and `tags` as
    the calling module passes them on unchanged (asserted here)."""
    out = _rule_resources(kind, "")
    for entry in _module(kind).get("module", []):
        for call, arguments in entry.items():
            source = re.fullmatch(r"\.\./(\w+)", arguments["source"])
            assert source, f"{kind} module: teach tests/sgrules.py the module source {arguments['source']!r}"
            for passed in ("security_group_rules", "tags"):
                assert arguments.get(passed) == f"${{var.{passed}}}", f"{kind} module: module.{call}.{passed} is {arguments.get(passed)!r}"
            out.update(_rule_resources(source.group(1), f"module.{call}."))
    return out


def group_name(graph: ResourceGraph, address: str) -> str:
    """A component's security group by name: its address and the key of its one group resource."""
    (key,) = [r.key for r in graph.node(address).resources if r.type == "aws_security_group"]
    return f"{address}/{key}"


# The `for_each` of the modules' rule resources: which of the rules passed in each makes (in a submodule:
# its call's address first), as the component's inputs decide whether the module has a group at all.
_INSTANCES = {
    ("module.access.", "${local.ingress}"): ("ingress", lambda kind, i: kind != "lambda" or i["vpc"] is not None),
    ("module.access.", "${local.egress}"): ("egress", lambda kind, i: kind != "lambda" or i["vpc"] is not None),
    ("", "${local.lb_ingress}"): ("ingress", lambda kind, i: i["load_balancer"] is not None),
    ("", "${local.lb_egress}"): ("egress", lambda kind, i: i["load_balancer"] is not None),
}
_OWN = r"aws_security_group\.\w+\[0\]\.id"


def module_rules(graph: ResourceGraph, node: Node, passed: list[Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """{address in the module: (canonical key, description)} of every rule instance `node`'s module
    creates when its module call passes `passed` as `security_group_rules` (read from the modules' HCL,
    not from the backend: a group id passed as an Attr is that component's group, the module's own by
    its resource)."""
    groups = [r.key for r in node.resources if r.type == "aws_security_group"]
    own = f"{node.address}/{groups[0]}" if groups else "(no group)"

    def named(value: Any) -> Any:
        return group_name(graph, value.address) if isinstance(value, Attr) else value

    def value(raw: Any, each: Mapping[str, Any]) -> Any:
        if not isinstance(raw, str) or not raw.startswith("${"):
            return raw
        expr = raw[2:-1]
        if m := re.fullmatch(r"each\.value\.(\w+)", expr):
            return named(each[m.group(1)])
        if m := re.fullmatch(rf"coalesce\(each\.value\.(\w+), {_OWN}\)", expr):
            return own if each[m.group(1)] is None else named(each[m.group(1)])
        if m := re.fullmatch(rf"each\.value\.cidr_ipv4 == null \? coalesce\(each\.value\.(\w+), {_OWN}\) : null", expr):
            return None if each["cidr_ipv4"] is not None else own if each[m.group(1)] is None else named(each[m.group(1)])
        raise AssertionError(f"{node.kind} module: teach tests/sgrules.py what {raw!r} is")

    out: dict[str, tuple[str, str]] = {}
    for address, body in module_rule_resources(node.kind).items():
        within, type_ = re.fullmatch(r"((?:module\.\w+\.)*)(\w+)\.\w+", address).groups()  # type: ignore[union-attr]
        taught = _INSTANCES.get((within, body.get("for_each")))
        assert taught, f"{node.kind} module: teach tests/sgrules.py the for_each {body.get('for_each')!r} of {address}"
        direction, exists = taught
        assert direction == DIRECTIONS[type_], address
        if not exists(node.kind, node.inputs):
            continue
        for each in (r for r in passed if r["direction"] == direction):
            peer = next(p for p in (value(body.get(k), each) for k in ("cidr_ipv4", "referenced_security_group_id")) if p is not None)
            parts = [value(body["security_group_id"], each), direction, value(body["ip_protocol"], each),
                     value(body["from_port"], each), value(body["to_port"], each), peer]
            out[f'{address}["{each["name"]}"]'] = (" ".join(str(p) for p in parts), value(body["description"], each))
    return out


def module_rule_keys(graph: ResourceGraph, node: Node) -> dict[str, str]:
    """{address in the module: canonical key} of every rule instance `node`'s module creates, with the
    rules the Terraform backend passes it."""
    return {address: key for address, (key, _) in module_rules(graph, node, security_group_rules(node)).items()}


def role_rules(graph: ResourceGraph, node: Node, passed: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """[(canonical key, description)] of the rules the node's role creates from `passed`, its input
    `security_group_rules` as the Ansible backend renders it (references as `envspec_out['ADDRESS'].ATTR`):
    a rule without a group is on the role's own, a peer `group_id: null` or `group_name` is that group."""
    groups = [r.key for r in node.resources if r.type == "aws_security_group"]
    own = f"{node.address}/{groups[0]}" if groups else "(no group)"

    def named(ref: Any) -> str:
        m = re.fullmatch(r"\{\{ envspec_out\['([\w.-]+)'\]\.\w+ \}\}", getattr(ref, "text", ref))
        assert m, f"not a reference to a group: {ref!r}"
        return group_name(graph, m.group(1))

    out = []
    for each in passed:
        rule = each["rule"]
        group = own if each["security_group_id"] is None else named(each["security_group_id"])
        if "cidr_ip" in rule:
            peer = rule["cidr_ip"]
        elif "group_name" in rule:
            assert group == own and rule["group_name"] == next(r.name for r in node.resources if f"{node.address}/{r.key}" == own)
            peer = own
        else:
            peer = own if rule["group_id"] is None else named(rule["group_id"])
        key = " ".join(str(p) for p in (group, each["direction"], rule["proto"], rule["from_port"], rule["to_port"], peer))
        out.append((key, rule["rule_desc"]))
    return out


_RULE_FILTER = re.compile(r'^\$\{\{for key, id in local\.(\w+) : key => id if key == "(.*)"\}\}$')


def rule_imports(imports: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """{module name: {address in the module: key}} of the `for_each` import blocks of a parsed `imports.tf`.

    Each such block must read the found rules of its own module's local and import `each.value`.
    """
    out: dict[str, dict[str, str]] = {}
    for block in imports.get("import", []):
        if "for_each" not in block:
            continue
        m = _RULE_FILTER.match(block["for_each"])
        assert m, block["for_each"]
        to = re.fullmatch(r"\$\{module\.(\w+)\.(.+)\}", block["to"])
        assert to, block["to"]
        module, address = to.groups()
        assert m.group(1) == f"import_{module}_rules", block
        assert block["id"] == "${each.value}", block
        assert address not in out.setdefault(module, {}), f"two imports into {module}.{address}"
        out[module][address] = m.group(2)
    return out
