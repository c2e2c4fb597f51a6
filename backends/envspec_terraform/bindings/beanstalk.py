"""A beanstalk service's module (`modules/beanstalk/`): an Elastic Beanstalk application and environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from envspec.core.ir import Node

from ..binding import Binding
from ..hcl import Attribute, Expr, Template
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



BINDING = Binding(
    addresses={
        "application": "aws_elastic_beanstalk_application.this",
        **_services.ROLE,
        **_services.PROFILE,
        **_services.SECURITY_GROUP,
        "environment": "aws_elastic_beanstalk_environment.this",
    },
    lookups={"url": _url, "security_group_id": _services.security_group_id},
    rule_addresses=_services.RULES,
    # Environments are found through the tagging API: their data source takes only a name.
    data_sources={"aws_elastic_beanstalk_environment": _services.tagging_api("elasticbeanstalk:environment")},
    import_attributes={
        "aws_elastic_beanstalk_environment": 'one({data}.resource_tag_mapping_list[*].tags["elasticbeanstalk:environment-id"])',
    },
    extra_imports=(_services.role_policies,),
    not_rendered=frozenset({"release"}),  # the deploy's: a release is an application version, never Terraform's
)
