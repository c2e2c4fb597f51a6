"""What `envspec validate` prints: per app, each component's kind and its owner in every environment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from envspec.core.resolved import ResolvedApp


def validate_summary(paths: Sequence[Path | str]) -> str:
    """What `envspec validate PATH...` prints: load, resolve, then the summary table (SpecError on bad input)."""
    from envspec.core.project import Project

    return summary(Project.read(paths).apps)


def summary(apps: Sequence[ResolvedApp]) -> str:
    """A plain-text table per app: each component's kind and its owner in every environment."""
    blocks = []
    for resolved in apps:
        envs = list(resolved.environments.values())
        addresses: dict[str, str] = {}
        for env in envs:
            for address, component in env.components.items():
                addresses.setdefault(address, component.kind)
        count = len(addresses)
        title = (
            f"{resolved.spec.app} ({resolved.source}): {len(envs)} environment{'s' if len(envs) != 1 else ''}, "
            f"{count} component{'s' if count != 1 else ''}"
        )
        rows = [["component", "kind", *(env.env for env in envs)]]
        for address, kind in addresses.items():
            owners = [env.components[address].owner if address in env.components else "-" for env in envs]
            rows.append([address, kind, *owners])
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        blocks.append("\n".join([title, *lines]) + "\n")
    return "\n".join(blocks)
