"""What a deploy runs with Ansible (the `Deployer` half of the backend): `bootstrap.yml` first (it
refuses credentials for another account, then makes the Terraform state bucket and the transfer
bucket), `provision.yml` (whole, or limited to some components in an early round), and
`deploy.yml` to release a version, ec2 hosts `max_unavailable` at a time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from envspec.core.backend import Command, DeployRequest
from envspec.core.ir import Node, ResourceGraph

ANSIBLE_PLAYBOOK = "ansible-playbook"
INSTALL_HINT = ("install Ansible with the AWS collections and boto3, for example "
                "`pipx install --include-deps ansible && pipx inject ansible boto3` (or `pip install ansible boto3`)")


def _playbook(graph: ResourceGraph, app_dir: Path, request: DeployRequest, name: str, book: str,
              *extra: str, checks_account: bool = False) -> Command:
    inventory = ["-i", f"inventories/{graph.env}"]
    for path in request.inventories:
        inventory += ["-i", str(path.resolve())]
    return Command(name, (ANSIBLE_PLAYBOOK, *inventory, book, *extra), app_dir / "ansible", checks_account)


def max_unavailable(graph: ResourceGraph) -> int:
    """Hosts released at a time: the smallest `deploy.max_unavailable` of the ec2 services (1 if none)."""
    values = [int(n.inputs["deploy"]["max_unavailable"]) for n in graph.nodes if n.kind == "ec2"]
    return min(values, default=1)


def _version(graph: ResourceGraph, request: DeployRequest) -> tuple[str, ...]:
    """`-e envspec_version=V` for the infrastructure steps when a function is created from the zip of
    the version being released (its code's key has `{version}`), else nothing."""
    if request.version is None or not any(created_from_a_version(n) for n in graph.nodes):
        return ()
    return ("-e", f"envspec_version={request.version}")


def created_from_a_version(node: Node) -> bool:
    """A Lambda function whose code's key has `{version}`: created from the zip of a version."""
    return node.kind == "lambda" and "{version}" in str(node.inputs.get("s3_key", ""))


def prepare(graph: ResourceGraph, app_dir: Path, request: DeployRequest) -> list[Command]:
    """`bootstrap.yml`, always: the account check, then the buckets the other steps need; it also
    refuses a deploy without a version when a function to create needs one."""
    return [_playbook(graph, app_dir, request, "bootstrap", "bootstrap.yml", *_version(graph, request),
                      checks_account=True)]


def provision(graph: ResourceGraph, app_dir: Path, request: DeployRequest,
              addresses: Sequence[str] | None) -> list[Command]:
    """`provision.yml`: of everything Ansible owns (`addresses` None), else of those components only."""
    subset = () if addresses is None else (
        "-e", json.dumps({"envspec_provision_only": list(addresses)}, separators=(",", ":")))
    return [_playbook(graph, app_dir, request, "provision", "provision.yml", *_version(graph, request), *subset)]


def release(graph: ResourceGraph, app_dir: Path, request: DeployRequest) -> list[Command]:
    """`deploy.yml` with the version, when one is given."""
    if request.version is None:
        return []
    extra = ["-e", f"envspec_version={request.version}", "-e", f"envspec_max_unavailable={max_unavailable(graph)}"]
    if request.only is not None:
        extra += ["-e", f"envspec_only={request.only}"]
    return [_playbook(graph, app_dir, request, "release", "deploy.yml", *extra)]
