"""Test helper: spec file -> {env: ResourceGraph}, through the real pipeline."""

from __future__ import annotations

from pathlib import Path

from envspec.graph import ResourceGraph
from envspec.lower import lower

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (REPO / "examples").rglob("*.yaml"))
SPECS = sorted((REPO / "specs").glob("*.yaml"))


def graphs_for(path: Path | str) -> dict[str, ResourceGraph]:
    """Load, validate, resolve and lower one spec file; {env name: graph}."""
    from envspec import resolve, source

    apps = resolve.resolve([source.load(Path(path))])
    assert len(apps) == 1
    return {name: lower(env) for name, env in apps[0].environments.items()}
