"""`caches`: ElastiCache Redis."""

from __future__ import annotations

from pydantic import Field

from envspec.core.model.common import Component


class Cache(Component):
    """A Redis cache in the private subnets (an ElastiCache cluster of one node), reached on port 6379 by
    the services that reference it."""

    node_type: str = Field(
        pattern=r"^cache\.[a-z][a-z0-9-]*\.[a-z0-9]+$",
        description="ElastiCache node type, for example `cache.t4g.micro`.",
        json_schema_extra={"examples": ["cache.t4g.micro"]},
    )
    engine_version: str = Field(
        pattern=r"^[0-9]+\.[0-9]+(\.[0-9]+)?$",
        description='Redis version, a string such as `"7.1"` (quote it in YAML): major.minor from Redis 6 on, '
        "the full version before.",
        json_schema_extra={"examples": ["7.1"]},
    )
    nodes: int = Field(
        default=1,
        ge=1,
        le=1,
        description="Number of cache nodes: 1. A Redis cache cluster has exactly one node; replicas need a "
        "replication group, which envspec does not make yet.",
    )
