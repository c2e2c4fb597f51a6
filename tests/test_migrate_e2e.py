"""The migration end to end on the emulator, with the real tools and the real commands.

Ansible provisions staging; `envspec migrate` moves the network and the database to Terraform there;
`envspec compile`; the real Terraform (and the real AWS provider) plans only imports and the owner
tag; apply; Ansible's next run changes nothing; `envspec status` shows the move; `envspec migrate
--to ansible` moves the database back, and Terraform's plan only forgets it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from envspec.cli import run
from tests.awsemu.ansible import Result, run_playbook
from tests.realtf import RealTerraform
from tests.realtf.emulated import ensure_state_bucket, terraform_env
from tests.realtf.plan import PlanReport

SPEC = """\
# yaml-language-server: $schema=../schemas/envspec.schema.json
# A small app Ansible provisioned; its network and database move to Terraform, in staging first.
envspec: 1
app: mover
owner: ansible
environments:
  staging:
    region: us-east-1
    account_id: "111111111111"
  production:
    region: us-east-1
    account_id: "222222222222"

network:
  cidr: 10.40.0.0/16     # two zones, one NAT gateway
  availability_zones: 2
  nat_gateway: single

buckets:
  files:
    versioning: true

databases:
  main:
    engine: postgres
    version: "16.4"
    instance_class: db.t4g.micro
    storage_gb: 20
    deletion_protection: false
"""
ENV = "staging"
# What this test found the two tools still set differently (a real change in AWS on adoption), each
# with the issue that owns it. The test requires exactly these, so that fixing one fails it here:
# then delete its entry. Until then the rest of the move (apply, Ansible changed=0, status, moving
# back) is still checked.
KNOWN_GAPS = {
    # The provider does not read manage_master_user_password on import, so the plan "sets" it; RDS already
    # manages the password of an instance the Ansible role made (README "The database password"), and
    # asking again changes nothing: the secret and the password stay (tests/test_coexistence.py checks them).
    ("aws_db_instance", "manage_master_user_password"),
}
OWNER_TAG = "envspec:owner"
# Arguments of the provider with no AWS counterpart: read by Terraform when it modifies or deletes the
# object (ModifyDBInstance, DeleteDBInstance parameters; the provider's own clean-up), never stored in
# AWS, so an import cannot read them and the first plan sets them in the state only.
PROVIDER_ONLY = {
    "aws_db_instance": {"apply_immediately", "skip_final_snapshot", "final_snapshot_identifier", "delete_automated_backups"},
    "aws_security_group": {"revoke_rules_on_delete"},
    "aws_elasticache_cluster": {"apply_immediately"},
}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def provision(folder: Path, env: Mapping[str, str], label: str) -> Result:
    tree = folder / "build" / "mover" / "ansible"
    result = run_playbook(tree / "provision.yml", inventory=tree / "inventories" / ENV, env=env, cwd=tree,
                          tmp_dir=folder / f"ansible-{label}")
    assert result.succeeded, result.summary()
    return result


def only_the_owner_tag(plan: PlanReport, address: str, gaps: set[tuple[str, str]]) -> list[str]:
    """What else than the `envspec:owner` tag the plan changes in AWS on `address` (empty: nothing else).
    `tags_all` is what AWS will have (the provider's default tags included); `tags` only how the
    configuration splits it."""
    problems = []
    type_ = re.sub(r"\[.*$", "", address).split(".")[-2]  # module.NAME[.module.CALL].TYPE.LABEL[KEY]
    for name, (before, after) in plan.changes(address).items():
        if name in PROVIDER_ONLY.get(type_, ()) or name == "tags":  # `tags`: see tags_all, what AWS has
            continue
        if (type_, name) in KNOWN_GAPS:
            gaps.add((type_, name))
            continue
        if name != "tags_all":
            problems.append(f"{address}: {name}: {before!r} -> {after!r}")
            continue
        before, after = dict(before or {}), dict(after or {})
        before.pop(OWNER_TAG, None)
        after.pop(OWNER_TAG, None)
        if before != after:
            problems.append(f"{address}: tags beyond {OWNER_TAG}: {before!r} -> {after!r}")
    return problems


def module_of(address: str) -> str:
    return address.split(".")[1]  # module.NAME.TYPE.LABEL -> NAME


@pytest.mark.slow
def test_move_to_terraform_and_back_on_the_emulator(
    aws: dict[str, str], terraform: RealTerraform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "repo"
    (folder / "specs").mkdir(parents=True)
    spec = folder / "specs" / "mover.yaml"
    spec.write_text(SPEC)
    monkeypatch.chdir(folder)
    env = terraform_env(aws, "111111111111", "us-east-1")

    # 1. Ansible provisions staging (the history records that Ansible owns everything)
    cli(capsys, "compile", "specs/", "--out", "build")
    provision(folder, env, "first")

    # 2. the move, as a developer makes it
    original = spec.read_text()
    told = cli(capsys, "migrate", "network", "--to", "terraform", "--env", ENV, "specs/mover.yaml")
    assert "specs/mover.yaml: network moves from ansible to terraform in staging" in told
    told = cli(capsys, "migrate", "databases.main", "--to", "terraform", "--env", ENV)
    assert "aws_db_instance mover-staging-main: import id mover-staging-main" in told
    assert "terraform -chdir=build/mover/terraform/staging plan" in told
    moved = spec.read_text()
    assert [line for line in moved.splitlines() if line not in original.splitlines()] == [
        "  overrides:", "    staging:", "      owner: terraform",
        "    overrides:", "      staging:", "        owner: terraform",
    ]
    review = cli(capsys, "plan-move")
    assert "#### `network` in staging: ansible → terraform" in review
    assert "#### `databases.main` in staging: ansible → terraform" in review
    cli(capsys, "compile", "specs/", "--out", "build")
    history = json.loads((folder / "specs" / "mover.history.json").read_text())["environments"][ENV]
    assert history["network"] == history["databases.main"] == ["ansible", "terraform"]

    # 3. the real Terraform plans only imports and the owner tag, and applies them
    root = folder / "build" / "mover" / "terraform" / ENV
    ensure_state_bucket(env, _state_bucket(root), "us-east-1")
    terraform.init(root, backend=True, extra_env=env)
    plan = terraform.plan(root, env)
    assert plan.imports, plan.summary()
    assert not (plan.creates or plan.replaces or plan.deletes or plan.forgets), plan.summary()
    assert {module_of(a) for a in plan.imports} == {"network", "database_main"}, plan.summary()
    gaps: set[tuple[str, str]] = set()
    problems = [p for address in (*plan.imports, *plan.updates) for p in only_the_owner_tag(plan, address, gaps)]
    assert not problems, "\n".join(problems) + "\n" + plan.summary()
    assert gaps == KNOWN_GAPS, f"fixed, so delete from KNOWN_GAPS: {sorted(KNOWN_GAPS - gaps)}"
    terraform.apply(root, env)
    settled = terraform.plan(root, env)
    assert settled.is_empty, settled.summary()

    # 4. Ansible's next run changes nothing: it only looks the moved components up
    again = provision(folder, env, "after-move")
    assert again.changed == 0, again.summary()

    # 5. status shows the move
    status = json.loads(cli(capsys, "status", "--json", "--env", ENV))
    components = status["apps"][0]["environments"][ENV]["components"]
    assert {a: (c["owner"], c["state"]) for a, c in components.items()} == {
        "network": ("terraform", "adopting"),
        "buckets.files": ("ansible", "steady"),
        "databases.main": ("terraform", "adopting"),
    }
    assert "  staging: 2 of 3 components on Terraform" in cli(capsys, "status")

    # 6. the database moves back: Terraform only forgets it
    told = cli(capsys, "migrate", "databases.main", "--to", "ansible", "--env", ENV)
    assert "Terraform forgets" in told and "Ansible manages it again" in told
    cli(capsys, "compile", "specs/", "--out", "build")
    back = terraform.plan(root, env)
    assert back.forgets, back.summary()
    assert {module_of(a) for a in back.forgets} == {"database_main"}, back.summary()
    assert not (back.imports or back.creates or back.updates or back.replaces or back.deletes), back.summary()


def _state_bucket(root: Path) -> str:
    text = (root / "backend.tf").read_text()
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "bucket":
            return str(json.loads(value.strip()))
    raise AssertionError(f"no state bucket in {root / 'backend.tf'}:\n{text}")

