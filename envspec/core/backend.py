"""The backend contract and entry-point discovery.

A backend is any object with a `name` and an `emit(graph)` that returns file contents by
relative path. Built-in and third-party backends register the same way, under the entry-point
group `envspec.backends` (see pyproject.toml).

A backend whose tool owns components (an `Owner`: Terraform, Ansible) is also a `Deployer`: it
describes the commands its tool runs for a deploy (`prepare`, `provision`, `release`), so the
operations that run tools (`envspec.operations.deploy`) ask the installed backends and import none.
The owners themselves stay the fixed pair of `envspec.core.ir.OWNERS`: ownership is a protocol
between exactly two tools (adoption by import blocks, release by removed blocks, the history beside
each spec), not something a plug-in can add; see the README, "Architecture".
"""

from __future__ import annotations

import importlib
import keyword
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeVar, runtime_checkable

from envspec.core.errors import UsageError, did_you_mean
from envspec.core.ir import ResourceGraph

GROUP = "envspec.backends"


@runtime_checkable
class Backend(Protocol):
    """Renders one environment's ResourceGraph as files; pure: data in, file contents out."""

    name: str

    def emit(self, graph: ResourceGraph) -> Mapping[PurePosixPath, str]: ...


@dataclass(frozen=True)
class Command:
    """One command of a deploy: its name in the log, its arguments, and the folder it runs in."""

    name: str                      # "terraform apply", "provision"
    argv: tuple[str, ...]
    cwd: Path = Path(".")
    checks_account: bool = False   # refuses credentials for another account: runs before any other step


@dataclass(frozen=True)
class DeployRequest:
    """What `envspec deploy` was asked for, as the tools' commands need it."""

    version: str | None = None          # the version to release; None: infrastructure only
    only: str | None = None             # release only this service (an address)
    inventories: tuple[Path, ...] = ()  # extra Ansible inventories, after the generated one


@runtime_checkable
class Deployer(Protocol):
    """A backend whose tool owns components: the commands a deploy runs with that tool."""

    name: str
    owner: str          # the owner its tool is in a spec (`owner: terraform`)
    tool: str           # the program every command runs, looked up on PATH before a deploy starts
    install_hint: str   # how to get it, for the message that says it is missing

    def prepare(self, graph: ResourceGraph, app_dir: Path, request: DeployRequest) -> list[Command]: ...

    def provision(self, graph: ResourceGraph, app_dir: Path, request: DeployRequest,
                  addresses: Sequence[str] | None) -> list[Command]: ...

    def release(self, graph: ResourceGraph, app_dir: Path, request: DeployRequest) -> list[Command]: ...


B = TypeVar("B")


def binding_module(kind: str) -> str:
    """The module of a backend's binding for `kind`: its name, with `_` after a Python keyword (`lambda_`)."""
    return f"{kind}_" if keyword.iskeyword(kind) else kind


def load_binding(package: str, kind: str, cls: type[B], missing: type[Exception], beside: str) -> B:
    """A backend's binding for `kind`: the `BINDING` (a `cls`) of `<package>.bindings.<kind>`.

    Both built-in backends keep what they know about each kind in such a module, beside the kind's
    Terraform module or Ansible role (`beside`), so that adding a kind edits no backend code. A
    missing module or `BINDING` raises `missing`, naming the file to add.
    """
    name = f"{package}.bindings.{binding_module(kind)}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise missing(f"no binding for the kind {kind!r}: add bindings/{binding_module(kind)}.py "
                      f"defining BINDING beside {beside}") from None
    found = getattr(module, "BINDING", None)
    if not isinstance(found, cls):
        raise missing(f"bindings/{binding_module(kind)}.py defines no BINDING (a {cls.__name__}) for the kind {kind!r}")
    return found


def deployers() -> dict[str, Deployer]:
    """The installed backends that deploy, by the owner their tool is."""
    return {b.owner: b for b in load(None) if isinstance(b, Deployer)}


def installed() -> dict[str, EntryPoint]:
    """Every registered backend by name, sorted."""
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    return dict(sorted(found.items()))


def load(names: list[str] | None = None) -> list[Backend]:
    """Instantiate the named backends (all installed ones when `names` is empty)."""
    available = installed()
    wanted = names or list(available)
    backends: list[Backend] = []
    for name in wanted:
        if name not in available:
            hint = did_you_mean(name, available)
            listing = ", ".join(available) or "none"
            raise UsageError(
                f"unknown backend '{name}'" + (f" ({hint})" if hint else "") + f"; installed backends: {listing}"
            )
        backend = available[name].load()()
        if not isinstance(backend, Backend):
            raise UsageError(f"backend '{name}' ({available[name].value}) does not implement name and emit()")
        backends.append(backend)
    return backends
