"""`envspec compile` end to end: determinism, --check, --env, --backend, history."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hcl2
from hcl2 import SerializationOptions

from envspec.core import writer
from envspec.cli import run
from envspec.core.lower import lower
from tests.graphs import REPO, load_apps
from tests.sgrules import module_rule_keys, module_rule_resources, rule_imports

XKIT = REPO / "specs" / "xkit.yaml"


def envspec(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "envspec", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        check=False,
    )


def tree(folder: Path) -> dict[str, str]:
    return {str(k): v for k, v in writer.read_tree(folder).items()}


@pytest.mark.slow
def test_byte_identical_across_runs_and_hash_seeds(tmp_path: Path) -> None:
    trees = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"out-{seed}"
        result = envspec("compile", str(XKIT), "--out", str(out), env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        trees.append(tree(out))
    assert trees[0] == trees[1] == trees[2]
    assert len(trees[0]) > 50


def test_check_reports_stale_files_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build"
    assert run(["compile", str(XKIT), "--out", str(out)]) == 0
    assert run(["compile", str(XKIT), "--out", str(out), "--check"]) == 0
    main_tf = out / "xkit" / "terraform" / "staging" / "main.tf"
    main_tf.write_text("# edited by hand\n")
    (out / "stray.txt").write_text("x")
    capsys.readouterr()
    assert run(["compile", str(XKIT), "--out", str(out), "--check"]) == 1
    err = capsys.readouterr().err
    assert f"{out / 'xkit/terraform/staging/main.tf'}: differs" in err
    assert f"{out / 'stray.txt'}: differs" in err
    assert "2 files out of date" in err
    assert main_tf.read_text() == "# edited by hand\n"  # --check wrote nothing
    # a file envspec did not write is not deleted without a word (tests/test_first_day.py)
    assert run(["compile", str(XKIT), "--out", str(out)]) == 1
    assert (out / "stray.txt").exists() and main_tf.read_text() == "# edited by hand\n"
    (out / "stray.txt").unlink()
    assert run(["compile", str(XKIT), "--out", str(out)]) == 0
    assert run(["compile", str(XKIT), "--out", str(out), "--check"]) == 0


def test_only_one_environment_keeps_the_others(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert run(["compile", str(XKIT), "--out", str(out)]) == 0
    before = tree(out)
    assert run(["compile", str(XKIT), "--out", str(out), "--env", "staging"]) == 0
    assert tree(out) == before


def test_unknown_environment_and_backend_are_user_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["compile", str(XKIT), "--out", str(tmp_path / "b"), "--env", "prod"]) == 1
    assert "no environment 'prod'" in capsys.readouterr().err
    assert run(["compile", str(XKIT), "--out", str(tmp_path / "b"), "--backend", "pulumi"]) == 1
    err = capsys.readouterr().err
    assert "unknown backend 'pulumi'" in err and "installed backends: ansible, terraform" in err
    assert not (tmp_path / "b").exists()


def test_one_backend_only(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert run(["compile", str(XKIT), "--out", str(out), "--backend", "terraform"]) == 0
    assert {p.name for p in (out / "xkit").iterdir()} == {"terraform"}


def test_bad_spec_leaves_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert run(["compile", str(XKIT), "--out", str(out)]) == 0
    before = tree(out)
    bad = tmp_path / "xkit.yaml"
    bad.write_text(XKIT.read_text().replace("instance_type:", "instance_typ:", 1))
    assert run(["compile", str(bad), "--out", str(out)]) == 1
    assert tree(out) == before


def test_moving_a_component_to_terraform_adopts_it(tmp_path: Path) -> None:
    """The history in the manifest turns an owner change into import blocks, and keeps them."""
    out = tmp_path / "build"
    spec = tmp_path / "xkit.yaml"
    text = XKIT.read_text()
    spec.write_text(text)
    assert run(["compile", str(spec), "--out", str(out)]) == 0
    imports = out / "xkit" / "terraform" / "staging" / "imports.tf"
    assert "import {" not in imports.read_text()

    moved = text.replace("  uploads:\n", "  uploads:\n    owner: terraform\n", 1)
    assert moved != text
    spec.write_text(moved)
    assert run(["compile", str(spec), "--out", str(out)]) == 0
    first = imports.read_text()
    assert 'id = "xkit-staging-uploads"' in first
    manifest = json.loads((out / "manifest.json").read_text())
    uploads = manifest["apps"]["xkit"]["environments"]["staging"]["components"]["buckets.uploads"]
    assert uploads["owner"] == "terraform" and uploads["history"] == ["ansible", "terraform"]
    assert run(["compile", str(spec), "--out", str(out), "--check"]) == 0  # stable once adopted

    spec.write_text(text)  # and back to Ansible: removed blocks, nothing destroyed
    assert run(["compile", str(spec), "--out", str(out)]) == 0
    removed = (out / "xkit" / "terraform" / "staging" / "removed.tf").read_text()
    assert "removed {" in removed and "destroy = false" in removed


def test_adopting_an_ec2_service_imports_every_security_group_rule(tmp_path: Path) -> None:
    """services.api (ec2, behind the load balancer, references databases.main) moves to Terraform:
    besides its group, role, instances..., every rule its module creates gets an import block:
    its own egress and ingress rules and the ingress it adds on the database's group (owned by
    Ansible), each into an address that exists in the module and found by what the rule allows."""
    out = tmp_path / "build"
    spec = tmp_path / "xkit.yaml"
    text = XKIT.read_text()
    spec.write_text(text)
    assert run(["compile", str(spec), "--out", str(out)]) == 0
    moved = text.replace("  api:\n    type: ec2\n", "  api:\n    type: ec2\n    owner: terraform\n", 1)
    assert moved != text
    spec.write_text(moved)
    assert run(["compile", str(spec), "--out", str(out)]) == 0

    imports_tf = (out / "xkit" / "terraform" / "staging" / "imports.tf").read_text()
    doc = hcl2.loads(imports_tf, serialization_options=SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False))
    found = rule_imports(doc)
    assert set(found) == {"service_api"}  # the network is Terraform's from birth: nothing to adopt
    keys = found["service_api"]
    assert keys == {
        'module.access.aws_vpc_security_group_egress_rule.this["https"]': "services.api/sg egress tcp 443 443 0.0.0.0/0",
        'module.access.aws_vpc_security_group_ingress_rule.this["from-lb"]': "services.api/sg ingress tcp 4000 4000 network/lb-sg",
        'module.access.aws_vpc_security_group_ingress_rule.this["databases.main"]': "databases.main/sg ingress tcp 5432 5432 services.api/sg",
        'module.access.aws_vpc_security_group_egress_rule.this["databases.main"]': "services.api/sg egress tcp 5432 5432 databases.main/sg",
    }
    # Targets are resources of the ec2 module and of the submodule it calls (modules/service_access),
    # and the keys are what those resources create with the service's inputs (read from the modules'
    # HCL, not from the backend).
    resources = module_rule_resources("ec2")
    assert {address.partition("[")[0] for address in keys} == set(resources)
    (app,) = load_apps(spec)
    graph = lower(app.environments["staging"], {"services.api": ("ansible",)})
    api = graph.node("services.api")
    assert api.adopted and graph.node("databases.main").owner == "ansible"
    assert module_rule_keys(graph, api) == keys
    # The groups behind the names: the service's own (it must exist) and the database's and the
    # load balancer's, found by their tags.
    (local,) = [entry for entry in doc["locals"] if "import_service_api_groups" in entry]
    groups = local["import_service_api_groups"]
    assert '(data.aws_security_group.import_service_api_sg.id) = "services.api/sg"' in groups
    assert 'for id in data.aws_security_groups.import_database_main_sg.ids : id => "databases.main/sg"' in groups
    assert 'for id in data.aws_security_groups.import_network_lb_sg.ids : id => "network/lb-sg"' in groups
    assert run(["compile", str(spec), "--out", str(out), "--check"]) == 0  # stable once adopted
