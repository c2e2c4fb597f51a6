"""`envspec graph`: one environment's components as a diagram, Mermaid (renders in a pull request) or DOT.

Nodes are components, filled with their owner's colour (Terraform purple, Ansible red). Edges are
references (`${databases.main.url}` in a service's `env`), labelled with what the reference grants,
read from the lowered graph, so the label is what the generated code opens: `tcp 5432` (a security
group rule to the database), `read/write objects` (the bucket policy statements), `read secret`,
`read password` (the database's managed secret), `invoke` (a Lambda function); a reference that
opens nothing (a URL, a name) is labelled `reference only`. A lambda's trigger queue is drawn like a
reference to it (`send/receive messages`: the trigger grants what a reference would). Nothing here
draws pictures: Graphviz or Mermaid do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from envspec.core.ir import Node, ResourceGraph
from envspec.core.kinds import KINDS
from envspec.core.names import statement_id
from envspec.core.resolved import ResolvedApp, ResolvedComponent

if TYPE_CHECKING:
    from envspec.core.project import Project

FORMATS = ("mermaid", "dot")
COLOURS: Mapping[str, tuple[str, str]] = {  # owner -> (fill, stroke)
    "terraform": ("#7B42BC", "#4C2889"),
    "ansible": ("#EE0000", "#A30000"),
}
# what a policy statement a reference grants allows, by the suffix of its sid (each kind says its own)
_GRANTS = {suffix: label for kind in KINDS.values() for suffix, label in kind.grant_labels.items()}
NOTHING = "reference only"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


@dataclass(frozen=True)
class Diagram:
    app: str
    source: str
    env: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def grants(component: ResolvedComponent, node: Node) -> dict[str, str]:
    """Referenced address -> what the reference grants, read from the lowered node (its policy
    statements, and the rules it adds on other components' security groups: the network access a
    reference to a database or a cache grants); also each component it depends on without a reference
    that grants something (a lambda's trigger queue)."""
    statements = node.inputs.get("policy_statements") or []
    reached = [r for r in node.security_group_rules if r.direction == "ingress" and not node.own_group(r.group)]
    found: dict[str, str] = {}
    referenced = [ref.address for ref in component.references]
    for address in dict.fromkeys(referenced + list(node.depends_on)):
        labels: list[str] = []
        for rule in reached:
            if rule.group.address == address:
                labels.append(f"{rule.protocol} {rule.from_port}")
        prefix = statement_id(address)
        for statement in statements:
            suffix = statement["sid"].removeprefix(prefix)
            if statement["sid"].startswith(prefix) and suffix in _GRANTS:
                labels.append(_GRANTS[suffix])
        if labels or address in referenced:
            found[address] = ", ".join(dict.fromkeys(labels)) or NOTHING
    return found


def diagram(project: Project, app: ResolvedApp, env: str) -> Diagram:
    """The components of `app` in `env` and the references between them."""
    from envspec.core.manifest import portable_source

    resolved = app.environments[env]
    graph: ResourceGraph = project.graph(app, env)
    edges = []
    for address, component in resolved.components.items():
        for target, label in grants(component, graph.node(address)).items():
            edges.append(Edge(address, target, label))
    order = list(resolved.components)
    nodes = tuple(sorted(graph.nodes, key=lambda n: order.index(n.address)))
    return Diagram(app.spec.app, portable_source(app.source), env, nodes, tuple(edges))


def _ids(diagrams: Sequence[Diagram]) -> dict[tuple[str, str], str]:
    ids: dict[tuple[str, str], str] = {}
    for d in diagrams:
        for node in d.nodes:
            ids[(d.app, node.address)] = f"n{len(ids) + 1}"
    return ids


def mermaid(diagrams: Sequence[Diagram]) -> str:
    """A Mermaid flowchart: a subgraph per app when there are several."""
    ids = _ids(diagrams)
    lines = ["flowchart LR"]
    for owner, (fill, stroke) in COLOURS.items():
        lines.append(f"  classDef {owner} fill:{fill},stroke:{stroke},color:#ffffff")
    several = len(diagrams) > 1
    for d in diagrams:
        pad = "    " if several else "  "
        lines.append(f"  %% {d.app} ({d.source}), environment {d.env}")
        if several:
            lines.append(f'  subgraph {d.app}["{d.app}: {d.env}"]')
        for node in d.nodes:
            lines.append(f'{pad}{ids[(d.app, node.address)]}["{node.address}<br/>{node.kind}, {node.owner}"]:::{node.owner}')
        if several:
            lines.append("  end")
    for d in diagrams:
        for edge in d.edges:
            lines.append(f'  {ids[(d.app, edge.source)]} -->|"{edge.label}"| {ids[(d.app, edge.target)]}')
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(diagrams: Sequence[Diagram]) -> str:
    """A Graphviz digraph: a cluster per app when there are several."""
    envs = ", ".join(dict.fromkeys(d.env for d in diagrams))
    lines = [
        f"digraph {_dot_quote('envspec ' + envs)} {{",
        '  graph [rankdir=LR, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontcolor="#ffffff"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    several = len(diagrams) > 1
    for d in diagrams:
        pad = "    " if several else "  "
        heading = f"{d.app} ({d.source}): {d.env}"
        if several:
            lines.append(f"  subgraph {_dot_quote('cluster_' + d.app)} {{")
            lines.append(f"    label={_dot_quote(heading)};")
        else:
            lines.append(f"  label={_dot_quote(heading)};")
            lines.append("  labelloc=t;")
        for node in d.nodes:
            fill, stroke = COLOURS[node.owner]
            name = _dot_quote(f"{d.app}/{node.address}")
            label = _dot_quote(f"{node.address}\n({node.kind}, {node.owner})").replace("\n", "\\n")
            lines.append(f"{pad}{name} [label={label}, fillcolor={_dot_quote(fill)}, color={_dot_quote(stroke)}];")
        if several:
            lines.append("  }")
    for d in diagrams:
        for edge in d.edges:
            lines.append(f"  {_dot_quote(f'{d.app}/{edge.source}')} -> {_dot_quote(f'{d.app}/{edge.target}')}"
                         f" [label={_dot_quote(edge.label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(project: Project, env: str, fmt: str = "mermaid") -> str:
    """The diagram of `env` in every app that declares it (a UsageError when none does)."""
    from envspec.core.errors import UsageError

    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}': expected {' or '.join(FORMATS)}")
    diagrams = [diagram(project, app, env) for app in project.environment(env)]
    return mermaid(diagrams) if fmt == "mermaid" else dot(diagrams)
