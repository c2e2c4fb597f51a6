"""A service on EC2 instances from an AMI, released by Ansible, behind the app's load balancer when public."""

from __future__ import annotations

from ..model import Ec2Service
from .base import Attribute, ComponentKind

KIND = ComponentKind(
    name="ec2",
    section="services",
    model=Ec2Service,
    attributes=(Attribute("url", requires=("public", "is not public")), Attribute("name"), Attribute("security_group_id")),
    outputs=("security_group_id",),
    service=True,
)
