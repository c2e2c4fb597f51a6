"""A beanstalk service's role (`roles/beanstalk/`)."""

from __future__ import annotations

from ..binding import Binding

BINDING = Binding(title="Elastic Beanstalk service", parts_inputs=frozenset({"environment"}), security_group_rules=True)
