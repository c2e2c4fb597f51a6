"""Every example and specs/xkit.yaml, every environment, Terraform owning every component: the real
`terraform apply` with the real AWS provider succeeds against the emulator, and the second
`plan -detailed-exitcode` is empty (no perpetual diff, tags and default_tags included).

The emulator is tests/test_ansible_moto's (the harness's patched moto plus the specs' AMIs, imported ACM
certificates and Elastic Beanstalk); the state lives in the env root's own S3 backend, in the emulator.

Most of an apply is the provider waiting (about 80 s for an RDS instance, 60 s for a load balancer, 55 s for
a bucket lifecycle), so the environments are applied at the same time, in one test, and each one's result
is reported. Environments that would share names (an app's environments, and contract.yaml and xkit.yaml
are both app `xkit`) get their own emulator. Compiling, the emulated account's fixtures and `terraform init`
(its plugin cache is not safe for concurrent use) are done one after the other first.
"""

from __future__ import annotations

import os
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from envspec.cli import run
from envspec.core.ir import ResourceGraph
from tests.awsemu.moto import MotoServer, aws_env, start_moto
from tests.graphs import graphs_for
from tests.realtf import RealTerraform
from tests.realtf.emulated import all_terraform, ensure_state_bucket, terraform_env
from tests.worlds import CASES, HARNESS_CASE, SPEC_AMIS, import_certificates, upload_code

# examples/minimal.yaml (dev) is applied, re-planned and drifted by tests/test_real_harness.py: not twice.
APPLIED = [(c, spec, e) for c, spec, e in CASES if spec.name != "minimal.yaml"]
# How many applies run at once (each is a terraform and a provider process, mostly waiting).
CONCURRENCY = int(os.environ.get("ENVSPEC_REAL_APPLY_CONCURRENCY", "4"))


def test_every_example_and_environment_is_applied_somewhere() -> None:
    assert sorted(f"{c}-{e}" for c, _, e in [*APPLIED, HARNESS_CASE]) == sorted(f"{c}-{e}" for c, _, e in CASES)


@dataclass
class Root:
    label: str
    graph: ResourceGraph
    path: Path
    env: dict[str, str]


def servers_for(graphs: list[ResourceGraph]) -> list[int]:
    """For each graph, the index of the emulator it runs on. S3 bucket names are global (in moto too, across
    accounts) and an app's names repeat across its environments, so graphs that share an app or a Lambda
    code bucket (`${app}-artifacts` in every environment) get different emulators."""
    taken: list[set[str]] = []
    chosen = []
    for g in graphs:
        keys = {f"app:{g.app}", *(f"bucket:{n.inputs['s3_bucket']}" for n in g.nodes if n.kind == "lambda")}
        index = next((i for i, used in enumerate(taken) if not used & keys), len(taken))
        if index == len(taken):
            taken.append(set())
        taken[index] |= keys
        chosen.append(index)
    return chosen


def prepare(terraform: RealTerraform, endpoint: str, spec: Path, env_name: str, tmp: Path, label: str) -> Root:
    """Compile the all-Terraform copy of `spec`, give the emulated account what the spec expects to exist
    (Lambda code, the certificate it names, the state bucket) and init with the S3 backend."""
    tmp.mkdir(parents=True)
    copy = all_terraform(spec, tmp)
    graph = graphs_for(copy)[env_name]
    out = tmp / "build"
    assert run(["compile", str(copy), "--out", str(out), "--backend", "terraform", "--env", env_name]) == 0
    root = out / graph.app / "terraform" / graph.env
    env = terraform_env(aws_env(endpoint), graph.account_id, graph.region)
    upload_code(graph, env)
    import_certificates(graph, env)
    ensure_state_bucket(env, f"{graph.app}-{graph.account_id}-tfstate", graph.region)
    terraform.init(root, backend=True, extra_env=env)
    return Root(label, graph, root, env)


def apply_and_replan(terraform: RealTerraform, root: Root) -> str | None:
    """None if the apply succeeds and the next plan is empty; else what went wrong."""
    try:
        terraform.apply(root.path, root.env)
        if terraform.plan_is_empty(root.path, root.env):
            return None
        return "the plan after apply is not empty:\n" + terraform.plan(root.path, root.env).summary()
    except AssertionError as exc:
        return str(exc)
    except Exception:  # a harness fault: report it with the others
        return traceback.format_exc()


@pytest.mark.slow
def test_every_environment_applies_and_the_second_plan_is_empty(terraform: RealTerraform, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    graphs = [graphs_for(spec)[env_name] for _, spec, env_name in APPLIED]
    placement = servers_for(graphs)
    servers: list[MotoServer] = []
    try:
        for _ in range(max(placement) + 1):
            folder = tmp_path_factory.mktemp("moto-apply")
            servers.append(start_moto(amis=SPEC_AMIS, log_dir=folder))
        roots = [
            prepare(terraform, servers[placement[i]].endpoint, spec, env_name, tmp_path / f"{case}-{env_name}", f"{case}-{env_name}")
            for i, (case, spec, env_name) in enumerate(APPLIED)
        ]
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            problems = dict(zip((r.label for r in roots), pool.map(lambda r: apply_and_replan(terraform, r), roots)))
    finally:
        for server in servers:
            server.stop()
    failed = {label: problem for label, problem in problems.items() if problem is not None}
    assert not failed, f"{len(failed)} of {len(roots)} environments:\n" + "\n\n".join(f"== {k}: {v}" for k, v in failed.items())
