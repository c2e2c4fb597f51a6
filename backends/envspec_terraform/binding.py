"""What the Terraform backend knows about one component kind: its binding to the kind's module.

Each kind of `envspec.core.kinds.KINDS` has a module `bindings/<kind>.py` (`lambda_.py` for `lambda`, a
Python keyword) beside its Terraform module `modules/<kind>/`, defining `BINDING`, a :class:`Binding`.
:func:`binding` loads it by the kind's name: adding a kind adds those two and edits nothing here.
Everything else in this backend is generic; a binding says only what its module does differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from envspec.core.backend import binding_module, load_binding

if TYPE_CHECKING:
    from envspec.core.ir import Node, Resource

    from .finders import Finder
    from .hcl import Expr, Template


class RenderError(ValueError):
    """The graph holds something this backend cannot render (a core/backend mismatch)."""


class MissingBinding(RenderError):
    """A kind of the registry that this backend has no binding for."""


# How a binding finds things when Ansible owns the component (see finders.Finder):
Lookup = Callable[["Finder", "Node"], "Expr | list[Expr] | Template"]
"""The expression of one of the kind's outputs."""
DataSource = Callable[["Resource", dict[str, str]], tuple[str, list[Any]]]
"""(data source type, body) that finds a resource of a type not found by its `tags` (given the tags)."""
ImportId = Callable[["Finder", "Node", "Resource"], Any]
"""The import id of a resource that neither the core nor the resource's own data source gives."""
ExtraImports = Callable[["Finder", "Node"], list[tuple[str, Any]]]
"""(address in the module, import id) of module resources that are not IR resources, which exist
once Ansible has created the component (a bucket's settings, a route table's associations)."""


@dataclass(frozen=True)
class Binding:
    # Where each IR resource lives in the module, by resource key (a `-N` suffix stripped when the
    # key itself is not listed): `{name}` is the resource's name, its `for_each` key in the module.
    addresses: Mapping[str, str]
    # Inputs that only the Ansible side needs: never rendered into the module call (the module
    # declares them, documented as unused, so that its interface is the component's).
    not_rendered: frozenset[str] = frozenset()
    # How to find each output when Ansible owns the component and a Terraform-owned one refers to it.
    lookups: Mapping[str, Lookup] = field(default_factory=dict)
    # Where the node's security group rules (`Node.security_group_rules`) live in the module, by
    # direction (`{name}` is the rule's name, its `for_each` key); the module then takes them as its
    # variable `security_group_rules`. Empty: the module creates no rule.
    rule_addresses: Mapping[str, str] = field(default_factory=dict)
    # Adoption: data sources for resource types not found by `tags`, the expression of an import id
    # from its data source (`{data}`; default `{data}.id`) by resource type, import ids found another
    # way by resource key, and the imports of module resources that are not IR resources.
    data_sources: Mapping[str, DataSource] = field(default_factory=dict)
    import_attributes: Mapping[str, str] = field(default_factory=dict)
    import_ids: Mapping[str, ImportId] = field(default_factory=dict)
    extra_imports: tuple[ExtraImports, ...] = ()
    # Whether a node's module takes the version a deploy releases (`release_version`, from the root's
    # variable of that name): a function created from the zip of that version, for example.
    takes_release_version: Callable[["Node"], bool] | None = None


def takes_release_version(node: "Node") -> bool:
    """Whether the module of `node` (Terraform-owned) is given the version a deploy releases."""
    wants = binding(node.kind).takes_release_version
    return wants is not None and wants(node)


module_name = binding_module  # the binding module of a kind: `lambda_` for `lambda`


@cache
def binding(kind: str) -> Binding:
    """The binding of `kind`, from `bindings/<kind>.py` (`envspec.core.backend.load_binding`)."""
    return load_binding(__package__, kind, Binding, MissingBinding, f"modules/{kind}/")
