"""A database's role (`roles/database/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="Database")
