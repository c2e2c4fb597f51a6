"""A Lambda function from a zip in S3, optionally in the VPC and on a schedule."""

from __future__ import annotations

from ..model import LambdaService
from .base import Attribute, ComponentKind

KIND = ComponentKind(
    name="lambda",
    section="services",
    model=LambdaService,
    attributes=(
        Attribute("arn"), Attribute("name"),
        Attribute("security_group_id", requires=("vpc", "does not run in the VPC")),
    ),
    outputs=("security_group_id",),
    service=True,
)
