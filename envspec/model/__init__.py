"""The spec model (pydantic v2): the single source of the JSON Schema."""

from __future__ import annotations

from .cache import Cache
from .common import Owner
from .network import Network
from .service import BeanstalkService, Ec2Service, LambdaService, Release, Rollout, Service
from .spec import Environment, Spec
from .storage import Bucket, Database, Secret

__all__ = [
    "BeanstalkService", "Bucket", "Cache", "Database", "Ec2Service", "Environment", "LambdaService",
    "Network", "Owner", "Release", "Rollout", "Secret", "Service", "Spec",
]
