"""Cold start of `envspec validate` against the floor `python -c "import pydantic, yaml, typer"`.

Each measurement is a fresh interpreter (subprocess), so this is what a user waits for. Runs of
the two commands are interleaved so that machine noise hits both alike; the table shows the
median and the minimum of each and the ratio of the medians. Goal: at most 1.5x.

Byte-code caching is forced on (into a temporary PYTHONPYCACHEPREFIX, so nothing is written into
the checkout) and one warm-up run of each command is discarded: an installed package has its
.pyc files, and PYTHONDONTWRITEBYTECODE in a developer's shell would otherwise make every
project module compile from source on every run.

    .venv/bin/python benchmarks/validate_cold.py [--runs 30] [--spec specs/xkit.yaml] [--max-ratio 1.5]

Exit status 1 when --max-ratio is given and the ratio is above it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import pydantic, yaml, typer"
GOAL = 1.5


def _time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="measurements of each command (default 30)")
    parser.add_argument("--spec", default="specs/xkit.yaml", help="spec to validate (default specs/xkit.yaml)")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the venv with envspec installed")
    parser.add_argument("--max-ratio", type=float, default=None, help="exit 1 when the median ratio exceeds this")
    args = parser.parse_args()

    script = Path(args.python).parent / "envspec"
    validate = [str(script)] if script.exists() else [args.python, "-m", "envspec"]
    validate += ["validate", args.spec]
    floor = [args.python, "-c", FLOOR]

    with tempfile.TemporaryDirectory(prefix="envspec-bench-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        _time(floor, env)
        _time(validate, env)
        times: dict[str, list[float]] = {"floor": [], "validate": []}
        for _ in range(args.runs):
            times["floor"].append(_time(floor, env))
            times["validate"].append(_time(validate, env))

    rows = [
        (f'python -c "{FLOOR}"', times["floor"]),
        (f"envspec validate {args.spec}", times["validate"]),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'command'.ljust(width)}  median    min       runs")
    for name, values in rows:
        print(f"{name.ljust(width)}  {statistics.median(values):.3f} s   {min(values):.3f} s   {len(values)}")
    ratio = statistics.median(times["validate"]) / statistics.median(times["floor"])
    print(f"{'ratio (medians)'.ljust(width)}  {ratio:.2f}x    goal <= {GOAL}x")
    if args.max_ratio is not None and ratio > args.max_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
