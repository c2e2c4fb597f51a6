"""Terraform trees of the specs, shared by the tests that plan them (the Terraform backend's, conformance).

- `graphs`: {env: graph} of a spec through the real pipeline, with chosen owners.
- `DATA`: what the stand-in provider (tests/tfcheck) answers for the data sources that find what
  Ansible created (xkit's staging: its load balancer, security groups and their rules, ...).
- `ir_addresses`, `NAME_ATTRIBUTES`: where each IR resource of the Terraform-owned components is in a
  root, and the attributes that hold a resource's name.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

from envspec.core import resolve
from envspec.core import source
from envspec.core.ir import Node, ResourceGraph
from envspec.core.lower import lower
from envspec_terraform.names import module_names, resource_address


@cache
def graphs(path: Path, owner: str | None = None, owners: tuple[tuple[str, str], ...] = ()) -> dict[str, ResourceGraph]:
    """{env: graph} of one spec through the real pipeline (as `graphs_for`), with `owner`/`owners`
    overriding who owns what before lowering, so names, tags and resources follow the owner as they
    would if the spec said so."""
    apps = resolve.resolve(source.load([path]))
    assert len(apps) == 1
    chosen = dict(owners)
    out: dict[str, ResourceGraph] = {}
    for env_name, env in apps[0].environments.items():
        components = {
            address: dataclasses.replace(c, owner=chosen.get(address, owner or c.owner))  # type: ignore[arg-type]
            for address, c in env.components.items()
        }
        out[env_name] = lower(dataclasses.replace(env, components=components))
    return out




# Values the stand-in provider returns for data sources that find Ansible-created resources.
DATA = {
    "aws_lb": {"arn": "arn:aws:elasticloadbalancing:us-west-2:111111111111:loadbalancer/app/xkit-staging/0123456789abcdef", "dns_name": "xkit-staging-1.us-west-2.elb.amazonaws.com"},
    "aws_lb_listener": {"arn": "arn:aws:elasticloadbalancing:us-west-2:111111111111:listener/app/xkit-staging/0123456789abcdef/80"},
    "aws_lb_listener_rule": {"arn": "arn:aws:elasticloadbalancing:us-west-2:111111111111:listener-rule/app/xkit-staging/0123456789abcdef/80/50000"},
    "aws_lb_target_group": {"arn": "arn:aws:elasticloadbalancing:us-west-2:111111111111:targetgroup/xkit-staging-api/0123456789abcdef"},
    "aws_secretsmanager_secret": {"arn": "arn:aws:secretsmanager:us-west-2:111111111111:secret:xkit/staging/x-AbCdEf"},
    "aws_db_instance": {
        "address": "xkit-staging-main.abcdefghijkl.us-west-2.rds.amazonaws.com",
        # RDS manages the master password for both tools: its secret is the instance's own.
        "master_user_secret": [{"kms_key_id": "", "secret_arn": "arn:aws:secretsmanager:us-west-2:111111111111:secret:rds!db-0123-AbCdEf", "secret_status": "active"}],
    },
}
# The security groups of staging by Name, and their rules as Ansible created them (ids that nothing
# can derive). The network's lb_to_vpc rule is missing: Terraform must create it. The rule the
# dashboard (Ansible's again) added on the database's group must stay out of the import.
GROUP_IDS = {"xkit-staging-lb": "sg-0lb", "xkit-staging-api": "sg-0api", "xkit-staging-hubspot-sync": "sg-0sync", "xkit-staging-main": "sg-0main"}


def _rule(group: str, direction: str, port: int, peer: str) -> dict[str, Any]:
    side = {"referenced_security_group_id": peer} if peer.startswith("sg-") else {"cidr_ipv4": peer}
    return {"security_group_id": group, "is_egress": direction == "egress", "ip_protocol": "tcp", "from_port": port, "to_port": port, **side}


RULES = {
    "sgr-0lbhttps": _rule("sg-0lb", "ingress", 443, "0.0.0.0/0"),
    "sgr-0lbhttp": _rule("sg-0lb", "ingress", 80, "0.0.0.0/0"),
    "sgr-0apihttps": _rule("sg-0api", "egress", 443, "0.0.0.0/0"),
    "sgr-0apifromlb": _rule("sg-0api", "ingress", 4000, "sg-0lb"),
    "sgr-0apitomain": _rule("sg-0api", "egress", 5432, "sg-0main"),
    "sgr-0mainfromapi": _rule("sg-0main", "ingress", 5432, "sg-0api"),
    "sgr-0synchttps": _rule("sg-0sync", "egress", 443, "0.0.0.0/0"),
    "sgr-0synctomain": _rule("sg-0sync", "egress", 5432, "sg-0main"),
    "sgr-0mainfromsync": _rule("sg-0main", "ingress", 5432, "sg-0sync"),
    "sgr-0mainfromdashboard": _rule("sg-0main", "ingress", 5432, "sg-0dashboard"),
}
DATA.update({
    "aws_security_group": {"@by": {"tags.Name": {name: {"id": id_} for name, id_ in GROUP_IDS.items()}}},
    "aws_security_groups": {"ids": [], "@by": {"tags.Name": {name: {"ids": [id_]} for name, id_ in GROUP_IDS.items()}}},
    "aws_vpc_security_group_rules": {"ids": sorted(RULES)},  # every rule of the account, whatever the filter
    "aws_vpc_security_group_rule": {"@by": {"security_group_rule_id": RULES}},
})

def ir_addresses(graph: ResourceGraph) -> dict[str, tuple[Node, Any]]:
    names = module_names(n.address for n in graph.nodes)
    return {
        f"module.{names[n.address]}.{resource_address(n, r)}": (n, r)
        for n in graph.owned_by("terraform") for r in n.resources
    }


NAME_ATTRIBUTES = ("name", "bucket", "identifier", "function_name")
