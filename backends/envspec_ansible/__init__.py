"""The Ansible backend: a ResourceGraph -> an Ansible project (roles, playbooks, inventories).

Layout of what `AnsibleBackend.emit` returns, relative to the app's output folder:

    ansible/ansible.cfg, requirements.yml       shared: the same bytes for every environment
    ansible/provision.yml, deploy.yml, tasks/   shared playbooks (generic: they read group_vars)
    ansible/library/, roles/<kind>/              shared roles, one per component kind
    ansible/inventories/<env>/aws_ec2.yml        the env's dynamic inventory (envspec tags)
    ansible/inventories/<env>/group_vars/all/    the env's values: region, account, components

Every shared file is package data copied verbatim (`files/`), so it cannot depend on a graph, but
`tasks/component.yml`, the dispatch to the roles, generated from the kinds' registry (`dispatch`).
What is particular to a kind is its role's, and its binding's beside it (`binding`).
Everything a graph decides is written as data into the env's group_vars by `yamlout`, whose one
escaping rule keeps Ansible from templating any string that came from the spec.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import PurePosixPath
from typing import Any

from envspec.core.errors import BackendError
from envspec.core.ir import Attr, Interp, Node, ResourceGraph, SecretValue
from envspec.core.kinds import LIST_OUTPUTS, OUTPUTS, SECTIONS

from . import steps, yamlout
from .binding import binding
from .dispatch import component_tasks
from .rules import security_group_rules
from .yamlout import Template

__all__ = [
    "AnsibleBackend", "SECRET_PLACEHOLDER", "component_values", "deploy_lookups",
    "provision_lookups", "reference", "static_files",
]

ROOT = PurePosixPath("ansible")
# Dynamic attributes whose value is a list (in a string context they are joined with commas).
# The first value of a secret Ansible creates: Secrets Manager and SSM need one. The real value
# is set outside envspec; deploy.yml refuses to write this one into a host's environment. The
# same as the Terraform backend's SSM placeholder, so a deploy catches either.
SECRET_PLACEHOLDER = "unset"

_ADDRESS = re.compile(  # `network`, or SECTION.NAME for the sections of named components
    r"^(network|(" + "|".join(re.escape(s) for s in SECTIONS if s != "network") + r")\.[a-z][a-z0-9_-]{0,30})$"
)
_ATTRIBUTE = re.compile(r"^[a-z][a-z_]{0,40}$")


class AnsibleBackend:
    """Renders the Ansible-owned part of an environment, and lookups of what it reads."""

    name = "ansible"
    # The Deployer half (envspec.core.backend): the commands a deploy runs with this backend's tool.
    owner = "ansible"
    tool = steps.ANSIBLE_PLAYBOOK
    install_hint = steps.INSTALL_HINT
    prepare = staticmethod(steps.prepare)
    provision = staticmethod(steps.provision)
    release = staticmethod(steps.release)

    def emit(self, graph: ResourceGraph) -> dict[PurePosixPath, str]:
        files = dict(static_files())
        env_dir = ROOT / "inventories" / graph.env
        files[env_dir / "aws_ec2.yml"] = _inventory(graph)
        _check_order(graph)  # what _env_vars and _components rely on; checked once per graph
        files[env_dir / "group_vars" / "all" / "envspec.yml"] = _env_vars(graph)
        files[env_dir / "group_vars" / "all" / "components.yml"] = _components(graph)
        return dict(sorted(files.items()))


# ---- shared files ------------------------------------------------------------------------------


@cache
def static_files() -> tuple[tuple[PurePosixPath, str], ...]:
    """Every file under the package's `files/` folder, at the same place under `ansible/`, and the
    generated `tasks/component.yml`."""

    def walk(node: Traversable, rel: PurePosixPath) -> Iterator[tuple[PurePosixPath, str]]:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__" or child.name.endswith(".pyc"):
                continue
            if child.is_dir():
                yield from walk(child, rel / child.name)
            else:
                yield ROOT / rel / child.name, child.read_text(encoding="utf-8")

    files = dict(walk(resources.files(__package__) / "files", PurePosixPath()))
    files[ROOT / "tasks" / "component.yml"] = component_tasks()
    return tuple(sorted(files.items()))


# ---- values: IR -> YAML data ----------------------------------------------------------------------


def reference(graph: ResourceGraph, attr: Attr, *, text: bool = False) -> Template:
    """`Attr("network", "vpc_id")` -> `{{ envspec_out['network'].vpc_id }}`, the fact its role publishes.

    With `text=True` (inside an environment value) a list attribute is joined with commas.
    """
    if not _ADDRESS.match(attr.address) or not _ATTRIBUTE.match(attr.attribute):
        raise BackendError(f"ansible backend: malformed reference {attr.address}.{attr.attribute}")
    try:
        target = graph.node(attr.address)
    except KeyError:
        raise BackendError(f"ansible backend: reference to unknown component {attr.address}") from None
    if attr.attribute not in OUTPUTS[target.kind]:
        raise BackendError(f"ansible backend: {attr.address} ({target.kind}) has no attribute {attr.attribute}")
    expression = f"envspec_out['{attr.address}'].{attr.attribute}"
    if text and attr.attribute in LIST_OUTPUTS:
        expression += " | join(',')"
    return Template("{{ " + expression + " }}")


def _part(graph: ResourceGraph, part: str | Attr | SecretValue) -> Any:
    if isinstance(part, Attr):
        return reference(graph, part, text=True)
    if isinstance(part, SecretValue):
        # Data, not a template: only deploy.yml resolves it, on the controller, under no_log. A
        # database password's secret is named by its ARN, a reference to the database's output.
        name = reference(graph, part.name) if isinstance(part.name, Attr) else part.name
        found: dict[str, Any] = {"secret_name": name, "secret_store": part.store}
        if part.key is not None:
            found["secret_key"] = part.key
        if part.url_encoded:
            found["secret_url_encoded"] = True
        return found
    return part


def _parts(graph: ResourceGraph, value: Any) -> list[Any]:
    """An environment value as a list of parts that the roles join: text, references, secrets."""
    if isinstance(value, Interp):
        return [_part(graph, p) for p in value.parts]
    if isinstance(value, (str, Attr, SecretValue)):
        return [_part(graph, value)]
    raise BackendError(f"ansible backend: an environment value must be a string, got {value!r}")


def _data(graph: ResourceGraph, value: Any) -> Any:
    if isinstance(value, Attr):
        return reference(graph, value)
    if isinstance(value, (Interp, SecretValue)):
        return _parts(graph, value)
    if isinstance(value, Mapping):
        return {str(k): _data(graph, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_data(graph, v) for v in value]
    return value


def _inputs(graph: ResourceGraph, node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kind = binding(node.kind)
    for key, value in node.inputs.items():
        if key in kind.parts_inputs:
            out[key] = {name: _parts(graph, v) for name, v in value.items()}
        else:
            out[key] = _data(graph, value)
    if node.security_group_rules and not kind.security_group_rules:
        raise BackendError(f"ansible backend: the {node.kind} role makes no security group rules ({node.address})")
    if kind.security_group_rules:
        out["security_group_rules"] = _data(graph, security_group_rules(node))
    return out


def component_values(graph: ResourceGraph, node: Node) -> dict[str, Any]:
    """One component as the roles receive it: address, kind, owner, inputs and resource identities."""
    return {
        "address": node.address,
        "kind": node.kind,
        "owner": node.owner,
        "name": node.name,
        "depends_on": list(node.depends_on),
        "inputs": _inputs(graph, node),
        "resources": {
            r.key: {
                "type": r.type,
                "name": r.name,
                "tags": dict(r.tags),
                **({"lookup": dict(r.lookup.tags)} if r.lookup is not None else {}),
            }
            for r in node.resources
        },
    }


# ---- what Ansible must read -----------------------------------------------------------------------


def _check_order(graph: ResourceGraph) -> None:
    seen: set[str] = set()
    for node in graph.nodes:
        for attr in node.needs():
            if attr.address not in seen:
                raise BackendError(
                    f"ansible backend: {node.address} references {attr.address}.{attr.attribute}, "
                    f"which does not come before it in the graph"
                )
        seen.add(node.address)


def provision_lookups(graph: ResourceGraph) -> list[str]:
    """Components another tool owns whose attributes an Ansible-owned component needs."""
    needed = {a.address for n in graph.owned_by("ansible") for a in n.needs()}
    return [n.address for n in graph.nodes if n.address in needed and n.owner != "ansible"]


def deploy_lookups(graph: ResourceGraph) -> list[str]:
    """Components whose attributes the ec2 services need at deploy time (environment files, and the
    role's inputs, which deploy.yml hands to the role whole)."""
    needed = {a.address for n in graph.nodes if n.kind == "ec2" for a in n.needs()}
    return [n.address for n in graph.nodes if n.address in needed]


# ---- per-environment files ------------------------------------------------------------------------


def _header(graph: ResourceGraph, what: str) -> str:
    spec = graph.source.replace("\\", "/").rsplit("/", 1)[-1]  # the file name: never a machine's path
    return (
        f"---\n# {what}\n"
        f"# Generated by envspec from {_comment(spec)} (app {graph.app}, environment {graph.env}).\n"
        "# Do not edit: change the spec and compile again.\n"
    )


def _comment(text: str) -> str:
    """Spec-derived text inside a YAML comment: one line, printable."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _inventory(graph: ResourceGraph) -> str:
    # The app and env names are validated ([a-z][a-z0-9-]*), so they are written plain: inventory
    # plugin options are not vars files, and `!unsafe` has no meaning there.
    for word in (graph.app, graph.env, graph.region):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", word):
            raise BackendError(f"ansible backend: unexpected name {word!r} in the inventory")
    return (
        _header(graph, "The running instances of the ec2 services, grouped by component.")
        + "#   group envspec_services_api = the instances of services.api (`.` and `-` become `_`)\n"
        "plugin: amazon.aws.aws_ec2\n"
        "regions:\n"
        f"  - {graph.region}\n"
        "filters:\n"
        f"  tag:envspec:app: {graph.app}\n"
        f"  tag:envspec:env: {graph.env}\n"
        "  instance-state-name: running\n"
        "hostnames:\n"
        "  - tag:Name\n"
        "  - instance-id\n"
        "compose:\n"
        "  # The instances live in private subnets and open no SSH port: Ansible reaches them through\n"
        "  # AWS Systems Manager (their role has AmazonSSMManagedInstanceCore), moving files through\n"
        "  # the transfer bucket bootstrap.yml creates. This machine needs the Session Manager plugin.\n"
        "  # Another inventory given after this one (`envspec deploy -i FILE`) may set other\n"
        "  # connection variables per host.\n"
        "  ansible_connection: \"'amazon.aws.aws_ssm'\"\n"
        "  ansible_aws_ssm_instance_id: instance_id\n"
        f"  ansible_aws_ssm_region: \"'{graph.region}'\"\n"
        f"  ansible_aws_ssm_bucket_name: \"'{graph.transfer_bucket}'\"\n"
        "  envspec_instance_id: instance_id\n"
        "  envspec_component_address: tags['envspec:component']\n"
        "keyed_groups:\n"
        "  - key: tags['envspec:component'] | regex_replace('[^A-Za-z0-9_]', '_')\n"
        "    prefix: envspec\n"
        "strict: true\n"
    )


def _env_vars(graph: ResourceGraph) -> str:
    if not re.fullmatch(r"[0-9]{12}", graph.account_id):
        raise BackendError(f"ansible backend: account id {graph.account_id!r} is not 12 digits")
    values = {
        "envspec_app": graph.app,
        "envspec_env": graph.env,
        "envspec_region": graph.region,
        "envspec_account_id": graph.account_id,
        "envspec_secret_placeholder": SECRET_PLACEHOLDER,
    }
    buckets = {
        "envspec_state_bucket": graph.state_bucket if graph.owned_by("terraform") else None,
        "envspec_transfer_bucket": graph.transfer_bucket
        if any(n.kind == "ec2" and n.inputs["instances"] for n in graph.nodes) else None,
    }
    lookups = {
        "envspec_provision_lookups": provision_lookups(graph),
        "envspec_deploy_lookups": deploy_lookups(graph),
    }
    return (
        _header(graph, "Where this environment lives.")
        + "# Strings are never templated: those containing `{` are tagged !unsafe.\n"
        + yamlout.dump(values)
        + "\n# The buckets bootstrap.yml creates: the Terraform state's (when Terraform owns anything\n"
        "# here) and the Systems Manager connection's transfer bucket (when there are ec2 instances).\n"
        + yamlout.dump(buckets)
        + "\n# Components another tool owns that provision.yml reads (by name and tags) because an\n"
        "# Ansible-owned component needs their attributes; and those deploy.yml reads for the\n"
        "# ec2 services (their environment files and the role's inputs).\n"
        + yamlout.dump(lookups)
        + "\n# The outputs (AWS-assigned ids) of every component, by address: each role, or the lookup\n"
        "# of a component another tool owns, adds its own while provision.yml runs.\n"
        + yamlout.dump({"envspec_out": {}})
    )


def _components(graph: ResourceGraph) -> str:
    header = (
        _header(graph, "Every component of the environment, in dependency order.")
        + "#\n"
        "# inputs:    the role's arguments (see roles/KIND/meta/argument_specs.yml)\n"
        "# resources: the AWS objects the role creates, by key: type, name and tags, decided by the\n"
        "#            envspec core; a lookup of a component another tool owns filters on `lookup`\n"
        "#\n"
        "# No string from the spec is ever templated (those containing `{` are tagged !unsafe). The\n"
        "# only templates are references to other components' outputs: {{ envspec_out[ADDRESS].ATTR }}.\n"
        "# An environment value is a list of parts that the role joins: text, references and, for\n"
        "# ec2 services, secrets (`secret_name`), whose values only deploy.yml reads, under no_log.\n"
    )
    if not graph.nodes:
        # An app may have no components: still a mapping (provision.yml loops over its keys),
        # never a key with nothing under it, which YAML reads as null.
        return header + "envspec_components: {}\n"
    parts = [header, "envspec_components:\n"]
    for node in graph.nodes:
        parts.append(f"\n  # {node.address}: {node.kind}, owned by {node.owner}\n")
        parts.append(yamlout.dump({node.address: component_values(graph, node)}, indent=2))
    return "".join(parts)
