"""A queue's module (`modules/queue/`): an SQS queue and, when it has one, its dead-letter queue.

A queue's attributes (URL, ARN, name) are known in advance and its import ids (the queues' URLs)
come from the core: nothing to look up when Ansible owns it.
"""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(
    addresses={
        "dead-letter": "aws_sqs_queue.dead_letter[0]",
        "queue": "aws_sqs_queue.this",
    },
)
