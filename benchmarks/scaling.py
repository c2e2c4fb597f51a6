"""Does compile time grow linearly with the number of components? CPU time per component, by stage.

    .venv/bin/python benchmarks/scaling.py                         # sizes 100,1000,3000; best of 3
    .venv/bin/python benchmarks/scaling.py --sizes 300,3000 --runs 5 --json scaling.json

For each size, two scenarios, both backends, stage by stage (see run.py's `compile_once`):

* `fresh`: a first compile into an empty folder;
* `adopt`: a recompile after the same app was compiled with every component owned by Ansible:
  every component the mixed spec gives to Terraform is now adopted (its root gets `import`
  blocks and the data sources that find AWS-assigned ids).

Each cell is the CPU time of this process (`time.process_time`, so another busy process on the
machine disturbs it far less than wall time), the best of `--runs`, in microseconds per component.
A stage grows linearly when its column stays flat from one size to the next; the last lines give
each stage's growth factor between consecutive sizes next to the linear one. Nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from run import compile_once, machine  # noqa: E402

BACKENDS = ("terraform", "ansible")


def measure(size: int, scenario: str, runs: int, work: Path) -> dict[str, float]:
    """The best (lowest) CPU seconds of each stage over `runs` compiles."""
    mixed = work / f"mixed-{size}.yaml"
    mixed.write_text(generate(size), encoding="utf-8")
    before = work / f"ansible-{size}.yaml"
    before.write_text(generate(size, owner="ansible"), encoding="utf-8")
    best: dict[str, float] = {}
    for i in range(runs):
        out = work / f"out-{scenario}-{size}-{i}"
        if scenario == "adopt":
            compile_once(before, out, BACKENDS)
        times = compile_once(mixed, out, BACKENDS, clock=time.process_time)
        for stage, seconds in times.items():
            best[stage] = min(best.get(stage, seconds), seconds)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,3000", help="comma-separated component counts")
    parser.add_argument("--runs", type=int, default=3, help="compiles per size and scenario (the best counts)")
    parser.add_argument("--scenarios", default="fresh,adopt", help="fresh, adopt or both (comma-separated)")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON to FILE")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    scenarios = [s for s in args.scenarios.split(",") if s]

    results: dict[str, Any] = {"machine": machine(), "unit": "CPU microseconds per component", "rows": []}
    with tempfile.TemporaryDirectory(prefix="envspec-scaling-") as tmp:
        for scenario in scenarios:
            for size in sizes:
                print(f"{scenario}: {size} components ...", file=sys.stderr, flush=True)
                best = measure(size, scenario, args.runs, Path(tmp))
                results["rows"].append({"scenario": scenario, "components": size, "seconds": best})

    stages = [k for k in results["rows"][0]["seconds"] if k != "total"] + ["total"]
    print(f"CPU time per component (us), best of {args.runs}; both backends, 2 environments")
    print("  " + "  ".join([f"{'scenario':8}", f"{'size':>6}", *(f"{s:>14}" for s in stages)]))
    for row in results["rows"]:
        cells = [f"{row['seconds'][s] * 1e6 / row['components']:14.0f}" for s in stages]
        print("  " + "  ".join([f"{row['scenario']:8}", f"{row['components']:6d}", *cells]))
    print("\nGrowth between consecutive sizes (linear = the size ratio)")
    for scenario in scenarios:
        rows = [r for r in results["rows"] if r["scenario"] == scenario]
        for a, b in zip(rows, rows[1:]):
            factors = [f"{s} x{b['seconds'][s] / max(a['seconds'][s], 1e-9):.1f}" for s in stages]
            ratio = b["components"] / a["components"]
            print(f"  {scenario} {a['components']} -> {b['components']} (linear x{ratio:g}): " + ", ".join(factors))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
