"""What the Ansible backend knows about one component kind: its binding to the kind's role.

Each kind of `envspec.core.kinds.KINDS` has a role `files/roles/<kind>/` (its arguments `KIND_address`,
`KIND_inputs` and `KIND_resources`, its facts `KIND_outputs`) and, beside it, a module
`bindings/<kind>.py` (`lambda_.py` for `lambda`, a Python keyword) defining `BINDING`, a
:class:`Binding`. :func:`binding` loads it by the kind's name: adding a kind adds those two and edits
nothing here, nor the dispatch to the roles (`tasks/component.yml`, generated from the registry).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from envspec.core.backend import binding_module, load_binding
from envspec.core.errors import BackendError


class MissingBinding(BackendError):
    """A kind of the registry that this backend has no binding for."""

    def __init__(self, message: str) -> None:
        super().__init__(f"ansible backend: {message}")


@dataclass(frozen=True)
class Binding:
    title: str  # what a component of the kind is called in task names: "Lambda service"
    # Inputs whose values are environment values (a mapping of name -> text, references and secrets),
    # which the role joins from their parts (see `component_values`).
    parts_inputs: frozenset[str] = frozenset()
    # Whether the role takes the node's security group rules, as the input `security_group_rules`
    # (see `rules`): the roles whose components have a security group with rules of their own.
    security_group_rules: bool = False


module_name = binding_module  # the binding module of a kind: `lambda_` for `lambda`


@cache
def binding(kind: str) -> Binding:
    """The binding of `kind`, from `bindings/<kind>.py` (`envspec.core.backend.load_binding`)."""
    return load_binding(__package__, kind, Binding, MissingBinding, f"files/roles/{kind}/")
