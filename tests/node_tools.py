"""Node.js test tools (the YAML language server, Mermaid's parser), installed from npm once per lock file.

A tool's folder under tests/ (package.json, package-lock.json, and any script) is copied into
`.cache/NAME/` and `npm ci` runs there. Every pytest-xdist worker may ask for the same tool at the same
moment on a clean checkout, so the install holds an exclusive lock (a file beside the cache folder),
and the stamp that says "installed from this lock file" is written last, after `npm ci` succeeded: a
worker never starts a tool from a half-installed or half-removed node_modules.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
STAMP = ".installed-from-package-lock.json"


def node() -> str:
    """The `node` on PATH; the test fails naming what is missing."""
    found = shutil.which("node")
    if found is None or shutil.which("npm") is None:
        pytest.fail("this test runs a Node.js tool installed from npm: install nodejs and npm")
    return found


def installed(name: str) -> Path:
    """`.cache/NAME`, holding tests/NAME's files and their node_modules, installed by `npm ci` if stale."""
    node()
    npm = shutil.which("npm")
    assert npm is not None
    source, target = REPO / "tests" / name, CACHE / name
    files = sorted(p.name for p in source.iterdir() if p.is_file())
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            stamp = target / STAMP
            current = all((target / f).is_file() and (target / f).read_bytes() == (source / f).read_bytes() for f in files)
            if current and stamp.is_file() and stamp.read_bytes() == (source / "package-lock.json").read_bytes():
                return target
            stamp.unlink(missing_ok=True)
            shutil.rmtree(target / "node_modules", ignore_errors=True)
            target.mkdir(parents=True, exist_ok=True)
            for f in files:
                shutil.copyfile(source / f, target / f)
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(target)],
                                  capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.fail(f"npm ci of tests/{name} into .cache/{name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
            shutil.copyfile(source / "package-lock.json", stamp)
            return target
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
