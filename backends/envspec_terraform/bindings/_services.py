"""What the services' bindings (ec2, beanstalk, lambda) share: an IAM role with policies, a security group.

All three modules create those through one submodule, `modules/service_access/`, that each calls as
`module "access"`: the addresses of its resources inside a service's module start with `ACCESS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from envspec.core.ir import Node, Resource

from ..binding import DataSource
from ..hcl import Attribute, Blank, Block, Body, quote

if TYPE_CHECKING:
    from ..finders import Finder

# The name the modules (and the Ansible roles) give the role's inline policy: its id when imported.
# The real plan after a move checks they agree (tests/test_coexistence.py: an import of a missing
# object fails the plan).
POLICY_NAME = "envspec-references"

# Where the services' modules call modules/service_access: the prefix of its resources' addresses.
ACCESS = "module.access."

# The IR resources that modules/service_access creates, by resource key (the same in every service's
# module; the instance profile and the group are optional there, so they have an index).
ROLE = {"role": f"{ACCESS}aws_iam_role.this"}
PROFILE = {"profile": f"{ACCESS}aws_iam_instance_profile.this[0]"}
SECURITY_GROUP = {"sg": f"{ACCESS}aws_security_group.this[0]"}
# The service's security group rules (ec2's ingress from the load balancer included), by direction.
RULES = {
    "ingress": f"{ACCESS}aws_vpc_security_group_ingress_rule.this[{{name}}]",
    "egress": f"{ACCESS}aws_vpc_security_group_egress_rule.this[{{name}}]",
}


def role_policies(finder: Finder, node: Node) -> list[tuple[str, Any]]:
    """The role's managed policy attachments and inline policy: settings of the role, made with it
    by Ansible, imported by the role's name and the names the core and the module decided."""
    role = node.inputs["role_name"]
    out: list[tuple[str, Any]] = []
    for arn in node.inputs.get("managed_policy_arns") or []:
        out.append((f"{ACCESS}aws_iam_role_policy_attachment.this[{quote(arn)}]", f"{role}/{arn}"))
    if node.inputs.get("policy_statements"):
        out.append((f"{ACCESS}aws_iam_role_policy.this[0]", f"{role}:{POLICY_NAME}"))
    return out


def security_group_id(finder: Finder, node: Node) -> Any:
    return finder.found(node, "sg")


def tagging_api(resource_type: str) -> DataSource:
    """A data source that finds a resource of `resource_type` (`elasticbeanstalk:environment`) by its
    tags through the Resource Groups Tagging API, for types whose own data source takes no tags."""

    def data_source(resource: Resource, tags: dict[str, str]) -> tuple[str, list[Any]]:
        body: list[Any] = [Attribute("resource_type_filters", [resource_type])]
        for k, v in tags.items():
            body += [Blank(), Block("tag_filter", body=Body([Attribute("key", k), Attribute("values", [v])]))]
        return "aws_resourcegroupstaggingapi_resources", body

    return data_source
