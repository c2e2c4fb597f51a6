"""A bucket's role (`roles/bucket/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="Bucket")
