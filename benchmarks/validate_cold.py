"""Cold start of `envspec validate` against the floor `python -c "import pydantic, yaml, typer"`.

Each measurement is a fresh interpreter (subprocess), so this is what a user waits for. Runs of
the two commands are interleaved so that machine noise hits both alike; the table shows the
median and the minimum wall-clock time of each, the median CPU time (the child's user + system
time, which other load on the machine disturbs much less), and the ratios of the medians.
Goal: at most 1.5x. A third row, for context only, is the floor plus defining one pydantic model:
`import pydantic` is lazy, so the floor does not include BaseModel, the field machinery or the
schema builder, which any pydantic validation (and typer 0.29's own TypeAdapters) must load.

Byte-code caching is forced on (into a temporary PYTHONPYCACHEPREFIX, so nothing is written into
the checkout) and one warm-up run of each command is discarded: an installed package has its
.pyc files, and PYTHONDONTWRITEBYTECODE in a developer's shell would otherwise make every
project module compile from source on every run.

    .venv/bin/python benchmarks/validate_cold.py [--runs 30] [--spec specs/xkit.yaml] [--max-ratio 1.5]

Exit status 1 when --max-ratio is given and the wall-clock ratio is above it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import pydantic, yaml, typer"
# For context, not for the ratio: what merely defining and building one pydantic model adds to
# the floor (pydantic's lazy top-level import does not load BaseModel, fields or the schema builder).
MODELS = FLOOR + "; from pydantic import BaseModel, Field; type('M', (BaseModel,), {'__annotations__': {'x': int}})"
GOAL = 1.5


def _time(command: list[str], env: dict[str, str]) -> float:
    """Wall-clock seconds of one run of `command` (exits if it fails)."""
    return _measure(command, env)[0]


def _measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one run of `command` (exits if it fails)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="measurements of each command (default 30)")
    parser.add_argument("--spec", default="specs/xkit.yaml", help="spec to validate (default specs/xkit.yaml)")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the venv with envspec installed")
    parser.add_argument("--max-ratio", type=float, default=None, help="exit 1 when the wall-clock ratio exceeds this")
    args = parser.parse_args()

    script = Path(args.python).parent / "envspec"
    validate = [str(script)] if script.exists() else [args.python, "-m", "envspec"]
    validate += ["validate", args.spec]
    floor = [args.python, "-c", FLOOR]
    models = [args.python, "-c", MODELS]
    commands = {"floor": floor, "models": models, "validate": validate}

    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="envspec-bench-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for command in commands.values():
            _time(command, env)  # warm-up: writes the byte code
        for _ in range(args.runs):
            for name, command in commands.items():
                seconds, used = _measure(command, env)
                wall[name].append(seconds)
                cpu[name].append(used)

    labels = {
        "floor": f'python -c "{FLOOR}"',
        "models": "  (context: the floor + one pydantic model)",
        "validate": f"envspec validate {args.spec}",
    }
    width = max(len(label) for label in labels.values())
    print(f"{'command'.ljust(width)}  wall median  wall min  cpu median  runs")
    for name, label in labels.items():
        print(
            f"{label.ljust(width)}  {statistics.median(wall[name]):9.3f} s  {min(wall[name]):6.3f} s"
            f"  {statistics.median(cpu[name]):8.3f} s  {len(wall[name]):4d}"
        )
    ratio = statistics.median(wall["validate"]) / statistics.median(wall["floor"])
    cpu_ratio = statistics.median(cpu["validate"]) / statistics.median(cpu["floor"])
    best = min(wall["validate"]) / min(wall["floor"])
    print(f"{'ratio'.ljust(width)}  {ratio:9.2f} x  {best:6.2f} x  {cpu_ratio:8.2f} x        goal <= {GOAL}x")
    if args.max_ratio is not None and ratio > args.max_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
