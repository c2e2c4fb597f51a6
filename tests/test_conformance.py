"""Conformance: the Terraform and the Ansible backend create the same AWS identities.

The core decides every AWS object's type, name and tags (the resources `manifest.json` lists per
component); each backend must create exactly those. Here one spec covering every component kind
(examples/contract.yaml, environment staging) is compiled twice, once with every component owned by
Terraform and once with every component owned by Ansible, and what each backend creates is compared,
kind by kind:

- Terraform: real Terraform plans the generated root (`plan -refresh=false` against the stand-in
  provider, tests/tfcheck): the planned name and `tags_all` (the tags AWS gets, default tags
  included) of every IR resource.
- Ansible: the generated provision.yml runs once against an emptied emulator, which is then read back
  with boto3: the first step of the contract journey (tests/contract_journey.py), shared with
  tests/test_coexistence.py rather than provisioned a second time.

The two must agree on every resource both lists have: same type, same name, same tags, except
`envspec:owner`, which says who owns it (`terraform` on one side, `ansible` on the other). Neither
side may create other objects of the types the IR knows. (The database's master password secret is
RDS's for both tools, `manage_master_user_password`: an AWS-named `rds!db-...` secret outside the
IR, which the emulator's inventory leaves out as it is owned by a service.)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import pytest

from envspec.core.ir import ResourceGraph
from envspec.core.manifest import inventory as resource_inventory
from envspec_terraform import TerraformBackend
from envspec.core.kinds import KINDS as ALL_KINDS
from tests.contract_journey import Journey
from tests.graphs import REPO
from tests.graphs import write_tree as write_terraform_tree
from tests.terraform_trees import DATA, NAME_ATTRIBUTES, graphs, ir_addresses

SPEC = REPO / "examples" / "contract.yaml"
ENV = "staging"
KINDS = tuple(ALL_KINDS)  # every kind in the registry: the contract spec must use each
OWNER_TAG = "envspec:owner"

# An identity: (type, name, tags); keyed by (component address, resource key).
Key = tuple[str, str]
Identity = tuple[str, str, dict[str, str]]


def graph(owner: str) -> ResourceGraph:
    """The spec's environment with every component owned by `owner`."""
    out = graphs(SPEC, owner)[ENV]
    assert {n.owner for n in out.nodes} == {owner}
    return out


def test_the_spec_covers_every_kind() -> None:
    assert {n.kind for n in graph("terraform").nodes} == set(KINDS)
    assert {n.kind for n in graph("ansible").nodes} == set(KINDS)


def test_the_manifest_lists_the_same_resources_for_both_owners() -> None:
    """What the core decides does not depend on the owner, but for the owner tag."""
    tf, an = resource_inventory(graph("terraform")), resource_inventory(graph("ansible"))
    assert set(tf) == set(an)
    for address in tf:
        assert tf[address]["resources"] == an[address]["resources"], address
    for node_tf, node_an in zip(graph("terraform").nodes, graph("ansible").nodes, strict=True):
        for res_tf, res_an in zip(node_tf.resources, node_an.resources, strict=True):
            assert res_tf.tags[OWNER_TAG] == "terraform" and res_an.tags[OWNER_TAG] == "ansible"
            assert without_owner(res_tf.tags) == without_owner(res_an.tags), (node_tf.address, res_tf.key)


# ---- what each backend creates ---------------------------------------------------------------------


def without_owner(tags: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k != OWNER_TAG}


def terraform_identities(plan_json: Mapping[str, Any], g: ResourceGraph) -> tuple[dict[Key, Identity], list[str]]:
    """The planned identity of every IR resource, and the planned resources of IR types that are not in the IR."""
    from tests.tfcheck import planned_addresses, planned_values

    expected = ir_addresses(g)
    found: dict[Key, Identity] = {}
    for address, (node, resource) in expected.items():
        after = planned_values(plan_json, address)
        tags = after.get("tags_all")
        assert isinstance(tags, dict), f"{address}: tags_all is not known at plan time"
        names = [after[a] for a in NAME_ATTRIBUTES if isinstance(after.get(a), str)]
        name = names[0] if names else tags.get("Name", "")
        found[(node.address, resource.key)] = (resource.type, name, dict(tags))
    ir_types = {r.type for _, r in expected.values()}
    extra = sorted(
        a for a in planned_addresses(plan_json)
        if re.sub(r"\[.*", "", a).split(".")[-2] in ir_types and a not in expected
    )
    return found, extra


def ansible_identities(
    inventory: Mapping[str, Mapping[str, Mapping[str, str]]], g: ResourceGraph, fixtures: Mapping[str, set[str]]
) -> tuple[dict[Key, Identity], list[str]]:
    """The read-back identity of every IR resource (found by type and name), and the objects of IR
    types that exist in the emulator but are not in the IR (besides the test's own fixtures)."""
    by_name: dict[tuple[str, str], Key] = {}
    for node in g.nodes:
        for resource in node.resources:
            assert (resource.type, resource.name) not in by_name, f"two {resource.type} named {resource.name!r}"
            by_name[(resource.type, resource.name)] = (node.address, resource.key)
    unreadable = {t for t, _ in by_name} - set(inventory)
    assert not unreadable, f"the emulator cannot read these types back: {sorted(unreadable)}"
    found: dict[Key, Identity] = {}
    extra = []
    for type_, objects in inventory.items():
        for name, tags in objects.items():
            key = by_name.get((type_, name))
            if key is not None:
                found[key] = (type_, name, dict(tags))
            elif name not in fixtures.get(type_, set()):
                extra.append(f"{type_} {name!r}")
    return found, sorted(extra)


def differences(
    g_tf: ResourceGraph, terraform: Mapping[Key, Identity], g_an: ResourceGraph, ansible: Mapping[Key, Identity], kind: str
) -> list[str]:
    """Where the two backends' identities for the components of `kind` disagree, with each other or
    with the core (the IR of their graph)."""
    problems = []
    for side, g, made in (("terraform", g_tf, terraform), ("ansible", g_an, ansible)):
        for node in g.nodes:
            if node.kind != kind:
                continue
            for resource in node.resources:
                key = (node.address, resource.key)
                if key not in made:
                    problems.append(f"{side} does not create {resource.type} {resource.name!r} ({node.address} {resource.key})")
                    continue
                type_, name, tags = made[key]
                if (type_, name) != (resource.type, resource.name):
                    problems.append(f"{side}: {key} is {type_} {name!r}, the core says {resource.type} {resource.name!r}")
                if tags != dict(resource.tags):
                    problems.append(f"{side}: {key} {name!r} has tags {tags}, the core says {dict(resource.tags)}")
    kinds = {n.address: n.kind for n in g_tf.nodes}
    for key in sorted(set(terraform) | set(ansible)):
        if kinds[key[0]] != kind:
            continue
        if key not in terraform or key not in ansible:
            problems.append(f"{key}: created by one backend only ({'terraform' if key in terraform else 'ansible'})")
            continue
        (t_type, t_name, t_tags), (a_type, a_name, a_tags) = terraform[key], ansible[key]
        if (t_type, t_name, without_owner(t_tags)) != (a_type, a_name, without_owner(a_tags)):
            problems.append(f"{key}: terraform {t_type} {t_name!r} {t_tags} != ansible {a_type} {a_name!r} {a_tags}")
        if (t_tags.get(OWNER_TAG), a_tags.get(OWNER_TAG)) != ("terraform", "ansible"):
            problems.append(f"{key}: owner tags {t_tags.get(OWNER_TAG)!r} / {a_tags.get(OWNER_TAG)!r}")
    return problems


def test_differences_catch_a_perturbed_tag_name_or_type() -> None:
    """The comparison itself can fail (the slow tests below then name the kind and the object)."""
    g_tf, g_an = graph("terraform"), graph("ansible")

    def made(g: ResourceGraph) -> dict[Key, Identity]:
        return {(n.address, r.key): (r.type, r.name, dict(r.tags)) for n in g.nodes for r in n.resources}

    terraform, ansible = made(g_tf), made(g_an)
    assert all(differences(g_tf, terraform, g_an, ansible, kind) == [] for kind in KINDS)
    key = ("buckets.uploads", "bucket")
    type_, name, tags = ansible[key]
    assert differences(g_tf, terraform, g_an, {**ansible, key: (type_, name, {**tags, "cost-center": "x"})}, "bucket")
    assert differences(g_tf, terraform, g_an, {**ansible, key: (type_, name + "-2", tags)}, "bucket")
    assert differences(g_tf, {**terraform, key: ("aws_s3_directory_bucket", name, tags)}, g_an, ansible, "bucket")
    missing = {k: v for k, v in terraform.items() if k != ("network", "vpc")}
    assert differences(g_tf, missing, g_an, ansible, "network")
    assert differences(g_tf, terraform, g_an, ansible, "bucket") == []


# ---- the runs ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Side:
    graph: ResourceGraph
    identities: dict[Key, Identity]
    extra: list[str]


@pytest.fixture(scope="module")
def terraform_side(tmp_path_factory: pytest.TempPathFactory) -> Side:
    from tests.tfcheck import plan

    g = graph("terraform")
    out = write_terraform_tree(TerraformBackend().emit(g), tmp_path_factory.mktemp("conformance-terraform"))
    plan_json = plan(out / "terraform" / ENV, data=DATA)
    identities, extra = terraform_identities(plan_json, g)
    return Side(g, identities, extra)


@pytest.fixture(scope="module")
def ansible_side(journey: Journey) -> Side:
    """What the generated provision.yml created from the all-Ansible graph in an emptied emulator, read back:
    the first step of the contract journey (tests/contract_journey.py), which this module shares with
    tests/test_coexistence.py. Its graph has the resources, names and tags of `graph("ansible")`."""
    g = journey.start
    assert resource_inventory(g) == resource_inventory(graph("ansible")), "the journey starts from another graph"
    identities, extra = ansible_identities(journey.inventory, g, journey.fixtures)
    return Side(g, identities, extra)


@pytest.mark.slow
def test_neither_backend_creates_objects_the_core_did_not_decide(terraform_side: Side, ansible_side: Side) -> None:
    assert terraform_side.extra == [], "Terraform plans objects of IR types that are not in the IR"
    assert ansible_side.extra == [], "Ansible created objects of IR types that are not in the IR"


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_both_backends_create_the_same_identities(terraform_side: Side, ansible_side: Side, kind: str) -> None:
    problems = differences(terraform_side.graph, terraform_side.identities, ansible_side.graph, ansible_side.identities, kind)
    assert not problems, f"{kind}:\n" + "\n".join(problems)
    # The comparison compared something: every resource of the kind on both sides.
    count = sum(len(n.resources) for n in terraform_side.graph.nodes if n.kind == kind)
    assert count and sum(1 for k in terraform_side.identities if terraform_side.graph.node(k[0]).kind == kind) == count
