"""LoweringContext: one resolved environment -> the ResourceGraph.

This is the one place where AWS identity is decided: every resource's name, tags and import id,
every input a Terraform module or an Ansible role receives, and the permissions that references
imply. Each kind's module (`envspec/core/kinds/`) lowers its components with the environment's
`LoweringContext` (`context.py`); this module runs them in order. Backends only decide syntax.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace

from envspec.core.ir import Node, Owner, ResourceGraph
from envspec.core.kinds import KINDS
from envspec.core.lower.context import LoweringContext
from envspec.core.names import state_bucket, state_key, transfer_bucket
from envspec.core.resolved import ResolvedComponent, ResolvedEnv

__all__ = ["lower"]


def lower(env: ResolvedEnv, history: Mapping[str, tuple[Owner, ...]] | None = None) -> ResourceGraph:
    """Lower every component of one environment into nodes, in dependency order.

    `history` maps a component address to the owners it had in earlier compiles of this
    environment (`envspec.core.history`: the file beside the spec); it decides Terraform import and removed blocks.
    """
    history = history or {}
    nodes = [
        replace(node, history=owners) if (owners := tuple(sorted(set(history.get(node.address, ()))))) else node
        for node in _lowered(env)
    ]
    return ResourceGraph(
        app=env.app,
        env=env.env,
        region=env.region,
        account_id=env.account_id,
        source=env.source,
        nodes=_dependency_order(nodes),
        state_bucket=state_bucket(env.app, env.account_id),
        state_key=state_key(env.app, env.env),
        transfer_bucket=transfer_bucket(env.app, env.env, env.account_id),
    )


# The nodes of the environments lowered last (without history), by identity: validation lowers every
# environment to check what AWS would refuse (`envspec.core.checks`), and the compile that follows
# lowers the same ones again.
_RECENT: OrderedDict[int, tuple[ResolvedEnv, list[Node]]] = OrderedDict()
_RECENT_SIZE = 64


def _lowered(env: ResolvedEnv) -> list[Node]:
    """The nodes of `env` in spec order, without history (memoized for the last few environments)."""
    hit = _RECENT.get(id(env))
    if hit is not None and hit[0] is env:
        _RECENT.move_to_end(id(env))
        return hit[1]
    ctx = LoweringContext(env, KINDS)
    nodes = [_node(ctx, c) for c in env.components.values()]
    _RECENT[id(env)] = (env, nodes)
    while len(_RECENT) > _RECENT_SIZE:
        _RECENT.popitem(last=False)
    return nodes


def _dependency_order(nodes: list[Node]) -> tuple[Node, ...]:
    """Stable topological order: a node comes after what it depends on, else in spec order."""
    by_address = {n.address: n for n in nodes}
    done: dict[str, Node] = {}
    visiting: set[str] = set()  # resolve rejects cycles; never loop here regardless
    for root in nodes:  # depth-first with an explicit stack: a long chain must not hit the recursion limit
        if root.address in done:
            continue
        visiting.add(root.address)
        stack = [(root, iter(root.depends_on))]
        while stack:
            node, deps = stack[-1]
            for dep in deps:
                if dep in by_address and dep not in done and dep not in visiting:
                    visiting.add(dep)
                    stack.append((by_address[dep], iter(by_address[dep].depends_on)))
                    break
            else:
                stack.pop()
                visiting.discard(node.address)
                done[node.address] = node
    return tuple(done.values())


def _node(ctx: LoweringContext, component: ResolvedComponent) -> Node:
    lower_kind = KINDS[component.kind].lower
    assert lower_kind is not None, component.kind
    inputs, resources, depends_on, rules = lower_kind(ctx, component)
    return Node(
        address=component.address,
        kind=component.kind,
        owner=component.owner,
        name=ctx.base_name(component),
        tags=ctx.tags(component),
        inputs=inputs,
        resources=tuple(resources),
        depends_on=depends_on,
        security_group_rules=tuple(rules),
    )

