"""The contract spec's journey between the tools, on the emulator, shared by the tests that read it.

examples/contract.yaml, environment staging, every component first owned by Ansible (its history file
records that, as in a real repository):

1. `provision.yml` creates everything; the emulator is read back (`Journey.inventory`).
2. The services move to Terraform (FIRST): plan, apply, plan again.
3. The rest moves (SECOND): the same, then Ansible runs again (it now only looks up what moved). The
   second database (STAYS: databases.reports, mysql) stays with Ansible: two RDS instances side by side.
4. Everything moves back to Ansible (removed blocks, `destroy = false`): plan, apply, Ansible twice.

Built once per worker (a session fixture, registered in tests/conftest.py) and read by
tests/test_coexistence.py (each move, kind by kind) and tests/test_conformance.py (what the Ansible
side created at step 1). Every test that asks for it is in one xdist group (tests/conftest.py
WORLD_GROUPS), so under `--dist loadgroup` one worker builds it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from envspec.cli import run as envspec_run
from envspec.core.ir import ResourceGraph
from envspec.core.kinds import SECTIONS
from envspec.core.source import parse
from tests.awsemu.ansible import Result
from tests.awsemu.moto import DEFAULT_REGION, MotoServer, aws_env, boto3_client, in_account
from tests.graphs import REPO
from tests.realtf import PlanReport, RealTerraform
from tests.realtf.emulated import ensure_state_bucket, terraform_env
from tests.strategies import dump
from tests.worlds import Emulator, check_against_graph, provision, upload_code

SPEC = REPO / "examples" / "contract.yaml"
ENV = "staging"
OWNER_TAG = "envspec:owner"
DEFAULT_TAGS = ("envspec:app", "envspec:env")  # the provider's default_tags (providers.tf)
# The services move first, so that Terraform reads what Ansible still owns; then the rest.
FIRST = ("services.api", "services.sync-worker")
SECOND = (
    "network", "secrets.secret_key_base", "secrets.hubspot_client_secret", "buckets.uploads", "databases.main",
    "caches.sessions", "queues.jobs", "queues.events",
)
MOVED = (*FIRST, *SECOND)
# Stays with Ansible throughout: a second database in the environment (mysql beside main's postgres), which
# Terraform looks up (services.api reads its url) while it adopts and modifies databases.main.
STAYS = ("databases.reports",)


# ---- the spec at each step of the journey -------------------------------------------------------------


def spec_text(terraform: tuple[str, ...]) -> str:
    """examples/contract.yaml with every component owned by Ansible, but `terraform` in staging."""
    data = parse(SPEC.read_text(encoding="utf-8"), str(SPEC)).data
    data["owner"] = "ansible"
    components: dict[str, Any] = {"network": data["network"]}
    for section in (s for s in SECTIONS if s != "network"):
        components.update({f"{section}.{name}": c for name, c in (data.get(section) or {}).items()})
    for address, component in components.items():
        component.pop("owner", None)
        for override in (component.get("overrides") or {}).values():
            override.pop("owner", None)
        if address in terraform:
            component.setdefault("overrides", {}).setdefault(ENV, {})["owner"] = "terraform"
    return dump(data)


def compile_step(folder: Path, terraform: tuple[str, ...]) -> ResourceGraph:
    """Write the spec (its history file beside it grows, as in a repository), compile it with the CLI."""
    spec = folder / "spec" / "contract.yaml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(spec_text(terraform), encoding="utf-8")
    assert envspec_run(["compile", str(spec), "--out", str(folder / "build")]) == 0
    graph = graphs_with_history(spec)[ENV]
    assert {n.address for n in graph.nodes if n.owner == "terraform"} == set(terraform)
    return graph


def graphs_with_history(spec: Path) -> dict[str, ResourceGraph]:
    from envspec.core import history as history_file
    from envspec.core.lower import lower
    from tests.graphs import load_apps

    (app,) = load_apps(spec)
    recorded = history_file.read(history_file.path_for(spec), app.spec.app) or {}
    return {name: lower(env, recorded.get(name, {})) for name, env in app.environments.items()}


# ---- the journey ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Move:
    """One step: the graph after it, the plan of the move, the plan after apply, Ansible's next run(s)."""

    graph: ResourceGraph
    plan: PlanReport
    empty_after_apply: bool
    ansible: list[Result]
    inventory: dict[str, dict[str, dict[str, str]]]
    password: tuple[str, str]  # the database's (secret ARN, password) after the step


@dataclasses.dataclass
class Journey:
    start: ResourceGraph
    first_run: Result
    inventory: dict[str, dict[str, dict[str, str]]]
    password: tuple[str, str]
    fixtures: dict[str, set[str]]
    moves: dict[str, Move]  # "first", "second", "back"


def database_password(env: Mapping[str, str], graph: ResourceGraph) -> tuple[str, str]:
    """(secret ARN, password) of the database, as the apps read them: the instance's MasterUserSecret."""
    identifier = graph.node("databases.main").inputs["identifier"]
    instance = boto3_client("rds", env).describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    arn = instance["MasterUserSecret"]["SecretArn"]
    value = json.loads(boto3_client("secretsmanager", env).get_secret_value(SecretId=arn)["SecretString"])
    return arn, value["password"]


@pytest.fixture(scope="session")
def journey(moto_server: MotoServer, terraform: RealTerraform, tmp_path_factory: pytest.TempPathFactory) -> Journey:
    """The whole journey, once per worker (the tests that read it are one xdist group)."""
    folder = tmp_path_factory.mktemp("coexistence")
    start = compile_step(folder, ())
    aws = aws_env(moto_server.fresh(), DEFAULT_REGION)
    env = in_account(aws, start.account_id, start.region)
    tf_env = terraform_env(aws, start.account_id, start.region)
    state_bucket = f"{start.app}-{start.account_id}-tfstate"
    ensure_state_bucket(tf_env, state_bucket, start.region)
    fixtures = {"aws_s3_bucket": upload_code(start, env) | {state_bucket}}
    ansible_tree = folder / "build" / start.app / "ansible"
    root = folder / "build" / start.app / "terraform" / ENV

    first_run = provision(ansible_tree, start, env, folder, "provision")
    assert first_run.succeeded, first_run.summary()
    inventory = Emulator(env).inventory()
    assert check_against_graph(inventory, list(start.nodes), fixtures) == []

    moves: dict[str, Move] = {}
    # Ansible runs once after the second move (it then only looks up every moved component: those
    # of the first move too) and twice after the move back; each run costs minutes.
    for step, owned, runs in (("first", FIRST, 0), ("second", MOVED, 1), ("back", (), 2)):
        graph = compile_step(folder, owned)
        terraform.init(root, backend=True, extra_env=tf_env)  # the modules of the components it now owns
        plan = terraform.plan(root, tf_env)
        terraform.apply(root, tf_env)
        empty = terraform.plan_is_empty(root, tf_env)
        results = []
        for i in range(runs):
            result = provision(ansible_tree, graph, env, folder, f"{step}-{i + 1}")
            assert result.succeeded, f"Ansible after the {step} move:\n{result.summary()}"
            results.append(result)
        moves[step] = Move(graph, plan, empty, results, Emulator(env).inventory(), database_password(env, graph))
    return Journey(start, first_run, inventory, database_password(env, start), fixtures, moves)
