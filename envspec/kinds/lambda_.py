"""A Lambda function from a zip in S3, optionally in the VPC and on a schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..graph import Attr, Value
from ..model import LambdaService
from .base import Attribute, ComponentKind, Grants, KindCheck, Lowered

if TYPE_CHECKING:
    from ..lowering import Lowering
    from ..resolved import Reference, ResolvedComponent

LAMBDA_VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
LAMBDA_BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def _arn(ctx: Lowering, target: ResolvedComponent) -> str:
    return ctx.arn("lambda", f"function:{ctx.base_name(target)}")


def lower(ctx: Lowering, c: ResolvedComponent) -> Lowered:
    model = c.model
    assert isinstance(model, LambdaService)
    name = ctx.base_name(c)
    statements, access = ctx.permissions(c)
    bucket, _, key = model.code.removeprefix("s3://").partition("/")
    managed = [LAMBDA_BASIC_POLICY] + ([LAMBDA_VPC_POLICY] if model.vpc else [])
    vpc = {"vpc_id": Attr("network", "vpc_id"), "subnet_ids": Attr("network", "private_subnet_ids"),
           "security_group_name": name}
    inputs: dict[str, Value] = {
        "function_name": name,
        "runtime": model.runtime,
        "handler": model.handler,
        "s3_bucket": bucket,
        "s3_key": key,
        "memory_size": model.memory_mb,
        "timeout": model.timeout_s,
        "role_name": name,
        "managed_policy_arns": managed,
        "policy_statements": statements,
        "log_group_name": f"/aws/lambda/{name}",
        "log_retention_days": 30,
        "schedule": {"rule_name": name, "expression": model.schedule} if model.schedule else None,
        "vpc": vpc if model.vpc else None,
        "database_access": access,
        "environment": ctx.environment(c),
        "tags": ctx.tags(c),
    }
    resources = [
        ctx.resource(c, "role", "aws_iam_role", name, import_id=name),
        ctx.resource(c, "log-group", "aws_cloudwatch_log_group", f"/aws/lambda/{name}", import_id=f"/aws/lambda/{name}"),
    ]
    if model.vpc:
        resources.append(ctx.resource(c, "sg", "aws_security_group", name, by_tags=True))
    resources.append(ctx.resource(c, "function", "aws_lambda_function", name, import_id=name))
    if model.schedule:
        resources.append(ctx.resource(c, "schedule", "aws_cloudwatch_event_rule", name, import_id=f"default/{name}"))
    return Lowered(inputs, resources, ctx.dependencies(c, *(("network",) if model.vpc else ())))


def value(ctx: Lowering, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    if ref.attribute == "arn":
        return _arn(ctx, target)
    return ctx.base_name(target) if ref.attribute == "name" else Attr(target.address, ref.attribute)


def grants(ctx: Lowering, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Grants:
    """Knowing a function's ARN is for invoking it."""
    if ref.attribute != "arn":
        return Grants([], [])
    statement = {"sid": f"{ctx.statement_id(target)}Invoke", "actions": ["lambda:InvokeFunction"],
                 "resources": [_arn(ctx, target)]}
    return Grants([statement], [])


def check(spec: KindCheck, address: str, raw: Mapping[str, Any]) -> None:
    if raw.get("vpc") is True and spec.network is None:
        spec.error(("services", address.split(".", 1)[1], "vpc"),
                   "a lambda function with `vpc: true` needs the app's `network`", "add a top-level `network`")


KIND = ComponentKind(
    name="lambda",
    section="services",
    model=LambdaService,
    attributes=(
        Attribute("arn"), Attribute("name"),
        Attribute("security_group_id", requires=("vpc", "does not run in the VPC")),
    ),
    outputs=("security_group_id",),
    service=True,
    lower=lower,
    value=value,
    grants=grants,
    grant_labels={"Invoke": "invoke"},
    in_vpc=lambda ctx, c: getattr(c.model, "vpc", False) is True,
    check=check,
)
