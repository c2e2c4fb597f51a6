"""The spec model (pydantic v2): the single source of the JSON Schema."""

from __future__ import annotations

from envspec.core.model.cache import Cache
from envspec.core.model.common import Owner
from envspec.core.model.network import Network
from envspec.core.model.service import BeanstalkService, Ec2Service, LambdaService, Release, Rollout, Service
from envspec.core.model.spec import Environment, Spec
from envspec.core.model.storage import Bucket, Database, Secret

__all__ = [
    "BeanstalkService", "Bucket", "Cache", "Database", "Ec2Service", "Environment", "LambdaService",
    "Network", "Owner", "Release", "Rollout", "Secret", "Service", "Spec",
]
