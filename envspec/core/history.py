"""Ownership history: the owners each component has had, per environment, in a reviewed file beside its spec.

Why a file beside the spec: whether Terraform must *adopt* a component (import blocks) or *forget* it
(removed blocks) depends on who owned it before, and that must be the same on every clone. The
history used to live in `build/manifest.json`, which a fresh CI clone may not have; then Terraform
would plan to create what Ansible already made. So `envspec compile` keeps `APP.history.json` next
to `APP.yaml` (commit it, as a lock file): it only grows, a component's entry changes exactly in the
pull request that moves it (`"databases.main": ["ansible", "terraform"]`), and a clean clone
compiles byte-identical output with the same imports.

Format (sorted keys, one component a line, so that diffs are small)::

    {
      "envspec_history": 1,
      "app": "xkit",
      "environments": {
        "staging": {
          "databases.main": ["ansible", "terraform"]
        }
      }
    }

Entries are never dropped: a component removed from the spec, or an environment not compiled
this time (`--env`), keeps what it had.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from envspec.core.errors import UsageError
from envspec.core.ir import OWNERS, Owner
from envspec.core.resolved import ResolvedApp

FORMAT = 1
SUFFIX = ".history.json"

AppHistory = Mapping[str, Mapping[str, tuple[Owner, ...]]]  # env -> address -> owners (sorted)


def path_for(spec: str | Path) -> Path:
    """`specs/xkit.yaml` -> `specs/xkit.history.json`."""
    spec = Path(spec)
    return spec.with_name(spec.stem + SUFFIX)


def read(path: Path, app: str) -> dict[str, dict[str, tuple[Owner, ...]]] | None:
    """The history in `path`, or None when there is no such file. A file that is not a history
    of `app` is a user error naming it (a merge conflict, a hand edit): never silently no history."""
    from envspec.core.source import load_json, read_text

    text = read_text(path, "an ownership history", missing_ok=True)
    if text is None:
        return None
    try:
        data = load_json(text, path, "an envspec ownership history")
    except ValueError as exc:
        hint = " (it holds merge-conflict markers: keep every owner of both sides)" if "<<<<<<<" in text else ""
        raise UsageError(f"{path}: not valid JSON{hint}: {exc}") from None
    return _parse(path, data, app)


def _parse(path: Path, data: Any, app: str) -> dict[str, dict[str, tuple[Owner, ...]]]:
    def bad(what: str) -> UsageError:
        return UsageError(f"{path}: not an envspec ownership history: {what}")

    if not isinstance(data, dict) or data.get("envspec_history") != FORMAT:
        raise bad(f'expected an object with "envspec_history": {FORMAT}')
    if data.get("app") != app:
        raise bad(f"it is the history of app {data.get('app')!r}, the spec beside it is app {app!r}")
    environments = data.get("environments")
    if not isinstance(environments, dict):
        raise bad('"environments" must be an object')
    history: dict[str, dict[str, tuple[Owner, ...]]] = {}
    for env, components in environments.items():
        if not isinstance(components, dict):
            raise bad(f'"environments.{env}" must be an object')
        for address, owners in components.items():
            if not isinstance(owners, list) or not owners or any(o not in OWNERS for o in owners):
                raise bad(f'"environments.{env}.{address}" must be a list of owners ({", ".join(OWNERS)})')
            history.setdefault(env, {})[address] = tuple(sorted(set(owners)))
    return history


def updated(previous: AppHistory, app: ResolvedApp, only_envs: Iterable[str] | None = None) -> dict[str, dict[str, tuple[Owner, ...]]]:
    """`previous` plus each component's owner now, in the environments compiled this time."""
    wanted = set(only_envs) if only_envs is not None else None
    history = {env: dict(components) for env, components in previous.items()}
    for env_name, env in app.environments.items():
        if wanted is not None and env_name not in wanted:
            continue
        entry = history.setdefault(env_name, {})
        for address, component in env.components.items():
            entry[address] = tuple(sorted(set(entry.get(address, ())) | {component.owner}))
    return history


def merged(first: AppHistory, second: AppHistory) -> dict[str, dict[str, tuple[Owner, ...]]]:
    """Every owner either history records, per environment and component: a history only grows."""
    history = {env: dict(components) for env, components in first.items()}
    for env, components in second.items():
        entry = history.setdefault(env, {})
        for address, owners in components.items():
            entry[address] = tuple(sorted(set(entry.get(address, ())) | set(owners)))
    return history


def save(path: Path, app: str, history: AppHistory) -> None:
    """Bring the history file at `path` up to date with `history`, merged with what the file holds
    now, under a lock on its folder: two compiles of one spec (into different output folders) may
    both have read it before either wrote it, and neither may drop what the other adds."""
    from envspec.core.writer import locked_folder, write_file

    with locked_folder(path.parent):
        current = read(path, app)
        text = render(app, merged(current or {}, history))
        if current is None or render(app, current) != text:
            write_file(path, text, "the ownership history")


def render(app: str, history: AppHistory) -> str:
    """The file's text: deterministic, one component a line."""
    lines = ["{", f'  "envspec_history": {FORMAT},', f'  "app": {json.dumps(app)},', '  "environments": {']
    envs = sorted(history)
    for i, env in enumerate(envs):
        components = sorted(history[env].items())
        lines.append(f"    {json.dumps(env, ensure_ascii=False)}: {{")
        for j, (address, owners) in enumerate(components):
            comma = "," if j < len(components) - 1 else ""
            lines.append(f"      {json.dumps(address, ensure_ascii=False)}: {json.dumps(list(owners))}{comma}")
        lines.append("    }" + ("," if i < len(envs) - 1 else ""))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"
