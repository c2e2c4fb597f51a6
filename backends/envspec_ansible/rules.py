"""A node's security group rules (`Node.security_group_rules`, decided by the core) as its role takes them.

Each rule becomes `{name, direction, security_group_id, rule}`: `security_group_id` is the group it
is on, null for the role's own group (which the role creates) or another component's group by the
fact that gives its id; `rule` is the rule in `amazon.aws.ec2_security_group`'s form (`proto`,
`from_port`, `to_port`, `rule_desc` and the peer: `cidr_ip`, or `group_id`). A peer that is the
role's own group is `group_name` (its name) in a rule on that group, and `group_id: null` in a rule
on another group: the role fills in its group's id, known once it has created it.
"""

from __future__ import annotations

from typing import Any

from envspec.core.ir import Node, SecurityGroup, SecurityGroupRule


def _peer(node: Node, rule: SecurityGroupRule) -> dict[str, Any]:
    peer = rule.peer
    if not isinstance(peer, SecurityGroup):
        return {"cidr_ip": peer}
    if not node.own_group(peer):
        return {"group_id": peer.id}
    if node.own_group(rule.group):
        (name,) = [r.name for r in node.resources if r.key == peer.resource]
        return {"group_name": name}
    return {"group_id": None}


def security_group_rules(node: Node) -> list[dict[str, Any]]:
    """The role's argument `security_group_rules`, in the core's order (references left as `Attr`)."""
    return [
        {
            "name": rule.name,
            "direction": rule.direction,
            "security_group_id": None if node.own_group(rule.group) else rule.group.id,
            "rule": {
                "proto": rule.protocol,
                "from_port": rule.from_port,
                "to_port": rule.to_port,
                **_peer(node, rule),
                "rule_desc": rule.description,
            },
        }
        for rule in node.security_group_rules
    ]
