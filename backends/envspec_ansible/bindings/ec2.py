"""An ec2 service's role (`roles/ec2/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="EC2 service", parts_inputs=frozenset({"environment"}), security_group_rules=True)
