"""The real-provider harness itself (tests/realtf): real terraform, the real AWS provider, the env root's own
S3 backend, all against the tests' emulator; and that its checks can fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envspec.cli import run
from tests.awsemu.moto import boto3_client
from tests.graphs import graphs_for
from tests.realtf import PlanReport, RealTerraform
from tests.realtf.emulated import all_terraform, ensure_state_bucket, terraform_env
from tests.worlds import HARNESS_CASE, upload_code  # HARNESS_CASE: the one example this module applies



def _change(address: str, actions: list[str], before: dict | None, after: dict | None, unknown: dict | None = None, **extra: object) -> dict:
    return {
        "address": address,
        "mode": "managed",
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown or {}, **extra},
    }


def test_plan_report_sorts_actions_and_ignores_unknown_after_apply() -> None:
    plan = {
        "resource_changes": [
            _change("aws_vpc.a", ["no-op"], {"id": "vpc-1"}, {"id": "vpc-1"}, importing={"id": "vpc-1"}),
            _change(
                "aws_subnet.b",
                ["update"],
                {"id": "s", "map_public_ip_on_launch": True, "tags": {"a": "1"}, "tags_all": {"a": "1"}, "arn": "x"},
                {"id": "s", "map_public_ip_on_launch": False, "tags": {"a": "1", "o": "t"}, "arn": None},
                {"tags_all": True, "arn": True},
                importing={"id": "s"},
            ),
            _change("aws_lb.c", ["update"], {"rules": [{"x": 1, "arn": "r"}]}, {"rules": [{"x": 1}]}, {"rules": [{"arn": True}]}),
            _change("aws_db_instance.d", ["delete", "create"], {"id": "d"}, {"id": None}, {"id": True}),
            _change("aws_s3_bucket.e", ["create"], None, {"bucket": "e"}),
            _change("aws_iam_role.f", ["delete"], {"name": "f"}, None),
            _change("aws_iam_role.g", ["forget"], {"name": "g"}, None),
            {"address": "data.aws_vpc.h", "mode": "data", "change": {"actions": ["read"]}},
        ]
    }
    report = PlanReport.of(plan)
    assert report.imports == ("aws_subnet.b", "aws_vpc.a")
    assert report.updates == ("aws_lb.c", "aws_subnet.b")
    assert (report.replaces, report.creates, report.deletes, report.forgets) == (
        ("aws_db_instance.d",), ("aws_s3_bucket.e",), ("aws_iam_role.f",), ("aws_iam_role.g",)
    )
    assert report.changes("aws_subnet.b") == {"map_public_ip_on_launch": (True, False), "tags": ({"a": "1"}, {"a": "1", "o": "t"})}
    assert report.unknown("aws_subnet.b") == ("arn", "tags_all")
    assert report.changes("aws_lb.c") == {}, "an unknown nested leaf is not a change"
    assert report.changes("aws_vpc.a") == {}
    assert "map_public_ip_on_launch: True -> False" in report.summary()
    assert not report.is_empty and PlanReport.of({}).is_empty
    with pytest.raises(KeyError, match="aws_nothing.x is not in the plan"):
        report.changes("aws_nothing.x")


@pytest.mark.slow
def test_apply_a_small_example_then_the_second_plan_is_empty(terraform: RealTerraform, aws: dict[str, str], tmp_path: Path) -> None:
    """examples/minimal.yaml, all-Terraform: created through the root's own S3 backend (state in the emulator),
    nothing left to do after apply; a change made behind Terraform's back shows up as one update."""
    _, spec, env_name = HARNESS_CASE
    copy = all_terraform(spec, tmp_path)
    graph = graphs_for(copy)[env_name]
    out = tmp_path / "build"
    assert run(["compile", str(copy), "--out", str(out), "--backend", "terraform"]) == 0
    root = out / graph.app / "terraform" / graph.env

    env = terraform_env(aws, graph.account_id, graph.region)
    upload_code(graph, env)
    bucket = f"{graph.app}-{graph.account_id}-tfstate"
    assert f'bucket       = "{bucket}"' in (root / "backend.tf").read_text()
    ensure_state_bucket(env, bucket, graph.region)
    terraform.init(root, backend=True, extra_env=env)

    first = terraform.plan(root, env)
    assert first.creates and not (first.imports or first.updates or first.replaces or first.deletes or first.forgets), first.summary()
    terraform.apply(root, env)
    state = boto3_client("s3", env).get_object(Bucket=bucket, Key=f"{graph.app}/{graph.env}/terraform.tfstate")
    addresses = {f"{r.get('module', '')}.{r['type']}.{r['name']}".lstrip(".") for r in json.load(state["Body"])["resources"] if r["mode"] == "managed"}
    assert {a.split("[")[0] for a in first.creates} <= addresses, "the state in the emulated S3 bucket lacks what was created"
    assert terraform.plan_is_empty(root, env), terraform.plan(root, env).summary()

    # Behind Terraform's back: a tag removed from the function. The plan must see it and put it back.
    (function,) = [a for a in first.creates if a.endswith("aws_lambda_function.this")]
    lam = boto3_client("lambda", env)
    (arn,) = [f["FunctionArn"] for f in lam.list_functions()["Functions"]]
    lam.untag_resource(Resource=arn, TagKeys=["envspec:component"])
    assert not terraform.plan_is_empty(root, env)
    drift = terraform.plan(root, env)
    assert drift.updates == (function,), drift.summary()
    before, after = drift.changes(function)["tags"]
    assert "envspec:component" not in (before or {}) and "envspec:component" in after, drift.summary()

    # The state lock (use_lockfile: a .tflock object written only if absent) holds against the emulator too.
    lock = f"{graph.app}/{graph.env}/terraform.tfstate.tflock"
    boto3_client("s3", env).put_object(Bucket=bucket, Key=lock, Body=b'{"ID": "held-by-the-test"}', IfNoneMatch="*")
    locked = terraform.run(root, "plan", "-input=false", "-no-color", "-lock-timeout=0s", extra_env=env)
    assert locked.returncode == 1 and "Error acquiring the state lock" in locked.stderr, locked.stdout + locked.stderr
