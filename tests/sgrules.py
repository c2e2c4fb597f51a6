"""Test helper: security group rules, from both ends, as canonical keys.

* :func:`module_rule_keys` reads a Terraform module's `aws_vpc_security_group_{ingress,egress}_rule`
  resources (python-hcl2), and those of the local submodules it calls (`modules/service_access`,
  at `module.access.`), and evaluates them against one component's inputs: {address in the
  module: key}. It is independent of `envspec_terraform.rules`, which mirrors the modules in
  Python, so a rule one of them does not know of, or knows differently, shows as a difference.
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
    in the local submodules it calls. A submodule's rules read `database_access` and `tags` as
    the calling module passes them on unchanged (asserted here)."""
    out = _rule_resources(kind, "")
    for entry in _module(kind).get("module", []):
        for call, arguments in entry.items():
            source = re.fullmatch(r"\.\./(\w+)", arguments["source"])
            assert source, f"{kind} module: teach tests/sgrules.py the module source {arguments['source']!r}"
            for passed in ("database_access", "tags"):
                assert arguments.get(passed) == f"${{var.{passed}}}", f"{kind} module: module.{call}.{passed} is {arguments.get(passed)!r}"
            out.update(_rule_resources(source.group(1), f"module.{call}."))
    return out


def group_name(graph: ResourceGraph, address: str) -> str:
    """A component's security group by name: its address and the key of its one group resource."""
    (key,) = [r.key for r in graph.node(address).resources if r.type == "aws_security_group"]
    return f"{address}/{key}"


# The conditions the modules' `count`s use, as the component's inputs decide them (in a submodule:
# its call's address first; modules/service_access has a group when the service's module passes one).
_CONDITIONS = {
    ("ec2", "local.public"): lambda i: i["load_balancer"] is not None,
    ("ec2", "module.access.local.group"): lambda i: True,
    ("beanstalk", "module.access.local.group"): lambda i: True,
    ("lambda", "module.access.local.group"): lambda i: i["vpc"] is not None,
    ("network", "local.load_balancer"): lambda i: i["load_balancer"] is not None,
    ("network", "local.https"): lambda i: i["load_balancer"] is not None and bool(i["load_balancer"]["certificate_arn"]),
}


def module_rule_keys(graph: ResourceGraph, node: Node) -> dict[str, str]:
    """{address in the module: canonical key} of every rule instance `node`'s module creates."""
    inputs = node.inputs

    def walk(root: Any, path: str) -> Any:
        for part in path.split("."):
            root = root[part]
        return root

    def value(raw: Any, each: Mapping[str, Any] | None) -> Any:
        if not isinstance(raw, str) or not raw.startswith("${"):
            return raw
        expr = raw[2:-1]
        if m := re.fullmatch(r"var\.([\w.]+)", expr):
            found = walk(inputs, m.group(1))
        elif (m := re.fullmatch(r"each\.value\.(\w+)", expr)) and each is not None:
            found = each[m.group(1)]
        elif re.fullmatch(r"aws_security_group\.\w+(\[0\])?\.id|module\.access\.security_group_id", expr):  # the module's own group
            return group_name(graph, node.address)
        else:
            raise AssertionError(f"{node.kind} module: teach tests/sgrules.py what {raw!r} is")
        return group_name(graph, found.address) if isinstance(found, Attr) else found

    out: dict[str, str] = {}
    for address, body in module_rule_resources(node.kind).items():
        within, type_ = re.fullmatch(r"((?:module\.\w+\.)*)(\w+)\.\w+", address).groups()  # type: ignore[union-attr]
        instances: dict[str, Mapping[str, Any] | None]
        if "count" in body:
            m = re.fullmatch(r"\$\{(\S+) \? 1 : 0\}", body["count"])
            assert m, f"{node.kind} module: teach tests/sgrules.py the count {body['count']!r}"
            instances = {"[0]": None} if _CONDITIONS[(node.kind, within + m.group(1))](inputs) else {}
        elif "for_each" in body:
            assert body["for_each"] == "${local.databases}", body["for_each"]
            instances = {f'["{a["database"]}"]': a for a in inputs.get("database_access") or []}
        else:
            instances = {"": None}
        for index, each in instances.items():
            peer = next(body[k] for k in ("cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id") if k in body)
            parts = [
                value(body["security_group_id"], each), DIRECTIONS[type_], value(body["ip_protocol"], each),
                value(body["from_port"], each), value(body["to_port"], each), value(peer, each),
            ]
            out[address + index] = " ".join(str(p) for p in parts)
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
