"""The component kinds, one module each: the registry every table of kinds is derived from.

Adding a kind: a module here defining `KIND` (see `base.ComponentKind`), a line below, its field in
the spec model (`model/spec.py`), a Terraform module (`backends/envspec_terraform/modules/KIND/`) and an
Ansible role (`backends/envspec_ansible/files/roles/KIND/`), each with its small binding.
"""

from __future__ import annotations

from collections.abc import Mapping

from envspec.core.kinds import beanstalk, bucket, cache, database, ec2, lambda_, network, queue, secret
from envspec.core.kinds.base import Attribute, ComponentKind, Grants, KindCheck, LoweredComponent

KINDS: Mapping[str, ComponentKind] = {
    kind.name: kind
    for kind in (
        network.KIND,
        secret.KIND,
        bucket.KIND,
        database.KIND,
        cache.KIND,
        queue.KIND,
        ec2.KIND,
        beanstalk.KIND,
        lambda_.KIND,
    )
}
"""Every kind, by name, in the order components are listed (sections in this order, spec order within)."""

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(k.section for k in KINDS.values()))
"""The spec's component sections, in order: "network" first (a single component, no name)."""

SERVICE_KINDS: frozenset[str] = frozenset(k.name for k in KINDS.values() if k.service)
SECTION_KIND: Mapping[str, str] = {k.section: k.name for k in KINDS.values() if not k.service}
"""The kind of each section that holds one kind (`services` hold several: their `type` says which)."""

ATTRIBUTES: Mapping[str, tuple[str, ...]] = {name: k.attribute_names for name, k in KINDS.items()}
OUTPUTS: Mapping[str, tuple[str, ...]] = {name: k.outputs for name, k in KINDS.items()}
LIST_OUTPUTS: frozenset[str] = frozenset(o for k in KINDS.values() for o in k.list_outputs)

__all__ = [
    "ATTRIBUTES", "Attribute", "ComponentKind", "Grants", "KINDS", "KindCheck", "LIST_OUTPUTS", "LoweredComponent",
    "OUTPUTS", "SECTIONS", "SECTION_KIND", "SERVICE_KINDS",
]
