"""An S3 bucket."""

from __future__ import annotations

from ..model import Bucket
from .base import Attribute, ComponentKind

KIND = ComponentKind(
    name="bucket",
    section="buckets",
    model=Bucket,
    attributes=(Attribute("name"), Attribute("arn")),
)
