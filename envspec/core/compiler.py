"""The pipeline after resolution: lower, emit, collect, record; then, for a compile, write.

`build()` is pure: resolved apps in, `{relative path: content}` out, `manifest.json` included. Per
app and environment it lowers the environment to the IR (`envspec.core.lower`), has every backend emit
its files, copies in the hand-written files beside the spec (`envspec.core.extra`), and records the
environment in the manifest (`envspec.core.manifest`). `compile_into()` is the `compile` command's
pipeline: read what the last compile left and the files beside the specs, `build()`, then compare
(`--check`) or write the folder (`envspec.core.writer`) and bring the ownership histories up to date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from envspec.core import extra
from envspec.core import history
from envspec.core import manifest
from envspec.core import writer
from envspec.core.errors import BackendError, UsageError
from envspec.core.ir import ResourceGraph
from envspec.core.history import AppHistory
from envspec.core.lower import lower
from envspec.core.backend import Backend
from envspec.core.resolved import ResolvedApp, check_declared

Files = dict[PurePosixPath, str | bytes]  # relative path -> rendered text, or a carried-over file's bytes


@dataclass(frozen=True)
class Previous:
    """What the last compile left in the output folder, as far as a new one carries it over: its
    manifest (the environments not rebuilt keep their entries; versions before the history files
    beside the specs kept the ownership history there) and, for a partial compile, its files."""

    manifest: Mapping[str, Any] | None = None
    files: Mapping[PurePosixPath, str | bytes] | None = None


def build(
    apps: Sequence[ResolvedApp],
    backends: Sequence[Backend],
    previous: Previous = Previous(),
    *,
    histories: Mapping[str, AppHistory] | None = None,
    extras: Mapping[str, extra.Extras] | None = None,
    only_envs: Iterable[str] | None = None,
    keep_other_backends: bool = False,
    sources_from: Path | None = None,
) -> Files:
    """Every output file by path relative to the output folder, manifest included.

    `histories` is the ownership history of each app (`envspec.core.history`: the file beside its
    spec); without it, the history recorded in the previous manifest is used.
    `extras` are each app's hand-written files (`envspec.core.extra`), copied in beside the generated ones.
    With `only_envs`, other environments are not rendered: their files and manifest entries are
    carried over from the previous compile, byte for byte. With `keep_other_backends` (a compile
    with only some backends), the files of the other backends (`APP/<backend>/...`) are carried
    over the same way. `sources_from` is the folder the manifest's spec paths are relative to (the
    output folder's parent; else the current folder).
    """
    owners = manifest.history_of(previous.manifest) if histories is None else histories
    wanted = set(only_envs) if only_envs is not None else None
    tree = _Tree(previous.files)
    recorded: dict[str, Any] = {}
    for app in apps:
        name, root = app.spec.app, PurePosixPath(app.spec.app)
        environments: dict[str, Any] = {}
        for env_name, env in app.environments.items():
            old = manifest.environment_of(previous.manifest, name, env_name)
            if wanted is not None and env_name not in wanted:
                if old is not None:
                    environments[env_name] = old
                    tree.carry(old.get("files", []))
                continue
            graph = lower(env, owners.get(name, {}).get(env_name, {}))
            paths = tree.emit(backends, graph, root)
            paths += tree.hand_written(root, extra.files((extras or {}).get(name, extra.Extras()), env_name,
                                                         [b.name for b in backends]))
            if keep_other_backends:
                paths += tree.carry_other_backends((old or {}).get("files", []), {b.name for b in backends})
            environments[env_name] = manifest.environment_entry(graph, paths)
        recorded[name] = manifest.app_entry(app.source, environments, sources_from)
    files = tree.files
    digests = {path: manifest.file_digest(writer.as_bytes(content)) for path, content in files.items()}
    # A file carried over keeps the digest of what the last compile wrote, not of what is on disk:
    # a hand edit in another environment's files is still told (and replaced) by the next full compile.
    written = (previous.manifest or {}).get("files", {})
    digests |= {path: written[str(path)] for path in tree.carried if isinstance(written.get(str(path)), str)}
    files[manifest.MANIFEST] = manifest.render(recorded, digests)
    return dict(sorted(files.items()))


class _Tree:
    """The files of a build as they are added, each with where it came from: one path, one content."""

    def __init__(self, previous: Mapping[PurePosixPath, str | bytes] | None) -> None:
        self.files: Files = {}
        self.origin: dict[PurePosixPath, str] = {}  # generated files and hand-written ones ("extra")
        self.carried: set[PurePosixPath] = set()    # files of the previous compile, kept as they are
        self.previous = previous

    def emit(self, backends: Sequence[Backend], graph: ResourceGraph, root: PurePosixPath) -> list[str]:
        """Every backend's files for one environment; a file that environments share must not differ."""
        paths = []
        for backend in backends:
            where = f"{backend.name} backend, environment {graph.env}"
            for rel, text in _emit(backend, graph).items():
                path = root / rel
                if path in self.origin and self.files[path] != text:  # (a file carried over from another environment is replaced)
                    raise BackendError(
                        f"{path}: rendered differently by {self.origin[path]} and by {where}; "
                        "files shared by environments must not depend on the environment"
                    )
                self.files[path] = text
                self.origin.setdefault(path, where)
                paths.append(str(path))
        return paths

    def hand_written(self, root: PurePosixPath, files: Mapping[PurePosixPath, str]) -> list[str]:
        """The hand-written files beside a spec, which must not have a generated file's name."""
        paths = []
        for rel, text in files.items():
            path = root / rel
            if self.origin.get(path, "extra") != "extra":
                raise UsageError(f"{path}: a hand-written file ({rel.name}, beside the spec) has the name of a "
                                 "generated one; rename it")
            self.files[path] = text
            self.origin[path] = "extra"
            paths.append(str(path))
        return paths

    def carry(self, names: Iterable[str]) -> None:
        """Files of the previous compile, as they were (a file this build produces wins)."""
        for name in names:
            path = PurePosixPath(name)
            if self.previous is not None and path in self.previous and path not in self.origin:
                self.files[path] = self.previous[path]
                self.carried.add(path)

    def carry_other_backends(self, names: Iterable[str], selected: set[str]) -> list[str]:
        """The previous compile's files of the backends not selected (`APP/<backend>/...`), as they were."""
        paths = []
        for name in names:
            path = PurePosixPath(name)
            if len(path.parts) > 2 and path.parts[1] not in selected and path not in self.origin \
                    and self.previous is not None and path in self.previous:
                self.files[path] = self.previous[path]
                self.carried.add(path)
                paths.append(name)
        return paths


def _emit(backend: Backend, graph: ResourceGraph) -> Mapping[PurePosixPath, str]:
    """One backend's files for one environment; its failure named, its paths kept inside its folder."""
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


# ---- a compile: read, build, compare or write ------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """What a compile changed (or, with `check_only`, would change)."""

    files: list[str]      # output paths, relative to the output folder
    histories: list[Path]  # ownership history files beside the specs
    edited: list[str] = field(default_factory=list)  # generated files edited by hand, now replaced


def compile_into(
    out_dir: Path,
    apps: Sequence[ResolvedApp],
    backends: Sequence[Backend],
    *,
    only_envs: Sequence[str] | None = None,
    check_only: bool = False,
    keep_other_backends: bool = False,
) -> Compiled:
    """Build and write (or, with `check_only`, compare) the output folder and the history files.

    The ownership history of each app is read from the file beside its spec (`envspec.core.history`);
    where there is none yet, from the previous manifest (where earlier versions kept it), else
    it starts empty. After the output, each history file is brought up to date with the owners
    of this compile. With `only_envs`, the other environments are carried over; with
    `keep_other_backends` (not every backend selected), the other backends' files.
    The output folder is locked from reading the previous manifest to the swap (and the history
    files' update).
    """
    check_declared(apps, only_envs or ())
    out_dir = writer.resolve_out(out_dir)
    writer.guard(out_dir)
    if check_only:
        return _compile(out_dir, apps, backends, only_envs, check_only, keep_other_backends)
    with writer.locked(out_dir):
        return _compile(out_dir, apps, backends, only_envs, check_only, keep_other_backends)


def _compile(out_dir: Path, apps: Sequence[ResolvedApp], backends: Sequence[Backend],
             only_envs: Sequence[str] | None, check_only: bool, keep_other_backends: bool) -> Compiled:
    if not check_only:
        writer.recover(out_dir)
    writer.guard(out_dir)
    recorded = manifest.read(out_dir)
    histories, pending = _histories(apps, recorded, only_envs)
    carried = writer.read_files(out_dir) if only_envs or keep_other_backends else None
    extras = {app.spec.app: extra.read(app.source, app.environments) for app in apps}
    files = build(apps, backends, Previous(recorded, carried), histories=histories, extras=extras,
                  only_envs=only_envs, keep_other_backends=keep_other_backends, sources_from=out_dir.parent)
    differing = writer.check(out_dir, files)
    edited = manifest.hand_edited(out_dir, recorded, differing)
    if not check_only:
        writer.refuse_unknown(out_dir, manifest.recorded_files(recorded), files,
                              [extra.folder_for(app.source) for app in apps])
        if differing:
            writer.write_locked(out_dir, files)
        for path, name, updated in pending:
            history.save(path, name, updated)
    return Compiled(files=differing, histories=[path for path, _, _ in pending], edited=edited)


def _histories(apps: Sequence[ResolvedApp], recorded: Mapping[str, Any] | None,
               only_envs: Sequence[str] | None) -> tuple[dict[str, AppHistory], list[tuple[Path, str, AppHistory]]]:
    """Each app's ownership history (the file beside its spec; else the previous manifest's), and
    the history files this compile brings up to date: (path, app, the history it records now)."""
    legacy = manifest.history_of(recorded)
    histories: dict[str, AppHistory] = {}
    pending: list[tuple[Path, str, AppHistory]] = []
    for app in apps:
        path = history.path_for(app.source)
        known = history.read(path, app.spec.app)
        base = known if known is not None else legacy.get(app.spec.app, {})
        histories[app.spec.app] = base
        updated = history.updated(base, app, only_envs)
        if known is None or history.render(app.spec.app, known) != history.render(app.spec.app, updated):
            pending.append((path, app.spec.app, updated))
    return histories, pending
