"""A service on Elastic Beanstalk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envspec.core.ir import Attr, SecurityGroup, Value
from envspec.core.model import BeanstalkService
from envspec.core.model.service import BEANSTALK_POLICIES
from envspec.core.kinds.base import Attribute, ComponentKind, LoweredComponent

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import Reference, ResolvedComponent

BEANSTALK_WEB_POLICY = "arn:aws:iam::aws:policy/AWSElasticBeanstalkWebTier"
# Batches of half the environment: with the default policy, an extra half-size batch on the new version
# first, then each half in turn; full capacity throughout (AWS's own default, 100%, would start a whole
# second set of instances for every deploy).
BATCH_SIZE_PERCENT = 50


def _deployment_settings(model: BeanstalkService) -> list[dict[str, str]]:
    """How Elastic Beanstalk rolls out a release (and a change that replaces instances): option
    settings of `aws:elasticbeanstalk:command`, the same for both tools."""
    command = "aws:elasticbeanstalk:command"
    return [
        {"namespace": command, "option_name": "DeploymentPolicy", "value": BEANSTALK_POLICIES[model.deploy.policy]},
        {"namespace": command, "option_name": "BatchSizeType", "value": "Percentage"},
        {"namespace": command, "option_name": "BatchSize", "value": str(BATCH_SIZE_PERCENT)},
    ]


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, BeanstalkService)
    name = ctx.base_name(c)
    statements, access = ctx.permissions(c)
    in_vpc = ctx.network_model() is not None
    inputs: dict[str, Value] = {
        "application_name": name,
        "environment_name": name,
        "solution_stack_name": model.platform,
        "instance_type": model.instance_type,
        "min_instances": model.min_instances,
        "max_instances": model.max_instances,
        "role_name": name,
        "instance_profile_name": name,
        "managed_policy_arns": [BEANSTALK_WEB_POLICY],
        "policy_statements": statements,
        "security_group_name": name,
        "vpc_id": Attr("network", "vpc_id") if in_vpc else None,
        "subnet_ids": Attr("network", "private_subnet_ids") if in_vpc else None,
        "lb_subnet_ids": Attr("network", "public_subnet_ids") if in_vpc else None,
        "deployment_settings": _deployment_settings(model),
        "release": model.release.artifact if model.release else None,
        "environment": ctx.environment(c),
        "tags": ctx.tags(c),
    }
    resources = [
        ctx.resource(c, "application", "aws_elastic_beanstalk_application", name, import_id=name),
        ctx.resource(c, "role", "aws_iam_role", name, import_id=name),
        ctx.resource(c, "profile", "aws_iam_instance_profile", name, import_id=name),
        ctx.resource(c, "sg", "aws_security_group", name, by_tags=True),
        ctx.resource(c, "environment", "aws_elastic_beanstalk_environment", name, by_tags=True),
    ]
    rules = ctx.service_rules(SecurityGroup(c.address, "sg", "security_group_id"), "HTTPS to AWS APIs", access)
    return LoweredComponent(inputs, resources, ctx.dependencies(c, *(("network",) if in_vpc else ())), rules)


def value(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    return ctx.base_name(target) if ref.attribute == "name" else Attr(target.address, ref.attribute)


KIND = ComponentKind(
    name="beanstalk",
    section="services",
    model=BeanstalkService,
    attributes=(Attribute("url"), Attribute("name"), Attribute("security_group_id")),
    outputs=("url", "security_group_id"),
    service=True,
    lower=lower,
    value=value,
    in_vpc=lambda ctx, c: ctx.network_model() is not None,
    outside_vpc=lambda data, c: None if isinstance(data.get("network"), dict) else "add a top-level `network`",
)
