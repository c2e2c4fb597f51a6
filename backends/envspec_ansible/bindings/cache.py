"""A cache's role (`roles/cache/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="Cache")
