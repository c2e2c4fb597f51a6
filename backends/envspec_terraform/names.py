"""Terraform-side names: module names of components, and where each IR resource lives in its module.

Both are pure functions of the graph, so they are the same on every compile: a module's address
never changes unless its component is renamed, and an `import` block always points at the one
resource of the module that corresponds to an IR resource.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

from envspec.graph import Node, Resource
from envspec.kinds import KINDS as ALL_KINDS

from .hcl import quote

KINDS = tuple(ALL_KINDS)
_SECTION_PREFIX = {"secrets": "secret", "buckets": "bucket", "databases": "database", "caches": "cache", "services": "service"}


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


def _indexed(kind: str, key: str) -> tuple[str, int | None]:
    match = re.fullmatch(r"(.*?)-(\d+)", key)
    if match and kind in ("network", "ec2"):
        return match.group(1), int(match.group(2))
    return key, None


# Where each IR resource (by node kind and resource key; `-N` suffixes stripped) lives in its
# module. `{name}` is the resource's name, which is also its `for_each` key in the module.
_ADDRESSES: Mapping[tuple[str, str], str] = {
    ("network", "vpc"): "aws_vpc.this",
    ("network", "public"): "aws_subnet.public[{name}]",
    ("network", "private"): "aws_subnet.private[{name}]",
    ("network", "igw"): "aws_internet_gateway.this",
    ("network", "nat-eip"): "aws_eip.nat[{name}]",
    ("network", "nat"): "aws_nat_gateway.this[{name}]",
    ("network", "public-rt"): "aws_route_table.public",
    ("network", "private-rt"): "aws_route_table.private[{name}]",
    ("network", "lb-sg"): "aws_security_group.lb[0]",
    ("network", "lb"): "aws_lb.this[0]",
    ("secret", "secret"): "aws_secretsmanager_secret.this[0]",
    ("secret", "parameter"): "aws_ssm_parameter.this[0]",
    ("bucket", "bucket"): "aws_s3_bucket.this",
    ("database", "subnet-group"): "aws_db_subnet_group.this",
    ("database", "sg"): "aws_security_group.this",
    ("database", "instance"): "aws_db_instance.this",
    ("cache", "subnet-group"): "aws_elasticache_subnet_group.this",
    ("cache", "sg"): "aws_security_group.this",
    ("cache", "cluster"): "aws_elasticache_cluster.this",
    ("ec2", "sg"): "aws_security_group.this",
    ("ec2", "role"): "aws_iam_role.this",
    ("ec2", "profile"): "aws_iam_instance_profile.this",
    ("ec2", "instance"): "aws_instance.this[{name}]",
    ("ec2", "target-group"): "aws_lb_target_group.this[0]",
    ("ec2", "listener-rule"): "aws_lb_listener_rule.this[0]",
    ("beanstalk", "application"): "aws_elastic_beanstalk_application.this",
    ("beanstalk", "role"): "aws_iam_role.this",
    ("beanstalk", "profile"): "aws_iam_instance_profile.this",
    ("beanstalk", "sg"): "aws_security_group.this",
    ("beanstalk", "environment"): "aws_elastic_beanstalk_environment.this",
    ("lambda", "role"): "aws_iam_role.this",
    ("lambda", "log-group"): "aws_cloudwatch_log_group.this",
    ("lambda", "sg"): "aws_security_group.this[0]",
    ("lambda", "function"): "aws_lambda_function.this",
    ("lambda", "schedule"): "aws_cloudwatch_event_rule.this[0]",
}


class UnmappedResource(ValueError):
    """An IR resource that no module resource corresponds to (a core/backend mismatch)."""


def resource_address(node: Node, resource: Resource) -> str:
    """The address of `resource` inside the module of `node`, e.g. `aws_subnet.public["x-public-1"]`."""
    stem, _ = _indexed(node.kind, resource.key)
    template = _ADDRESSES.get((node.kind, stem)) or _ADDRESSES.get((node.kind, resource.key))
    if template is None:
        raise UnmappedResource(f"{node.address}: no module resource for {resource.type} '{resource.key}'")
    expected_type = template.partition(".")[0]
    if expected_type != resource.type:
        raise UnmappedResource(
            f"{node.address}: resource '{resource.key}' is a {resource.type}, the module has a {expected_type}"
        )
    return template.replace("{name}", quote(resource.name))
