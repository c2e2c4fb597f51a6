"""A Lambda function from a zip in S3, optionally in the VPC, on a schedule and triggered by a queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from envspec.core.errors import did_you_mean
from envspec.core.ir import Attr, SecurityGroup, Value
from envspec.core.model import LambdaService
from envspec.core.model.queue import Queue
from envspec.core.resolved import Reference
from envspec.core.kinds.base import Attribute, ComponentKind, Grants, KindCheck, LoweredComponent

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import ResolvedComponent

QUEUE_VISIBILITY_DEFAULT = Queue.model_fields["visibility_timeout_s"].default
TIMEOUT_DEFAULT = LambdaService.model_fields["timeout_s"].default
LAMBDA_VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
LAMBDA_BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
# The alias every release moves to the version it publishes. Whatever invokes the function (its
# schedule, its queue trigger, whoever holds `${services.X.arn}`) invokes this alias, so a release is
# one atomic switch and the version before stays, to go back to.
ALIAS = "live"
# What `code` may hold in its key, replaced by the version a deploy releases.
VERSION_PLACEHOLDER = "{version}"


def _arn(ctx: LoweringContext, target: ResolvedComponent) -> str:
    """The function's qualified ARN, of its alias: what invokes it, invokes the released version."""
    return ctx.arn("lambda", f"function:{ctx.base_name(target)}:{ALIAS}")


def _trigger(ctx: LoweringContext, c: ResolvedComponent) -> dict[str, Value] | None:
    """The event source mapping that runs the function on its queue's messages.

    Every argument either tool could leave to AWS is decided here: no batching window (Lambda's
    default for a batch of at most 10; amazon.aws.lambda_event sets 1 for larger ones), no partial
    batch responses, enabled.
    """
    model = c.model
    assert isinstance(model, LambdaService)
    if model.queue is None:
        return None
    return {
        "event_source_arn": ctx.arn("sqs", ctx.base_name(ctx.components[f"queues.{model.queue}"])),
        "batch_size": model.batch_size,
        "maximum_batching_window_in_seconds": 0,
        "function_response_types": [],
        "enabled": True,
    }


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, LambdaService)
    name = ctx.base_name(c)
    # A trigger queue grants the function's role what `${queues.X.arn}` would.
    statements, access = ctx.permissions(c, *([Reference(f"queues.{model.queue}", "arn")] if model.queue else []))
    trigger = _trigger(ctx, c)
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
        "alias": ALIAS,
        "memory_size": model.memory_mb,
        "timeout": model.timeout_s,
        "role_name": name,
        "managed_policy_arns": managed,
        "policy_statements": statements,
        "log_group_name": f"/aws/lambda/{name}",
        "log_retention_days": 30,
        "schedule": {"rule_name": name, "expression": model.schedule} if model.schedule else None,
        "trigger": trigger,
        "vpc": vpc if model.vpc else None,
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
    if trigger is not None:
        resources.append(ctx.resource(c, "trigger", "aws_lambda_event_source_mapping", name, by_tags=True))
    extra = (("network",) if model.vpc else ()) + ((f"queues.{model.queue}",) if model.queue else ())
    own = SecurityGroup(c.address, "sg", "security_group_id")
    rules = ctx.service_rules(own, "HTTPS to AWS APIs, through the NAT gateway", access) if model.vpc else ()
    return LoweredComponent(inputs, resources, ctx.dependencies(c, *extra), rules)


def value(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    if ref.attribute == "arn":
        return _arn(ctx, target)
    return ctx.base_name(target) if ref.attribute == "name" else Attr(target.address, ref.attribute)


def grants(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Grants:
    """Knowing a function's ARN is for invoking it: the ARN is its alias', and an invoke of a qualified
    ARN is allowed only by a statement naming that qualified ARN (the unqualified one does not cover it)."""
    if ref.attribute != "arn":
        return Grants([], [])
    statement = {"sid": f"{ctx.statement_id(target)}Invoke", "actions": ["lambda:InvokeFunction"],
                 "resources": [_arn(ctx, target)]}
    return Grants([statement], [])


def check(spec: KindCheck, address: str, raw: Mapping[str, Any]) -> None:
    name = address.split(".", 1)[1]
    if raw.get("vpc") is True and spec.network is None:
        spec.error(("services", name, "vpc"),
                   "a lambda function with `vpc: true` needs the app's `network`", "add a top-level `network`")
    check_trigger(spec, name, raw)


def check_trigger(spec: KindCheck, name: str, raw: Mapping[str, Any]) -> None:
    """The queue exists, and AWS would accept it as the function's trigger: its visibility timeout
    is at least the function's timeout (CreateEventSourceMapping: "Queue visibility timeout ... is
    less than Function timeout")."""
    queue = raw.get("queue")
    if not isinstance(queue, str):
        return
    queues = spec.data.get("queues")
    queues = queues if isinstance(queues, Mapping) else {}
    if queue not in queues:
        hint = did_you_mean(queue, [q for q in queues if isinstance(q, str)])
        spec.error(("services", name, "queue"), f"unknown queue {queue!r}: there is no queues.{queue}",
                   hint or ("declare it under `queues`" if not queues else f"one of: {', '.join(sorted(queues))}"))
        return
    settings = queues[queue] if isinstance(queues[queue], Mapping) else {}
    visibility, timeout = settings.get("visibility_timeout_s", QUEUE_VISIBILITY_DEFAULT), raw.get("timeout_s", TIMEOUT_DEFAULT)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (visibility, timeout)):
        return
    if visibility < timeout:
        spec.error(
            ("services", name, "queue"),
            f"queues.{queue} has a visibility timeout of {visibility}s, less than this function's timeout "
            f"of {timeout}s: AWS refuses such a trigger (a message would come back while the function still runs)",
            f"set queues.{queue}.visibility_timeout_s to at least {timeout}; AWS advises six times the timeout",
        )


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
    outside_vpc=lambda data, c: None if c.get("vpc") is True else "set `vpc: true` on it",
    check=check,
)
