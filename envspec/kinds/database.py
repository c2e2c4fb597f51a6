"""An RDS database instance in the network's private subnets."""

from __future__ import annotations

from ..model import Database
from .base import Attribute, ComponentKind

KIND = ComponentKind(
    name="database",
    section="databases",
    model=Database,
    attributes=(
        Attribute("host"), Attribute("port"), Attribute("name"), Attribute("username"), Attribute("url"),
        Attribute(
            "url_with_password",
            users=frozenset({"ec2"}),
            refused="only available to ec2 services: a {user} service never holds the password itself",
            hint="use ${{{target}.url}} and ${{{target}.password}}: in a {user} service that is the ARN of the "
            "secret holding the password, which the service may read",
        ),
        Attribute("password"), Attribute("arn"), Attribute("secret_arn"),
    ),
    outputs=("host", "security_group_id", "secret_arn"),
)
