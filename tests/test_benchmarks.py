"""The benchmarks run (no timing is asserted anywhere) and their generated specs stay valid."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from envspec.core.lower import lower
from envspec.core.resolve import resolve
from envspec.core.source import parse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import KINDS, generate  # noqa: E402

from envspec.core.kinds import KINDS as REGISTRY  # noqa: E402


def test_the_generated_specs_hold_every_kind() -> None:
    """Every kind of the registry is in the benchmarks' specs (a new kind is measured as specs grow)."""
    assert set(KINDS) == set(REGISTRY) - {"network"}
    graph = [lower(env) for env in resolve([parse(generate(100), "bench.yaml")])[0].environments.values()][0]
    assert {node.kind for node in graph.nodes} == set(REGISTRY)
    assert any(n.kind == "lambda" and n.inputs.get("trigger") for n in graph.nodes)  # a queue trigger


@pytest.mark.parametrize("owner", [None, "terraform", "ansible"])
@pytest.mark.parametrize("size", [1, 2, 7, 13, 60])
def test_generated_specs_resolve_and_lower(size: int, owner: str | None) -> None:
    apps = resolve([parse(generate(size, owner=owner), "bench.yaml")])
    graphs = [lower(env) for env in apps[0].environments.values()]
    assert [len(graph.nodes) for graph in graphs] == [size, size]
    owners = {node.owner for graph in graphs for node in graph.nodes}
    assert owners == ({owner} if owner else ({"terraform"} if size == 1 else {"ansible", "terraform"}))


@pytest.mark.slow
def test_smoke_run_prints_the_table(tmp_path: Path) -> None:
    numbers = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--json", str(numbers)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    for heading in ("Cold start", "envspec validate specs/xkit.yaml", "In-process compile", "Peak memory"):
        assert heading in table, table
    for backends in ("terraform", "ansible", "terraform+ansible"):
        assert any(line.split()[:2] == ["100", backends] for line in table.splitlines()), table
    results = json.loads(numbers.read_text(encoding="utf-8"))
    assert {row["components"] for row in results["compile"]} == {10, 100}
    assert all(row["median_s"]["total"] > 0 for row in results["compile"])
    assert results["machine"]["nproc"] >= 1
