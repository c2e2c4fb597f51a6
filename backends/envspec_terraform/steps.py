"""What a deploy runs with Terraform (the `Deployer` half of the backend): `terraform init`, then
`terraform apply` of the environment's root, whole or, in an early round of a deploy whose needs
cross both tools, `-target`ed at the modules of the components that round provisions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from envspec.core.backend import Command, DeployRequest
from envspec.core.ir import ResourceGraph

from .binding import takes_release_version
from .names import module_names
from .roots import RELEASE_VERSION

TERRAFORM = "terraform"
INSTALL_HINT = "install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install)"


def _chdir(graph: ResourceGraph, app_dir: Path) -> str:
    return f"-chdir={app_dir / 'terraform' / graph.env}"


def prepare(graph: ResourceGraph, app_dir: Path, request: DeployRequest) -> list[Command]:
    """`terraform init` of the environment's root, when Terraform owns anything there."""
    if not graph.owned_by("terraform"):
        return []
    return [Command("terraform init", (TERRAFORM, _chdir(graph, app_dir), "init", "-input=false"))]


def provision(graph: ResourceGraph, app_dir: Path, request: DeployRequest,
              addresses: Sequence[str] | None) -> list[Command]:
    """`terraform apply`: of everything (`addresses` None), else of those components' modules only;
    with the version being released when a module creates something from it (`variables.tf`)."""
    targets: tuple[str, ...] = ()
    if addresses is not None:
        modules = module_names(n.address for n in graph.nodes)
        targets = tuple(f"-target=module.{modules[a]}" for a in addresses)
    version: tuple[str, ...] = ()
    if request.version is not None and any(takes_release_version(n) for n in graph.owned_by("terraform")):
        version = (f"-var={RELEASE_VERSION}={request.version}",)
    argv = (TERRAFORM, _chdir(graph, app_dir), "apply", "-input=false", "-auto-approve", *version, *targets)
    return [Command("terraform apply", argv)]


def release(graph: ResourceGraph, app_dir: Path, request: DeployRequest) -> list[Command]:
    """Nothing yet: the services Terraform owns are released by deploy.yml (see the Ansible backend)."""
    return []
