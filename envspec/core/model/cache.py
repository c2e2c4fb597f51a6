"""`caches`: ElastiCache Redis."""

from __future__ import annotations

from pydantic import Field, field_validator

from envspec.core.model.common import Component, FieldError

# The Redis OSS versions ElastiCache creates clusters of, from 6 on (major.minor; 7.2 and later are
# Valkey's, another engine): https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html
# Versions before 6 (a full version, 5.0.6) are not checked.
REDIS_VERSIONS = ("6.0", "6.2", "7.0", "7.1")


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
        description='Redis version, a string such as `"7.1"` (quote it in YAML): major.minor from Redis 6 on '
        "(6.0, 6.2, 7.0 or 7.1, the Redis versions ElastiCache creates), the full version before.",
        json_schema_extra={"examples": ["7.1"]},
    )

    @field_validator("engine_version")
    @classmethod
    def _version_elasticache_creates(cls, value: str) -> str:
        major = value.split(".")[0].lstrip("0")
        if (len(major) > 1 or major >= "6") and value not in REDIS_VERSIONS:
            raise FieldError(
                f"ElastiCache does not create Redis {value}: from Redis 6 on it creates {', '.join(REDIS_VERSIONS)}",
                hint=f"one of those, for example {REDIS_VERSIONS[-1]!r}",
            )
        return value
    nodes: int = Field(
        default=1,
        ge=1,
        le=1,
        description="Number of cache nodes: 1. A Redis cache cluster has exactly one node; replicas need a "
        "replication group, which envspec does not make yet.",
    )
