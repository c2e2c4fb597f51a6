"""A secret's role (`roles/secret/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="Secret")
