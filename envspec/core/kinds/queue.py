"""An SQS queue, standard or FIFO, with an optional dead-letter queue `NAME-dlq`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from envspec.core.ir import Value
from envspec.core.names import joined_name
from envspec.core.model.queue import Queue
from envspec.core.kinds.base import Attribute, ComponentKind, Grants, KindCheck, LoweredComponent

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import Reference, ResolvedComponent

DAY = 86400
DEAD_LETTER_SUFFIX = "-dlq"
FIFO_SUFFIX = ".fifo"
# What a reference lets a service do with the queue: send, receive and delete (acknowledge), extend a
# message's visibility, and read the queue's attributes and URL (the SDKs' usual calls).
ACTIONS = sorted(
    [
        "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl",
    ]
)


def queue_name(ctx: LoweringContext, c: ResolvedComponent) -> str:
    """The queue's AWS name: APP-ENV-NAME, with `.fifo` for a FIFO queue (SQS requires it)."""
    model = c.model
    assert isinstance(model, Queue)
    return joined_name(ctx.prefix, c.name) + (FIFO_SUFFIX if model.fifo else "")


def dead_letter_name(ctx: LoweringContext, c: ResolvedComponent) -> str:
    """`APP-ENV-NAME-dlq` (`.fifo` too for a FIFO queue: its dead-letter queue must be FIFO as well)."""
    model = c.model
    assert isinstance(model, Queue)
    return joined_name(ctx.prefix, c.name) + DEAD_LETTER_SUFFIX + (FIFO_SUFFIX if model.fifo else "")


def url(ctx: LoweringContext, name: str) -> str:
    """A queue's URL, which is also its Terraform import id."""
    return f"https://sqs.{ctx.env.region}.amazonaws.com/{ctx.env.account_id}/{name}"


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, Queue)
    name = ctx.base_name(c)
    resources = []
    dead_letter = None
    if model.max_receive_count is not None and model.dead_letter_retention_days is not None:
        dlq = dead_letter_name(ctx, c)
        dead_letter = {
            "name": dlq,
            "message_retention_seconds": model.dead_letter_retention_days * DAY,
            "redrive_policy": {"deadLetterTargetArn": ctx.arn("sqs", dlq), "maxReceiveCount": model.max_receive_count},
        }
        resources.append(ctx.resource(c, "dead-letter", "aws_sqs_queue", dlq, import_id=url(ctx, dlq)))
    resources.append(ctx.resource(c, "queue", "aws_sqs_queue", name, import_id=url(ctx, name)))
    # Every attribute either tool could leave to SQS is decided here, once for both (README, "Queues"):
    # SQS's own defaults have moved (its largest message has been 1 MiB since 2025; the AWS provider
    # 5.x accepts at most 256 KiB), and community.aws.sqs_queue sends only what it is given.
    inputs: dict[str, Value] = {
        "name": name,
        "fifo": model.fifo,
        "content_based_deduplication": False,
        "deduplication_scope": "queue",
        "fifo_throughput_limit": "perQueue",
        "visibility_timeout_seconds": model.visibility_timeout_s,
        "message_retention_seconds": model.retention_days * DAY,
        "max_message_size": 262144,
        "delay_seconds": 0,
        "receive_wait_time_seconds": 0,
        "sqs_managed_sse_enabled": True,
        "dead_letter": dead_letter,
        "tags": ctx.tags(c),
    }
    return LoweredComponent(inputs, resources, ())


def value(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    name = ctx.base_name(target)
    return {"name": name, "arn": ctx.arn("sqs", name), "url": url(ctx, name)}[ref.attribute]


def grants(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Grants:
    """Send and receive on the queue (not on its dead-letter queue)."""
    statement: dict[str, Any] = {
        "sid": f"{ctx.statement_id(target)}SendReceive",
        "actions": ACTIONS,
        "resources": [ctx.arn("sqs", ctx.base_name(target))],
    }
    return Grants([statement], [])


def check_all(spec: KindCheck, queues: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """A queue named like another's dead-letter queue (`jobs-dlq` beside `jobs` with one) would share
    its AWS name."""
    names = {address.split(".", 1)[1] for address, _ in queues}
    for address, raw in queues:
        if not isinstance(raw, Mapping):
            continue
        name = address.split(".", 1)[1]
        count = raw.get("max_receive_count")
        if isinstance(count, int) and not isinstance(count, bool) and raw.get("dead_letter") is not False:
            taken = name + DEAD_LETTER_SUFFIX
            if taken in names:
                spec.error(
                    ("queues", taken),
                    f"queues.{taken} would share its AWS name with the dead-letter queue of queues.{name}",
                    f"rename queues.{taken}",
                )


KIND = ComponentKind(
    name="queue",
    section="queues",
    model=Queue,
    attributes=(Attribute("url"), Attribute("arn"), Attribute("name")),
    lower=lower,
    value=value,
    grants=grants,
    base_name=queue_name,
    grant_labels={"SendReceive": "send/receive messages"},
    check_all=check_all,
)
