"""A cache's module (`modules/cache/`): a Redis ElastiCache cluster, its subnet group and security group.

Like a database's, its module has no security group rules: the components that reference it add the
ingress on its group (their rules, imported when they are adopted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envspec.core.ir import Node

from ..binding import Binding
from ..hcl import Attribute, Expr

if TYPE_CHECKING:
    from ..finders import Finder


def _cluster(finder: Finder, node: Node) -> Expr:
    return finder.data(
        "aws_elasticache_cluster",
        finder.label(node, "cluster"),
        [Attribute("cluster_id", node.inputs["cluster_id"])],
        node.address,
    )


BINDING = Binding(
    addresses={
        "subnet-group": "aws_elasticache_subnet_group.this",
        "sg": "aws_security_group.this",
        "cluster": "aws_elasticache_cluster.this",
    },
    lookups={
        "host": lambda finder, node: Expr(f"{_cluster(finder, node).text}.cache_nodes[0].address"),
        "security_group_id": lambda finder, node: finder.found(node, "sg"),
    },
)
