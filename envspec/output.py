"""The writer: render every backend for every environment, then write the tree atomically.

`render()` is pure: resolved apps in, `{relative path: text}` out, including `manifest.json`.
`write()` replaces the output folder in one step (a new tree is built beside it and swapped in),
so a failed or interrupted compile leaves the previous output exactly as it was. `check()`
compares instead of writing, for CI.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import BackendError, UsageError
from .graph import Owner, ResourceGraph
from .history import AppHistory
from .lower import lower, resource_inventory
from .plugins import Backend
from .resolved import ResolvedApp

MANIFEST = PurePosixPath("manifest.json")
MANIFEST_FORMAT = 1
TMP_PREFIX = ".envspec-new-"
OLD_PREFIX = ".envspec-old-"

History = Mapping[str, Mapping[str, Mapping[str, tuple[Owner, ...]]]]  # app -> env -> address -> owners


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of a previous compile, or None when there is none (or it is unreadable)."""
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


def history_of(manifest: Mapping[str, Any] | None) -> dict[str, dict[str, dict[str, tuple[Owner, ...]]]]:
    """Owners every component had in earlier compiles, from a previous manifest."""
    history: dict[str, dict[str, dict[str, tuple[Owner, ...]]]] = {}
    for app, app_data in (manifest or {}).get("apps", {}).items():
        for env, env_data in app_data.get("environments", {}).items():
            components = env_data.get("components", {})
            history.setdefault(app, {})[env] = {
                address: tuple(c.get("history", [c.get("owner")])) for address, c in components.items()
            }
    return history


def render(
    apps: Sequence[ResolvedApp],
    backends: Sequence[Backend],
    *,
    previous: Mapping[str, Any] | None = None,
    only_envs: Iterable[str] | None = None,
    previous_files: Mapping[PurePosixPath, str] | None = None,
    histories: Mapping[str, AppHistory] | None = None,
) -> dict[PurePosixPath, str]:
    """Every output file by path relative to the output folder, manifest included.

    `histories` is the ownership history of each app (`envspec.history`: the file beside its
    spec); without it, the history recorded in the `previous` manifest is used.
    With `only_envs`, other environments are not rendered: their files and manifest entries are
    carried over from the previous compile (`previous` and `previous_files`).
    """
    history = history_of(previous) if histories is None else histories
    wanted = set(only_envs) if only_envs is not None else None
    files: dict[PurePosixPath, str] = {}
    origin: dict[PurePosixPath, str] = {}
    manifest_apps: dict[str, Any] = {}
    for app in apps:
        app_root = PurePosixPath(app.spec.app)
        environments: dict[str, Any] = {}
        for env_name, env in app.environments.items():
            if wanted is not None and env_name not in wanted:
                old = (previous or {}).get("apps", {}).get(app.spec.app, {}).get("environments", {}).get(env_name)
                if old is not None:
                    environments[env_name] = old
                    for name in old.get("files", []):
                        path = PurePosixPath(name)
                        if previous_files is not None and path in previous_files:
                            files[path] = previous_files[path]
                continue
            graph = lower(env, history.get(app.spec.app, {}).get(env_name, {}))
            env_files: list[str] = []
            for backend in backends:
                for rel, text in _emit(backend, graph).items():
                    path = app_root / rel
                    where = f"{backend.name} backend, environment {env_name}"
                    if path in files and files[path] != text:
                        raise BackendError(
                            f"{path}: rendered differently by {origin[path]} and by {where}; "
                            "files shared by environments must not depend on the environment"
                        )
                    files[path] = text
                    origin.setdefault(path, where)
                    env_files.append(str(path))
            environments[env_name] = _manifest_env(graph, env_files)
        manifest_apps[app.spec.app] = {"source": app.source, "environments": environments}
    manifest = {
        "format": MANIFEST_FORMAT,
        "apps": manifest_apps,
        "files": {str(p): hashlib.sha256(files[p].encode()).hexdigest() for p in sorted(files)},
    }
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return dict(sorted(files.items()))


def _emit(backend: Backend, graph: ResourceGraph) -> Mapping[PurePosixPath, str]:
    try:
        out = backend.emit(graph)
    except BackendError:
        raise
    except Exception as exc:  # a backend bug must not leave a half-written tree; say which backend
        raise BackendError(f"{backend.name} backend failed on {graph.app}/{graph.env}: {exc}") from exc
    for rel in out:
        if rel.is_absolute() or ".." in rel.parts:
            raise BackendError(f"{backend.name} backend produced a path outside its folder: {rel}")
    return out


def _manifest_env(graph: ResourceGraph, files: list[str]) -> dict[str, Any]:
    return {
        "region": graph.region,
        "account_id": graph.account_id,
        "components": resource_inventory(graph),
        "files": sorted(set(files)),
    }


def read_tree(out_dir: Path) -> dict[PurePosixPath, str]:
    """The files of an existing output folder (text), by relative path."""
    tree: dict[PurePosixPath, str] = {}
    if not out_dir.is_dir():
        return tree
    for path in sorted(out_dir.rglob("*")):
        if path.is_file():
            try:
                tree[PurePosixPath(path.relative_to(out_dir).as_posix())] = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                tree[PurePosixPath(path.relative_to(out_dir).as_posix())] = "\0<unreadable>"
    return tree


def check(out_dir: Path, files: Mapping[PurePosixPath, str]) -> list[str]:
    """Paths that differ between the folder and `files` (changed, missing or extra); writes nothing."""
    current = read_tree(out_dir)
    return sorted(str(p) for p in set(current) | set(files) if current.get(p) != files.get(p))


def _guard(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
        raise UsageError(
            f"{out_dir}: not empty and holds no {MANIFEST}; envspec replaces its output folder "
            "as a whole, so it will not write into a folder it did not create"
        )


def _recover(out_dir: Path) -> None:
    """Finish or undo a swap that a killed compile left behind."""
    parent = out_dir.parent
    if not parent.is_dir():
        return
    for leftover in parent.glob(f"{TMP_PREFIX}{out_dir.name}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    olds = sorted(parent.glob(f"{OLD_PREFIX}{out_dir.name}-*"))
    for old in olds:
        if not out_dir.exists():
            os.rename(old, out_dir)  # killed between the two renames: put the old tree back
        else:
            shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def write(out_dir: Path, files: Mapping[PurePosixPath, str]) -> None:
    """Replace `out_dir` with exactly `files`, in one step."""
    out_dir = out_dir.absolute()
    _recover(out_dir)
    _guard(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{out_dir.name}-", dir=out_dir.parent))
    try:
        for rel, text in files.items():
            target = new / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        new.chmod(0o755)
        if not out_dir.exists():
            os.rename(new, out_dir)
            return
        if _exchange(new, out_dir):
            shutil.rmtree(new)  # `new` now holds the old tree
            return
        old = new.with_name(new.name.replace(TMP_PREFIX, OLD_PREFIX, 1))
        os.rename(out_dir, old)
        os.rename(new, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        if new.exists() and new != out_dir:
            shutil.rmtree(new, ignore_errors=True)
        raise


@dataclass(frozen=True)
class Compiled:
    """What a compile changed (or, with `check_only`, would change)."""

    files: list[str]      # output paths, relative to the output folder
    histories: list[Path]  # ownership history files beside the specs


def compile_into(
    out_dir: Path,
    apps: Sequence[ResolvedApp],
    backends: Sequence[Backend],
    *,
    only_envs: Sequence[str] | None = None,
    check_only: bool = False,
) -> Compiled:
    """Render and write (or, with `check_only`, compare) the output folder and the history files.

    The ownership history of each app is read from the file beside its spec (`envspec.history`);
    where there is none yet, from the previous manifest (where earlier versions kept it), else
    it starts empty. After the output, each history file is brought up to date with the owners
    of this compile. With `only_envs`, the other environments are carried over.
    """
    if only_envs:
        declared = {env for app in apps for env in app.environments}
        for env in only_envs:
            if env not in declared:
                from .errors import did_you_mean

                hint = did_you_mean(env, declared)
                raise UsageError(
                    f"no environment '{env}' in the specs" + (f" ({hint})" if hint else "")
                    + f"; declared: {', '.join(sorted(declared))}"
                )
    from . import history

    previous = read_manifest(out_dir)
    legacy = history_of(previous)
    histories: dict[str, AppHistory] = {}
    pending: list[tuple[Path, str]] = []
    for app in apps:
        path = history.path_for(app.source)
        known = history.read(path, app.spec.app)
        base = known if known is not None else legacy.get(app.spec.app, {})
        histories[app.spec.app] = base
        text = history.render(app.spec.app, history.updated(base, app, only_envs))
        if known is None or history.render(app.spec.app, known) != text:
            pending.append((path, text))
    previous_files = read_tree(out_dir) if only_envs else None
    files = render(
        apps, backends, previous=previous, only_envs=only_envs, previous_files=previous_files, histories=histories
    )
    differing = check(out_dir, files)
    if not check_only:
        if differing:
            write(out_dir, files)
        for path, text in pending:
            history.write(path, text)
    return Compiled(files=differing, histories=[path for path, _ in pending])
