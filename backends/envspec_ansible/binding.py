"""What the Ansible backend knows about one component kind: its binding to the kind's role.

Each kind of `envspec.core.kinds.KINDS` has a role `files/roles/<kind>/` (its arguments `KIND_address`,
`KIND_inputs` and `KIND_resources`, its facts `KIND_outputs`) and, beside it, a module
`bindings/<kind>.py` (`lambda_.py` for `lambda`, a Python keyword) defining `BINDING`, a
:class:`Binding`. :func:`binding` loads it by the kind's name: adding a kind adds those two and edits
nothing here, nor the dispatch to the roles (`tasks/component.yml`, generated from the registry).
"""

from __future__ import annotations

import importlib
import keyword
from dataclasses import dataclass
from functools import cache

from envspec.core.errors import BackendError


class MissingBinding(BackendError):
    """A kind of the registry that this backend has no binding for."""


@dataclass(frozen=True)
class Binding:
    title: str  # what a component of the kind is called in task names: "Lambda service"
    # Inputs whose values are environment values (a mapping of name -> text, references and secrets),
    # which the role joins from their parts (see `component_values`).
    parts_inputs: frozenset[str] = frozenset()


def module_name(kind: str) -> str:
    """The binding module of `kind`: its name, with `_` after a Python keyword (`lambda_`)."""
    return f"{kind}_" if keyword.iskeyword(kind) else kind


@cache
def binding(kind: str) -> Binding:
    """The binding of `kind`, from `bindings/<kind>.py`."""
    name = f"{__package__}.bindings.{module_name(kind)}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise MissingBinding(
            f"ansible backend: no binding for the kind {kind!r}: "
            f"add bindings/{module_name(kind)}.py defining BINDING beside files/roles/{kind}/"
        ) from None
    found = getattr(module, "BINDING", None)
    if not isinstance(found, Binding):
        raise MissingBinding(f"ansible backend: bindings/{module_name(kind)}.py defines no BINDING (a Binding) for the kind {kind!r}")
    return found
