"""The `queues` kind: its checks, its lowering (names, import ids, decided arguments), the values its
attributes resolve to and what a reference grants."""

from __future__ import annotations

import textwrap

import pytest

from envspec.core.errors import SpecError
from envspec.core.ir import ResourceGraph
from envspec.core.lower import lower
from envspec.core.resolve import resolve_document
from envspec.core.source import parse

HEADER = """\
envspec: 1
app: demo
environments:
  staging:
    region: us-west-2
    account_id: "111111111111"
"""
WORKER = """\
services:
  worker:
    type: lambda
    runtime: python3.12
    handler: app.handler
    code: s3://demo-artifacts/worker.zip
    env:
      JOBS_URL: ${queues.jobs.url}
      JOBS_ARN: ${queues.jobs.arn}
      JOBS_NAME: ${queues.jobs.name}
"""


def graph(body: str) -> ResourceGraph:
    app = resolve_document(parse(HEADER + textwrap.dedent(body), "s.yaml"))
    return lower(app.environments["staging"])


def problems(body: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        resolve_document(parse(HEADER + textwrap.dedent(body), "s.yaml"))
    return [str(d) for d in caught.value.diagnostics]


def test_a_queue_with_a_dead_letter_queue() -> None:
    g = graph(textwrap.dedent("""\
        queues:
          jobs:
            visibility_timeout_s: 90
            retention_days: 2
            max_receive_count: 5
        """) + WORKER)
    node = g.node("queues.jobs")
    assert node.name == "demo-staging-jobs"
    assert [(r.key, r.type, r.name, r.import_id) for r in node.resources] == [
        ("dead-letter", "aws_sqs_queue", "demo-staging-jobs-dlq",
         "https://sqs.us-west-2.amazonaws.com/111111111111/demo-staging-jobs-dlq"),
        ("queue", "aws_sqs_queue", "demo-staging-jobs", "https://sqs.us-west-2.amazonaws.com/111111111111/demo-staging-jobs"),
    ]
    inputs = node.inputs
    assert (inputs["visibility_timeout_seconds"], inputs["message_retention_seconds"]) == (90, 2 * 86400)
    assert inputs["dead_letter"] == {
        "name": "demo-staging-jobs-dlq",
        "message_retention_seconds": 14 * 86400,
        "redrive_policy": {"deadLetterTargetArn": "arn:aws:sqs:us-west-2:111111111111:demo-staging-jobs-dlq",
                           "maxReceiveCount": 5},
    }
    # decided once, for both tools
    assert (inputs["max_message_size"], inputs["delay_seconds"], inputs["receive_wait_time_seconds"]) == (262144, 0, 0)
    assert inputs["sqs_managed_sse_enabled"] is True and inputs["fifo"] is False
    assert node.depends_on == ()


def test_a_fifo_queue_and_its_dead_letter_queue_end_in_fifo() -> None:
    g = graph("""\
        queues:
          orders:
            fifo: true
            max_receive_count: 3
            dead_letter: {retention_days: 7}
        """)
    node = g.node("queues.orders")
    assert [r.name for r in node.resources] == ["demo-staging-orders-dlq.fifo", "demo-staging-orders.fifo"]
    assert node.inputs["name"] == "demo-staging-orders.fifo" and node.inputs["fifo"] is True
    assert node.inputs["dead_letter"]["message_retention_seconds"] == 7 * 86400


def test_without_max_receive_count_there_is_no_dead_letter_queue() -> None:
    node = graph("queues:\n  plain: {}\n").node("queues.plain")
    assert [r.key for r in node.resources] == ["queue"] and node.inputs["dead_letter"] is None
    assert node.inputs["message_retention_seconds"] == 4 * 86400 and node.inputs["visibility_timeout_seconds"] == 30


def test_references_are_literal_and_grant_send_receive() -> None:
    g = graph("queues:\n  jobs: {max_receive_count: 2}\n" + WORKER)
    worker = g.node("services.worker")
    assert worker.inputs["environment"] == {
        "JOBS_URL": "https://sqs.us-west-2.amazonaws.com/111111111111/demo-staging-jobs",
        "JOBS_ARN": "arn:aws:sqs:us-west-2:111111111111:demo-staging-jobs",
        "JOBS_NAME": "demo-staging-jobs",
    }
    assert worker.depends_on == ("queues.jobs",)
    statements = [s for s in worker.inputs["policy_statements"] if s["sid"].startswith("QueuesJobs")]
    assert statements == [{  # once, for three references; the dead-letter queue is not included
        "sid": "QueuesJobsSendReceive",
        "actions": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
                    "sqs:ReceiveMessage", "sqs:SendMessage"],
        "resources": ["arn:aws:sqs:us-west-2:111111111111:demo-staging-jobs"],
    }]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("queues:\n  jobs: {dead_letter: true}\n", "a dead-letter queue needs `max_receive_count`"),
        ("queues:\n  jobs: {dead_letter: {retention_days: 3}}\n", "a dead-letter queue needs `max_receive_count`"),
        ("queues:\n  jobs: {dead_letter: false, max_receive_count: 4}\n", "`dead_letter: false` turns"),
        ("queues:\n  jobs: {retention_days: 15}\n", "retention_days"),
        ("queues:\n  jobs: {max_receive_count: 0}\n", "max_receive_count"),
        ("queues:\n  jobs: {fifo: yes}\n", "fifo"),
        ("queues:\n  jobs: {max_receive_count: 5}\n  jobs-dlq: {}\n",
         "queues.jobs-dlq would share its AWS name with the dead-letter queue of queues.jobs"),
        ("queues:\n  web: {}\nbuckets:\n  web: {}\n", "would share the AWS name"),
        ("services:\n  w:\n    type: lambda\n    runtime: python3.12\n    handler: a.b\n    code: s3://b/k.zip\n"
         "    env: {Q: '${queues.nope.url}'}\n", "unknown reference ${queues.nope.url}"),
    ],
)
def test_checks(body: str, message: str) -> None:
    found = problems(body)
    assert any(message in p for p in found), found


def test_a_queue_named_like_a_dead_letter_queue_is_fine_without_one() -> None:
    g = graph("queues:\n  jobs: {}\n  jobs-dlq: {}\n")
    assert [n.name for n in g.nodes] == ["demo-staging-jobs", "demo-staging-jobs-dlq"]
