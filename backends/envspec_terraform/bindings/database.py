"""A database's module (`modules/database/`): an RDS instance, its subnet group and security group.

Its module has no security group rules: the components that reference it add the ingress on its
group (their rules, imported when they are adopted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envspec.core.ir import Node

from ..binding import Binding
from ..hcl import Attribute, Expr

if TYPE_CHECKING:
    from ..finders import Finder


def _instance(finder: Finder, node: Node) -> Expr:
    return finder.data(
        "aws_db_instance",
        finder.label(node, "instance"),
        [Attribute("db_instance_identifier", node.inputs["identifier"])],
        node.address,
    )


BINDING = Binding(
    addresses={
        "subnet-group": "aws_db_subnet_group.this",
        "sg": "aws_security_group.this",
        "instance": "aws_db_instance.this",
    },
    lookups={
        "host": lambda finder, node: Expr(f"{_instance(finder, node).text}.address"),
        # RDS's own secret, whichever tool created the instance
        "secret_arn": lambda finder, node: Expr(f"{_instance(finder, node).text}.master_user_secret[0].secret_arn"),
        "security_group_id": lambda finder, node: finder.found(node, "sg"),
    },
)
