"""An ElastiCache Redis cache in the network's private subnets.

The AWS object is a cache cluster of one node (`aws_elasticache_cluster`, community.aws.elasticache),
not a replication group: it is the one object both tools can make (community.aws has no module for
replication groups) and the emulator can describe; a Redis cache cluster has exactly one node, so
`nodes` is 1. Replicas, automatic failover and encryption at rest, which production Redis usually
wants, need a replication group: a later kind option, with a module of our own on the Ansible side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from envspec.core.ir import Attr, Interp, SecurityGroup, Value
from envspec.core.names import joined_name
from envspec.core.model import Cache
from envspec.core.kinds.base import Attribute, ComponentKind, Grants, KindCheck, LoweredComponent, NetworkAccess

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import Reference, ResolvedComponent

PORT = 6379  # Redis's; the port forces a new cluster, so it is not a spec field
CLUSTER_ID_MAX = 40  # ElastiCache cluster ids: at most 40 characters in every region and provider version

# Arguments either tool could set differently, decided once here (both tools send or keep these):
# - no automatic snapshots (0, AWS's default): a cache holds nothing that cannot be rebuilt, and
#   community.aws.elasticache cannot set a retention;
# - minor engine upgrades in the maintenance window (true, AWS's default; the module cannot set it);
# - changes applied at once (community.aws.elasticache always applies them immediately);
# - the parameter group, maintenance and snapshot windows are AWS's (the engine's default group,
#   windows AWS assigns): neither tool names them, and Terraform reads them back as they are;
# - no in-transit encryption (AWS's default for a cluster; the module cannot set it, and changing
#   it replaces the cluster); encryption at rest exists only for replication groups.
DECIDED: Mapping[str, Any] = {
    "snapshot_retention_limit": 0,
    "auto_minor_version_upgrade": True,
    "apply_immediately": True,
}


def cluster_id(ctx: LoweringContext, c: ResolvedComponent) -> str:
    """APP-ENV-NAME, shortened deterministically (prefix + 6-character hash) past 40 characters."""
    return joined_name(ctx.env.app, ctx.env.env, c.name, max_len=CLUSTER_ID_MAX)


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, Cache)
    name = ctx.base_name(c)
    inputs: dict[str, Value] = {
        "cluster_id": name,
        "engine_version": model.engine_version,
        "node_type": model.node_type,
        "num_cache_nodes": model.nodes,
        "port": PORT,
        **DECIDED,
        "subnet_group_name": name,
        "security_group_name": name,
        "vpc_id": Attr("network", "vpc_id"),
        "subnet_ids": Attr("network", "private_subnet_ids"),
        "tags": ctx.tags(c),
    }
    resources = [
        ctx.resource(c, "subnet-group", "aws_elasticache_subnet_group", name, import_id=name),
        ctx.resource(c, "sg", "aws_security_group", name, by_tags=True),
        ctx.resource(c, "cluster", "aws_elasticache_cluster", name, import_id=name),
    ]
    return LoweredComponent(inputs, resources, ("network",))


def value(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    if ref.attribute == "port":
        return str(PORT)
    if ref.attribute == "url":
        return Interp(("redis://", Attr(target.address, "host"), f":{PORT}"))
    return Attr(target.address, ref.attribute)  # host


def grants(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Grants:
    """Any reference lets the user reach the cache's port, from its own security group (in the VPC)."""
    if not ctx.in_vpc(user):
        return Grants([], [])
    return Grants([], [NetworkAccess(target.address, SecurityGroup(target.address, "sg", "security_group_id"), PORT)])


def check(kind_check: KindCheck, address: str, raw: Mapping[str, Any]) -> None:
    if kind_check.network is None:
        kind_check.error(
            ("caches", address.split(".", 1)[1], "node_type"),
            "a cache needs the app's `network` (ElastiCache runs in its private subnets)",
            "add a top-level `network`",
        )


KIND = ComponentKind(
    name="cache",
    section="caches",
    model=Cache,
    attributes=(Attribute("url", private=True), Attribute("host", private=True), Attribute("port")),
    outputs=("host", "security_group_id"),
    lower=lower,
    value=value,
    grants=grants,
    base_name=cluster_id,
    check=check,
)
