"""The Ansible backend against an emulated AWS (moto on 127.0.0.1): provision, twice, and check.

For every environment of every spec under examples/ and specs/:

1. The components another tool (Terraform) owns are created first, as Terraform would have
   created them, by provisioning a *variant* of the graph in which Ansible owns them
   (`dataclasses.replace(node, owner="ansible")`: the names and tags, `envspec:owner=terraform`
   included, are the IR's, exactly what Terraform would write). Only those an Ansible-owned
   component reads (and what they depend on) are created: nothing else needs to exist.
2. `provision.yml` runs on the real graph: it creates what Ansible owns and looks up the rest.
3. It runs again and must report `changed=0`.
4. boto3 reads the emulator back: every AWS object of the graph that was provisioned exists, with
   exactly its IR tags; nothing else exists (besides what AWS or the test itself creates); the
   objects Terraform owns still say `envspec:owner=terraform` (a lookup never changes them); the
   dynamic inventory groups the ec2 instances by component.

A hostile-strings spec then goes through the same run, and its tags, descriptions and Lambda
environment variables must read back byte for byte.

The emulator is the suite's one patched moto server per worker (tests/awsemu: moto_patches.py makes it
answer like AWS, moto_extensions.py adds Elastic Beanstalk, certificates imported under a given ARN and
the specs' AMIs); the worlds (write, provision, read back) are tests/worlds.py.
The modules themselves (roles/*/library) are also tested here, directly, including their check mode.
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import textwrap
import time
import urllib.parse
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from envspec.core.ir import ResourceGraph
from envspec.core.kinds import OUTPUTS
from envspec_ansible import provision_lookups
from envspec_ansible.yamlout import scalar
from tests.awsemu.ansible import STOCK_STRATEGY, python_with_module_utils, run_playbook
from tests.awsemu.moto import boto3_client, in_account
from tests.graphs import EXAMPLES, REPO, SPECS, graphs_for
from tests.worlds import (
    CASES,
    TIMINGS,
    Emulator,
    tag_dict,
    check_against_graph,
    distinct_shapes,
    inventory_groups,
    owned_by_ansible,
    parse_environment_file,
    parse_exec_start,
    provision,
    provision_twice,
    reported_outputs,
    shape,
    upload_code,
    variant,
    write_tree,
)

BACKEND_FILES = REPO / "backends" / "envspec_ansible" / "files"
LOOKUP_TAGS = ("envspec:app", "envspec:component", "envspec:env")


# Every spec, and of its environments each one that takes its own paths through the roles (see
# tests/worlds.py `shape`); the values of every environment are checked offline by the golden trees.
PROVISIONED = distinct_shapes(CASES)


@pytest.mark.slow
@pytest.mark.parametrize(("case", "spec", "env_name"), PROVISIONED, ids=[f"{c}-{e}" for c, _, e in PROVISIONED])
def test_provision_twice_then_read_back(aws: dict[str, str], tmp_path: Path, case: str, spec: Path, env_name: str) -> None:
    graph = graphs_for(spec)[env_name]
    run = provision_twice(aws, graph, tmp_path)

    problems = check_against_graph(Emulator(run.env).inventory(), run.provisioned, run.fixtures)
    assert not problems, "\n".join(problems)

    # What Terraform owns was only read: it still says so.
    for node in graph.nodes:
        if node.owner != "ansible":
            assert node.tags["envspec:owner"] == "terraform"

    # Every component the run provisioned or read published exactly its dynamic attributes.
    outputs = reported_outputs(run.second)
    ran = {n.address for n in graph.nodes if n.owner == "ansible"} | set(provision_lookups(graph))
    assert set(outputs) == ran
    for address in ran:
        node = graph.node(address)
        assert set(outputs[address]) == set(OUTPUTS[node.kind]), address
        required = {"network": ("vpc_id", "public_subnet_ids", "private_subnet_ids"), "secret": ("arn",),
                    "database": ("host", "security_group_id", "secret_arn"), "ec2": ("security_group_id",),
                    "beanstalk": ("url", "security_group_id")}.get(node.kind, ())
        assert all(outputs[address][a] for a in required), (address, outputs[address])

    # The dynamic inventory finds the running instances of the ec2 services, grouped by component.
    instances = [n for n in graph.nodes if n.kind == "ec2" and n.address in {p.address for p in run.provisioned}]
    if instances:
        listing = inventory_groups(run.tree, graph, run.env, tmp_path)
        for node in instances:
            group = "envspec_" + node.address.replace(".", "_").replace("-", "_")
            assert sorted(listing[group]["hosts"]) == sorted(node.inputs["instances"]), listing.get(group)

    # Every instance has one volume, its root volume (on the AMI's root device, with the AMI's
    # snapshot), encrypted gp3.
    ec2 = boto3_client("ec2", run.env)
    for reservation in ec2.describe_instances()["Reservations"]:
        for instance in reservation["Instances"]:
            (root,) = instance["BlockDeviceMappings"]
            assert root["DeviceName"] == instance["RootDeviceName"], instance["BlockDeviceMappings"]
            (volume,) = ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"]
            assert (volume["Encrypted"], volume["VolumeType"], bool(volume["SnapshotId"])) == (True, "gp3", True), volume


# ---- hostile strings ---------------------------------------------------------------------------------

HOSTILE = {
    "JINJA": "{{ lookup('pipe', 'id') }}",
    "JINJA_BLOCK": "{% raw %}x{% endraw %} {# comment #} {%- if true -%}y{% endif %}",
    "DOLLAR_BRACE": "${not.a.reference} and $${two} and $ alone",
    "QUOTES": "\"double\" 'single' `back` \\ \\\\ \\n",
    "NEWLINES": "line one\nline two\r\nthree\ttab\n",
    "YAML_COLON": "key: value # not a comment",
    "YAML_LEADING_STAR": "*alias",
    "YAML_LEADING_AMP": "&anchor value",
    "YAML_LEADING_BANG": "!unsafe tag",
    "YAML_LEADING_PERCENT": "%YAML 1.2",
    "YAML_LEADING_AT": "@reserved",
    "YAML_INDICATORS": "- dash | pipe > gt ? q [a, b] {c: d}",
    "LOOKS_NUMBER": "0123",
    "LOOKS_BOOLEAN": "yes",
    "LOOKS_NULL": "~",
    "LOOKS_DATE": "2024-01-01",
    "SPACES": "  padded  ",
    "SHELL": "$(id) `id` ; rm -rf / && echo",
    "UNICODE": "é ü ñ 中文 😀 \u2028 \xa0 \u200b",
    "EMPTY": "",
    "LONG": ("{{ x }} " * 30 + "é" * 300 + " 'q' \"dq\" \\ ") * 2,
}
# Tag values take only letters, digits, spaces and `_ . : / = + - @` (AWS's rule, checked by the
# model): the hardest such value, with YAML's and Ansible's specials among those characters.
HOSTILE_TAG = "@reserved - key: value /=+ é 日本 :: a_b.c-d -"
HOSTILE_DESCRIPTION = "Secret for {{ x }}\nsecond line: \"quoted\" 'single' \\ {% y %} é"


def spec_text(value: str) -> str:
    """`value` as a component's string field: a YAML double-quoted scalar, `${` written `$${` (envspec's escape)."""
    return scalar(value.replace("${", "$${"))


def hostile_spec(folder: Path) -> Path:
    env = "\n".join(f"      {name}: {spec_text(value)}" for name, value in HOSTILE.items())
    spec = folder / "hostile.yaml"
    spec.write_text(
        f"""envspec: 1
app: hostile
description: {scalar(HOSTILE_DESCRIPTION)}
tags:  # taken literally: no references, no escapes
  odd: {scalar(HOSTILE_TAG)}
  "weird key:/=+-@ é": {scalar("= " + HOSTILE_TAG[:60])}
environments:
  test:
    region: us-east-1
    account_id: "123456789012"
buckets:
  data: {{}}
secrets:
  token:
    description: {spec_text(HOSTILE_DESCRIPTION)}
services:
  worker:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://hostile-artifacts/worker.zip
    env:
{env}
      WITH_REFERENCE: {json.dumps("bucket=${buckets.data.name} {{ x }} secret=${secrets.token.arn} $${")}
""",
        encoding="utf-8",
    )
    return spec


@pytest.mark.slow
def test_hostile_strings_provision_and_read_back(aws: dict[str, str], tmp_path: Path) -> None:
    graph = graphs_for(hostile_spec(tmp_path))["test"]
    # Ansible's own strategy: the suite's (Mitogen) passes arguments to modules its own way, and this is
    # the run where a difference would show (tests/awsemu/ansible.py).
    run = provision_twice(aws, graph, tmp_path, strategy=STOCK_STRATEGY)
    assert "mitogen" not in run.first.stdout.lower() + run.first.stderr.lower()
    found = Emulator(run.env).inventory()
    problems = check_against_graph(found, run.provisioned, run.fixtures)
    assert not problems, "\n".join(problems)

    tags = found["aws_lambda_function"]["hostile-test-worker"]
    assert tags["odd"] == HOSTILE_TAG
    assert tags["weird key:/=+-@ é"] == "= " + HOSTILE_TAG[:60]
    assert found["aws_s3_bucket"]["hostile-test-data"]["odd"] == HOSTILE_TAG
    assert found["aws_iam_role"]["hostile-test-worker"]["odd"] == HOSTILE_TAG

    lam = boto3_client("lambda", run.env)
    variables = lam.get_function_configuration(FunctionName="hostile-test-worker")["Environment"]["Variables"]
    secret_arn = boto3_client("secretsmanager", run.env).describe_secret(SecretId="hostile/test/token")["ARN"]
    expected = dict(HOSTILE)
    expected["WITH_REFERENCE"] = f"bucket=hostile-test-data {{{{ x }}}} secret={secret_arn} ${{"
    for name, value in expected.items():
        assert variables[name].encode("utf-8") == value.encode("utf-8"), name
    assert set(variables) == set(expected)

    described = boto3_client("secretsmanager", run.env).describe_secret(SecretId="hostile/test/token")
    assert described["Description"].encode("utf-8") == HOSTILE_DESCRIPTION.encode("utf-8")


# ---- the modules in roles/*/library and library/ ------------------------------------------------------


def run_module(path: Path, args: Mapping[str, Any], env: Mapping[str, str], check_mode: bool = False) -> dict[str, Any]:
    """Run an Ansible module file directly, its arguments as JSON on stdin (Ansible's debugging entry), with the
    project's module_utils/ merged into `ansible.module_utils` as Ansible does."""
    payload = {"ANSIBLE_MODULE_ARGS": {**args, "_ansible_check_mode": check_mode}}
    proc = subprocess.run(
        [*python_with_module_utils(BACKEND_FILES / "module_utils"), str(path)],
        input=json.dumps(payload),
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},  # no __pycache__ in the package's module_utils/
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout[proc.stdout.find("{"):]
    assert out, f"module printed nothing: {proc.stderr}"
    return dict(json.loads(out))


EB_APP = BACKEND_FILES / "roles" / "beanstalk" / "library" / "elasticbeanstalk_application.py"
EB_ENV = BACKEND_FILES / "roles" / "beanstalk" / "library" / "elasticbeanstalk_environment.py"
LISTENER_RULE = BACKEND_FILES / "roles" / "ec2" / "library" / "elb_listener_rule.py"
SCHEDULE_RULE = BACKEND_FILES / "roles" / "lambda" / "library" / "events_schedule_rule.py"
SECRET_INFO = BACKEND_FILES / "library" / "secretsmanager_secret_info.py"
MASTER_USER_SECRET = BACKEND_FILES / "roles" / "database" / "library" / "rds_instance_master_user_secret.py"
STACK = "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"


@pytest.mark.slow
def test_beanstalk_application_module(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    args = {"name": "app-one", "description": "first", "tags": {"Name": "app-one", "team": "a"}}
    assert run_module(EB_APP, args, env, check_mode=True)["changed"] is True
    assert boto3_client("elasticbeanstalk", env).describe_applications()["Applications"] == []

    created = run_module(EB_APP, args, env)
    assert created["changed"] is True and created["application"]["tags"] == args["tags"]
    assert run_module(EB_APP, args, env)["changed"] is False

    changed = {**args, "description": "second", "tags": {"Name": "app-one", "team": "b"}}
    assert run_module(EB_APP, changed, env, check_mode=True)["changed"] is True
    assert run_module(EB_APP, args, env)["changed"] is False  # check mode changed nothing
    updated = run_module(EB_APP, changed, env)
    assert updated["changed"] is True and updated["application"]["description"] == "second"
    eb = boto3_client("elasticbeanstalk", env)
    arn = eb.describe_applications(ApplicationNames=["app-one"])["Applications"][0]["ApplicationArn"]
    assert tag_dict(eb.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]) == {"Name": "app-one", "team": "b"}
    assert run_module(EB_APP, {"name": "app-one", "description": "second"}, env)["changed"] is False  # tags left alone

    assert run_module(EB_APP, {"name": "app-one", "state": "absent"}, env)["changed"] is True
    assert run_module(EB_APP, {"name": "app-one", "state": "absent"}, env)["changed"] is False


@pytest.mark.slow
def test_beanstalk_environment_module(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    run_module(EB_APP, {"name": "app-two"}, env)
    settings = [
        {"namespace": "aws:autoscaling:asg", "option_name": "MinSize", "value": "1"},
        {"namespace": "aws:elasticbeanstalk:application:environment", "option_name": "X", "value": "{{ not templated }}"},
    ]
    args = {"application_name": "app-two", "name": "env-two", "solution_stack_name": STACK,
            "option_settings": settings, "tags": {"Name": "env-two"}, "region": "us-west-2"}

    missing = run_module(EB_ENV, {"application_name": "app-two", "name": "env-two"}, env)
    assert missing.get("failed") and "solution_stack_name" in missing["msg"]
    assert run_module(EB_ENV, args, env, check_mode=True)["changed"] is True
    created = run_module(EB_ENV, args, env)
    assert created["changed"] is True, created
    assert created["environment"]["tags"] == {"Name": "env-two"}
    assert created["environment"]["url"].startswith("http://")
    again = run_module(EB_ENV, args, env)
    assert again["changed"] is False and again["updated"] == [], again

    eb = boto3_client("elasticbeanstalk", env)
    bigger = {**args, "option_settings": [{**settings[0], "value": "2"}, settings[1]], "tags": {"Name": "env-two", "t": "1"}}
    preview = run_module(EB_ENV, bigger, env, check_mode=True)
    assert preview["changed"] is True and preview["updated"] == ["OptionSettings"]
    current = eb.describe_configuration_settings(ApplicationName="app-two", EnvironmentName="env-two")
    assert {o["OptionName"]: o["Value"] for o in current["ConfigurationSettings"][0]["OptionSettings"]}["MinSize"] == "1"
    updated = run_module(EB_ENV, bigger, env)
    assert updated["changed"] is True and updated["environment"]["tags"] == {"Name": "env-two", "t": "1"}
    current = eb.describe_configuration_settings(ApplicationName="app-two", EnvironmentName="env-two")
    values = {o["OptionName"]: o["Value"] for o in current["ConfigurationSettings"][0]["OptionSettings"]}
    assert values == {"MinSize": "2", "X": "{{ not templated }}"}
    assert run_module(EB_ENV, bigger, env)["changed"] is False

    # Looking up (no settings, no tags, check mode) never changes anything.
    looked = run_module(EB_ENV, {"application_name": "app-two", "name": "env-two", "wait": False}, env, check_mode=True)
    assert looked["changed"] is False and looked["environment"]["environment_name"] == "env-two"

    assert run_module(EB_ENV, {**args, "state": "absent"}, env)["changed"] is True


@pytest.mark.slow
def test_listener_rule_module(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    ec2, elb = boto3_client("ec2", env), boto3_client("elbv2", env)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-west-2{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    lb = elb.create_load_balancer(Name="lb-test", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="tg-test", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    args = {"name": "rule-one", "listener_arn": listener, "priority": 50000, "target_group_arn": tg,
            "tags": {"Name": "rule-one", "odd": "{{ x }}"}, "region": "us-west-2"}

    assert run_module(LISTENER_RULE, args, env, check_mode=True)["changed"] is True
    created = run_module(LISTENER_RULE, args, env)
    assert created["changed"] is True and created["rule"]["tags"] == args["tags"], created
    assert run_module(LISTENER_RULE, args, env)["changed"] is False
    moved = run_module(LISTENER_RULE, {**args, "priority": 10, "host": "api.example.com"}, env)
    assert moved["changed"] is True
    rules = [r for r in elb.describe_rules(ListenerArn=listener)["Rules"] if not r["IsDefault"]]
    assert len(rules) == 1 and rules[0]["Priority"] == "10"
    assert rules[0]["Conditions"][0]["Field"] == "host-header"
    assert run_module(LISTENER_RULE, {**args, "priority": 10, "host": "api.example.com"}, env)["changed"] is False
    assert run_module(LISTENER_RULE, {**args, "state": "absent"}, env)["changed"] is True
    assert [r for r in elb.describe_rules(ListenerArn=listener)["Rules"] if not r["IsDefault"]] == []


@pytest.mark.slow
def test_schedule_rule_module(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    target = "arn:aws:lambda:us-west-2:111111111111:function:fn-one"
    args = {"name": "rule-one", "schedule_expression": "rate(1 minute)", "targets": [{"id": "function", "arn": target}],
            "tags": {"Name": "rule-one"}, "region": "us-west-2"}
    assert run_module(SCHEDULE_RULE, args, env, check_mode=True)["changed"] is True
    created = run_module(SCHEDULE_RULE, args, env)
    assert created["changed"] is True and created["rule"]["tags"] == {"Name": "rule-one"}
    assert run_module(SCHEDULE_RULE, args, env)["changed"] is False
    changed = {**args, "schedule_expression": "rate(5 minutes)", "tags": {"Name": "rule-one", "x": "y"}}
    assert run_module(SCHEDULE_RULE, changed, env)["changed"] is True
    events = boto3_client("events", env)
    rule = events.describe_rule(Name="rule-one")
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    assert tag_dict(events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]) == {"Name": "rule-one", "x": "y"}
    assert [t["Arn"] for t in events.list_targets_by_rule(Rule="rule-one")["Targets"]] == [target]
    assert run_module(SCHEDULE_RULE, {**changed, "state": "absent"}, env)["changed"] is True
    assert events.list_rules()["Rules"] == []


@pytest.mark.slow
def test_secret_info_module_never_reads_the_value(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    missing = run_module(SECRET_INFO, {"name": "a/b/c", "region": "us-west-2"}, env)
    assert {k: v for k, v in missing.items() if k != "invocation"} == {"changed": False, "exists": False}, missing
    sm = boto3_client("secretsmanager", env)
    sm.create_secret(Name="a/b/c", Description="d", Tags=[{"Key": "k", "Value": "v"}])  # no value at all
    found = run_module(SECRET_INFO, {"name": "a/b/c", "region": "us-west-2"}, env)
    assert found["exists"] is True and found["secret"]["tags"] == {"k": "v"}
    assert found["secret"]["arn"].startswith("arn:aws:secretsmanager:us-west-2:111111111111:secret:a/b/c-")


@pytest.mark.slow
def test_master_user_secret_module_lets_rds_manage_the_password_once(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    rds, sm = boto3_client("rds", env), boto3_client("secretsmanager", env)
    rds.create_db_instance(DBInstanceIdentifier="db-one", Engine="postgres", DBInstanceClass="db.t4g.micro",
                           AllocatedStorage=20, MasterUsername="app", MasterUserPassword="throwaway-password-1")
    args = {"db_instance_identifier": "db-one", "region": "us-west-2"}
    assert run_module(MASTER_USER_SECRET, args, env, check_mode=True)["changed"] is True
    assert "MasterUserSecret" not in rds.describe_db_instances(DBInstanceIdentifier="db-one")["DBInstances"][0]
    managed = run_module(MASTER_USER_SECRET, args, env)
    assert managed["changed"] is True, managed
    secret = rds.describe_db_instances(DBInstanceIdentifier="db-one")["DBInstances"][0]["MasterUserSecret"]
    assert managed["secret_arn"] == secret["SecretArn"]
    value = sm.get_secret_value(SecretId=secret["SecretArn"])["SecretString"]
    assert "throwaway-password-1" not in value and json.loads(value)["username"] == "app"
    assert json.loads(value)["password"] not in json.dumps(managed)  # the module never returns the password
    # Once RDS manages it, the module leaves it alone: same secret, same password.
    again = run_module(MASTER_USER_SECRET, args, env)
    assert (again["changed"], again["secret_arn"]) == (False, secret["SecretArn"])
    assert sm.get_secret_value(SecretId=secret["SecretArn"])["SecretString"] == value


# ---- the report -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def report_timings() -> Iterator[None]:
    started = time.monotonic()
    yield
    if TIMINGS:
        lines = [f"  {case:<28} {label:<11} {seconds:6.1f}s" for case, label, seconds in TIMINGS]
        total = time.monotonic() - started
        print("\nansible-playbook provision.yml runs against moto:\n" + "\n".join(lines) + f"\n  module total {total:.1f}s")


def test_cases_cover_every_spec_and_environment() -> None:
    assert {spec for _, spec, _ in CASES} == {*EXAMPLES, *SPECS}
    assert len({(c, e) for c, _, e in CASES}) == len(CASES)
    # Every spec is provisioned; an environment that is not has the shape of one of its spec's that is.
    assert {spec for _, spec, _ in PROVISIONED} == {*EXAMPLES, *SPECS}
    for _, spec, env in CASES:
        assert any(s == spec and shape(graphs_for(s)[e]) == shape(graphs_for(spec)[env]) for _, s, e in PROVISIONED)


def test_a_shape_tells_apart_what_takes_other_paths_and_not_values() -> None:
    """`shape` is blind to values (sizes, counts) but not to owners, kinds of resources or optional settings."""
    contract = graphs_for(REPO / "examples" / "contract.yaml")
    assert shape(contract["staging"]) == shape(contract["production"])  # two hosts or four, other sizes
    xkit = graphs_for(REPO / "specs" / "xkit.yaml")
    assert shape(xkit["staging"]) != shape(xkit["production"])  # production's uploads expire
    staging = contract["staging"]
    moved = dataclasses.replace(staging, nodes=tuple(
        dataclasses.replace(n, owner="terraform") if n.address == "buckets.uploads" else n for n in staging.nodes
    ))
    assert shape(moved) != shape(staging)
    assert [c for _, c, _ in distinct_shapes([("a", REPO / "examples" / "contract.yaml", "staging"),
                                              ("a", REPO / "examples" / "contract.yaml", "production")])] == [
        REPO / "examples" / "contract.yaml"
    ]


def test_variant_reads_only_what_is_needed() -> None:
    graph = graphs_for(REPO / "examples" / "contract.yaml")["staging"]
    before = variant(graph)
    assert before is not None and [n.address for n in before.nodes] == ["network"]
    node = before.nodes[0]
    assert node.owner == "ansible" and node.tags["envspec:owner"] == "terraform"
    assert {r.key for r in node.resources} == {r.key for r in graph.node("network").resources}
    # The same resources, whoever owns a database: RDS keeps its password's secret for both tools.
    db = dataclasses.replace(graph.node("databases.main"), owner="terraform")
    assert owned_by_ansible(db).resources == graph.node("databases.main").resources
    all_terraform = dataclasses.replace(graph, nodes=tuple(dataclasses.replace(n, owner="terraform") for n in graph.nodes))
    assert variant(all_terraform) is None



# ---- deploy.yml: what runs on the controller, and the files it writes on an ec2 host -----------------

RELEASE_SPEC = """\
envspec: 1
app: release
environments:
  test:
    region: eu-west-1
    account_id: "333333333333"
services:
  fn:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://release-artifacts/fn.zip
  web:
    type: beanstalk
    platform: "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"
"""


@pytest.mark.slow
def test_deploy_updates_lambda_code_and_beanstalk_version(aws: dict[str, str], tmp_path: Path) -> None:
    spec = tmp_path / "release.yaml"
    spec.write_text(RELEASE_SPEC)
    graph = graphs_for(spec)["test"]
    env = in_account(aws, graph.account_id, graph.region)
    upload_code(graph, env)
    tree = write_tree(graph, tmp_path / "out")
    made = provision(tree, graph, env, tmp_path, "provision")
    assert made.succeeded, made.summary()

    s3 = boto3_client("s3", env)
    new_code = io.BytesIO()
    with zipfile.ZipFile(new_code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'version': 2}\n")
    s3.put_object(Bucket="release-artifacts", Key="fn.zip", Body=new_code.getvalue())
    s3.put_object(Bucket="release-artifacts", Key="web/2.0.zip", Body=b"bundle")
    deploy = run_playbook(
        tree / "deploy.yml", inventory=tree / "inventories" / "test", env=env, cwd=tree, tmp_dir=tmp_path / "deploy",
        extra_vars={"envspec_version": "2.0", "envspec_bundles": {"services.web": "s3://release-artifacts/web/{version}.zip"}},
        extra_args=("--limit", "localhost"),
    )
    TIMINGS.append(("release/test", "deploy", deploy.duration))
    assert deploy.succeeded, deploy.summary()

    import base64
    import hashlib

    lam = boto3_client("lambda", env)
    code = lam.get_function_configuration(FunctionName="release-test-fn")
    assert code["CodeSha256"] == base64.b64encode(hashlib.sha256(new_code.getvalue()).digest()).decode()
    # published as a version, which the alias runs now; the version provision published stays
    alias = lam.get_alias(FunctionName="release-test-fn", Name="live")
    released = lam.get_function_configuration(FunctionName="release-test-fn", Qualifier=alias["FunctionVersion"])
    assert released["CodeSha256"] == code["CodeSha256"] and alias["FunctionVersion"] == "2"
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="release-test-fn")["Versions"]] == ["$LATEST", "1", "2"]
    eb = boto3_client("elasticbeanstalk", env)
    (environment,) = eb.describe_environments(ApplicationName="release-test-web", EnvironmentNames=["release-test-web"])["Environments"]
    assert environment["VersionLabel"] == "2.0"
    (version,) = eb.describe_application_versions(ApplicationName="release-test-web", VersionLabels=["2.0"])["ApplicationVersions"]
    assert version["SourceBundle"] == {"S3Bucket": "release-artifacts", "S3Key": "web/2.0.zip"}

    bad = run_playbook(tree / "deploy.yml", inventory=tree / "inventories" / "test", env=env, cwd=tree,
                       tmp_dir=tmp_path / "deploy-bad", extra_vars={"envspec_version": "1.0; rm -rf /"},
                       extra_args=("--limit", "localhost"))
    assert not bad.succeeded and "Pass the version to release" in bad.failed_tasks[0].msg


@pytest.mark.slow
def test_release_files_keep_every_value_and_secret_exactly(aws: dict[str, str], tmp_path: Path) -> None:
    """deploy.yml's environment file and systemd unit for an ec2 service, rendered by Ansible with
    hostile values and secrets read from the emulator (the hosts themselves cannot be emulated)."""
    graph = graphs_for(REPO / "examples" / "contract.yaml")["staging"]
    start = 'bin/xkit start --name "x y" $HOME %h \\ {{ 7 * 6 }}'
    hostile_env = {k: v for k, v in list(HOSTILE.items())[:-1]}  # all but LONG, to keep the file readable
    api = graph.node("services.api")
    environment = {**api.inputs["environment"], **hostile_env}
    api = dataclasses.replace(api, inputs={**api.inputs, "environment": environment, "release": {
        "artifact": "s3://xkit-releases/api/{version}.tar.gz", "start": start}})
    graph = dataclasses.replace(graph, nodes=tuple(api if n.address == api.address else n for n in graph.nodes))
    env = in_account(aws, graph.account_id, graph.region)
    secret_value = "s3cr3t \"with\" $dollar `tick` \\ {{ 7 * 6 }}\nsecond line"
    sm = boto3_client("secretsmanager", env)
    sm.create_secret(Name="xkit/staging/secret_key_base", SecretString=secret_value)

    # the secret RDS keeps the master password in, with characters a URL must escape
    password = "p%:/@#?&+ =w\"'d"
    db_secret = sm.create_secret(Name="rds!db-0000", SecretString=json.dumps({"username": "app", "password": password}))
    tree = write_tree(graph, tmp_path / "out")
    outputs = {"databases.main": {"host": "db.example.internal", "secret_arn": db_secret["ARN"]},
               "databases.reports": {"host": "reports.example.internal"}, "caches.sessions": {"host": "cache.example.internal"}}
    playbook = tree / "render_release_files.yml"
    playbook.write_text(textwrap.dedent(f"""\
        - name: Render the release files of services.api
          hosts: localhost
          gather_facts: false
          vars_files:
            - roles/ec2/defaults/main.yml
            - roles/ec2/vars/main.yml
          vars:
            ec2_address: services.api
            ec2_inputs: "{{{{ envspec_components['services.api'].inputs }}}}"
            envspec_version: "1.0"
          tasks:
            - name: Read the values the environment file needs, as deploy.yml does
              ansible.builtin.include_tasks: roles/ec2/tasks/deploy_values.yml
            - name: Write the environment file
              ansible.builtin.template:
                src: roles/ec2/templates/env.j2
                dest: {tmp_path}/api.env
                mode: "0600"
              no_log: true
            - name: Write the unit
              ansible.builtin.template:
                src: roles/ec2/templates/unit.j2
                dest: {tmp_path}/api.service
                mode: "0644"
        """))
    result = run_playbook(playbook, inventory=tree / "inventories" / "staging", env=env, cwd=tree,
                          tmp_dir=tmp_path / "render", extra_vars={"envspec_out": outputs})
    assert result.succeeded, result.summary()
    assert "s3cr3t" not in result.stdout + result.stderr and "p%:/" not in result.stdout + result.stderr  # no_log

    env_file = tmp_path / "api.env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    values = parse_environment_file(env_file.read_bytes().decode("utf-8"))  # keep \r
    assert values == {
        "DATABASE_URL": "postgres://app:p%25%3A%2F%40%23%3F%26%2B%20%3Dw%22%27d@db.example.internal:5432/main",
        "SECRET_KEY_BASE": secret_value,
        "UPLOADS_BUCKET": "xkit-staging-uploads",
        "SYNC_URL": "arn:aws:lambda:us-west-2:111111111111:function:xkit-staging-sync-worker:live",  # the alias: the released version
        "REDIS_URL": "redis://cache.example.internal:6379",
        "JOBS_QUEUE_URL": "https://sqs.us-west-2.amazonaws.com/111111111111/xkit-staging-jobs",
        "REPORTS_URL": "mysql://app@reports.example.internal:3306/reports",
        "PORT": str(api.inputs["port"]),  # the deploy tells the app its port
        **hostile_env,
    }
    url = urllib.parse.urlsplit(values["DATABASE_URL"])  # what a database driver reads from it
    assert (urllib.parse.unquote(url.username or ""), urllib.parse.unquote(url.password or "")) == ("app", password)
    assert (url.hostname, url.port, url.path) == ("db.example.internal", 5432, "/main")
    unit = (tmp_path / "api.service").read_text(encoding="utf-8")
    (exec_start,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert parse_exec_start(exec_start) == ["/bin/sh", "-c", "exec " + start]
    assert "EnvironmentFile=/etc/envspec/xkit-staging-api.env" in unit
    assert "WorkingDirectory=/opt/xkit-staging-api/current" in unit


TRIGGER_SPEC = """\
envspec: 1
app: trig
environments:
  test:
    region: eu-west-1
    account_id: "444444444444"
queues:
  jobs:
    visibility_timeout_s: 60
  other:
    visibility_timeout_s: 60
services:
  fn:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://trigger-artifacts/fn.zip
    timeout_s: 30
"""


@pytest.mark.slow
def test_a_queue_trigger_is_made_tagged_moved_and_removed(aws: dict[str, str], tmp_path: Path) -> None:
    """The lambda role's queue trigger against the emulator: created with the decided batch size and the
    component's tags (what Terraform finds it by), unchanged on a second run, moved when the spec names
    another queue (the former mapping goes), and gone when the spec drops it."""
    spec = tmp_path / "trigger.yaml"
    env: dict[str, str] = {}

    def run(trigger: str, label: str) -> tuple[ResourceGraph, list[dict[str, Any]]]:
        spec.write_text(TRIGGER_SPEC + trigger)
        graph = graphs_for(spec)["test"]
        if not env:
            env.update(in_account(aws, graph.account_id, graph.region))
            upload_code(graph, env)
        tree = write_tree(graph, tmp_path / label)
        made = provision(tree, graph, env, tmp_path, label)
        assert made.succeeded, made.summary()
        # the trigger runs the function's alias, the released version
        mappings = boto3_client("lambda", env).list_event_source_mappings(FunctionName=f"{_function_arn(env)}:live")
        assert boto3_client("lambda", env).list_event_source_mappings(FunctionName=_function_arn(env))["EventSourceMappings"] == []
        return graph, mappings["EventSourceMappings"]

    graph, (mapping,) = run("    queue: jobs\n    batch_size: 3\n", "first")
    assert mapping["EventSourceArn"] == graph.node("services.fn").inputs["trigger"]["event_source_arn"]
    assert (mapping["BatchSize"], mapping["State"]) == (3, "Enabled")
    (resource,) = [r for r in graph.node("services.fn").resources if r.key == "trigger"]
    assert boto3_client("lambda", env).list_tags(Resource=mapping["EventSourceMappingArn"])["Tags"] == resource.tags
    tagging = boto3_client("resourcegroupstaggingapi", env)
    found = tagging.get_resources(ResourceTypeFilters=["lambda:event-source-mapping"],
                                  TagFilters=[{"Key": k, "Values": [v]} for k, v in resource.lookup.tags.items()])
    assert [r["ResourceARN"].rsplit(":", 1)[1] for r in found["ResourceTagMappingList"]] == [mapping["UUID"]]

    again = provision(write_tree(graph, tmp_path / "again"), graph, env, tmp_path, "again")
    assert again.succeeded and again.changed == 0, again.summary()

    graph, (moved,) = run("    queue: other\n", "moved")
    assert moved["EventSourceArn"].endswith(":trig-test-other") and moved["BatchSize"] == 10
    assert moved["UUID"] != mapping["UUID"]

    _, left = run("", "removed")
    assert left == []


def _function_arn(env: Mapping[str, str]) -> str:
    return str(boto3_client("lambda", env).get_function(FunctionName="trig-test-fn")["Configuration"]["FunctionArn"])
