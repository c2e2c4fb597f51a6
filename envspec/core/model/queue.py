"""`queues`: SQS queues, standard or FIFO, with an optional dead-letter queue."""

from __future__ import annotations

from pydantic import Field, model_validator

from envspec.core.model.common import Component, FieldError, SpecModel

# SQS keeps a message 60 seconds to 14 days (`MessageRetentionPeriod`); the spec counts whole days.
RETENTION_DAYS_MAX = 14
DEFAULT_RETENTION_DAYS = 4  # SQS's own default (345600 seconds)
DEFAULT_DEAD_LETTER_RETENTION_DAYS = 14


class DeadLetter(SpecModel):
    """The dead-letter queue `NAME-dlq`, which takes a message received `max_receive_count` times."""

    retention_days: int = Field(
        default=DEFAULT_DEAD_LETTER_RETENTION_DAYS,
        ge=1,
        le=RETENTION_DAYS_MAX,
        description="Days the dead-letter queue keeps a message (1..14, default 14: a message's age counts "
        "from when it was first sent, so keep it longer than the queue's own `retention_days`).",
    )


class Queue(Component):
    """An SQS queue, encrypted at rest with SQS-managed keys (SSE-SQS)."""

    fifo: bool = Field(
        default=False,
        description="A FIFO queue (ordered within a message group, exactly-once processing); its AWS name ends "
        "in `.fifo`. Set at creation only: changing it means a new queue.",
    )
    visibility_timeout_s: int = Field(
        default=30,
        ge=0,
        le=43200,
        description="Seconds a received message stays hidden from other consumers (0..43200, default 30). "
        "A lambda triggered by the queue needs at least its own `timeout_s`.",
    )
    retention_days: int = Field(
        default=DEFAULT_RETENTION_DAYS,
        ge=1,
        le=RETENTION_DAYS_MAX,
        description="Days a message is kept before SQS deletes it (1..14, default 4).",
    )
    max_receive_count: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Move a message to the dead-letter queue `NAME-dlq` (created with the queue) after it has "
        "been received this many times without being deleted (1..1000). Without it there is no "
        "dead-letter queue.",
    )
    dead_letter: bool | DeadLetter | None = Field(
        default=None,
        description="The dead-letter queue that `max_receive_count` turns on: `true` (the same as leaving it "
        "out) or its settings, `{retention_days: N}`. It needs `max_receive_count`; `false` with "
        "`max_receive_count` is refused.",
    )

    @model_validator(mode="after")
    def _dead_letter(self) -> "Queue":
        if self.dead_letter not in (None, False) and self.max_receive_count is None:
            raise FieldError(
                "a dead-letter queue needs `max_receive_count` (how many receives move a message to it)",
                "dead_letter",
            )
        if self.dead_letter is False and self.max_receive_count is not None:
            raise FieldError(
                "`max_receive_count` moves messages to the dead-letter queue, which `dead_letter: false` turns "
                "off; remove one of them",
                "dead_letter",
            )
        return self

    @property
    def dead_letter_retention_days(self) -> int | None:
        """Days the dead-letter queue keeps a message, or None when the queue has none."""
        if self.max_receive_count is None:
            return None
        return self.dead_letter.retention_days if isinstance(self.dead_letter, DeadLetter) else DEFAULT_DEAD_LETTER_RETENTION_DAYS
