"""Security group rules are decided once, by the core (`Node.security_group_rules`), and both backends
render exactly those: the Terraform module, evaluated from its HCL with what the root passes it, creates
one rule per IR rule at the address the backend imports into, with the IR's key and description; the
Ansible role's input, read the way the role uses it, holds the same rules. (That the role then makes
them in AWS, twice without a change, is tests/test_ansible_moto.py's; that Terraform adopts what Ansible
made by these keys, tests/test_coexistence.py's, both with the real tools.)"""

from __future__ import annotations

import pytest

from envspec.core.ir import ResourceGraph, SecurityGroup
from envspec_ansible import component_values
from envspec_terraform.names import rule_address
from envspec_terraform.values import security_group_rules
from tests.graphs import EXAMPLES, SPECS, graphs_for
from tests.sgrules import module_rules, role_rules

GRAPHS = [(f"{path.stem}-{env}", graph) for path in [*EXAMPLES, *SPECS] for env, graph in graphs_for(path).items()]


def test_the_examples_have_every_kind_of_rule() -> None:
    """The cases below cover a CIDR and a group peer, rules on the own group and on another's, both directions."""
    rules = [r for _, g in GRAPHS for n in g.nodes for r in n.security_group_rules]
    assert {r.direction for r in rules} == {"ingress", "egress"}
    assert any(isinstance(r.peer, SecurityGroup) for r in rules) and any(isinstance(r.peer, str) for r in rules)
    assert {n.kind for _, g in GRAPHS for n in g.nodes if n.security_group_rules} == {"network", "ec2", "beanstalk", "lambda"}
    assert any(r.group.address != n.address for _, g in GRAPHS for n in g.nodes for r in n.security_group_rules)


@pytest.mark.parametrize(("label", "graph"), GRAPHS, ids=[label for label, _ in GRAPHS])
def test_both_backends_render_exactly_the_cores_rules(label: str, graph: ResourceGraph) -> None:
    for node in graph.nodes:
        rules = node.security_group_rules
        keys = [r.key for r in rules]
        assert len(set(keys)) == len(keys), (node.address, keys)
        assert len({(r.direction, r.name) for r in rules}) == len(rules), node.address
        expected = {rule_address(node, r): (r.key, r.description) for r in rules}
        module = module_rules(graph, node, security_group_rules(node)) if node.kind in {"network", "ec2", "beanstalk", "lambda"} else {}
        assert module == expected, node.address
        inputs = component_values(graph, node)["inputs"]
        assert role_rules(graph, node, inputs.get("security_group_rules", [])) == [(r.key, r.description) for r in rules], node.address


def test_the_module_reads_what_it_is_passed() -> None:
    """The evaluation above follows the rules passed in, not the node's: a rule the root passes is a rule
    of the module, with its own key and description (so the comparison above can fail)."""
    label, graph = next((label, g) for label, g in GRAPHS if label.startswith("xkit"))
    api = graph.node("services.api")
    passed = [{**security_group_rules(api)[0], "from_port": 444, "to_port": 444, "description": "changed"}]
    (got,) = module_rules(graph, api, passed).values()
    assert got == ("services.api/sg egress tcp 444 444 0.0.0.0/0", "changed")
