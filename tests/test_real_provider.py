"""Generated Terraform through the real `terraform` and the real hashicorp/aws provider (5.100 here).

The offline 6.25 schema checks (test_tfcheck) hold the output to 6.x; these hold it to the 5.100
provider binary itself, so `required_providers` (>= 5.100, < 7.0) is true on both ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envspec.cli import run
from tests.graphs import EXAMPLES, REPO
from tests.realtf import RealTerraform
from tests.realtf.emulated import all_terraform

SPECS = [*EXAMPLES, REPO / "specs" / "xkit.yaml"]


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_env_root_validates_with_the_real_5_100_provider(spec: Path, tmp_path: Path, terraform: RealTerraform) -> None:
    copy = all_terraform(spec, tmp_path)
    out = tmp_path / "build"
    assert run(["compile", str(copy), "--out", str(out), "--backend", "terraform"]) == 0
    roots = sorted(p.parent for p in out.glob("*/terraform/*/providers.tf"))
    assert roots, f"no env root compiled from {spec}"
    for root in roots:
        assert "module " in (root / "main.tf").read_text(), f"{root}: no module call: the spec copy is not all-Terraform"
        terraform.init(root)
        assert terraform.version_of_provider(root).startswith("5.100."), "the mirror's provider was not the one installed"
        result = terraform.run(root, "validate", "-no-color")
        assert result.returncode == 0, f"terraform validate failed in {root.relative_to(out)}:\n{result.stdout}{result.stderr}"


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


@pytest.mark.slow
def test_a_queue_trigger_waits_for_its_queue_in_terraforms_own_graph(tmp_path: Path, terraform: RealTerraform) -> None:
    """A new account: the event source mapping of a Terraform-owned lambda comes after its Terraform-owned
    queue, although the core writes the queue's ARN as a literal (the root's `depends_on` is the edge).
    `terraform graph` draws the dependencies as the real binary reads them (dependent -> dependency)."""
    copy = all_terraform(REPO / "examples" / "contract.yaml", tmp_path)
    out = tmp_path / "build"
    assert run(["compile", str(copy), "--out", str(out), "--backend", "terraform"]) == 0
    root = out / "xkit" / "terraform" / "staging"
    (root / "backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')  # no S3: the graph only
    terraform.init(root, backend=True)
    result = terraform.run(root, "graph")
    assert result.returncode == 0, result.stderr
    edges: dict[str, set[str]] = {}
    for line in result.stdout.splitlines():
        if "->" in line:
            left, right = (part.strip().strip(";").strip().strip('"') for part in line.split("->"))
            edges.setdefault(left, set()).add(right)
    mapping = "module.service_sync_worker.aws_lambda_event_source_mapping.this"
    assert mapping in edges, f"no {mapping} in the graph:\n{result.stdout[:3000]}"
    assert _reaches(edges, mapping, "module.queue_jobs.aws_sqs_queue.this"), "the mapping may be created before its queue"
    assert _reaches(edges, mapping, "module.queue_jobs.aws_sqs_queue.dead_letter"), "nor after the dead-letter queue"
