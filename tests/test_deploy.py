"""`envspec deploy`: the plan (golden `--dry-run` output), missing tools, failures, Ctrl-C.

The runs against the emulated AWS (zero downtime, a failed health check, a new account) are in
tests/test_deploy_moto.py; these tests run stand-in tools (small scripts put first on PATH) where
a tool must run, so they take a second.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from envspec.operations import deploy
from envspec.core.ir import ResourceGraph
from envspec.core.lower import lower
from envspec.core.resolve import resolve
from envspec.core.source import load

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "deploy"
# (case, spec, environment, extra arguments): an all-Ansible, an all-Terraform and a mixed spec.
DRY_RUNS = [
    ("all-ansible", "examples/minimal.yaml", "dev", ("--version", "1.0.0")),
    ("all-terraform", "examples/ec2-database.yaml", "staging", ("--version", "2.3.4")),
    ("mixed", "specs/xkit.yaml", "staging", ("--version", "2026.12.1")),
    ("mixed-only-infrastructure", "specs/xkit.yaml", "production", ()),
    ("mixed-only-one-service", "specs/xkit.yaml", "staging", ("--version", "7", "--only", "services.api")),
    ("two-apps", "examples/two-apps", "production", ("--version", "1.0.0")),
]


def envspec(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "envspec", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )


def graph_of(spec: str, env: str) -> ResourceGraph:
    (app,) = resolve(load([REPO / spec]))
    return lower(app.environments[env])


@pytest.mark.parametrize(("case", "spec", "env", "extra"), DRY_RUNS, ids=[c[0] for c in DRY_RUNS])
def test_dry_run_golden(case: str, spec: str, env: str, extra: tuple[str, ...], update_golden: bool) -> None:
    done = envspec("deploy", env, spec, *extra, "--dry-run")
    assert done.returncode == 0, done.stderr
    golden = GOLDEN / f"{case}.txt"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(done.stdout)
    assert done.stdout == golden.read_text(), f"rerun with --update-golden if the change is intended:\n{done.stdout}"


def test_dry_run_writes_nothing_and_needs_no_tool(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no ansible-playbook, no terraform
    done = envspec("deploy", "staging", str(REPO / "specs" / "xkit.yaml"), "--out", str(tmp_path / "out"), "--dry-run", env=env)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "out").exists()


def test_plan_follows_ownership() -> None:
    names = {
        spec: [s.name for s in deploy.plan(graph_of(spec, env), Path("build/x"), version="1")]
        for _, spec, env, _ in DRY_RUNS[:3]
    }
    assert names["examples/minimal.yaml"] == ["bootstrap", "provision", "release"]
    assert names["examples/ec2-database.yaml"] == ["bootstrap", "terraform init", "terraform apply", "release"]
    assert names["specs/xkit.yaml"] == ["bootstrap", "terraform init", "terraform apply", "provision", "release"]
    # the account check (bootstrap.yml's first task) comes before anything that changes AWS
    assert all(n[0] == "bootstrap" for n in names.values())


MIXED = """\
envspec: 1
app: mid
environments:
  a: {region: us-east-1, account_id: '111111111111'}
network: {cidr: 10.1.0.0/16, owner: NETWORK}
databases:
  main: {engine: postgres, version: '16.4', instance_class: db.t4g.micro, owner: DATABASE}
buckets:
  files: {owner: terraform}
services:
  worker:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://mid-artifacts/worker.zip
    vpc: true
    owner: WORKER
    env: {DATABASE_PASSWORD_SECRET: '${databases.main.password}'}
  web:
    type: ec2
    ami: ami-12345678
    instance_type: t3.small
    owner: WEB
    env: {WORKER: '${services.worker.arn}'}
"""


def mixed(tmp_path: Path, **owners: str) -> ResourceGraph:
    text = MIXED
    for component, owner in owners.items():
        text = text.replace(component.upper(), owner)
    spec = tmp_path / "mid.yaml"
    spec.write_text(text)
    (app,) = resolve(load([spec]))
    return lower(app.environments["a"])


def test_the_tools_run_in_the_order_their_components_need_each_other(tmp_path: Path) -> None:
    """Each tool's round comes after the rounds of what its components need from the other tool, so
    that a new account is stood up in one command, in the middle of a migration too."""
    every = ("network", "databases.main", "services.worker", "services.web")

    def rounds(**owners: str) -> list[tuple[str, tuple[str, ...]]]:
        return deploy.tool_rounds(mixed(tmp_path, **owners))

    # Ansible needs Terraform's (or nothing crosses): Terraform first, one round each
    assert rounds(network="terraform", database="terraform", worker="terraform", web="ansible") == [
        ("terraform", ("network", "buckets.files", "databases.main", "services.worker")), ("ansible", ("services.web",))]
    # only Terraform needs Ansible's: Ansible first
    assert [t for t, _ in rounds(network="ansible", database="ansible", worker="terraform", web="terraform")] == [
        "ansible", "terraform"]
    # both ways: the network (Ansible) -> the database (Terraform) -> the worker (Ansible) -> web (Terraform)
    four = rounds(network="ansible", database="terraform", worker="ansible", web="terraform")
    assert four == [
        ("ansible", ("network",)),
        ("terraform", ("buckets.files", "databases.main")),
        ("ansible", ("network", "services.worker")),
        ("terraform", ("buckets.files", "databases.main", "services.web")),
    ]
    assert {a for _, addresses in four for a in addresses} >= set(every)
    steps = deploy.plan(mixed(tmp_path, network="ansible", database="terraform", worker="ansible", web="terraform"),
                        Path("out/mid"), version=None)
    assert [s.name for s in steps] == [
        "bootstrap", "terraform init", "provision (round 1 of 4)", "terraform apply (round 2 of 4)",
        "provision (round 3 of 4)", "terraform apply (round 4 of 4)",
    ]
    assert steps[2].argv[-2:] == ("-e", '{"envspec_provision_only":["network"]}')
    assert steps[3].argv[-2:] == ("-target=module.bucket_files", "-target=module.database_main")
    assert steps[4].argv[-1] == "provision.yml"
    assert steps[5].argv[-1] == "-auto-approve"  # the last round of each tool: everything it owns


def test_release_batch_is_the_smallest_max_unavailable(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "envspec: 1\napp: demo\nenvironments:\n  a: {region: us-east-1, account_id: '111111111111'}\n"
        "network: {cidr: 10.1.0.0/16}\nservices:\n"
        "  one: {type: ec2, ami: ami-12345678, instance_type: t3.small, count: 4, deploy: {max_unavailable: 2}}\n"
        "  two: {type: ec2, ami: ami-12345678, instance_type: t3.small, count: 6, deploy: {max_unavailable: 3}}\n"
    )
    (app,) = resolve(load([spec]))
    steps = deploy.plan(lower(app.environments["a"]), Path("out/demo"), version="1")
    assert "envspec_max_unavailable=2" in steps[-1].argv


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("deploy", "nowhere", "specs/xkit.yaml", "--dry-run"), "no environment 'nowhere' in the specs; declared: production, staging"),
        (("deploy", "staging", "specs/xkit.yaml", "--only", "services.nope", "--dry-run"), "--only services.nope: no such service"),
        (("deploy", "staging", "specs/xkit.yaml", "--only", "network", "--dry-run"), "a release is of a service"),
        (("deploy", "staging", "specs/xkit.yaml", "--version", "1.0; rm -rf /", "--dry-run"), "--version"),
        # an empty path is refused as `compile` refuses it (it would have been the current folder)
        (("deploy", "staging", "", "--dry-run"), "an empty path was given"),
        (("deploy", "staging", "specs/xkit.yaml", "--out", "", "--dry-run"), "--out: an empty path was given"),
    ],
)
def test_bad_command_lines_exit_1(args: tuple[str, ...], message: str) -> None:
    done = envspec(*args)
    assert done.returncode == 1, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_tools_are_named_with_how_to_get_them(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}
    done = envspec("deploy", "staging", str(REPO / "specs" / "xkit.yaml"), "--version", "1", "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 1
    assert "ansible-playbook not found on PATH: install Ansible" in done.stderr
    assert "terraform not found on PATH: install Terraform >= 1.11" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists(), "nothing is written before the tools are there"
    # an all-Ansible environment does not need Terraform
    done = envspec("deploy", "dev", str(REPO / "examples" / "minimal.yaml"), "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 1
    assert "ansible-playbook not found" in done.stderr and "terraform" not in done.stderr


def fake_tools(folder: Path, script: str) -> dict[str, str]:
    """`ansible-playbook` and `terraform` stand-ins (running `script`, which sees the tool's name in $0)."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "calls.log"
    for tool in ("ansible-playbook", "terraform"):
        path = folder / tool
        path.write_text(f'#!/bin/sh\necho "$(basename "$0") $*" >> {log}\n{script}\n')
        path.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_steps_run_in_order_under_headers(tmp_path: Path) -> None:
    env = fake_tools(tmp_path / "bin", 'echo "output of $(basename "$0") TF_CLI_ARGS=${TF_CLI_ARGS:-}"')
    done = envspec("deploy", "staging", str(REPO / "specs" / "xkit.yaml"), "--version", "3", "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 0, done.stderr
    # the output is not a terminal: Terraform writes no colour codes into the log
    assert "output of terraform TF_CLI_ARGS=-no-color" in done.stdout
    calls = (tmp_path / "bin" / "calls.log").read_text().splitlines()
    assert [c.split()[0] + " " + c.split()[-1] for c in calls] == [
        "ansible-playbook bootstrap.yml", "terraform -input=false", "terraform -auto-approve",
        "ansible-playbook provision.yml", "ansible-playbook envspec_max_unavailable=1",
    ]
    assert (tmp_path / "out" / "xkit" / "ansible" / "bootstrap.yml").is_file()
    headers = [line for line in done.stdout.splitlines() if line.startswith("==> ")]
    assert headers == [
        "==> compile", "==> [1/5] xkit: bootstrap", "==> [2/5] xkit: terraform init", "==> [3/5] xkit: terraform apply",
        "==> [4/5] xkit: provision", "==> [5/5] xkit: release", "==> done: 5 steps",
    ]
    assert done.stdout.index("output of terraform") > done.stdout.index("==> [2/5]")


def test_a_failed_step_stops_the_deploy_naming_the_step_and_host(tmp_path: Path) -> None:
    failing = (
        'case "$*" in *deploy.yml*) echo "TASK [ec2 : Wait until the service answers its health check] ****";'
        ' echo \'fatal: [xkit-staging-api-2]: FAILED! => {"changed": false, "msg": "Status code was 500"}\'; exit 2;; esac'
    )
    env = fake_tools(tmp_path / "bin", failing)
    done = envspec("deploy", "staging", str(REPO / "specs" / "xkit.yaml"), "--version", "3", "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 1
    assert (
        "step 5/5 'release' of xkit failed (exit status 2) on host xkit-staging-api-2, "
        "task 'ec2 : Wait until the service answers its health check': Status code was 500"
    ) in done.stderr
    env = fake_tools(tmp_path / "bin2", 'case "$*" in *apply*) exit 1;; esac')
    done = envspec("deploy", "staging", str(REPO / "specs" / "xkit.yaml"), "--version", "3", "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 1
    assert "step 3/5 'terraform apply' of xkit failed (exit status 1); steps not run: provision, release" in done.stderr
    calls = (tmp_path / "bin2" / "calls.log").read_text()
    assert "provision.yml" not in calls and "deploy.yml" not in calls


def test_ctrl_c_stops_the_running_tool_and_exits_130(tmp_path: Path) -> None:
    marker = tmp_path / "stopped"
    script = (
        f"trap 'echo stopped > {marker}; exit 130' INT\n"
        'case "$*" in *bootstrap.yml*) echo started; while true; do sleep 0.1; done;; esac'
    )
    env = fake_tools(tmp_path / "bin", script)
    proc = subprocess.Popen(
        [sys.executable, "-m", "envspec", "deploy", "staging", str(REPO / "specs" / "xkit.yaml"), "--out", str(tmp_path / "out")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # as from a shell: pytest-xdist workers ignore SIGINT, and an ignored signal is inherited
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if line.strip() == "started":
                break
        proc.send_signal(signal.SIGINT)  # to envspec only, as a test can; a terminal sends it to both
        started = time.monotonic()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # whatever went wrong, leave no process behind (its own session)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert time.monotonic() - started < 30
    assert marker.read_text() == "stopped\n", "the running tool got Ctrl-C too"
    assert "interrupted during xkit: bootstrap" in out
    assert "terraform" not in (tmp_path / "bin" / "calls.log").read_text()


WORKER_SPEC = """\
envspec: 1
app: wk
environments:
  a: {region: us-east-1, account_id: "111111111111"}
network: {cidr: 10.1.0.0/16}
services:
  jobs:
    type: ec2
    ami: ami-12345678
    instance_type: t3.small
    port: null
    owner: terraform
    release: {artifact: "s3://wk-releases/jobs/{version}.tar.gz", start: bin/jobs}
"""


def test_a_worker_has_no_port_and_cannot_be_public(tmp_path: Path) -> None:
    spec = tmp_path / "wk.yaml"
    spec.write_text(WORKER_SPEC.replace("    owner: terraform\n", "    public: true\n"))
    done = envspec("validate", str(spec))
    assert done.returncode == 1
    assert "services.jobs.port: a public service needs a `port` for the load balancer" in done.stderr
    spec.write_text(WORKER_SPEC)
    (app,) = resolve(load([spec]))
    node = lower(app.environments["a"]).node("services.jobs")
    assert node.inputs["port"] is None and node.inputs["load_balancer"] is None


@pytest.mark.slow
def test_a_worker_compiles_to_valid_terraform(tmp_path: Path, terraform: Any) -> None:
    spec = tmp_path / "wk.yaml"
    spec.write_text(WORKER_SPEC)
    done = envspec("compile", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    root = tmp_path / "out" / "wk" / "terraform" / "a"
    assert "port                  = null" in (root / "main.tf").read_text()
    terraform.init(root)
    result = terraform.run(root, "validate", "-no-color")
    assert result.returncode == 0, result.stdout + result.stderr
