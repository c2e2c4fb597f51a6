"""AWS's limits on what the lowering derives: what a tool would only hear of from AWS, at apply time.

Each limit is a rule of what a component lowers to in one environment (`envspec.core.ir`), whatever
spec made it: the policy of every reference a service makes, the rules every component lands on
one security group, the subnets a load balancer gets from the network's split. `check(graph, env)`
runs at validate time (`envspec.core.checks`); a finding names the limit, the number found and
what to change, at the component (or its field, or the spec's field) that decides it.

| limit | AWS says | where |
|---|---|---|
| a role's inline policies: 10,240 characters, whitespace not counted | https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html | the service's `env` |
| rules per security group: 60 inbound, 60 outbound (the default quota) | https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups | the component whose group it is |
| a load balancer's subnets: at least /27 (8 free addresses each) | https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer | `network.cidr` |
| Beanstalk environment properties: 4,096 bytes in all, as `key=value` | https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/environments-cfg-softwaresettings.html | the service's `env` |
| Beanstalk environment tags: no `Name`, `aws:` or `elasticbeanstalk:` key (Beanstalk's own) | https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/using-features.tagging.html | the spec's `tags` |
| a listener's ACM certificate: in the load balancer's own partition, region and account | https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html | `network.certificate_arn` |

Values AWS assigns (a database's host, a secret's ARN) are not known here: a size counts none of
them, so it is the least the result will take, and a finding says "at least".
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from envspec.core.checks import Finding
from envspec.core.ir import Attr, Interp, Node, ResourceGraph, SecretValue
from envspec.core.model.spec import region_partition
from envspec.core.resolved import ResolvedEnv

ROLE_INLINE_POLICY_CHARS = 10_240
SECURITY_GROUP_RULES = 60  # inbound, and outbound, per group
LB_SUBNET_PREFIX = 27
BEANSTALK_PROPERTIES_BYTES = 4_096
BEANSTALK_RESERVED_TAGS = ("aws:", "elasticbeanstalk:")


def check(graph: ResourceGraph, env: ResolvedEnv) -> Iterable[Finding]:
    yield from certificate(env)
    for node in graph.nodes:
        yield from inline_policy(node)
        yield from beanstalk_properties(node)
        yield from beanstalk_tags(node)
    yield from security_group_rules(graph)
    yield from load_balancer_subnets(graph)


def known_text(value: Any) -> str:
    """The text of a value that the core knows: an AWS-assigned part (Attr, a secret's value) counts as empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, Interp):
        return "".join(part for part in value.parts if isinstance(part, str))
    return ""


def _known(value: Any) -> Any:
    """`value` with every AWS-assigned part replaced by its known text (for sizes)."""
    if isinstance(value, (Attr, Interp, SecretValue)):
        return known_text(value)
    if isinstance(value, Mapping):
        return {key: _known(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_known(item) for item in value]
    return value


def policy_document(statements: Iterable[Mapping[str, Any]]) -> str:
    """A service role's inline policy as both backends write it, without whitespace (as IAM counts)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": s["sid"], "Effect": "Allow", "Action": s["actions"], "Resource": s["resources"]}
            for s in _known(list(statements))
        ],
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def inline_policy(node: Node) -> Iterator[Finding]:
    statements = node.inputs.get("policy_statements")
    if not statements:
        return
    size = len(policy_document(statements))
    if size > ROLE_INLINE_POLICY_CHARS:
        yield Finding(
            node.address,
            f"the role's inline policy (a statement for each component this service references) takes at least "
            f"{size:,} characters without whitespace; IAM allows {ROLE_INLINE_POLICY_CHARS:,} for a role's inline policies",
            "reference fewer components from this service, or split it into services that each reference fewer",
            ("env",),
        )


def beanstalk_properties(node: Node) -> Iterator[Finding]:
    if node.kind != "beanstalk":
        return
    environment = node.inputs.get("environment") or {}
    size = sum(len(f"{name}={known_text(value)}".encode()) for name, value in environment.items())
    if size > BEANSTALK_PROPERTIES_BYTES:
        yield Finding(
            node.address,
            f"the environment properties take at least {size:,} bytes as key=value; Elastic Beanstalk allows "
            f"{BEANSTALK_PROPERTIES_BYTES:,} in all",
            "keep large values in a bucket or a secret and pass its name",
            ("env",),
        )


def beanstalk_tags(node: Node) -> Iterator[Finding]:
    for resource in node.resources:
        if resource.type != "aws_elastic_beanstalk_environment":
            continue
        for key in resource.tags:
            if key == "Name" or key.lower().startswith(BEANSTALK_RESERVED_TAGS):
                yield Finding(
                    node.address,
                    f"tag key {key!r} would land on {node.address}'s Elastic Beanstalk environment, which refuses "
                    "`Name` and keys starting with 'aws:' or 'elasticbeanstalk:' (the tags Beanstalk sets itself)",
                    "rename the tag",
                    at=("tags", key),
                )


def certificate(env: ResolvedEnv) -> Iterator[Finding]:
    network = env.components.get("network")
    arn = getattr(network.model, "certificate_arn", None) if network is not None else None
    if not isinstance(arn, str) or arn.count(":") < 5:
        return
    _, partition, _, region, account, _ = arn.split(":", 5)
    wanted = (region_partition(env.region), env.region, env.account_id)
    if (partition, region, account) == wanted:
        return
    differs = [f"{what} {found}, not {want}" for what, found, want in
               zip(("partition", "region", "account"), (partition, region, account), wanted) if found != want]
    yield Finding(
        "network",
        f"the certificate is in {', '.join(differs)}: a load balancer takes an ACM certificate of its own "
        "region and account only",
        "write arn:aws:acm:${env.region}:${env.account_id}:certificate/ID, or set it per environment under `overrides`",
        ("certificate_arn",),
    )


def load_balancer_subnets(graph: ResourceGraph) -> Iterator[Finding]:
    """An application load balancer (the app's own, a Beanstalk environment's) takes the public subnets."""
    try:
        network = graph.node("network")
    except KeyError:
        return
    users = [n.address for n in graph.nodes if n.inputs.get("lb_subnet_ids") is not None]
    if network.inputs.get("load_balancer") is not None:
        users.insert(0, "the app's load balancer")
    subnets = network.inputs.get("public_subnets") or []
    if not users or not subnets:
        return
    prefix = ipaddress.IPv4Network(subnets[0]["cidr"]).prefixlen
    if prefix > LB_SUBNET_PREFIX:
        vpc = ipaddress.IPv4Network(str(network.inputs["cidr"])).prefixlen
        yield Finding(
            "network",
            f"the public subnets are /{prefix} (the /{vpc} VPC split in {2 ** (prefix - vpc)}), and an application "
            f"load balancer needs subnets of at least /{LB_SUBNET_PREFIX} (8 free addresses each); used by "
            f"{', '.join(users)}",
            f"use a VPC block of /{vpc - (prefix - LB_SUBNET_PREFIX)} or larger",
            ("cidr",),
        )


def security_group_rules(graph: ResourceGraph) -> Iterator[Finding]:
    """Every rule the lowering lands on each security group (`Node.security_group_rules`, from every
    component: a service's HTTPS egress and its egress to each database or cache it reaches, the
    ingress that matches it on that one's group, a public ec2 service's ingress from the load
    balancer, the load balancer's own), counted per group and direction."""
    counts: dict[tuple[str, str], list[str]] = {}  # (group's component, direction) -> where each rule comes from
    for node in graph.nodes:
        for rule in node.security_group_rules:
            direction = "inbound" if rule.direction == "ingress" else "outbound"
            counts.setdefault((rule.group.address, direction), []).append(node.address)
    for (address, direction), sources in counts.items():
        if len(sources) > SECURITY_GROUP_RULES:
            what, fewer = (("from each service that reaches it", "reach it from fewer services") if direction == "inbound"
                           else ("to each database or cache it reaches, and HTTPS", "reach fewer databases and caches from it"))
            yield Finding(
                address,
                f"{len(sources)} {direction} rules would land on {address}'s security group (one {what}); "
                f"AWS allows {SECURITY_GROUP_RULES} {direction} rules per group by default",
                f"{fewer}, or raise the quota 'Inbound or outbound rules per security group' in Service Quotas first",
            )
