"""A lambda service's role (`roles/lambda/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="Lambda service", parts_inputs=frozenset({"environment"}), security_group_rules=True)
