"""envspec benchmarks: cold start, compile time by size and backend, per-stage split, peak memory.

    .venv/bin/python benchmarks/run.py                  # `make bench`: sizes 10, 100, 1000
    .venv/bin/python benchmarks/run.py --smoke          # CI: sizes 10 and 100, one run each (< 1 min)
    .venv/bin/python benchmarks/run.py --sizes 100,1000,3000 --json bench.json

What is measured (see benchmarks/README.md for how to read the numbers):

* **cold start**: `envspec validate specs/xkit.yaml` in a fresh interpreter against the floor
  `python -c "import pydantic, yaml, typer"` (the measurement of benchmarks/validate_cold.py);
* **in-process compile** of a spec from benchmarks/generate.py with N components, for each
  backend alone and both together: the median over a few runs of every stage (load, resolve,
  lower, emit per backend, the writer's merge and manifest, write) and of their sum;
* **cold CLI compile**: `envspec compile SPEC --out DIR` as a user runs it (when the CLI has a
  `compile` command), for the largest size;
* **peak memory** of a process that compiles the spec once: its peak RSS (VmHWM, the whole
  interpreter) and the peak of Python allocations during the compile (tracemalloc).

Nothing here asserts on time: the script exits 0 whenever every measurement ran. Everything is
written under a temporary folder; nothing in the checkout changes. `--json FILE` also writes the
numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import validate_cold  # noqa: E402
from generate import generate  # noqa: E402

BACKEND_SETS: tuple[tuple[str, ...], ...] = (("terraform",), ("ansible",), ("terraform", "ansible"))


# ---- the machine -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the numbers came from: CPU count and model, Python, OS (no host name, no path)."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 0
    return {
        "nproc": cpus,
        "cpu": model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.machine()}",
    }


# ---- one in-process compile, stage by stage ---------------------------------------------------


class _TimedBackend:
    """A backend that adds the time of each `emit` to `sink[name]` (it passes as a Backend)."""

    def __init__(self, backend: Any, sink: dict[str, float], clock: Callable[[], float]) -> None:
        self.name = backend.name
        self._backend = backend
        self._sink = sink
        self._clock = clock

    def emit(self, graph: Any) -> Any:
        start = self._clock()
        try:
            return self._backend.emit(graph)
        finally:
            self._sink[self.name] = self._sink.get(self.name, 0.0) + self._clock() - start


@contextmanager
def _timed(module: Any, name: str, sink: dict[str, float], clock: Callable[[], float]) -> Iterator[None]:
    """Add the time of every call of `module.name` to `sink[name]` (nothing if there is no such function)."""
    original = getattr(module, name, None)
    if original is None:
        yield
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return original(*args, **kwargs)
        finally:
            sink[name] = sink.get(name, 0.0) + clock() - start

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


def compile_once(
    spec: Path, out: Path, backend_names: Sequence[str], *, clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Compile `spec` into `out` with the named backends as `envspec compile` does; seconds per stage.

    The same calls as the CLI: `source.load`, `resolve`, then `build.compile_into` (read the
    previous manifest in `out`, build, compare with what is on disk, write atomically; before
    issue 13, `output.compile_into` and `output.render`). Stages:

    * load, resolve;
    * lower: every environment (`build` lowers them itself);
    * emit:<backend>: that backend, every environment;
    * merge: the rest of `build`: collect the files, check that shared ones agree, hash them,
      build manifest.json;
    * write: the rest of `compile_into`: read the previous manifest, compare with the folder,
      write the new tree (fsync'd) and swap it in.

    `clock` is wall time by default (`time.process_time` gives CPU time). A folder that already
    holds a compile is a recompile: its manifest's ownership history decides import blocks.
    """
    from envspec.core import backend as plugins
    from envspec.core.resolve import resolve
    from envspec.core.source import load

    pipeline, build_name = _pipeline()

    backends = plugins.load(list(backend_names))
    times: dict[str, float] = {}
    start = clock()
    documents = load([spec])
    times["load"] = clock() - start

    start = clock()
    apps = resolve(documents)
    times["resolve"] = clock() - start

    inner: dict[str, float] = {}
    timed_backends = [_TimedBackend(b, inner, clock) for b in backends]
    with _timed(pipeline, "lower", inner, clock), _timed(pipeline, build_name, inner, clock):
        start = clock()
        if hasattr(pipeline, "compile_into"):
            pipeline.compile_into(out, apps, timed_backends)
        else:  # before the writer had compile_into
            pipeline.write(out, pipeline.render(apps, timed_backends))
        compiling = clock() - start
    times["lower"] = inner.get("lower", 0.0)
    emits = 0.0
    for backend in backends:
        times[f"emit:{backend.name}"] = inner.get(backend.name, 0.0)
        emits += times[f"emit:{backend.name}"]
    rendering = inner.get(build_name, 0.0)
    times["merge"] = max(rendering - times["lower"] - emits, 0.0)
    times["write"] = max(compiling - rendering, 0.0)
    times["total"] = sum(times.values())
    return times


def _pipeline() -> tuple[Any, str]:
    """The module that lowers, emits and writes, and the name of its function that builds the files:
    `envspec.core.compiler.build` since issue 13, `envspec.output.render` before (to compare with older commits)."""
    try:
        from envspec.core import compiler as build
    except ImportError:
        from envspec import output  # type: ignore[attr-defined]

        return output, "render"
    return build, "build"


def _median_times(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


# ---- subprocesses: cold commands and peak memory --------------------------------------------------


def _bytecode_env(cache: str) -> dict[str, str]:
    """The environment validate_cold.py measures in: byte-code cached in a temporary prefix."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


class Child(NamedTuple):
    """One finished subprocess: wall and CPU seconds, what it printed."""

    wall: float
    cpu: float | None  # user + system of the process and of the children it waited for
    stdout: str


def run_child(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> Child:
    """Run `command` to completion and measure it; exits with its stderr if it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        if hasattr(os, "wait4"):  # this child's own rusage (RUSAGE_CHILDREN would mix all children)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu: float | None = usage.ru_utime + usage.ru_stime
        else:  # pragma: no cover - Windows
            process.wait()
            wall, cpu = time.perf_counter() - start, None
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            message = err.read().decode(errors="replace")[-4000:]
            sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{message}")
        return Child(wall, cpu, out.read().decode(errors="replace"))


def peak_rss_kib() -> int:
    """This process's peak RSS since it started its program, in KiB.

    Linux: VmHWM of /proc/self/status. Not `ru_maxrss`: the kernel carries the maximum over to
    the program a forked child execs, so a child's ru_maxrss is at least its parent's RSS.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


# `envspec ARGS` as the console script runs it, then the peak RSS into $ENVSPEC_BENCH_RSS.
CLI_WITH_PEAK = (
    "import os, sys\n"
    "from envspec.cli import run\n"
    "status = run(sys.argv[1:])\n"
    "sys.path.insert(0, os.environ['ENVSPEC_BENCH_DIR'])\n"
    "from run import peak_rss_kib\n"
    "open(os.environ['ENVSPEC_BENCH_RSS'], 'w').write(str(peak_rss_kib()))\n"
    "sys.exit(status)\n"
)


def _envspec_command() -> list[str]:
    script = Path(sys.executable).parent / "envspec"
    return [str(script)] if script.exists() else [sys.executable, "-m", "envspec"]


def has_compile_command() -> bool:
    done = subprocess.run([*_envspec_command(), "compile", "--help"], cwd=ROOT, capture_output=True, check=False)
    return done.returncode == 0


def cold_validate(runs: int, spec: str) -> dict[str, Any]:
    """validate_cold.py's measurement: interleaved fresh-interpreter runs of the floor and validate."""
    measure = getattr(validate_cold, "_measure", None)  # (wall, cpu); older versions had _time only

    def one(command: list[str], env: dict[str, str]) -> tuple[float, float | None]:
        return measure(command, env) if measure else (validate_cold._time(command, env), None)

    floor = [sys.executable, "-c", validate_cold.FLOOR]
    validate = [*_envspec_command(), "validate", spec]
    times: dict[str, list[tuple[float, float | None]]] = {"floor": [], "validate": []}
    with tempfile.TemporaryDirectory(prefix="envspec-bench-") as cache:
        env = _bytecode_env(cache)
        one(floor, env)  # warm-up: writes the byte code, discarded
        one(validate, env)
        for _ in range(runs):
            times["floor"].append(one(floor, env))
            times["validate"].append(one(validate, env))
    result: dict[str, Any] = {
        "spec": spec, "runs": runs, "goal": validate_cold.GOAL,
        "floor_command": f'python -c "{validate_cold.FLOOR}"',
    }
    for name, values in times.items():
        wall = [w for w, _ in values]
        cpu = [c for _, c in values if c is not None]
        result[f"{name}_median_s"] = statistics.median(wall)
        result[f"{name}_min_s"] = min(wall)
        result[f"{name}_cpu_median_s"] = statistics.median(cpu) if cpu else None
    result["ratio"] = result["validate_median_s"] / result["floor_median_s"]
    if result["floor_cpu_median_s"]:
        result["cpu_ratio"] = result["validate_cpu_median_s"] / result["floor_cpu_median_s"]
    return result


def cold_compile(spec: Path, work: Path, backend_names: Sequence[str], runs: int, cache: str) -> dict[str, Any]:
    """`envspec compile SPEC --out DIR [--backend NAME]` in fresh interpreters, each into an empty folder.

    Run as the console script runs it (`envspec.cli.run(argv)`), in a `python -c` that also
    records the process's peak RSS when the command is done.
    """
    command = [sys.executable, "-c", CLI_WITH_PEAK, "compile", str(spec)]
    if len(backend_names) < len(BACKEND_SETS[-1]):
        for name in backend_names:
            command += ["--backend", name]
    env = _bytecode_env(cache)
    env["ENVSPEC_BENCH_DIR"] = str(HERE)
    children: list[Child] = []
    peaks: list[int] = []
    for i in range(runs + 1):  # the first run writes the byte code: discarded
        out = work / f"cold-{'-'.join(backend_names)}-{i}"
        env["ENVSPEC_BENCH_RSS"] = str(work / f"cold-{i}.rss")
        child = run_child([*command, "--out", str(out)], env)
        if i:
            children.append(child)
            peaks.append(int(Path(env["ENVSPEC_BENCH_RSS"]).read_text(encoding="ascii")))
    cpu = [c.cpu for c in children if c.cpu is not None]
    return {
        "median_s": statistics.median(c.wall for c in children),
        "min_s": min(c.wall for c in children),
        "cpu_median_s": statistics.median(cpu) if cpu else None,
        "runs": runs,
        "peak_rss_kib": max(peaks),
    }


def memory(spec: Path, out: Path, backend_names: Sequence[str]) -> dict[str, Any]:
    """One compile of `spec` in a fresh process: its peak RSS, its RSS once everything is imported,
    and (in a second process, as tracing slows the compile and adds to RSS) tracemalloc's peak."""
    script = [sys.executable, str(Path(__file__).resolve()), "--child-compile"]
    backends = ",".join(backend_names)
    rss = json.loads(run_child([*script, str(spec), str(out.with_name(out.name + "-rss")), backends, "rss"]).stdout)
    traced = json.loads(run_child([*script, str(spec), str(out), backends, "tracemalloc"]).stdout)
    return {"peak_rss_kib": rss["peak_rss_kib"], "baseline_rss_kib": rss["baseline_rss_kib"],
            "tracemalloc_peak_kib": traced["tracemalloc_peak_kib"]}


def _child_compile(spec: str, out: str, backends: str, mode: str) -> int:
    """Child mode for `memory()`: import everything, then compile once (`mode`: rss or tracemalloc)."""
    import tracemalloc

    _pipeline()  # imported before the baseline is taken
    import envspec.core.resolve  # noqa: F401
    import envspec.core.source  # noqa: F401
    from envspec.core import backend as plugins

    names = backends.split(",")
    plugins.load(names)  # imports the backends
    result: dict[str, int] = {"baseline_rss_kib": peak_rss_kib()}
    if mode == "tracemalloc":
        tracemalloc.start()
    compile_once(Path(spec), Path(out), names)
    if mode == "tracemalloc":
        result["tracemalloc_peak_kib"] = tracemalloc.get_traced_memory()[1] // 1024
        tracemalloc.stop()
    result["peak_rss_kib"] = peak_rss_kib()
    print(json.dumps(result))
    return 0


# ---- the report ---------------------------------------------------------------------------------


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Callable[[int], bool]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [str(c).rjust(w) if right(i) else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "  " + "  ".join(cells).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [
        f"envspec benchmarks -- {m['nproc']} CPUs ({m['cpu']}), {m['implementation']} {m['python']}, {m['os']}",
        "",
    ]
    cold = results.get("cold_validate")
    if cold:
        out += [
            f"Cold start (fresh interpreter, median of {cold['runs']} interleaved runs)",
            _table(
                ["command", "median", "min", "CPU median"],
                [
                    [cold["floor_command"], f"{cold['floor_median_s']:.3f} s", f"{cold['floor_min_s']:.3f} s",
                     _seconds(cold.get("floor_cpu_median_s"))],
                    [f"envspec validate {cold['spec']}", f"{cold['validate_median_s']:.3f} s",
                     f"{cold['validate_min_s']:.3f} s", _seconds(cold.get("validate_cpu_median_s"))],
                    ["ratio (medians)", f"{cold['ratio']:.2f}x", "",
                     f"{cold['cpu_ratio']:.2f}x" if cold.get("cpu_ratio") else "-"],
                ],
                lambda i: i > 0,
            ),
            f"  (goal: validate within {cold['goal']}x the floor)",
            "",
        ]
    used = {name for row in results["compile"] for name in row["backends"]}
    backends = [b for b in BACKEND_SETS[-1] if b in used] + sorted(used - set(BACKEND_SETS[-1]))
    stage_columns = ["load", "resolve", "lower", *(f"emit:{b}" for b in backends), "merge", "write"]
    rows = []
    for row in results["compile"]:
        t = row["median_s"]
        rows.append([
            str(row["components"]), "+".join(row["backends"]), str(row["runs"]),
            *(_ms(t.get(stage)) if stage in t else "-" for stage in stage_columns),
            _ms(t["total"]), _ms(t.get("cpu")), f"{row['per_component_ms']:.2f}",
        ])
    out += [
        "In-process compile of a generated spec, 2 environments (milliseconds, median of `runs`)",
        _table(["components", "backends", "runs", *stage_columns, "total", "cpu", "ms/component"], rows,
               lambda i: i > 1),
        "",
    ]
    growth = results.get("growth")
    if growth:
        out += ["Growth of the median total (linear = the size ratio)"]
        out += [f"  {g['backends']}: {g['from']} -> {g['to']} components: "
                f"x{g['factor']:.1f} (linear x{g['linear']:.0f})"
                for g in growth]
        out.append("")
    cold_rows = results.get("cold_compile") or []
    if cold_rows:
        out += [
            "Cold CLI compile (`envspec compile SPEC --out DIR`, fresh interpreter, byte code cached)",
            _table(
                ["components", "backends", "runs", "median", "min", "CPU median", "peak RSS"],
                [[str(r["components"]), "+".join(r["backends"]), str(r["runs"]), f"{r['median_s']:.2f} s",
                  f"{r['min_s']:.2f} s", _seconds(r.get("cpu_median_s")), _mib(r["peak_rss_kib"])] for r in cold_rows],
                lambda i: i > 1,
            ),
            "",
        ]
    elif results.get("cold_compile_skipped"):
        out += [f"Cold CLI compile: skipped ({results['cold_compile_skipped']})", ""]
    mem = results.get("memory") or []
    if mem:
        out += [
            "Peak memory of one compile in a fresh process (both backends)",
            _table(
                ["components", "peak RSS", "RSS after imports", "tracemalloc peak"],
                [[str(r["components"]), _mib(r["peak_rss_kib"]), _mib(r["baseline_rss_kib"]),
                  _mib(r["tracemalloc_peak_kib"])] for r in mem],
                lambda i: i > 0,
            ),
            "",
        ]
    return "\n".join(out)


# ---- main -----------------------------------------------------------------------------------------


def _runs_for(size: int, smoke: bool, runs: int | None) -> int:
    if runs is not None:
        return runs
    if smoke:
        return 1
    return 7 if size <= 10 else 5 if size <= 100 else 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a quick run for CI: sizes 10 and 100, one run each")
    parser.add_argument("--sizes", help="comma-separated component counts (default 10,100,1000; smoke 10,100)")
    parser.add_argument("--runs", type=int, default=None, help="in-process runs per size and backend set")
    parser.add_argument("--cold-runs", type=int, default=None, help="fresh-interpreter runs (default 20; smoke 3)")
    parser.add_argument("--spec", default="specs/xkit.yaml", help="spec to validate cold (default specs/xkit.yaml)")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON to FILE")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: cold, memory")
    parser.add_argument("--child-compile", nargs=4, metavar=("SPEC", "OUT", "BACKENDS", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_compile:
        return _child_compile(*args.child_compile)

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([10, 100] if args.smoke else [10, 100, 1000])
    cold_runs = args.cold_runs if args.cold_runs is not None else (3 if args.smoke else 20)

    from envspec.core import backend as plugins

    installed = set(plugins.installed())
    backend_sets = [s for s in BACKEND_SETS if set(s) <= installed]
    results: dict[str, Any] = {"machine": machine(), "smoke": args.smoke, "sizes": sizes}

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    if "cold" not in skip:
        say(f"cold start: {cold_runs} runs of each command ...")
        results["cold_validate"] = cold_validate(cold_runs, args.spec)

    with tempfile.TemporaryDirectory(prefix="envspec-bench-") as tmp:
        work = Path(tmp)
        specs: dict[int, Path] = {}
        for size in sizes:
            specs[size] = work / f"bench-{size}.yaml"
            specs[size].write_text(generate(size), encoding="utf-8")

        results["compile"] = []
        for names in backend_sets:  # warm-up: imports, template loading and first-call caches
            compile_once(specs[min(sizes)], work / f"warm-{'-'.join(names)}", names)
        for size in sizes:
            for names in backend_sets:
                runs = _runs_for(size, args.smoke, args.runs)
                say(f"compile: {size} components, {'+'.join(names)}, {runs} run(s) ...")
                measured = []
                for i in range(runs):
                    cpu = time.process_time()
                    measured.append(compile_once(specs[size], work / f"out-{size}-{'-'.join(names)}-{i}", names))
                    measured[-1]["cpu"] = time.process_time() - cpu
                median = _median_times(measured)
                results["compile"].append({
                    "components": size, "backends": list(names), "runs": runs, "median_s": median,
                    "per_component_ms": median["total"] * 1000 / size,
                })

        results["growth"] = []
        for names in backend_sets:
            rows = [r for r in results["compile"] if tuple(r["backends"]) == names]
            for a, b in zip(rows, rows[1:]):
                results["growth"].append({
                    "backends": "+".join(names), "from": a["components"], "to": b["components"],
                    "factor": b["median_s"]["total"] / a["median_s"]["total"],
                    "linear": b["components"] / a["components"],
                })

        results["cold_compile"] = []
        if "cold" in skip:
            results["cold_compile_skipped"] = "--skip cold"
        elif not has_compile_command():
            results["cold_compile_skipped"] = "this envspec has no `compile` command yet"
        else:
            largest = max(sizes)
            with tempfile.TemporaryDirectory(prefix="envspec-bench-pyc-") as cache:
                for names in backend_sets[-1:] if args.smoke else backend_sets:
                    runs = 1 if args.smoke else 3
                    say(f"cold compile: {largest} components, {'+'.join(names)}, {runs} run(s) ...")
                    row = cold_compile(specs[largest], work, names, runs, cache)
                    results["cold_compile"].append({"components": largest, "backends": list(names), **row})

        results["memory"] = []
        both = backend_sets[-1] if backend_sets else ()
        for size in sizes if "memory" not in skip else []:
            say(f"memory: {size} components ...")
            row = memory(specs[size], work / f"mem-{size}", both)
            results["memory"].append({"components": size, "backends": list(both), **row})

    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
