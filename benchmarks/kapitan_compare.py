"""envspec vs Kapitan: the same Terraform roots from the same workload, and how long each takes.

    .venv/bin/python benchmarks/kapitan_compare.py                    # sizes 10,100,1000; 3 runs
    .venv/bin/python benchmarks/kapitan_compare.py --sizes 10,100 --runs 5 --json kapitan.json

For each size, a spec from benchmarks/generate.py with every component owned by Terraform, and a
Kapitan project generated from that same spec (benchmarks/README.md says exactly what is and is
not equivalent):

* `inventory/classes/<app>.yml`: the spec's components as written (overrides removed);
* `inventory/targets/<env>.yml`: one target per environment, with its region and account and its
  overrides, which reclass merges over the class the way envspec merges `overrides`;
* `templates/` (from benchmarks/kapitan/templates): jinja2 templates that redo envspec's lowering
  (names, tags, module inputs, permissions from references, dependency order) and write each
  environment's root `main.tf`, `outputs.tf`, `backend.tf`, `providers.tf` (and the three files
  that say there is nothing to look up, import or remove); a `modules` target copies the modules.

Then, alternating, fresh processes of `envspec compile SPEC --out DIR --backend terraform` and
`kapitan compile`, each into an empty folder, and the median of each. Every file of the Kapitan
output is compared with envspec's: identical, identical once the `=` alignment is ignored, or
different (with a diff). Nothing asserts; the exit status is 0 when everything ran.
`--check-spec SPEC` only compares, for any spec whose components Terraform owns (exit 1 on a difference).

Kapitan conflicts with envspec's pins, so it lives in its own venv, `.cache/kapitan-venv`
(git-ignored), created on first use with `pip install kapitan==0.36.3`. If that fails, the
script prints pip's error and exits 2.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from run import Child, machine, run_child  # noqa: E402

KAPITAN_VERSION = "0.36.3"
VENV = ROOT / ".cache" / "kapitan-venv"
TEMPLATES = HERE / "kapitan" / "templates"
ROOT_FILES = ("main.tf", "outputs.tf", "backend.tf", "providers.tf", "lookups.tf", "imports.tf", "removed.tf")
SECTIONS = ("secrets", "buckets", "databases", "services")
# The kinds its templates reproduce (not caches, queues, nor a lambda's queue trigger).
KINDS = ("secret", "bucket", "database", "ec2", "lambda", "beanstalk")
_ENV_REFERENCE = re.compile(r"\$\{(app|env\.(name|region|account_id))\}")


# ---- the Kapitan venv ---------------------------------------------------------------------------


def kapitan_binary() -> Path:
    """The `kapitan` of .cache/kapitan-venv, installing it first if needed (exit 2 if that fails)."""
    binary = VENV / "bin" / "kapitan"
    if binary.exists():
        return binary
    print(f"creating {VENV.relative_to(ROOT)} with kapitan=={KAPITAN_VERSION} (once; about a minute) ...",
          file=sys.stderr, flush=True)
    for command in (
        [sys.executable, "-m", "venv", str(VENV)],
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", f"kapitan=={KAPITAN_VERSION}"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"kapitan_compare: `{' '.join(command[-3:])}` failed (exit {done.returncode}):", file=sys.stderr)
            print(done.stderr.strip() or done.stdout.strip(), file=sys.stderr)
            shutil.rmtree(VENV, ignore_errors=True)
            sys.exit(2)
    if not binary.exists():
        sys.exit(f"kapitan_compare: kapitan=={KAPITAN_VERSION} installed, but {binary.relative_to(ROOT)} is missing")
    return binary


# ---- spec -> Kapitan inventory --------------------------------------------------------------------


def _reclass_string(text: str) -> str:
    """A spec string as a reclass value: `${app}`/`${env.*}` become reclass references (reclass
    substitutes them, as envspec does); every other `${` is escaped, so that component references
    reach the templates as written."""
    if "$${" in text:
        raise ValueError(f"`$${{` (a literal `${{`) is not supported on the Kapitan side: {text!r}")
    out, index = [], 0
    for match in _ENV_REFERENCE.finditer(text):
        out.append(text[index : match.start()].replace("${", "\\${"))
        out.append("${app}" if match.group(1) == "app" else "${env:" + match.group(2) + "}")
        index = match.end()
    out.append(text[index:].replace("${", "\\${"))
    return "".join(out)


def _reclass(value: Any) -> Any:
    if isinstance(value, str):
        return _reclass_string(value)
    if isinstance(value, dict):
        return {k: _reclass(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_reclass(v) for v in value]
    return value


def _override(value: dict[str, Any]) -> dict[str, Any]:
    """An override as a reclass target fragment: lists replace (`~key`), mappings merge, scalars replace."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, list):
            out[f"~{key}"] = _reclass(item)
        elif isinstance(item, dict):
            out[key] = _override(item)
        else:
            out[key] = _reclass(item)
    return out


def kapitan_project(spec: Path, project: Path) -> None:
    """Write a Kapitan project equivalent to `spec` (and envspec's Terraform modules) into `project`."""
    from envspec_terraform import module_files

    from envspec.core.source import read

    data = read(spec).data
    app = data["app"]
    components: dict[str, Any] = {}
    targets: dict[str, dict[str, Any]] = {env: {} for env in data["environments"]}

    def take(section: str, name: str | None, raw: dict[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in raw.items() if k != "overrides"}
        for env, override in (raw.get("overrides") or {}).items():
            fragment = _override(override)
            if name is None:
                targets[env].setdefault(section, {}).update(fragment)
            else:
                targets[env].setdefault(section, {}).setdefault(name, {}).update(fragment)
        return _reclass(body)

    if isinstance(data.get("network"), dict):
        components["network"] = take("network", None, data["network"])
    for section in SECTIONS:
        entries = data.get(section) or {}
        components[section] = {name: take(section, name, raw) for name, raw in entries.items()}

    templates = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.glob("*.j2"))
    app_class = {
        "parameters": {
            "app": app,
            "spec_file": spec.name,
            "owner": data.get("owner", "ansible"),
            "tags": _reclass(data.get("tags") or {}),
            **components,
            "kapitan": {
                "compile": [{
                    "input_type": "jinja2",
                    "input_paths": [f"templates/{t}" for t in templates],
                    "output_path": ".",
                    "suffix_remove": True,
                }],
            },
        },
    }
    inventory = project / "inventory"
    (inventory / "classes").mkdir(parents=True)
    (inventory / "targets").mkdir(parents=True)
    dump = {"sort_keys": False, "default_flow_style": False, "allow_unicode": True}
    (inventory / "classes" / f"{app}.yml").write_text(yaml.safe_dump(app_class, **dump), encoding="utf-8")
    for env, body in data["environments"].items():
        target = {
            "classes": [app],
            "parameters": {
                "env": {"name": env, "region": body["region"], "account_id": body["account_id"]},
                "kapitan": {"vars": {"target": env}},
                **targets[env],
            },
        }
        (inventory / "targets" / f"{env}.yml").write_text(yaml.safe_dump(target, **dump), encoding="utf-8")
    modules_target = {
        "parameters": {
            "kapitan": {
                "vars": {"target": "modules"},
                "compile": [{"input_type": "copy", "input_paths": ["modules"], "output_path": "."}],
            },
        },
    }
    (inventory / "targets" / "modules.yml").write_text(yaml.safe_dump(modules_target, **dump), encoding="utf-8")
    shutil.copytree(TEMPLATES, project / "templates")
    for rel, text in module_files().items():  # terraform/modules/<kind>/<file>
        target_file = project / "modules" / Path(*rel.parts[2:])
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target_file.write_text(text, encoding="utf-8")


# ---- running and comparing -------------------------------------------------------------------------


def _aligned(text: str) -> list[str]:
    """Lines with the `=` alignment of `terraform fmt` taken out."""
    return [re.sub(r"^(\s*\S+?)\s+= ", r"\1 = ", line) for line in text.splitlines()]


def compare(envspec_root: Path, kapitan_root: Path, envs: list[str]) -> dict[str, Any]:
    """Every Terraform file envspec wrote next to the one Kapitan wrote."""
    pairs: list[tuple[str, Path, Path]] = []
    for env in envs:
        for name in ROOT_FILES:
            pairs.append((f"{env}/{name}", envspec_root / env / name, kapitan_root / env / name))
    for path in sorted((envspec_root / "modules").rglob("*.tf")):
        rel = path.relative_to(envspec_root / "modules")
        pairs.append((f"modules/{rel.as_posix()}", path, kapitan_root / "modules" / rel))
    result: dict[str, Any] = {"files": len(pairs), "identical": 0, "aligned": 0, "different": [], "missing": [],
                              "modules_envspec": 0, "modules_kapitan": 0, "diff": ""}
    for name, ours, theirs in pairs:
        if not theirs.exists():
            result["missing"].append(name)
            continue
        a, b = ours.read_text(encoding="utf-8"), theirs.read_text(encoding="utf-8")
        if name.endswith("/main.tf"):
            result["modules_envspec"] += len(re.findall(r'^module "', a, re.M))
            result["modules_kapitan"] += len(re.findall(r'^module "', b, re.M))
        if a == b:
            result["identical"] += 1
        elif _aligned(a) == _aligned(b):
            result["aligned"] += 1
        else:
            result["different"].append(name)
            if not result["diff"]:
                diff = difflib.unified_diff(a.splitlines(), b.splitlines(), f"envspec/{name}", f"kapitan/{name}",
                                            lineterm="", n=2)
                result["diff"] = "\n".join(list(diff)[:60])
    return result


def measure(size: int, runs: int, work: Path, kapitan: Path) -> dict[str, Any]:
    base = work / f"n{size}"
    base.mkdir()
    spec = base / f"bench-{size}.yaml"
    spec.write_text(generate(size, owner="terraform", kinds=KINDS), encoding="utf-8")
    project = base / "kapitan"
    kapitan_project(spec, project)
    envspec_cli = Path(sys.executable).parent / "envspec"
    envspec_cmd = [str(envspec_cli)] if envspec_cli.exists() else [sys.executable, "-m", "envspec"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")  # envspec's byte code; kapitan's venv keeps its own
    children: dict[str, list[Child]] = {"envspec": [], "kapitan": []}
    for i in range(runs + 1):  # run 0 warms the byte code and the disk cache: discarded
        out = base / f"envspec-{i}"
        child = run_child([*envspec_cmd, "compile", str(spec), "--out", str(out), "--backend", "terraform"], env)
        if i:
            children["envspec"].append(child)
        compiled = base / f"kapitan-{i}"
        child = run_child([str(kapitan), "compile", "--output-path", str(compiled)], env, cwd=project)
        if i:
            children["kapitan"].append(child)
    envs = list(yaml.safe_load(spec.read_text(encoding="utf-8"))["environments"])
    app = "bench"
    comparison = compare(base / "envspec-0" / app / "terraform", base / "kapitan-0" / "compiled", envs)
    row: dict[str, Any] = {"components": size, "runs": runs, "comparison": comparison}
    for tool, measured in children.items():
        row[f"{tool}_median_s"] = statistics.median(c.wall for c in measured)
        row[f"{tool}_cpu_median_s"] = statistics.median(c.cpu or 0.0 for c in measured)
        row[f"{tool}_s"] = [c.wall for c in measured]
    row["ratio"] = row["kapitan_median_s"] / row["envspec_median_s"]
    row["cpu_ratio"] = row["kapitan_cpu_median_s"] / max(row["envspec_cpu_median_s"], 1e-9)
    return row


def check_spec(spec: Path, kapitan: Path) -> int:
    """Compile one spec with `envspec compile --backend terraform` and with Kapitan; compare the trees."""
    from envspec.core.source import read

    data = read(spec).data
    with tempfile.TemporaryDirectory(prefix="envspec-kapitan-") as tmp:
        work = Path(tmp)
        kapitan_project(spec, work / "kapitan")
        envspec_cli = Path(sys.executable).parent / "envspec"
        envspec_cmd = [str(envspec_cli)] if envspec_cli.exists() else [sys.executable, "-m", "envspec"]
        run_child([*envspec_cmd, "compile", str(spec.resolve()), "--out", str(work / "envspec"), "--backend",
                   "terraform"])
        run_child([str(kapitan), "compile", "--output-path", str(work / "out")], cwd=work / "kapitan")
        c = compare(work / "envspec" / data["app"] / "terraform", work / "out" / "compiled", list(data["environments"]))
    print(f"{spec}: {c['identical']} of {c['files']} files identical, {c['aligned']} equal but for `=` alignment, "
          f"different {c['different']}, missing {c['missing']}; module calls: envspec {c['modules_envspec']}, "
          f"kapitan {c['modules_kapitan']}")
    if c["diff"]:
        print(c["diff"])
    return 0 if c["identical"] == c["files"] else 1


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    rows = results["rows"]
    lines = [
        f"envspec vs Kapitan {KAPITAN_VERSION} -- {m['nproc']} CPUs ({m['cpu']}), {m['implementation']} {m['python']}",
        "Fresh processes, each into an empty folder; median of the runs. Both write the Terraform roots of",
        "2 environments and the 7 modules. CPU = user + system time, Kapitan's worker processes included.",
        "",
    ]
    header = ["components", "envspec wall", "kapitan wall", "ratio", "envspec CPU", "kapitan CPU", "CPU ratio",
              "files identical", "module calls"]
    table = [header]
    for row in rows:
        c = row["comparison"]
        table.append([
            str(row["components"]), f"{row['envspec_median_s']:.2f} s", f"{row['kapitan_median_s']:.2f} s",
            f"{row['ratio']:.1f}x", f"{row['envspec_cpu_median_s']:.2f} s", f"{row['kapitan_cpu_median_s']:.2f} s",
            f"{row['cpu_ratio']:.1f}x", f"{c['identical']}/{c['files']}",
            f"{c['modules_envspec']} / {c['modules_kapitan']}",
        ])
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        cells = [cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths))]
        lines.append("  " + "  ".join(cells))
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        span = b["components"] - a["components"]
        for what, key in (("wall", "median_s"), ("CPU", "cpu_median_s")):
            ours = (b[f"envspec_{key}"] - a[f"envspec_{key}"]) / span * 1000
            theirs = (b[f"kapitan_{key}"] - a[f"kapitan_{key}"]) / span * 1000
            ratio = f" ({theirs / ours:.1f}x)" if ours > 0 else ""
            lines.append(f"  marginal {what} per component, {a['components']} -> {b['components']}: "
                         f"envspec {ours:.2f} ms, kapitan {theirs:.2f} ms{ratio}")
    for row in rows:
        c = row["comparison"]
        if c["aligned"]:
            lines.append(f"  {row['components']} components: {c['aligned']} file(s) equal once `=` alignment "
                         "is ignored")
        if c["different"] or c["missing"]:
            lines += ["", f"  {row['components']} components: differing {c['different']}, missing {c['missing']}"]
            lines += ["  " + line for line in c["diff"].splitlines()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated component counts")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each tool per size (default 3)")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON to FILE")
    parser.add_argument("--keep", metavar="DIR", help="build the projects and outputs in DIR and keep them")
    parser.add_argument("--check-spec", metavar="SPEC",
                        help="no timing: compile SPEC (every component owned by Terraform) with both and compare")
    args = parser.parse_args()
    kapitan = kapitan_binary()
    if args.check_spec:
        return check_spec(Path(args.check_spec), kapitan)
    version = subprocess.run([str(kapitan), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    results: dict[str, Any] = {"machine": machine(), "kapitan": version, "rows": []}
    with tempfile.TemporaryDirectory(prefix="envspec-kapitan-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for size in [int(s) for s in args.sizes.split(",")]:
            print(f"{size} components: {args.runs} run(s) of each ...", file=sys.stderr, flush=True)
            results["rows"].append(measure(size, args.runs, work, kapitan))
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
