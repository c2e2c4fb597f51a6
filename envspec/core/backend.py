"""The backend contract and entry-point discovery.

A backend is any object with a `name` and an `emit(graph)` that returns file contents by
relative path. Built-in and third-party backends register the same way, under the entry-point
group `envspec.backends` (see pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import PurePosixPath
from typing import Protocol, runtime_checkable

from envspec.core.errors import UsageError, did_you_mean
from envspec.core.ir import ResourceGraph

GROUP = "envspec.backends"


@runtime_checkable
class Backend(Protocol):
    """Renders one environment's ResourceGraph as files; pure: data in, file contents out."""

    name: str

    def emit(self, graph: ResourceGraph) -> Mapping[PurePosixPath, str]: ...


def installed() -> dict[str, EntryPoint]:
    """Every registered backend by name, sorted."""
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    return dict(sorted(found.items()))


def load(names: list[str] | None = None) -> list[Backend]:
    """Instantiate the named backends (all installed ones when `names` is empty)."""
    available = installed()
    wanted = names or list(available)
    backends: list[Backend] = []
    for name in wanted:
        if name not in available:
            hint = did_you_mean(name, available)
            listing = ", ".join(available) or "none"
            raise UsageError(
                f"unknown backend '{name}'" + (f" ({hint})" if hint else "") + f"; installed backends: {listing}"
            )
        backend = available[name].load()()
        if not isinstance(backend, Backend):
            raise UsageError(f"backend '{name}' ({available[name].value}) does not implement name and emit()")
        backends.append(backend)
    return backends
