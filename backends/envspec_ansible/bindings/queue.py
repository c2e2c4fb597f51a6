"""A queue's role (`roles/queue/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="Queue")
