"""A secret container (Secrets Manager or an SSM SecureString): envspec never holds its value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envspec.core.ir import Attr, SecretValue, Value
from envspec.core.model import Secret
from envspec.core.kinds.base import Attribute, ComponentKind, Grants, LoweredComponent

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import Reference, ResolvedComponent


def secret_name(ctx: LoweringContext, component: ResolvedComponent) -> str:
    """Its AWS name: `APP/ENV/NAME` in Secrets Manager, `/APP/ENV/NAME` in SSM."""
    model = component.model
    assert isinstance(model, Secret)
    path = f"{ctx.env.app}/{ctx.env.env}/{component.name}"
    return f"/{path}" if model.store == "ssm" else path


def _ssm_arn(ctx: LoweringContext, parameter: str) -> str:
    return ctx.arn("ssm", f"parameter{parameter}")


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, Secret)
    aws = secret_name(ctx, c)
    if model.store == "secretsmanager":
        res = ctx.resource(c, "secret", "aws_secretsmanager_secret", aws, by_tags=True)
    else:
        res = ctx.resource(c, "parameter", "aws_ssm_parameter", aws, import_id=aws)
    inputs: dict[str, Value] = {
        "name": aws,
        "store": model.store,
        "description": model.description or f"{c.address} of {ctx.env.app} ({ctx.env.env}); value set outside envspec",
        "tags": ctx.tags(c),
    }
    return LoweredComponent(inputs, [res], ())


def value(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    """`${secrets.X}` is the value itself on an ec2 host (read at deploy time), else the secret's ARN."""
    model = target.model
    assert isinstance(model, Secret)
    aws = secret_name(ctx, target)
    arn: Value = Attr(target.address, "arn") if model.store == "secretsmanager" else _ssm_arn(ctx, aws)
    if ref.attribute == "value":
        if user.kind == "ec2":
            return SecretValue(address=target.address, name=aws, store=model.store)
        return arn
    return arn if ref.attribute == "arn" else aws


def grants(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Grants:
    model = target.model
    assert isinstance(model, Secret)
    sid = f"{ctx.statement_id(target)}Read"
    if model.store == "secretsmanager":
        statement = {
            "sid": sid,
            "actions": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "resources": [Attr(target.address, "arn")],
        }
    else:
        statement = {
            "sid": sid,
            "actions": ["ssm:GetParameter", "ssm:GetParameters"],
            "resources": [_ssm_arn(ctx, secret_name(ctx, target))],
        }
    return Grants([statement], [])


KIND = ComponentKind(
    name="secret",
    section="secrets",
    model=Secret,
    attributes=(Attribute("value"), Attribute("arn"), Attribute("name")),
    outputs=("arn",),
    lower=lower,
    value=value,
    grants=grants,
    grant_labels={"Read": "read secret"},
)
