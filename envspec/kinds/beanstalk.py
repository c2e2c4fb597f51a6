"""A service on Elastic Beanstalk."""

from __future__ import annotations

from ..model import BeanstalkService
from .base import Attribute, ComponentKind

KIND = ComponentKind(
    name="beanstalk",
    section="services",
    model=BeanstalkService,
    attributes=(Attribute("url"), Attribute("name"), Attribute("security_group_id")),
    outputs=("url", "security_group_id"),
    service=True,
)
