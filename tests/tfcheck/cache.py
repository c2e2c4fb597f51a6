"""The harness's cache folder, and the two primitives that make it safe under pytest-xdist:
an exclusive lock around expensive one-off work, and writes that readers can never see half-done.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

CACHE_ENV = "ENVSPEC_TFCHECK_CACHE"
_REPO = Path(__file__).resolve().parents[2]

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: writes are still atomic, work may be done twice
    fcntl = None  # type: ignore[assignment]


def cache_root() -> Path:
    """``$ENVSPEC_TFCHECK_CACHE`` if set, else ``<repo>/.cache/tfcheck`` (git-ignored). Created on demand."""
    root = Path(os.environ.get(CACHE_ENV) or _REPO / ".cache" / "tfcheck").resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """Hold an exclusive, process-wide lock called ``name`` (a file under the cache root)."""
    lock_dir = cache_root() / "locks"
    lock_dir.mkdir(exist_ok=True)
    with open(lock_dir / f"{name}.lock", "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def write_atomic(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    """Write ``path`` through a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
