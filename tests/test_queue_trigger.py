"""A lambda triggered by a queue (`queue:` and `batch_size` on a lambda service): its checks, each at
the spec's line and column, and its lowering: the event source mapping's decided arguments, the
queue's grant on the function's role and the dependency on the queue."""

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
  production:
    region: us-west-2
    account_id: "222222222222"
queues:
  jobs:
    visibility_timeout_s: 120
  events:
    fifo: true
"""


def worker(extra: str, timeout_s: int = 60) -> str:
    return textwrap.dedent(f"""\
        services:
          worker:
            type: lambda
            runtime: python3.12
            handler: app.handler
            code: s3://demo-artifacts/worker.zip
            timeout_s: {timeout_s}
        """) + textwrap.indent(textwrap.dedent(extra), "    ")


def graph(body: str, env: str = "staging") -> ResourceGraph:
    app = resolve_document(parse(HEADER + body, "s.yaml"))
    return lower(app.environments[env])


def problems(body: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        resolve_document(parse(HEADER + body, "s.yaml"))
    return [str(d) for d in caught.value.diagnostics]


def test_the_trigger_is_an_event_source_mapping_with_every_argument_decided() -> None:
    node = graph(worker("queue: jobs\nbatch_size: 5\n")).node("services.worker")
    assert node.inputs["trigger"] == {
        "event_source_arn": "arn:aws:sqs:us-west-2:111111111111:demo-staging-jobs",
        "batch_size": 5,
        "maximum_batching_window_in_seconds": 0,
        "function_response_types": [],
        "enabled": True,
    }
    trigger = [r for r in node.resources if r.key == "trigger"]
    assert [(r.type, r.name, r.import_id) for r in trigger] == [
        ("aws_lambda_event_source_mapping", "demo-staging-worker", None)
    ]
    # Found by its tags when Terraform adopts it: the tagging API lists event source mappings.
    assert trigger[0].lookup is not None
    assert trigger[0].lookup.tags["envspec:component"] == "services.worker"
    assert trigger[0].tags["envspec:component"] == "services.worker"
    assert node.resources[-1].key == "trigger"  # after the function it maps to


def test_the_trigger_grants_the_queue_and_waits_for_it() -> None:
    node = graph(worker("queue: jobs\n")).node("services.worker")
    assert node.inputs["trigger"]["batch_size"] == 10
    assert node.inputs["policy_statements"] == [{
        "sid": "QueuesJobsSendReceive",
        "actions": sorted(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                           "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"]),
        "resources": ["arn:aws:sqs:us-west-2:111111111111:demo-staging-jobs"],
    }]
    assert node.depends_on == ("queues.jobs",)


def test_a_reference_to_the_trigger_queue_grants_once() -> None:
    node = graph(worker("queue: jobs\nenv:\n  JOBS: ${queues.jobs.url}\n")).node("services.worker")
    assert [s["sid"] for s in node.inputs["policy_statements"]] == ["QueuesJobsSendReceive"]


def test_a_fifo_queue_trigger_uses_its_fifo_name() -> None:
    node = graph(worker("queue: events\n", timeout_s=30)).node("services.worker")
    assert node.inputs["trigger"]["event_source_arn"] == "arn:aws:sqs:us-west-2:111111111111:demo-staging-events.fifo"


def test_without_a_queue_there_is_no_trigger() -> None:
    node = graph(worker("")).node("services.worker")
    assert node.inputs["trigger"] is None
    assert "trigger" not in [r.key for r in node.resources]
    assert node.inputs["policy_statements"] == [] and node.depends_on == ()


def test_the_trigger_per_environment() -> None:
    body = worker("queue: jobs\noverrides:\n  production:\n    batch_size: 2\n")
    assert graph(body, "production").node("services.worker").inputs["trigger"]["batch_size"] == 2
    assert graph(body, "staging").node("services.worker").inputs["trigger"]["batch_size"] == 10


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("queue: jbos\n", "s.yaml:22:12: services.worker.queue: unknown queue 'jbos': there is no queues.jbos (did you mean 'jobs'?)"),
        ("queue: events\n",
         "s.yaml:22:12: services.worker.queue: queues.events has a visibility timeout of 30s, less than this "
         "function's timeout of 60s: AWS refuses such a trigger"),
        ("batch_size: 11\nqueue: jobs\n", "s.yaml:22:17: services.worker.batch_size:"),
        ("batch_size: 0\nqueue: jobs\n", "s.yaml:22:17: services.worker.batch_size:"),
        ("batch_size: 5\n", "s.yaml:22:17: services.worker.batch_size: `batch_size` is the size of the batches of a `queue`"),
        ("queue: Jobs\n", "s.yaml:22:12: services.worker.queue:"),
    ],
)
def test_checks(extra: str, message: str) -> None:
    found = problems(worker(extra))
    assert any(p.startswith(message) for p in found), found


def test_the_visibility_check_is_per_environment_after_overrides() -> None:
    body = worker("queue: jobs\noverrides:\n  production:\n    timeout_s: 300\n")
    found = problems(body)
    assert len(found) == 1 and "visibility timeout of 120s, less than this function's timeout of 300s" in found[0], found
    assert "production" in found[0] or "s.yaml:22:12" in found[0], found


def test_an_unknown_queue_without_queues() -> None:
    body = textwrap.dedent("""\
        envspec: 1
        app: demo
        environments:
          staging:
            region: us-west-2
            account_id: "111111111111"
        """) + worker("queue: jobs\n")
    with pytest.raises(SpecError) as caught:
        resolve_document(parse(body, "s.yaml"))
    assert [str(d) for d in caught.value.diagnostics] == [
        "s.yaml:14:12: services.worker.queue: unknown queue 'jobs': there is no queues.jobs (declare it under `queues`)"
    ]
