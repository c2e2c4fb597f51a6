"""A beanstalk service's module (`modules/beanstalk/`): an Elastic Beanstalk application and environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from envspec.core.ir import Node

from ..binding import Binding
from ..hcl import Attribute, Expr, Template
from ..rules import EGRESS, Group, SecurityGroupRule, database_access, https_egress
from . import _services

if TYPE_CHECKING:
    from ..finders import Finder


def _url(finder: Finder, node: Node) -> Template:
    # No data source reads an environment's CNAME; its load balancer (tagged by Elastic
    # Beanstalk with the environment's name) answers on the same URL.
    data = finder.data(
        "aws_lb",
        finder.label(node, "environment_lb"),
        [Attribute("tags", {"elasticbeanstalk:environment-name": node.inputs["environment_name"]})],
        node.address,
    )
    return Template(("http://", Expr(f"{data.text}.dns_name")))


def _rules(node: Node, own: Group, kinds: Mapping[str, str]) -> list[SecurityGroupRule]:
    return [
        *https_egress(f"{_services.ACCESS}{EGRESS}.https[0]", own),
        *database_access(node, own, kinds, within=_services.ACCESS),
    ]


BINDING = Binding(
    addresses={
        "application": "aws_elastic_beanstalk_application.this",
        **_services.ROLE,
        **_services.PROFILE,
        **_services.SECURITY_GROUP,
        "environment": "aws_elastic_beanstalk_environment.this",
    },
    lookups={"url": _url, "security_group_id": _services.security_group_id},
    own_group="sg",
    group_attributes=_services.GROUP,
    rules=_rules,
    # Environments are found through the tagging API: their data source takes only a name.
    data_sources={"aws_elastic_beanstalk_environment": _services.tagging_api("elasticbeanstalk:environment")},
    import_attributes={
        "aws_elastic_beanstalk_environment": 'one({data}.resource_tag_mapping_list[*].tags["elasticbeanstalk:environment-id"])',
    },
    extra_imports=(_services.role_policies,),
    not_rendered=frozenset({"release"}),  # the deploy's: a release is an application version, never Terraform's
)
