"""The network's role (`roles/network/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="Network", security_group_rules=True)
