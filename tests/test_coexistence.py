"""Coexistence with the real tools: Ansible -> Terraform -> Ansible, kind by kind, on the emulator.

The proof that the two backends describe the same AWS objects on every argument, not only names and
tags: the real `terraform` with the real hashicorp/aws provider (5.100 here) plans the move of
components that the generated Ansible created, against the emulator (moto, with the patches in
tests/awsemu/moto_patches.py and the Beanstalk/AMI extensions of tests/awsemu/moto_extensions.py).

One journey (tests/contract_journey.py), shared by every check below and by tests/test_conformance.py
(one Ansible provisioning costs minutes; each check reads its own part of the journey).
examples/contract.yaml, environment staging, every component first owned by Ansible (its history file records that, as in a real repository):

1. `provision.yml` creates everything.
2. The services move to Terraform (ec2 with its target group and listener rule, lambda with its
   schedule): Terraform now reads the network, database, secrets and bucket Ansible still owns
   (lookups.tf). Plan, apply, plan again.
3. The rest moves (network with its load balancer, secrets, bucket, database, queues): the same, then
   Ansible runs again (it now only looks up what moved, in both steps). The second database
   (databases.reports, mysql) stays with Ansible throughout: two RDS instances side by side.
4. Everything moves back to Ansible (removed blocks, `destroy = false`): plan, apply, then Ansible
   runs twice.

Checked, for each kind: the plan of its move imports every resource of it, creates none of them,
destroys and replaces nothing, and changes nothing on them but the `envspec:owner` tag, except the
short list ALLOWED below, each with its reason; a few resources of a module that are settings of
an adopted one and cannot be imported are listed in CREATED_ON_ADOPTION. After apply the plan is
empty, and the next Ansible run changes nothing (its lookups leave the owner tag `terraform`). The
move back only forgets; boto3 finds every object still there; Ansible manages it again (the owner
tag says `ansible`) and its second run changes nothing. The database's password and secret ARN
are the same (read with boto3) before and after each move.

Beanstalk (services.dashboard) stays with Ansible: see BEANSTALK for what the emulator cannot do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from envspec.core.ir import Node, ResourceGraph
from envspec.core.kinds import KINDS as ALL_KINDS
from envspec_terraform.names import module_names, resource_address
from tests.contract_journey import DEFAULT_TAGS, ENV, MOVED, OWNER_TAG, SPEC, STAYS, Journey
from tests.graphs import graphs_for
from tests.realtf import PlanReport
from tests.worlds import check_against_graph

KINDS = tuple(k for k in ALL_KINDS if k != "beanstalk")  # every kind in the registry but (below) beanstalk
BEANSTALK = (
    "services.dashboard (beanstalk) stays with Ansible: moto's resource groups tagging API knows no Elastic "
    "Beanstalk environment (nor the elasticbeanstalk:environment-id tag AWS puts on one), so the import id of "
    "its environment, which imports.tf finds through that API, cannot be found on the emulator"
)

# (resource type, attribute) -> why an adopted resource may show this change in the plan of its move.
ALLOWED: Mapping[tuple[str, str], str] = {
    ("aws_instance", "user_data_replace_on_change"): "a Terraform-only setting (no AWS counterpart): null on import, false in the module",
    ("aws_security_group", "revoke_rules_on_delete"): "a Terraform-only setting (no AWS counterpart): null on import, false in the module",
    ("aws_lambda_function", "publish"): "a Terraform-only setting (publish a version on update): null on import, true in the module; "
                                        "applying it publishes nothing new (nothing changed since the version Ansible published, "
                                        "which the imported alias points to): the plan after apply is empty",
    ("aws_lambda_function", "s3_bucket"): "AWS does not say where a function's code came from: null on import; "
                                          "the module names the spec's code location, the one Ansible deployed from",
    ("aws_lambda_function", "s3_key"): "as s3_bucket",
    ("aws_lb_target_group", "lambda_multi_value_headers_enabled"): "not read on import for an instance target group; "
                                                                    "false is AWS's value (Lambda targets only)",
    ("aws_lb_target_group", "proxy_protocol_v2"): "not read on import for an instance target group; false is AWS's value",
    ("aws_vpc_security_group_ingress_rule", "tags_all"): "rules get the provider's default_tags (envspec:app, envspec:env): "
                                                         "amazon.aws.ec2_security_group cannot tag a rule",
    ("aws_vpc_security_group_egress_rule", "tags_all"): "as for ingress rules",
    ("aws_lb_listener", "tags_all"): "listeners get the provider's default_tags: amazon.aws.elb_application_lb cannot tag a listener",
    ("aws_s3_bucket", "force_destroy"): "a Terraform-only setting (no AWS counterpart): null on import, false in the module",
    ("aws_secretsmanager_secret", "recovery_window_in_days"): "a deletion-time setting, not stored in AWS: null on import",
    ("aws_secretsmanager_secret", "force_overwrite_replica_secret"): "a Terraform-only setting: null on import",
    ("aws_db_instance", "apply_immediately"): "a Terraform-only setting (how to send changes): null on import",
    ("aws_elasticache_cluster", "apply_immediately"): "a Terraform-only setting (how to send changes): null on import",
    ("aws_db_instance", "skip_final_snapshot"): "a deletion-time setting, not stored in AWS: the provider imports it as true; "
                                                "the lowering decides false (a final snapshot)",
    ("aws_db_instance", "final_snapshot_identifier"): "a deletion-time setting, not stored in AWS: null on import",
    ("aws_db_instance", "manage_master_user_password"): "the provider does not read it on import; RDS already manages the "
                                                        "password (the instance has its MasterUserSecret), so asking again "
                                                        "changes nothing: the test checks the secret and password stay",
}
# Resources of a module that are settings of an adopted resource, cannot be imported, and whose
# creation changes nothing in AWS, with the reason.
CREATED_ON_ADOPTION: Mapping[str, str] = {
    "aws_lb_target_group_attachment": "the provider cannot import one; creating it registers an instance that is "
                                      "already registered, which AWS accepts as it is",
}


# ---- reading a plan ---------------------------------------------------------------------------------------


def move_of(kind: str) -> str:
    return "first" if kind in ("ec2", "lambda") else "second"


def nodes_of(graph: ResourceGraph, kind: str) -> list[Node]:
    nodes = [n for n in graph.nodes if n.kind == kind and n.address in MOVED]
    assert nodes, f"the journey moves no {kind}"
    return nodes


def module_of(graph: ResourceGraph, node: Node) -> str:
    return "module." + module_names(n.address for n in graph.nodes)[node.address]


def in_module(addresses: tuple[str, ...], module: str) -> list[str]:
    return [a for a in addresses if a.startswith(module + ".")]


def resource_type(address: str) -> str:
    return re.sub(r"\[.*$", "", address).split(".")[-2]


def normalized(value: Any, key: str = "") -> Any:
    """`value` without what a move may change: the owner tag anywhere, and in `tags` (not `tags_all`)
    the keys the provider's default_tags also set (AWS gets `tags_all`, which holds them either way)."""
    if isinstance(value, dict):
        drop = {OWNER_TAG} | (set(DEFAULT_TAGS) if key == "tags" else set())
        return {k: normalized(v, k) for k, v in value.items() if not (key in ("tags", "tags_all") and k in drop)}
    if isinstance(value, list):
        return [normalized(v, key) for v in value]
    return value


def unexplained_changes(plan: PlanReport, address: str) -> dict[str, tuple[Any, Any]]:
    changes = {
        attribute: (before, after)
        for attribute, (before, after) in plan.changes(address).items()
        if normalized(before, attribute) != normalized(after, attribute)
    }
    return {a: c for a, c in changes.items() if (resource_type(address), a) not in ALLOWED}


# ---- the move to Terraform --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_the_move_imports_every_resource_and_creates_destroys_replaces_none(journey: Journey, kind: str) -> None:
    move = journey.moves[move_of(kind)]
    plan = move.plan
    assert plan.deletes == () and plan.replaces == () and plan.forgets == (), plan.summary()
    for node in nodes_of(move.graph, kind):
        module = module_of(move.graph, node)
        expected = {f"{module}.{resource_address(node, r)}" for r in node.resources}
        assert expected <= set(plan.imports), f"{node.address}: not imported: {sorted(expected - set(plan.imports))}\n{plan.summary()}"
        created = in_module(plan.creates, module)
        unexpected = [a for a in created if resource_type(a) not in CREATED_ON_ADOPTION]
        assert unexpected == [], f"{node.address}: the move creates {unexpected}\n{plan.summary()}"


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_the_move_changes_nothing_but_the_owner_tag(journey: Journey, kind: str) -> None:
    move = journey.moves[move_of(kind)]
    problems = []
    for node in nodes_of(move.graph, kind):
        module = module_of(move.graph, node)
        for address in in_module(move.plan.imports, module) + in_module(move.plan.updates, module):
            changes = unexplained_changes(move.plan, address)
            problems += [f"{address}.{a}: {b!r} -> {c!r}" for a, (b, c) in changes.items()]
        owner_changed = [a for a in in_module(move.plan.updates, module) if "tags_all" in move.plan.changes(a)]
        assert owner_changed, f"{node.address}: the plan does not even change the owner tag:\n{move.plan.summary()}"
    assert problems == [], "drift between the Ansible role and the Terraform module:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("step", ["first", "second"])
def test_after_apply_terraform_plans_nothing(journey: Journey, step: str) -> None:
    assert journey.moves[step].empty_after_apply, f"the plan after applying the {step} move is not empty"


@pytest.mark.slow
def test_after_the_moves_ansible_changes_nothing(journey: Journey) -> None:
    move = journey.moves["second"]
    (result,) = move.ansible
    assert result.changed == 0, "Ansible changed something after the move:\n" + "\n".join(t.task for t in result.changed_tasks)
    # Ansible only looked the moved components up: Terraform's owner tag is still on every object,
    # and every object of the environment is there with exactly the tags the core decided.
    assert check_against_graph(move.inventory, list(move.graph.nodes), journey.fixtures) == []
    for address in MOVED:
        assert all(r.tags[OWNER_TAG] == "terraform" for r in move.graph.node(address).resources)


# ---- and back to Ansible ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_move_back_only_forgets(journey: Journey) -> None:
    back = journey.moves["back"]
    plan = back.plan
    assert (plan.imports, plan.creates, plan.updates, plan.replaces, plan.deletes) == ((),) * 5, plan.summary()
    for kind in KINDS:
        for node in nodes_of(back.graph, kind):
            module = module_of(back.graph, node)
            expected = {f"{module}.{resource_address(node, r)}" for r in node.resources}
            assert expected <= set(plan.forgets), f"{node.address}: not forgotten: {sorted(expected - set(plan.forgets))}"
    assert back.empty_after_apply


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_after_the_move_back_every_object_is_there_and_ansible_owns_it(journey: Journey, kind: str) -> None:
    back = journey.moves["back"]
    second = back.ansible[1]
    assert second.changed == 0, "Ansible's second run after the move back changed:\n" + "\n".join(t.task for t in second.changed_tasks)
    nodes = nodes_of(back.graph, kind)
    assert all(n.owner == "ansible" for n in nodes)
    # Every object of the kind exists with exactly the IR's tags, `envspec:owner: ansible` again
    # (objects of the other kinds are checked with their kind).
    problems = [p for p in check_against_graph(back.inventory, nodes, {}) if not p.startswith("extra ")]
    assert problems == [], "\n".join(problems)
    ours = {(r.type, r.name) for n in nodes for r in n.resources}
    # Every object is the one Ansible made at the start (same name, nothing recreated under it).
    for type_, name in ours:
        assert name in journey.inventory[type_], f"{type_} {name!r} was not there at the start"


@pytest.mark.slow
def test_the_database_password_and_secret_survive_every_move(journey: Journey) -> None:
    arn, password = journey.password
    assert len(password) >= 16 and ":secret:rds!" in arn
    for step, move in journey.moves.items():
        assert move.password == (arn, password), f"the database's secret or password changed in the {step} move"


@pytest.mark.slow
def test_no_password_in_any_plan(journey: Journey) -> None:
    _, password = journey.password
    for step, move in journey.moves.items():
        assert password not in json.dumps(move.plan.raw), f"the {step} plan holds the database password"


def test_the_journey_moves_every_kind_but_beanstalk() -> None:
    graph = graphs_for(SPEC)[ENV]
    kinds = {n.kind for n in graph.nodes}
    assert kinds - set(KINDS) == {"beanstalk"}, BEANSTALK
    assert {n.address for n in graph.nodes if n.kind != "beanstalk"} == set(MOVED) | set(STAYS)
    assert set(ALLOWED.values()) and all(ALLOWED.values()) and all(CREATED_ON_ADOPTION.values())
