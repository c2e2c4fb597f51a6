"""Lambda releases (`{version}` in a function's `code`, an alias that each release moves): what the
lowering decides (the alias, the qualified ARN references and grants use), what each backend renders
from it, and the version a deploy passes to the infrastructure steps. The emulator proof is
`tests/test_deploy_moto.py::test_stand_up_a_new_account_then_release_then_nothing_changes`."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from pathlib import Path

import hcl2
import pytest

from envspec.core.errors import SpecError
from envspec.core.ir import ResourceGraph
from envspec.core.kinds.lambda_ import ALIAS
from envspec.core.lower import lower
from envspec.core.resolve import resolve_document
from envspec.core.source import parse
from envspec.operations import deploy
from envspec_ansible import AnsibleBackend
from envspec_terraform import TerraformBackend

ARN = "arn:aws:lambda:us-west-2:111111111111:function:demo-staging-worker"


def spec(code: str = "s3://demo-artifacts/worker/{version}.zip", owner: str = "terraform", caller: str = "ansible") -> str:
    return textwrap.dedent(f"""\
        envspec: 1
        app: demo
        environments:
          staging: {{region: us-west-2, account_id: "111111111111"}}
        queues:
          jobs: {{visibility_timeout_s: 120}}
        services:
          worker:
            type: lambda
            owner: {owner}
            runtime: python3.12
            handler: app.handler
            code: {code}
            timeout_s: 60
            schedule: rate(5 minutes)
            queue: jobs
          caller:
            type: lambda
            owner: {caller}
            runtime: python3.12
            handler: app.handler
            code: s3://demo-artifacts/caller.zip
            env:
              WORKER: ${{services.worker.arn}}
        """)


def graph(text: str) -> ResourceGraph:
    return lower(resolve_document(parse(text, "s.yaml")).environments["staging"])


def test_references_and_grants_name_the_alias() -> None:
    g = graph(spec())
    worker, caller = g.node("services.worker"), g.node("services.caller")
    assert ALIAS == "live" and worker.inputs["alias"] == "live"
    assert caller.inputs["environment"]["WORKER"] == f"{ARN}:live"
    invoke = [s for s in caller.inputs["policy_statements"] if "lambda:InvokeFunction" in s["actions"]]
    # lambda:InvokeFunction on the unqualified ARN would not allow invoking the alias
    assert invoke == [{"sid": invoke[0]["sid"], "actions": ["lambda:InvokeFunction"], "resources": [f"{ARN}:live"]}]


def test_code_keeps_its_version_placeholder_for_the_tools() -> None:
    worker = graph(spec()).node("services.worker")
    assert (worker.inputs["s3_bucket"], worker.inputs["s3_key"]) == ("demo-artifacts", "worker/{version}.zip")


@pytest.mark.parametrize("code", ["s3://demo-artifacts/worker/{verison}.zip", "s3://demo-artifacts/{version}/{x}.zip"])
def test_version_is_the_only_placeholder(code: str) -> None:
    with pytest.raises(SpecError) as caught:
        resolve_document(parse(spec(code), "s.yaml"))
    assert "({version} is the only placeholder)" in str(caught.value.diagnostics[0])


def test_terraform_invokes_the_alias_and_leaves_releases_alone() -> None:
    files = {Path(str(k)): v for k, v in TerraformBackend().emit(graph(spec())).items()}
    main = files[Path("terraform/modules/lambda/main.tf")]
    parsed = hcl2.loads(main)
    resources = {(t, n): body for r in parsed["resource"] for t, named in r.items() for n, body in named.items()}
    function, alias = resources[('"aws_lambda_function"', '"this"')], resources[('"aws_lambda_alias"', '"this"')]
    assert function["publish"] is True
    assert "ignore_changes = [s3_bucket, s3_key]" in main
    assert alias["function_version"] == "${aws_lambda_function.this.version}"
    assert alias["name"] == "${var.alias}"
    assert resources[('"aws_cloudwatch_event_target"', '"this"')]["arn"] == "${aws_lambda_alias.this.arn}"
    assert resources[('"aws_lambda_permission"', '"schedule"')]["qualifier"] == "${aws_lambda_alias.this.name}"
    assert resources[('"aws_lambda_event_source_mapping"', '"this"')]["function_name"] == "${aws_lambda_alias.this.arn}"
    # the root passes the version being released, declared once
    root_main, variables = files[Path("terraform/staging/main.tf")], files[Path("terraform/staging/variables.tf")]
    assert "release_version = var.release_version" in root_main
    assert 'variable "release_version"' in variables and "services.worker" in variables


def test_a_root_without_a_function_created_from_a_version_takes_no_variable() -> None:
    files = {Path(str(k)): v for k, v in TerraformBackend().emit(graph(spec("s3://demo-artifacts/worker.zip"))).items()}
    assert "release_version" not in files[Path("terraform/staging/main.tf")]
    assert "This root takes no variable." in files[Path("terraform/staging/variables.tf")]


def test_an_adopted_function_imports_its_alias_and_the_alias_permission() -> None:
    g = graph(spec())
    adopted = replace(g, nodes=tuple(
        replace(n, history=("ansible",)) if n.address == "services.worker" else n for n in g.nodes))
    imports = {str(k): v for k, v in TerraformBackend().emit(adopted).items()}["terraform/staging/imports.tf"]
    assert '"demo-staging-worker/live"' in imports
    assert '"demo-staging-worker:live/envspec-schedule"' in imports


def test_ansible_invokes_and_releases_the_alias() -> None:
    files = {str(k): v for k, v in AnsibleBackend().emit(graph(spec(owner="ansible"))).items()}
    main = files["ansible/roles/lambda/tasks/main.yml"]
    assert 'arn: "{{ lambda_alias_arn }}"' in main
    assert 'alias: "{{ lambda_inputs.alias }}"' in main
    assert 'function_name: "{{ lambda_alias_arn }}"' in main
    release = files["ansible/roles/lambda/tasks/deploy.yml"]
    assert "replace('{version}', envspec_version)" in release
    assert "lambda_publish_version:" in release and "amazon.aws.lambda_alias:" in release


@pytest.mark.parametrize("owner", ["terraform", "ansible"])
def test_the_infrastructure_steps_get_the_version_a_function_is_created_from(owner: str) -> None:
    # the other function, owned by the other tool: both tools run
    other = "ansible" if owner == "terraform" else "terraform"
    steps = deploy.plan(graph(spec(owner=owner, caller=other)), Path("build/demo"), version="7")
    for step in steps:  # every round of each tool
        if step.name.startswith(("bootstrap", "provision")):
            assert "envspec_version=7" in step.argv, step
        if step.name.startswith("terraform apply"):
            assert ("-var=release_version=7" in step.argv) == (owner == "terraform"), step
    assert any(s.name.startswith("terraform apply") for s in steps) and any(s.name.startswith("provision") for s in steps)
    without = {s.name: s.argv for s in deploy.plan(graph(spec(owner=owner)), Path("build/demo"), version=None)}
    assert not any("envspec_version" in a or "release_version" in a for argv_ in without.values() for a in argv_)


def test_without_a_version_placeholder_the_steps_are_as_before() -> None:
    steps = deploy.plan(graph(spec("s3://demo-artifacts/worker.zip")), Path("build/demo"), version="7")
    infrastructure = [a for s in steps if s.name != "release" for a in s.argv]
    assert not any("envspec_version" in a or "release_version" in a for a in infrastructure)


def test_the_role_takes_the_alias_as_an_argument() -> None:
    files = {str(k): v for k, v in AnsibleBackend().emit(graph(spec(owner="ansible"))).items()}
    assert "          alias:\n" in files["ansible/roles/lambda/meta/argument_specs.yml"]
    components = files["ansible/inventories/staging/group_vars/all/components.yml"]
    assert 'alias: "live"' in components
    assert json.dumps(f"{ARN}:live") in components
