"""Data sources that find AWS resources Terraform does not manage, by the names and tags the core gave them.

`lookups.tf` finds the Ansible-owned components that Terraform-owned ones refer to; `imports.tf`
finds the ids of the resources of an adopted component (its data sources' labels start `import_`).
A :class:`Finder` adds data sources to one of those files' :class:`DataSources`; the bindings use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from envspec.core.ir import Node, Resource, ResourceGraph

from .binding import RenderError, binding
from .hcl import Attribute, Block, Body, Expr
from .names import data_label


@dataclass
class DataSources:
    """The data sources of one file, collected while rendering, and the local values built on them."""

    blocks: dict[tuple[str, str], Block] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # module name -> attribute -> expr
    found_by: dict[tuple[str, str], str] = field(default_factory=dict)  # data source -> component address

    def data(self, type_: str, label: str, body: list[Any], address: str = "") -> Expr:
        if (type_, label) not in self.blocks:
            self.blocks[(type_, label)] = Block("data", (type_, label), Body(body))
            self.found_by[(type_, label)] = address
        return Expr(f"data.{type_}.{label}")


def tags_value(tags: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(tags.items()))


def lookup_tags(resource: Resource) -> dict[str, str]:
    """The tags that find `resource`: its IR lookup's, or its Name tag."""
    return tags_value(resource.lookup.tags if resource.lookup else {"Name": resource.name})


class Finder:
    """Adds the data sources that find resources to `sources`, their labels starting with `prefix`."""

    def __init__(self, graph: ResourceGraph, modules: Mapping[str, str], sources: DataSources, prefix: str = "") -> None:
        self.graph = graph
        self.modules = modules
        self.sources = sources
        self.prefix = prefix

    def data(self, type_: str, label: str, body: list[Any], address: str) -> Expr:
        """A data source labelled `label` (see `label`), found for the component at `address`."""
        return self.sources.data(type_, label, body, address)

    def label(self, node: Node, key: str) -> str:
        """The label of a data source that finds `key` of `node`: `import_network_public_1`."""
        return self.prefix + data_label(self.modules[node.address], key)

    def resource(self, node: Node, key: str) -> Resource:
        for resource in node.resources:
            if resource.key == key:
                return resource
        raise RenderError(f"{node.address}: no resource '{key}' to look up")

    def by_tags(self, node: Node, resource: Resource) -> Expr:
        """A data source that finds `resource` of `node` by the tags of its IR lookup (or its Name
        tag), or as its kind's binding says for its type."""
        tags = lookup_tags(resource)
        special = binding(node.kind).data_sources.get(resource.type)
        data_type, body = special(resource, tags) if special else (resource.type, [Attribute("tags", tags)])
        return self.data(data_type, self.label(node, resource.key), body, node.address)

    def found(self, node: Node, key: str, attribute: str = "id") -> Expr:
        """`attribute` (its id) of resource `key` of `node`, found by its tags."""
        return Expr(f"{self.by_tags(node, self.resource(node, key)).text}.{attribute}")

