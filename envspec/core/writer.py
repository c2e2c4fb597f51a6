"""The atomic writer: an output folder replaced as a whole, in one step, or not at all.

`write()` builds the new tree beside the folder and swaps it in (one `renameat2` exchange where the
system has it, else two renames that a later run finishes or undoes), so a failed or interrupted
compile leaves the previous output exactly as it was. The swap is not interrupted by Ctrl-C or
SIGTERM; a compile killed outright (SIGKILL, the OOM killer) is undone by the next one (`recover`),
which first puts the tools' working files back from wherever the killed one had moved them. One
compile at a time writes a folder (`locked`: a lock file beside it); a folder that envspec did not
create (not empty, no manifest) is refused before anything is read; tools' working files inside it
(`.terraform/`, state, `*.retry`) are the user's, carried over and never read. `check()` compares
instead of writing, for CI. `write_file()` replaces one file the same way (the history files beside
the specs, `schema --out`, `migrate`'s edit of a spec), through a link and only a regular file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fnmatch
import hashlib
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from envspec.core.errors import UsageError
from envspec.core.manifest import MANIFEST
from envspec.core.source import file_kind

TMP_PREFIX = ".envspec-new-"
OLD_PREFIX = ".envspec-old-"
RESCUED_PREFIX = ".envspec-rescued-"  # a leftover tree holding working files that could not go back
LOCK_SUFFIX = ".envspec.lock"


def as_bytes(content: str | bytes) -> bytes:
    """A file's content as written: rendered text in UTF-8, a carried-over file as it was."""
    return content if isinstance(content, bytes) else content.encode("utf-8")


WORKING_DIRS = frozenset({".terraform"})
WORKING_GLOBS = (".terraform.lock.hcl", "*.tfstate", "*.tfstate.backup", "*.tfstate.*.backup", ".terraform.tfstate.lock.info", "*.retry", "*.tfplan")


def is_working_file(rel: PurePosixPath) -> bool:
    """A file a tool keeps in the output (Terraform's `.terraform/`, state, lock file; Ansible's *.retry): the user's."""
    if any(part in WORKING_DIRS for part in rel.parts[:-1]) or rel.name in WORKING_DIRS:
        return True
    return any(fnmatch.fnmatchcase(rel.name, pattern) for pattern in WORKING_GLOBS)


def walk(out_dir: Path) -> Iterator[tuple[PurePosixPath, Path, bool]]:
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
    for rel, path, working in walk(out_dir):
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
    wanted = {rel: as_bytes(content) for rel, content in files.items()}
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


def guard(out_dir: Path) -> None:
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


@contextmanager
def locked_folder(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder itself (flock on the folder, no lock file left beside the
    specs): one writer at a time of the files it holds that several runs update (the histories)."""
    import fcntl

    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise UsageError(f"{folder}: cannot lock the folder ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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


def recover(out_dir: Path) -> None:
    """Finish or undo a swap that a killed compile left behind (only runs that are gone; call with
    the lock held). A tool's working file is never lost: a compile moves them into its new tree just
    before the swap, and one killed then (SIGKILL, the OOM killer, a CI timeout) left them there, so
    they are put back before a leftover tree is deleted."""
    gone = [(old, pid) for old, pid in _leftovers(out_dir, OLD_PREFIX) if pid == os.getpid() or not _pid_alive(pid)]
    for old, _ in gone:
        if not out_dir.exists():
            os.rename(old, out_dir)  # killed between the two renames: the old tree goes back first
    for leftover, pid in _leftovers(out_dir, TMP_PREFIX):
        if pid == os.getpid() or not _pid_alive(pid):
            _discard(leftover, out_dir)
    for old, _ in gone:
        if old.exists():
            _discard(old, out_dir)


def put_back(tree: Path, out_dir: Path) -> list[PurePosixPath]:
    """Move the working files found in `tree` back into `out_dir`; those that cannot go back (the
    place is taken, by a `terraform init` run since, or a rename fails) stay in `tree`: returned."""
    stuck = []
    for rel, path, working in list(walk(tree)):
        if not working:
            continue
        destination = out_dir / rel
        try:
            if os.path.lexists(destination):
                raise FileExistsError(destination)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.rename(path, destination)
        except OSError:
            stuck.append(rel)
    return stuck


def _discard(tree: Path, out_dir: Path) -> None:
    """Delete a leftover tree once its working files are back in `out_dir`; one that still holds
    some is kept, renamed `.envspec-rescued-...` beside the output (never deleted: its files are the
    user's), for the user to look at."""
    stuck = put_back(tree, out_dir) if out_dir.is_dir() else [rel for rel, _, working in walk(tree) if working]
    if not stuck:
        shutil.rmtree(tree, ignore_errors=True)
        return
    os.rename(tree, tree.with_name(RESCUED_PREFIX + tree.name.removeprefix(TMP_PREFIX).removeprefix(OLD_PREFIX)))


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
    used for the history files beside the specs, `schema --out` and `migrate`'s edit of a spec.

    A symbolic link is written through (its target is replaced, the link stays); only a regular file
    is replaced (a FIFO, a device or a folder at the path is refused, never turned into a file); the
    file keeps its permissions. A refusal is a UsageError."""
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    temporary: str | None = None
    try:
        info = os.stat(target) if os.path.lexists(target) else None
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path}: not a regular file ({file_kind(info.st_mode)}); envspec writes {what} only "
                             "into a regular file, and replaces nothing else")
        mode = stat.S_IMODE(info.st_mode) if info is not None else 0o644
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
        temporary = None
        _sync_folder(target.parent)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write {what}: {exc.strerror or exc}") from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (where the system can open a folder for that)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write(out_dir: Path, files: Mapping[PurePosixPath, str | bytes]) -> None:
    """Replace `out_dir` with exactly `files`, in one step (tools' working files inside it are carried over)."""
    out_dir = resolve_out(out_dir)
    with locked(out_dir):
        write_locked(out_dir, files)


def write_locked(out_dir: Path, files: Mapping[PurePosixPath, str | bytes]) -> None:
    """`write` for a caller that holds the lock (`locked`) already."""
    recover(out_dir)
    guard(out_dir)
    _writable(out_dir)
    new: Path | None = None
    try:
        new = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{_short(out_dir)}.{os.getpid()}.", dir=out_dir.parent))
        for rel, content in files.items():
            target = new / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(as_bytes(content))
                handle.flush()
                os.fsync(handle.fileno())
        new.chmod(0o755)
        blocked = {signal.SIGINT, signal.SIGTERM}
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)  # the swap itself is not interrupted
        try:
            if out_dir.exists():
                for rel, path, working in list(walk(out_dir)):
                    if working:  # the user's (terraform init, state): moved, never read
                        (new / rel).parent.mkdir(parents=True, exist_ok=True)
                        os.rename(path, new / rel)
            if not out_dir.exists():
                os.rename(new, out_dir)
                new = None
                return
            if _exchange(new, out_dir):
                _discard(new, out_dir)  # `new` now holds the old tree (any working file made since goes back)
                new = None
                return
            old = new.with_name(new.name.replace(TMP_PREFIX, OLD_PREFIX, 1))
            os.rename(out_dir, old)
            os.rename(new, out_dir)
            new = None
            _discard(old, out_dir)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    except OSError as exc:
        raise UsageError(f"{exc.filename or out_dir}: cannot write the output ({exc.strerror}); the previous tree is unchanged") from exc
    finally:
        if new is not None:  # the swap did not happen: the working files go back, then the tree goes
            _discard(new, out_dir)


def refuse_unknown(out_dir: Path, written: set[str] | None, files: Mapping[PurePosixPath, str | bytes],
                   homes: Sequence[Path]) -> None:
    """A file in the output that envspec did not write (not in `written`, the previous manifest's
    record) and would not write now would be deleted by the swap: refuse, and say where such a
    file belongs (`homes`: the folders beside the specs). Without a record, nothing to tell apart."""
    if written is None or not out_dir.is_dir():
        return
    stray = sorted(str(rel) for rel, _, working in walk(out_dir)
                   if not working and str(rel) not in written and rel not in files)
    if stray:
        raise UsageError(
            f"{out_dir}: holds files envspec did not write, which the compile would delete: {', '.join(stray)}; "
            f"put hand-written files beside the spec instead, in {' or '.join(map(str, homes))} "
            "(terraform/*.tf, terraform/ENV/*.tf, ansible/*.yml: see the README), then remove them here"
        )
