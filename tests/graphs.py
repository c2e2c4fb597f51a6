"""Test helper: spec file -> resolved apps / {env: ResourceGraph}, through the real pipeline."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from envspec.core import history
from envspec.core.ir import ResourceGraph
from envspec.core.lower import lower
from envspec.core.resolved import ResolvedApp

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (REPO / "examples").rglob("*.yaml"))
SPECS = sorted((REPO / "specs").glob("*.yaml"))


def load_apps(*paths: Path | str) -> list[ResolvedApp]:
    """Load, validate and resolve spec files or folders."""
    from envspec.core import resolve
    from envspec.core import source

    return resolve.resolve(source.load([Path(p) for p in paths]))


def graphs_for(path: Path | str) -> dict[str, ResourceGraph]:
    """Load, validate, resolve and lower one spec file; {env name: graph}."""
    apps = load_apps(path)
    assert len(apps) == 1
    return {name: lower(env) for name, env in apps[0].environments.items()}


def copy_spec(tmp: Path, spec: Path) -> Path:
    """The spec and its history in a folder of their own."""
    folder = tmp / spec.stem
    folder.mkdir(exist_ok=True)
    shutil.copy2(spec, folder / spec.name)
    shutil.copy2(history.path_for(spec), history.path_for(folder / spec.name))
    return folder / spec.name


def write_tree(files: Mapping[PurePosixPath, str], dest: Path) -> Path:
    """A backend's files (`emit`) under `dest`; returns `dest`."""
    for rel, text in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return dest
