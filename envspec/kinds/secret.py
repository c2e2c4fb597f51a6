"""A secret container (Secrets Manager or an SSM SecureString): envspec never holds its value."""

from __future__ import annotations

from ..model import Secret
from .base import Attribute, ComponentKind

KIND = ComponentKind(
    name="secret",
    section="secrets",
    model=Secret,
    attributes=(Attribute("value"), Attribute("arn"), Attribute("name")),
    outputs=("arn",),
)
