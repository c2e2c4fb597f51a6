"""Every example and specs/xkit.yaml, every environment, Terraform owning every component: the real
`terraform apply` with the real AWS provider succeeds against the emulator, and the second
`plan -detailed-exitcode` is empty (no perpetual diff, tags and default_tags included).

One environment, xkit staging (every shape of service: ec2 behind the load balancer reaching a database,
beanstalk, lambda in and outside the VPC reaching a database), is applied first with the services' modules
as they were before their IAM role and security group moved into `modules/service_access` (kept in
tests/realtf/before_service_access/, from `BEFORE_SERVICE_ACCESS`) and the network module as it was before
the security group rules were decided in the core, one resource per rule (tests/realtf/
before_security_group_rules/), then with today's: that plan may only move state (the modules' `moved`
blocks: into `module.access`, and each rule to the instance of its name, `this["https"]`), creating,
changing, replacing and destroying nothing; after its apply the next plan is empty like everywhere else.

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
import re
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from envspec.cli import run
from envspec.core.ir import ResourceGraph
from tests.awsemu.moto import MotoServer, aws_env, start_moto
from tests.graphs import REPO, graphs_for
from tests.realtf import RealTerraform
from tests.realtf.plan import PlanReport
from tests.realtf.emulated import all_terraform, ensure_state_bucket, terraform_env
from tests.worlds import CASES, HARNESS_CASE, SPEC_AMIS, import_certificates, upload_code

# examples/minimal.yaml (dev) is applied, re-planned and drifted by tests/test_real_harness.py: not twice.
APPLIED = [(c, spec, e) for c, spec, e in CASES if spec.name != "minimal.yaml"]
# Applied first with the modules of before modules/service_access, then moved (see the module doc).
BEFORE_SERVICE_ACCESS = "2a65495c7f3fef4748ce7c7b4ed992cb5eeda566"
REALTF = REPO / "tests" / "realtf"
# Module files of before, by kind: the services' as they were at that commit (their `adapter.tf` gives them
# what today's root no longer passes), the network's before the rules were decided in the core.
BEFORE = {
    **{kind: REALTF / "before_service_access" / kind for kind in ("ec2", "beanstalk", "lambda")},
    "network": REALTF / "before_security_group_rules" / "network",
}
# Where a rule resource of before is now: the instance of the rule's name (IR `SecurityGroupRule.name`).
RULES_MOVED = {
    "aws_vpc_security_group_egress_rule.https": 'aws_vpc_security_group_egress_rule.this["https"]',
    "aws_vpc_security_group_egress_rule.https[0]": 'aws_vpc_security_group_egress_rule.this["https"]',  # lambda's
    "aws_vpc_security_group_ingress_rule.from_lb[0]": 'aws_vpc_security_group_ingress_rule.this["from-lb"]',
    "aws_vpc_security_group_ingress_rule.lb_https[0]": 'aws_vpc_security_group_ingress_rule.lb["https"]',
    "aws_vpc_security_group_ingress_rule.lb_http[0]": 'aws_vpc_security_group_ingress_rule.lb["http"]',
    "aws_vpc_security_group_egress_rule.lb_to_vpc[0]": 'aws_vpc_security_group_egress_rule.lb["to-vpc"]',
}
RENAMED = {"xkit-staging"}
# How many applies run at once (each is a terraform and a provider process, mostly waiting).
CONCURRENCY = int(os.environ.get("ENVSPEC_REAL_APPLY_CONCURRENCY", "4"))


def test_every_example_and_environment_is_applied_somewhere() -> None:
    assert sorted(f"{c}-{e}" for c, _, e in [*APPLIED, HARNESS_CASE]) == sorted(f"{c}-{e}" for c, _, e in CASES)
    assert RENAMED <= {f"{c}-{e}" for c, _, e in APPLIED}


def test_only_moves_into_service_access_reads_the_plan() -> None:
    def change(address: str, actions: list[str], previous: str | None = None) -> dict[str, object]:
        rc: dict[str, object] = {"address": address, "mode": "managed", "change": {"actions": actions, "before": {}, "after": {}}}
        return rc | ({"previous_address": previous} if previous else {})

    moved = [
        change("module.s.module.access.aws_iam_role.this", ["no-op"], "module.s.aws_iam_role.this"),
        change("module.s.module.access.aws_security_group.this[0]", ["no-op"], "module.s.aws_security_group.this"),
        change('module.s.module.access.aws_vpc_security_group_ingress_rule.this["databases.main"]', ["no-op"],
               'module.s.aws_vpc_security_group_ingress_rule.database["databases.main"]'),
        change('module.s.module.access.aws_vpc_security_group_egress_rule.this["https"]', ["no-op"],
               "module.s.aws_vpc_security_group_egress_rule.https[0]"),
        change('module.n.aws_vpc_security_group_egress_rule.lb["to-vpc"]', ["no-op"], "module.n.aws_vpc_security_group_egress_rule.lb_to_vpc[0]"),
        change('module.s.module.access.aws_vpc_security_group_ingress_rule.this["from-lb"]', ["no-op"],
               "module.s.aws_vpc_security_group_ingress_rule.from_lb[0]"),
    ]
    assert only_moves_into_service_access(PlanReport.of({"resource_changes": moved})) == []
    assert only_moves_into_service_access(PlanReport.of({"resource_changes": []}))  # moves nothing
    since = [*moved, change("module.service_s.aws_lambda_alias.this", ["create"]),
             change("module.service_s.aws_lambda_permission.schedule[0]", ["create", "delete"])]
    assert only_moves_into_service_access(PlanReport.of({"resource_changes": since})) == []
    function = [*moved, change("module.service_s.aws_lambda_function.this", ["delete", "create"])]
    assert "not only moves" in only_moves_into_service_access(PlanReport.of({"resource_changes": function}))[0]
    replaced = [*moved, change("module.s.aws_instance.this", ["delete", "create"])]
    assert "not only moves" in only_moves_into_service_access(PlanReport.of({"resource_changes": replaced}))[0]
    elsewhere = [*moved, change("module.t.aws_iam_role.this", ["no-op"], "module.s.aws_iam_role.this")]
    assert "not where" in only_moves_into_service_access(PlanReport.of({"resource_changes": elsewhere}))[0]
    renamed = [*moved, change('module.n.aws_vpc_security_group_ingress_rule.lb["http"]', ["no-op"],
                              "module.n.aws_vpc_security_group_ingress_rule.lb_https[0]")]
    assert "not where" in only_moves_into_service_access(PlanReport.of({"resource_changes": renamed}))[0]


@dataclass
class Root:
    label: str
    graph: ResourceGraph
    path: Path
    env: dict[str, str]
    today: dict[Path, str | None] | None = None  # the modules' files to put back (None: remove) after a first apply with older ones


def modules_before_service_access(modules: Path) -> dict[Path, str | None]:
    """Put the modules of before (`BEFORE`: the services' of `BEFORE_SERVICE_ACCESS`, the network's before
    the rules were the core's) in the tree's `modules/`; returns today's (None: a file today has not)."""
    today: dict[Path, str | None] = {}
    for kind, folder in BEFORE.items():
        for before in sorted(folder.glob("*.tf")):  # only the files that changed since are kept
            path = modules / kind / before.name
            today[path] = path.read_text(encoding="utf-8") if path.exists() else None
            path.write_text(before.read_text(encoding="utf-8"), encoding="utf-8")
    return today


def moved_to(old: str) -> set[str]:
    """Where the `moved` blocks may take `old`: a service's resource into its `module.access` (a rule to the
    instance of its name there), the network's rules to the instances of their names."""
    module, _, address = old.partition(".")[2].partition(".")
    module = f"module.{module}"
    rule = re.fullmatch(r"(aws_vpc_security_group_\w+_rule)\.database(\[.*\])", address)
    if rule:
        address = f"{rule.group(1)}.this{rule.group(2)}"
    address = RULES_MOVED.get(address, address)
    if address.startswith("aws_vpc_security_group_") and ".lb[" in address:
        return {f"{module}.{address}"}
    return {f"{module}.module.access.{address}", f"{module}.module.access.{address}[0]"}


# What today's modules change besides the moves: features built after the old layout, not renames. Each
# is matched by address and exact actions; anything else in the plan is a problem.
SINCE = (
    (r"module\.service_\w+\.aws_lambda_alias\.this", ["create"], "Lambda releases: the alias `live`"),
    (r"module\.service_\w+\.aws_lambda_function\.this", ["update"], "Lambda releases: `publish = true`"),
    (r"module\.service_\w+\.aws_cloudwatch_event_target\.this\[0\]", ["update"], "the schedule invokes the alias"),
    (r"module\.service_\w+\.aws_lambda_permission\.schedule\[0\]", ["create", "delete"],
     "the schedule's permission is the alias' (its qualifier forces a new one, made before the old goes)"),
    (r"module\.service_\w+\.aws_elastic_beanstalk_environment\.this", ["update"], "Beanstalk releases: the deployment policy"),
)


def _since(rc: dict[str, object]) -> bool:
    actions = rc["change"]["actions"]  # type: ignore[index]
    return any(re.fullmatch(pattern, str(rc["address"])) and actions == expected for pattern, expected, _ in SINCE)


def only_moves_into_service_access(plan: PlanReport) -> list[str]:
    """What the plan from the old modules' state to today's modules does besides moving resources where
    `moved_to` says and the changes of features built since (`SINCE`) (empty: nothing), or that it moves
    nothing."""
    changes = [rc for rc in plan.raw.get("resource_changes", ()) if rc["change"]["actions"] != ["no-op"]]
    problems = [f"not only moves:\n{plan.summary()}"] if [rc for rc in changes if not _since(rc)] else []
    moves = {rc["previous_address"]: rc["address"] for rc in plan.raw.get("resource_changes", ()) if rc.get("previous_address")}
    for old, new in sorted(moves.items()):
        if new not in moved_to(old):
            problems.append(f"moved {old} to {new}, not where the moved blocks take it ({sorted(moved_to(old))})")
    if not any(".aws_iam_role.this" in a for a in moves) or not any(".aws_security_group.this" in a for a in moves):
        problems.append(f"moves no role or no security group: {sorted(moves)}")
    if not any('.lb["to-vpc"]' in a for a in moves.values()) or not any('.this["from-lb"]' in a for a in moves.values()):
        problems.append(f"moves no load balancer rule or no rule from it: {sorted(moves.values())}")
    return problems


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
    today = modules_before_service_access(root.parent / "modules") if label in RENAMED else None
    env = terraform_env(aws_env(endpoint), graph.account_id, graph.region)
    upload_code(graph, env)
    import_certificates(graph, env)
    ensure_state_bucket(env, f"{graph.app}-{graph.account_id}-tfstate", graph.region)
    terraform.init(root, backend=True, extra_env=env)
    return Root(label, graph, root, env, today)


def apply_and_replan(terraform: RealTerraform, root: Root) -> str | None:
    """None if the apply succeeds and the next plan is empty; else what went wrong."""
    try:
        terraform.apply(root.path, root.env)
        if root.today is not None:  # applied with the old modules: today's may only move what they made
            for path, text in root.today.items():
                if text is None:
                    path.unlink()
                else:
                    path.write_text(text, encoding="utf-8")
            got = terraform.run(root.path, "get", "-no-color", extra_env=root.env)  # modules/service_access
            assert got.returncode == 0, f"terraform get failed:\n{got.stdout}\n{got.stderr}"
            problems = only_moves_into_service_access(terraform.plan(root.path, root.env))
            if problems:
                return "from the modules before modules/service_access:\n" + "\n".join(problems)
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
