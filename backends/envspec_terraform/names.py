"""Terraform-side names: module names of components, and where each IR resource lives in its module.

Both are pure functions of the graph, so they are the same on every compile: a module's address
never changes unless its component is renamed, and an `import` block always points at the one
resource of the module that corresponds to an IR resource.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from envspec.core.ir import Node, Resource, SecurityGroupRule
from envspec.core.kinds import KINDS as ALL_KINDS
from envspec.core.kinds import SECTION_KIND, SECTIONS

from .binding import binding
from .hcl import quote

KINDS = tuple(ALL_KINDS)
# A module name starts with its section in the singular: its kind's name (`secret_`), or for a section
# of several kinds (`services`) the section's name without its `s`.
_SECTION_PREFIX = {s: SECTION_KIND.get(s, s.removesuffix("s")) for s in SECTIONS if s != "network"}


def base_module_name(address: str) -> str:
    """`network` -> `network`, `services.sync-worker` -> `service_sync_worker`."""
    if "." not in address:
        return re.sub(r"[^A-Za-z0-9_]", "_", address)
    section, _, name = address.partition(".")
    prefix = _SECTION_PREFIX.get(section, section)
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"


def module_names(addresses: Iterable[str]) -> dict[str, str]:
    """A module name per component address, unique within the app.

    Names differ only in `-` versus `_` in rare cases (secrets may use both): the component whose
    name maps to itself keeps the plain module name, the others get a short hash of their address.
    """
    addresses = sorted(set(addresses))
    plain: dict[str, list[str]] = {}
    for address in addresses:
        plain.setdefault(base_module_name(address), []).append(address)
    names: dict[str, str] = {}
    for base, group in plain.items():
        for address in group:
            exact = address.partition(".")[2] or address
            if len(group) == 1 or exact == base.partition("_")[2] or exact == base:
                names[address] = base
            else:
                names[address] = f"{base}_{hashlib.sha256(address.encode()).hexdigest()[:6]}"
    return names


def data_label(module: str, key: str) -> str:
    """Label of a data source that finds resource `key` of a component: `network_public_1`."""
    return f"{module}_{re.sub(r'[^A-Za-z0-9_]', '_', key)}"


class UnmappedResource(ValueError):
    """An IR resource that no module resource corresponds to (a core/backend mismatch)."""


def resource_address(node: Node, resource: Resource) -> str:
    """The address of `resource` inside the module of `node`, e.g. `aws_subnet.public["x-public-1"]`,
    or inside a module that one calls, e.g. `module.access.aws_iam_role.this`.

    Its kind's binding lists the module's resources by IR resource key; a key with a `-N` suffix
    (`public-1`, one of several) is listed without it when the key itself is not.
    """
    addresses = binding(node.kind).addresses
    template = addresses.get(resource.key)
    if template is None:
        indexed = re.fullmatch(r"(.*?)-(\d+)", resource.key)
        template = addresses.get(indexed.group(1)) if indexed else None
    if template is None:
        raise UnmappedResource(f"{node.address}: no module resource for {resource.type} '{resource.key}'")
    expected_type = re.sub(r"^(module\.\w+\.)*", "", template).partition(".")[0]
    if expected_type != resource.type:
        raise UnmappedResource(
            f"{node.address}: resource '{resource.key}' is a {resource.type}, the module has a {expected_type}"
        )
    return template.replace("{name}", quote(resource.name))


def rule_address(node: Node, rule: SecurityGroupRule) -> str:
    """The address of `rule` inside the module of `node`, e.g.
    `module.access.aws_vpc_security_group_ingress_rule.this["from-lb"]`: the module makes one
    resource instance per rule, keyed by its name, per direction (the binding's `rule_addresses`)."""
    template = binding(node.kind).rule_addresses.get(rule.direction)
    if template is None:
        raise UnmappedResource(f"{node.address}: the {node.kind} module makes no {rule.direction} rule ({rule.key})")
    return template.replace("{name}", quote(rule.name))
