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
import fnmatch
import json
import os
import signal
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import BackendError, UsageError
from .graph import Owner, ResourceGraph
from .extra import Extras
from .extra import files as extra_files
from .history import AppHistory
from .lower import lower, resource_inventory
from .plugins import Backend
from .resolved import ResolvedApp

MANIFEST = PurePosixPath("manifest.json")
MANIFEST_FORMAT = 1
TMP_PREFIX = ".envspec-new-"
OLD_PREFIX = ".envspec-old-"
LOCK_SUFFIX = ".envspec.lock"

def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of a previous compile, or None when there is none; UsageError when it is corrupt."""
    path = out_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from exc
    except ValueError as exc:
        raise UsageError(
            f"{path}: not valid JSON ({exc}); it holds the ownership history, so restore it "
            "(for example from version control) or delete the output folder to start afresh"
        ) from exc
    problem = _manifest_problem(data)
    if problem:
        raise UsageError(f"{path}: {problem}; restore it or delete the output folder to start afresh")
    return data


def _manifest_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "not an envspec manifest (expected a JSON object)"
    if data.get("format") != MANIFEST_FORMAT:
        return f"unsupported manifest format {data.get('format')!r} (this envspec writes {MANIFEST_FORMAT})"
    apps = data.get("apps", {})
    if not isinstance(apps, dict):
        return "'apps' is not an object"
    for app, app_data in apps.items():
        envs = app_data.get("environments", {}) if isinstance(app_data, dict) else None
        if not isinstance(envs, dict):
            return f"apps.{app}: 'environments' is not an object"
        for env, env_data in envs.items():
            components = env_data.get("components", {}) if isinstance(env_data, dict) else None
            if not isinstance(components, dict) or not all(isinstance(c, dict) for c in components.values()):
                return f"apps.{app}.environments.{env}: 'components' is not an object of objects"
            if not isinstance(env_data.get("files", []), list):
                return f"apps.{app}.environments.{env}: 'files' is not a list"
    if not isinstance(data.get("files", {}), dict):
        return "'files' is not an object"
    return None


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
    previous_files: Mapping[PurePosixPath, str | bytes] | None = None,
    histories: Mapping[str, AppHistory] | None = None,
    extras: Mapping[str, Extras] | None = None,
    keep_other_backends: bool = False,
) -> dict[PurePosixPath, str | bytes]:
    """Every output file by path relative to the output folder, manifest included.

    `histories` is the ownership history of each app (`envspec.history`: the file beside its
    spec); without it, the history recorded in the `previous` manifest is used.
    With `only_envs`, other environments are not rendered: their files and manifest entries are
    carried over from the previous compile (`previous` and `previous_files`), byte for byte. With
    `keep_other_backends` (a compile with only some backends), the files of the other backends
    (`APP/<backend>/...`) are carried over the same way.
    `extras` are each app's hand-written files (`envspec.extra`), copied in beside the generated ones.
    """
    history = history_of(previous) if histories is None else histories
    wanted = set(only_envs) if only_envs is not None else None
    files: dict[PurePosixPath, str | bytes] = {}
    selected = {backend.name for backend in backends}
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
                        if previous_files is not None and path in previous_files and path not in origin:
                            files[path] = previous_files[path]
                continue
            graph = lower(env, history.get(app.spec.app, {}).get(env_name, {}))
            env_files: list[str] = []
            for backend in backends:
                for rel, text in _emit(backend, graph).items():
                    path = app_root / rel
                    where = f"{backend.name} backend, environment {env_name}"
                    if path in origin and files[path] != text:  # (a file carried over from another environment is replaced)
                        raise BackendError(
                            f"{path}: rendered differently by {origin[path]} and by {where}; "
                            "files shared by environments must not depend on the environment"
                        )
                    files[path] = text
                    origin.setdefault(path, where)
                    env_files.append(str(path))
            hand_written = extra_files((extras or {}).get(app.spec.app, Extras()), env_name, [b.name for b in backends])
            for rel, text in hand_written.items():
                path = app_root / rel
                if origin.get(path, "extra") != "extra":
                    raise UsageError(f"{path}: a hand-written file ({rel.name}, beside the spec) has the name of a "
                                     "generated one; rename it")
                files[path] = text
                origin[path] = "extra"
                env_files.append(str(path))
            if keep_other_backends:
                old_env = (previous or {}).get("apps", {}).get(app.spec.app, {}).get("environments", {}).get(env_name, {})
                for name in old_env.get("files", []):
                    path = PurePosixPath(name)
                    if len(path.parts) > 2 and path.parts[1] not in selected and path not in origin \
                            and previous_files is not None and path in previous_files:
                        files[path] = previous_files[path]
                        env_files.append(name)
            environments[env_name] = _manifest_env(graph, env_files)
        manifest_apps[app.spec.app] = {"source": portable_source(app.source), "environments": environments}
    manifest = {
        "format": MANIFEST_FORMAT,
        "apps": manifest_apps,
        "files": {str(p): file_digest(_bytes(files[p])) for p in sorted(files)},
    }
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return dict(sorted(files.items()))


def _bytes(content: str | bytes) -> bytes:
    """A file's content as written: rendered text in UTF-8, a carried-over file as it was."""
    return content if isinstance(content, bytes) else content.encode("utf-8")


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


WORKING_DIRS = frozenset({".terraform"})
WORKING_GLOBS = (".terraform.lock.hcl", "*.tfstate", "*.tfstate.backup", "*.tfstate.*.backup", ".terraform.tfstate.lock.info", "*.retry", "*.tfplan")


def is_working_file(rel: PurePosixPath) -> bool:
    """A file a tool keeps in the output (Terraform's `.terraform/`, state, lock file; Ansible's *.retry): the user's."""
    if any(part in WORKING_DIRS for part in rel.parts[:-1]) or rel.name in WORKING_DIRS:
        return True
    return any(fnmatch.fnmatchcase(rel.name, pattern) for pattern in WORKING_GLOBS)


def _walk(out_dir: Path) -> Iterator[tuple[PurePosixPath, Path, bool]]:
    """(relative path, path, is a working file) of every file and working folder, without entering working folders."""
    for root, dirs, names in os.walk(out_dir):
        base = Path(root)
        rel_base = PurePosixPath(base.relative_to(out_dir).as_posix())
        kept = []
        for name in sorted(dirs):
            rel = rel_base / name
            if is_working_file(rel):
                yield rel, base / name, True
            elif (base / name).is_symlink():
                yield rel, base / name, False
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            rel = rel_base / name
            yield rel, base / name, is_working_file(rel)


def read_files(out_dir: Path) -> dict[PurePosixPath, bytes]:
    """The files envspec writes in an existing output folder, as bytes, by relative path; tools' working files are left out."""
    tree: dict[PurePosixPath, bytes] = {}
    if not out_dir.is_dir():
        return tree
    for rel, path, working in _walk(out_dir):
        if working:
            continue
        try:
            tree[rel] = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: cannot be read ({exc.strerror}); nothing was changed") from None
    return dict(sorted(tree.items()))


def read_tree(out_dir: Path) -> dict[PurePosixPath, str]:
    """`read_files` as text (bytes that are not UTF-8 kept as surrogate escapes)."""
    return {rel: data.decode("utf-8", "surrogateescape") for rel, data in read_files(out_dir).items()}


def check(out_dir: Path, files: Mapping[PurePosixPath, str | bytes]) -> list[str]:
    """Paths that differ between the folder and `files` (changed, missing or extra); writes nothing."""
    current = read_files(out_dir)
    wanted = {rel: _bytes(content) for rel, content in files.items()}
    return sorted(str(p) for p in set(current) | set(wanted) if current.get(p) != wanted.get(p))


def out_path(given: str, option: str) -> Path:
    """The path given to an --out option; an empty one is refused (Path("") would be the current folder)."""
    if given == "":
        raise UsageError(f"{option}: an empty path was given")
    return Path(given)


def resolve_out(out_dir: Path) -> Path:
    """The folder to write: absolute, a symbolic link followed to its target; a dangling link or `/` refused."""
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir.is_symlink():
        target = Path(os.path.realpath(out_dir))
        if not target.exists():
            raise UsageError(f"{out_dir}: is a symbolic link to {os.readlink(out_dir)}, which does not exist")
        out_dir = target
    if out_dir.parent == out_dir:
        raise UsageError(f"{out_dir}: is a filesystem root; give --out a folder of its own")
    return out_dir


def _guard(out_dir: Path) -> None:
    """Refuse, before reading anything in it, a path that is not an envspec output folder."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a folder")
    try:
        not_empty = out_dir.is_dir() and any(out_dir.iterdir())
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot be read ({exc.strerror})") from exc
    if not_empty and not (out_dir / MANIFEST).is_file():
        raise UsageError(
            f"{out_dir}: not empty and holds no {MANIFEST}; envspec replaces its output folder "
            "as a whole, so it will not write into a folder it did not create"
        )


def _writable(out_dir: Path) -> None:
    """Refuse before building anything when the swap could not complete (read-only folder or parent)."""
    parent = out_dir.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{parent}: not writable; envspec builds the new tree beside {out_dir.name} and swaps it in")
    if out_dir.is_dir():
        for root, dirs, _ in os.walk(out_dir):
            dirs[:] = [d for d in dirs if d not in WORKING_DIRS]
            if not os.access(root, os.W_OK | os.X_OK):
                raise UsageError(f"{root}: not writable; envspec replaces {out_dir} as a whole (nothing was changed)")


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder (a lock file beside it): one compile at a time writes it."""
    import fcntl

    if out_dir.parent.exists() and not out_dir.parent.is_dir():
        raise UsageError(f"{out_dir.parent}: not a folder, so it cannot hold {out_dir.name}")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{exc.filename or out_dir.parent}: cannot create the folder for the output ({exc.strerror})") from None
    lock_path = out_dir.parent / f".{_short(out_dir)}{LOCK_SUFFIX}"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UsageError(f"{lock_path}: cannot create the lock file ({exc.strerror})") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _short(out_dir: Path) -> str:
    """The output folder's name in the names of its lock file and temporary folders: a long
    name (the limit is 255 bytes, and the temporary names add about 30) is cut and given a digest."""
    name = out_dir.name
    if len(os.fsencode(name)) <= 100:
        return name
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
    return os.fsdecode(os.fsencode(name)[:60]) + "~" + digest


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(out_dir: Path, prefix: str) -> list[tuple[Path, int]]:
    """Temporary folders of runs on exactly this output folder: `<prefix><name>.<pid>.<random>`."""
    start = f"{prefix}{_short(out_dir)}."
    found = []
    try:
        names = os.listdir(out_dir.parent)
    except OSError:
        return []
    for name in names:
        if not name.startswith(start):
            continue
        pid, dot, rest = name[len(start):].partition(".")
        if dot and rest and pid.isdigit():
            found.append((out_dir.parent / name, int(pid)))
    return sorted(found)


def _recover(out_dir: Path) -> None:
    """Finish or undo a swap that a killed compile left behind (only runs that are gone; call with the lock held)."""
    for leftover, pid in _leftovers(out_dir, TMP_PREFIX):
        if pid == os.getpid() or not _pid_alive(pid):
            shutil.rmtree(leftover, ignore_errors=True)
    for old, pid in _leftovers(out_dir, OLD_PREFIX):
        if pid != os.getpid() and _pid_alive(pid):
            continue
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


def write_file(path: Path, text: str, what: str) -> None:
    """Replace one file with `text` in one step (a temporary file beside it, fsync'd, then renamed);
    used for the history files beside the specs and `schema --out`. A refusal is a UsageError."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write {what}: {exc.strerror or exc}") from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def write(out_dir: Path, files: Mapping[PurePosixPath, str | bytes]) -> None:
    """Replace `out_dir` with exactly `files`, in one step (tools' working files inside it are carried over)."""
    out_dir = resolve_out(out_dir)
    with locked(out_dir):
        _write_locked(out_dir, files)


def _write_locked(out_dir: Path, files: Mapping[PurePosixPath, str | bytes]) -> None:
    _recover(out_dir)
    _guard(out_dir)
    _writable(out_dir)
    new: Path | None = None
    moved: list[PurePosixPath] = []
    try:
        new = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{_short(out_dir)}.{os.getpid()}.", dir=out_dir.parent))
        for rel, content in files.items():
            target = new / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(_bytes(content))
                handle.flush()
                os.fsync(handle.fileno())
        new.chmod(0o755)
        blocked = {signal.SIGINT, signal.SIGTERM}
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)  # the swap itself is not interrupted
        try:
            if out_dir.exists():
                for rel, path, working in list(_walk(out_dir)):
                    if working:  # the user's (terraform init, state): moved, never read
                        (new / rel).parent.mkdir(parents=True, exist_ok=True)
                        os.rename(path, new / rel)
                        moved.append(rel)
            if not out_dir.exists():
                os.rename(new, out_dir)
                new = None
                return
            if _exchange(new, out_dir):
                moved = []
                shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old tree
                new = None
                return
            old = new.with_name(new.name.replace(TMP_PREFIX, OLD_PREFIX, 1))
            os.rename(out_dir, old)
            os.rename(new, out_dir)
            moved, new = [], None
            shutil.rmtree(old, ignore_errors=True)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    except OSError as exc:
        raise UsageError(f"{exc.filename or out_dir}: cannot write the output ({exc.strerror}); the previous tree is unchanged") from exc
    finally:
        if new is not None:
            for rel in moved:  # the swap did not happen: the working files go back
                try:
                    os.rename(new / rel, out_dir / rel)
                except OSError:
                    pass
            shutil.rmtree(new, ignore_errors=True)


def portable_source(source: str) -> str:
    """A spec path as the manifest records it: posix, relative to the current folder when inside it, else the file name."""
    path = Path(os.path.abspath(source))
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.name


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
    """Render and write (or, with `check_only`, compare) the output folder and the history files.

    The ownership history of each app is read from the file beside its spec (`envspec.history`);
    where there is none yet, from the previous manifest (where earlier versions kept it), else
    it starts empty. After the output, each history file is brought up to date with the owners
    of this compile. With `only_envs`, the other environments are carried over; with
    `keep_other_backends` (not every backend selected), the other backends' files.
    The output folder is locked from reading the previous manifest to the swap (and the history
    files' update).
    """
    if only_envs:
        declared = {env for app in apps for env in app.environments}
        for env in only_envs:
            if env not in declared:
                from .errors import did_you_mean_name

                hint = did_you_mean_name(env, declared)
                raise UsageError(
                    f"no environment '{env}' in the specs" + (f" ({hint})" if hint else "")
                    + f"; declared: {', '.join(sorted(declared))}"
                )
    out_dir = resolve_out(out_dir)
    _guard(out_dir)
    if check_only:
        return _compile(out_dir, apps, backends, only_envs, check_only, keep_other_backends)
    with locked(out_dir):
        return _compile(out_dir, apps, backends, only_envs, check_only, keep_other_backends)


def _compile(out_dir: Path, apps: Sequence[ResolvedApp], backends: Sequence[Backend],
             only_envs: Sequence[str] | None, check_only: bool, keep_other_backends: bool) -> Compiled:
    from . import history

    if not check_only:
        _recover(out_dir)
    _guard(out_dir)
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
    previous_files = read_files(out_dir) if only_envs or keep_other_backends else None
    from . import extra

    extras = {app.spec.app: extra.read(app.source, app.environments) for app in apps}
    files = render(
        apps, backends, previous=previous, only_envs=only_envs, previous_files=previous_files, histories=histories,
        extras=extras, keep_other_backends=keep_other_backends,
    )
    differing = check(out_dir, files)
    edited = _hand_edited(out_dir, previous, differing)
    if not check_only:
        _refuse_hand_written(out_dir, previous, files, [extra.folder_for(app.source) for app in apps])
        if differing:
            _write_locked(out_dir, files)
        for path, text in pending:
            write_file(path, text, "the ownership history")
    return Compiled(files=differing, histories=[path for path, _ in pending], edited=edited)


def file_digest(data: bytes) -> str:
    """How the manifest records a file it wrote: the hash of its bytes (also how an edit is found)."""
    return hashlib.sha256(data).hexdigest()


def _hand_edited(out_dir: Path, previous: Mapping[str, Any] | None, differing: Sequence[str]) -> list[str]:
    """Files about to change whose content is not what the last compile wrote (by the manifest's
    hashes): someone edited a generated file. The compile replaces it, and says so."""
    recorded = previous.get("files", {}) if isinstance(previous, Mapping) else {}
    edited = []
    for rel in differing:
        digest = recorded.get(rel)
        path = out_dir / rel
        if isinstance(digest, str) and path.is_file() and not path.is_symlink():
            if file_digest(path.read_bytes()) != digest:
                edited.append(rel)
    return edited


def _refuse_hand_written(out_dir: Path, previous: Mapping[str, Any] | None, files: Mapping[PurePosixPath, str],
                         homes: Sequence[Path]) -> None:
    """A file in the output that envspec did not write (not in the previous manifest) and would not
    write now would be deleted by the swap: refuse, and say where such a file belongs."""
    if previous is None or "files" not in previous or not out_dir.is_dir():
        return  # no record of what envspec wrote: nothing to tell apart
    known = set(previous.get("files", {})) | {str(MANIFEST)}
    stray = sorted(str(rel) for rel, _, working in _walk(out_dir)
                   if not working and str(rel) not in known and rel not in files)
    if stray:
        raise UsageError(
            f"{out_dir}: holds files envspec did not write, which the compile would delete: {', '.join(stray)}; "
            f"put hand-written files beside the spec instead, in {' or '.join(map(str, homes))} "
            "(terraform/*.tf, terraform/ENV/*.tf, ansible/*.yml: see the README), then remove them here"
        )
