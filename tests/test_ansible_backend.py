"""The Ansible backend: pure and deterministic, the IR as the only source of names and tags, one
escaping rule proven in Ansible's own YAML loader and template engine, clean under
`ansible-playbook --syntax-check` and `ansible-lint --profile production`, and held to golden trees.

Cases: every spec under examples/ and specs/ (`pytest --update-golden` rewrites
tests/golden/<case>/ansible/). Runs against an emulated AWS are in tests/test_ansible_moto.py.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from envspec.core.errors import BackendError
from envspec.core.ir import Attr, Interp, Node, ResourceGraph, SecretValue
from envspec.core.kinds import KINDS as REGISTRY
from envspec.core.kinds import OUTPUTS
from envspec_ansible import AnsibleBackend, deploy_lookups, provision_lookups, yamlout
from envspec_ansible.binding import Binding, MissingBinding, binding, module_name
from envspec_ansible.dispatch import component_tasks
from envspec_ansible.rules import security_group_rules
from tests.awsemu.ansible import lint, syntax_check
from tests.graphs import EXAMPLES, REPO, SPECS, graphs_for, write_tree

GOLDEN = REPO / "tests" / "golden"
FILES = REPO / "backends" / "envspec_ansible" / "files"
KINDS = tuple(REGISTRY)  # every kind in the registry has a role
COMPONENT_TASKS = PurePosixPath("ansible/tasks/component.yml")  # generated from the registry


def case_name(path: Path) -> str:
    """`examples/two-apps/billing.yaml` -> `two-apps-billing`, `specs/xkit.yaml` -> `xkit`."""
    top = REPO / "examples" if path.is_relative_to(REPO / "examples") else path.parent
    return "-".join(path.relative_to(top).with_suffix("").parts)


CASES: dict[str, Path] = {case_name(p): p for p in [*EXAMPLES, *SPECS]}


@cache
def graphs(name: str) -> dict[str, ResourceGraph]:
    return graphs_for(CASES[name])


def emit_all(envs: Mapping[str, ResourceGraph]) -> dict[PurePosixPath, str]:
    """What the writer puts under the app's folder: every env's files, shared ones checked equal."""
    files: dict[PurePosixPath, str] = {}
    for graph in envs.values():
        for path, text in AnsibleBackend().emit(graph).items():
            assert files.get(path, text) == text, f"{path} differs between environments"
            files[path] = text
    return dict(sorted(files.items()))


@cache
def tree(name: str) -> dict[PurePosixPath, str]:
    return emit_all(graphs(name))


def all_nodes() -> Iterator[tuple[ResourceGraph, Node]]:
    for name in CASES:
        for graph in graphs(name).values():
            for node in graph.nodes:
                yield graph, node


def static_files() -> dict[PurePosixPath, str]:
    return {
        PurePosixPath("ansible") / p.relative_to(FILES).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(FILES.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
    }


# ---- the contract ---------------------------------------------------------------------------------


def test_registered_as_backend() -> None:
    from envspec.core import backend as plugins

    (backend,) = plugins.load(["ansible"])
    assert isinstance(backend, AnsibleBackend)
    assert backend.name == "ansible"


def test_layout() -> None:
    for name, envs in ((n, graphs(n)) for n in CASES):
        files = tree(name)
        shared = static_files()
        per_env = {
            PurePosixPath("ansible/inventories") / env / f
            for env in envs for f in ("aws_ec2.yml", "group_vars/all/envspec.yml", "group_vars/all/components.yml")
        }
        assert set(files) == set(shared) | {COMPONENT_TASKS} | per_env, name
        assert files[COMPONENT_TASKS] == component_tasks()
        for path, text in files.items():
            assert not path.is_absolute() and ".." not in path.parts
            assert path.parts[0] == "ansible"
            if path in shared:
                assert text == shared[path], f"{path}: shared files are the package's files, verbatim"
    for role in KINDS:
        for part in ("tasks/main.yml", "tasks/lookup.yml", "defaults/main.yml", "meta/main.yml", "meta/argument_specs.yml"):
            assert (FILES / "roles" / role / part).is_file(), f"roles/{role}/{part}"


def test_every_kind_has_a_role_and_a_binding_and_a_missing_one_is_a_clear_error() -> None:
    for kind in KINDS:
        assert isinstance(binding(kind), Binding), kind
        assert (FILES.parent / "bindings" / f"{module_name(kind)}.py").is_file()
    with pytest.raises(MissingBinding, match=r"no binding for the kind 'topic': add bindings/topic\.py defining BINDING"):
        binding("topic")


def test_the_dispatch_to_the_roles_is_generated_one_block_per_kind() -> None:
    assert not (FILES / "tasks" / "component.yml").exists(), "generated by dispatch.py: never edited per kind"
    (play,) = yaml.safe_load(component_tasks())
    blocks = play["block"]
    assert [b.get("when") for b in blocks[:-1]] == [f"envspec_component.kind == '{kind}'" for kind in KINDS]
    for kind, block in zip(KINDS, blocks, strict=False):
        assert block["ansible.builtin.include_role"]["name"] == kind
        assert set(block["vars"]) == {f"{kind}_address", f"{kind}_inputs", f"{kind}_resources"}
    assert "envspec_out" in blocks[-1]["ansible.builtin.set_fact"]


def test_no_machine_paths() -> None:
    for name in CASES:
        for path, text in tree(name).items():
            assert str(REPO) not in text and "/root/" not in text and "/home/" not in text, f"{name}: {path}"


def test_emit_is_deterministic() -> None:
    for name in CASES:
        assert emit_all(graphs_for(CASES[name])) == tree(name)


_DIGEST = """
import hashlib, sys
from envspec.core import resolve
from envspec.core import source
from envspec.core.lower import lower
from envspec_ansible import AnsibleBackend
h = hashlib.sha256()
for path in sys.argv[1:]:
    for app in resolve.resolve(source.load([path])):
        for env in app.environments.values():
            for rel, text in sorted(AnsibleBackend().emit(lower(env)).items()):
                h.update(str(rel).encode() + b"\\0" + text.encode() + b"\\0")
print(h.hexdigest())
"""


def test_emit_is_deterministic_across_hash_seeds() -> None:
    paths = [str(p) for p in CASES.values()]
    digests = set()
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", _DIGEST, *paths], env=env, cwd=REPO, capture_output=True, text=True, check=True)
        digests.add(proc.stdout.strip())
    assert len(digests) == 1


def test_requirements_pin_the_bundled_collections() -> None:
    pinned = {c["name"]: c["version"] for c in yaml.safe_load((FILES / "requirements.yml").read_text())["collections"]}
    import ansible_collections

    root = Path(ansible_collections.__path__[0])
    for name, version in pinned.items():
        namespace, collection = name.split(".")
        manifest = json.loads((root / namespace / collection / "MANIFEST.json").read_text())
        assert manifest["collection_info"]["version"] == version, name
    assert set(pinned) == {"amazon.aws", "community.aws"}


# ---- names and tags: the IR is their only source ---------------------------------------------------

# Which module creates each IR resource type.
TYPE_MODULES = {
    "aws_vpc": "amazon.aws.ec2_vpc_net",
    "aws_subnet": "amazon.aws.ec2_vpc_subnet",
    "aws_internet_gateway": "amazon.aws.ec2_vpc_igw",
    "aws_eip": "amazon.aws.ec2_eip",
    "aws_nat_gateway": "amazon.aws.ec2_vpc_nat_gateway",
    "aws_route_table": "amazon.aws.ec2_vpc_route_table",
    "aws_security_group": "amazon.aws.ec2_security_group",
    "aws_lb": "amazon.aws.elb_application_lb",
    "aws_secretsmanager_secret": "community.aws.secretsmanager_secret",
    "aws_ssm_parameter": "community.aws.ssm_parameter",
    "aws_s3_bucket": "amazon.aws.s3_bucket",
    "aws_db_subnet_group": "amazon.aws.rds_subnet_group",
    "aws_db_instance": "amazon.aws.rds_instance",
    # community.aws.elasticache and elasticache_subnet_group take no tags: the role's own module tags them
    "aws_elasticache_subnet_group": "elasticache_tags",
    "aws_elasticache_cluster": "elasticache_tags",
    "aws_iam_role": "amazon.aws.iam_role",
    "aws_iam_instance_profile": "amazon.aws.iam_instance_profile",
    "aws_instance": "amazon.aws.ec2_instance",
    "aws_lb_target_group": "community.aws.elb_target_group",
    "aws_lb_listener_rule": "elb_listener_rule",
    "aws_cloudwatch_log_group": "amazon.aws.cloudwatchlogs_log_group",
    "aws_lambda_function": "amazon.aws.lambda",
    "aws_cloudwatch_event_rule": "events_schedule_rule",
    # amazon.aws.lambda_event takes no tags: the role's own module tags the mapping it made
    "aws_lambda_event_source_mapping": "lambda_event_source_tags",
    "aws_elastic_beanstalk_application": "elasticbeanstalk_application",
    "aws_elastic_beanstalk_environment": "elasticbeanstalk_environment",
    "aws_sqs_queue": "community.aws.sqs_queue",
}
# The module argument that holds the object's name, where the module has one.
NAME_ARGUMENT = {
    "amazon.aws.ec2_vpc_net": "name", "amazon.aws.ec2_security_group": "name", "amazon.aws.elb_application_lb": "name",
    "community.aws.secretsmanager_secret": "name", "community.aws.ssm_parameter": "name", "amazon.aws.s3_bucket": "name",
    "amazon.aws.rds_subnet_group": "name", "amazon.aws.rds_instance": "db_instance_identifier",
    "amazon.aws.iam_role": "name", "amazon.aws.iam_instance_profile": "name", "amazon.aws.ec2_instance": "name",
    "community.aws.elb_target_group": "name", "elb_listener_rule": "name",
    "amazon.aws.cloudwatchlogs_log_group": "log_group_name", "amazon.aws.lambda": "name",
    "events_schedule_rule": "name", "elasticbeanstalk_application": "name", "elasticbeanstalk_environment": "name",
    "community.aws.sqs_queue": "name",
}
TASK_KEYWORDS = {
    "name", "when", "vars", "register", "loop", "loop_control", "no_log", "notify", "delegate_to", "check_mode",
    "changed_when", "failed_when", "until", "retries", "delay", "block", "rescue", "always", "become", "diff",
    "tags", "environment", "ignore_errors", "run_once", "args",
}
_RESOURCE_REF = re.compile(r"_resources(?:\.([a-z][a-z0-9_]*)|\['([a-z0-9-]+)'(\s*~)?)")


@dataclasses.dataclass(frozen=True)
class CreatingTask:
    file: str
    title: str
    module: str
    keys: tuple[str, ...]        # regular expressions of the resource keys whose tags it applies
    name_keys: tuple[str, ...]   # and of those whose name it passes as the object's name


def tasks_in(path: Path) -> Iterator[dict[str, Any]]:
    def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for task in items or []:
            yield task
            for section in ("block", "rescue", "always"):
                yield from walk(task.get(section, []))

    yield from walk(yaml.safe_load(path.read_text()))


def module_of(task: dict[str, Any]) -> str | None:
    modules = [k for k in task if k not in TASK_KEYWORDS]
    return modules[0] if modules else None


def key_patterns(text: str) -> tuple[str, ...]:
    out = []
    for attr, key, tilde in _RESOURCE_REF.findall(text):
        out.append(re.escape(attr) if attr else re.escape(key) + (r"\d+" if tilde else ""))
    return tuple(sorted(set(out)))


def with_task_vars(text: str, task: dict[str, Any]) -> str:
    """`text` plus the task vars it uses (one level), where resource references often live."""
    for name, value in (task.get("vars") or {}).items():
        if re.search(rf"\b{re.escape(name)}\b", text):
            text += " " + json.dumps(value)
    return text


@cache
def creating_tasks(kind: str, file: str = "main.yml") -> tuple[CreatingTask, ...]:
    path = FILES / "roles" / kind / "tasks" / file
    found = []
    for task in tasks_in(path):
        module = module_of(task)
        args = task.get(module) if module else None
        if not isinstance(args, dict) or "tags" not in args:
            continue
        keys = key_patterns(with_task_vars(json.dumps(args["tags"]), task))
        name_arg = NAME_ARGUMENT.get(str(module))
        name_keys = key_patterns(with_task_vars(json.dumps(args[name_arg]), task)) if name_arg in args else ()
        found.append(CreatingTask(f"roles/{kind}/tasks/{file}", str(task.get("name")), str(module), keys, name_keys))
    return tuple(found)


def test_every_ir_resource_is_created_by_exactly_one_task_with_its_name_and_tags() -> None:
    seen: set[tuple[str, str]] = set()
    for graph, node in all_nodes():
        for res in node.resources:
            matching = [t for t in creating_tasks(node.kind) if any(re.fullmatch(k, res.key) for k in t.keys)]
            where = f"{graph.app}/{graph.env} {node.address} {res.key} ({res.type} {res.name})"
            assert len(matching) == 1, f"{where}: created by {[t.title for t in matching]}"
            task = matching[0]
            assert task.module == TYPE_MODULES[res.type], f"{where}: {task.title} uses {task.module}"
            assert len(task.keys) == 1, f"{task.title}: tags from several resources {task.keys}"
            if task.module in NAME_ARGUMENT:
                assert task.name_keys == task.keys, f"{task.title}: its name is not the same resource's name"
            seen.add((node.kind, task.title))
    every = {(kind, t.title) for kind in KINDS for t in creating_tasks(kind)}
    assert every == seen, f"tasks that create nothing the IR lists: {sorted(every - seen)}"


def test_lookups_and_deploys_never_set_tags() -> None:
    for kind in KINDS:
        for file in ("lookup.yml", "deploy.yml"):
            if (FILES / "roles" / kind / "tasks" / file).is_file():
                assert creating_tasks(kind, file) == (), f"roles/{kind}/tasks/{file} tags something"


def test_roles_publish_exactly_the_dynamic_attributes() -> None:
    for kind in KINDS:
        for file in ("main.yml", "lookup.yml"):
            published = [
                task["ansible.builtin.set_fact"][f"{kind}_outputs"]
                for task in tasks_in(FILES / "roles" / kind / "tasks" / file)
                if isinstance(task.get("ansible.builtin.set_fact"), dict) and f"{kind}_outputs" in task["ansible.builtin.set_fact"]
            ]
            assert len(published) == 1, f"roles/{kind}/tasks/{file}"
            assert tuple(published[0] or {}) == OUTPUTS[kind], f"roles/{kind}/tasks/{file}"


def test_argument_specs_are_the_ir_inputs() -> None:
    inputs: dict[str, set[str]] = {}
    for _, node in all_nodes():
        keys = set(node.inputs) | ({"security_group_rules"} if binding(node.kind).security_group_rules else set())
        assert inputs.setdefault(node.kind, keys) == keys, f"{node.kind} nodes with different inputs"
    for kind, keys in inputs.items():
        specs = yaml.safe_load((FILES / "roles" / kind / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for entry, spec in specs.items():
            options = spec["options"]
            assert {f"{kind}_address", f"{kind}_inputs", f"{kind}_resources"} <= set(options), f"{kind} {entry}"
            assert set(options[f"{kind}_inputs"]["options"]) == keys, f"{kind} {entry}"
            for option in options.values():
                assert option.get("description"), f"{kind} {entry}: an option without a description"


# ---- values: references, secrets, escaping ----------------------------------------------------------


def stub(attr: Attr) -> Any:
    """A stand-in for an output that AWS assigns."""
    if attr.attribute in ("public_subnet_ids", "private_subnet_ids"):
        return [f"subnet-{attr.attribute[:3]}-1", f"subnet-{attr.attribute[:3]}-2"]
    return f"<{attr.address}.{attr.attribute}>"


def expected(value: Any, *, text: bool = False) -> Any:
    """What Ansible must see for an IR value once the outputs (stubs) are known."""
    if isinstance(value, Attr):
        out = stub(value)
        return ",".join(out) if text and isinstance(out, list) else out
    if isinstance(value, SecretValue):
        found = {"secret_name": expected(value.name), "secret_store": value.store}
        if value.key is not None:  # a field of a JSON secret (a database's password), maybe inside a URL
            found["secret_key"] = value.key
        if value.url_encoded:
            found["secret_url_encoded"] = True
        return found
    if isinstance(value, Interp):
        return [expected(p, text=True) for p in value.parts]
    if isinstance(value, Mapping):
        return {k: expected(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [expected(v) for v in value]
    return value


def expected_inputs(node: Node) -> dict[str, Any]:
    out = {k: expected(v) for k, v in node.inputs.items()}
    if binding(node.kind).security_group_rules:  # the core's rules, as envspec_ansible.rules writes them
        out["security_group_rules"] = expected(security_group_rules(node))
    if node.kind in ("ec2", "beanstalk", "lambda"):
        out["environment"] = {
            k: (expected(v) if isinstance(v, Interp) else [expected(v, text=True)]) for k, v in node.inputs["environment"].items()
        }
    return out


def ansible_view(files: Mapping[PurePosixPath, str], graph: ResourceGraph) -> dict[str, Any]:
    """The env's group_vars as Ansible loads them (trusted, like any vars file) and templates them,
    with every component's outputs replaced by stubs."""
    from ansible._internal._yaml._loader import AnsibleLoader
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    data: dict[str, Any] = {}
    for name in ("envspec.yml", "components.yml"):
        text = files[PurePosixPath("ansible/inventories") / graph.env / "group_vars/all" / name]
        data.update(AnsibleLoader(trust_as_template(text)).get_single_data())
    outputs = {
        n.address: {a: stub(Attr(n.address, a)) for a in OUTPUTS[n.kind]} for n in graph.nodes
    }
    return dict(Templar(loader=DataLoader(), variables={**data, "envspec_out": outputs}).template(data))


def _untagged(value: Any) -> Any:
    """Ansible's tagged str/int/... as plain Python values, for comparison and type checks."""
    if isinstance(value, Mapping):
        return {str(k): _untagged(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_untagged(v) for v in value]
    for plain in (bool, int, str, float):
        if isinstance(value, plain):
            return plain(value)
    return value


def _same_types(a: Any, b: Any) -> bool:
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and a.keys() == b.keys() and all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same_types(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def check_group_vars(graph: ResourceGraph, files: Mapping[PurePosixPath, str]) -> None:
    view = _untagged(ansible_view(files, graph))
    assert view["envspec_app"] == graph.app and view["envspec_env"] == graph.env
    assert view["envspec_region"] == graph.region and view["envspec_account_id"] == graph.account_id
    assert list(view["envspec_components"]) == [n.address for n in graph.nodes], "dependency order"
    for node in graph.nodes:
        got = view["envspec_components"][node.address]
        assert (got["address"], got["kind"], got["owner"]) == (node.address, node.kind, node.owner)
        assert _same_types(got["inputs"], expected_inputs(node)), node.address
        for res in node.resources:
            entry = got["resources"][res.key]
            assert (entry["type"], entry["name"], entry["tags"]) == (res.type, res.name, dict(res.tags))
            assert entry.get("lookup") == (dict(res.lookup.tags) if res.lookup else None)


def test_group_vars_are_the_ir_as_ansible_reads_them() -> None:
    for name in CASES:
        for graph in graphs(name).values():
            check_group_vars(graph, AnsibleBackend().emit(graph))


def test_lookups() -> None:
    contract = graphs("contract")
    assert provision_lookups(contract["staging"]) == ["network"]
    # the role's inputs need the network (vpc, listener) and the secret's ARN (its policy); DATABASE_URL,
    # REPORTS_URL and REDIS_URL the hosts
    assert deploy_lookups(contract["staging"]) == [
        "network", "secrets.secret_key_base", "databases.main", "databases.reports", "caches.sessions",
    ]
    assert provision_lookups(graphs("ec2-database")["staging"]) == []  # Ansible owns nothing there
    assert provision_lookups(graphs("minimal")["dev"]) == []
    for name in CASES:
        for graph in graphs(name).values():
            for address in provision_lookups(graph):
                assert graph.node(address).owner != "ansible"


def test_secret_values_are_never_rendered() -> None:
    graph = graphs("contract")["staging"]
    text = AnsibleBackend().emit(graph)[PurePosixPath("ansible/inventories/staging/group_vars/all/components.yml")]
    assert "secretsmanager_secret'" not in text and "lookup(" not in text
    assert 'secret_name: "xkit/staging/secret_key_base"' in text  # the name, as data, for deploy.yml
    for line in text.splitlines():
        if "{{" in line and "!unsafe" not in line and not line.lstrip().startswith("#"):
            assert re.search(r'"\{\{ envspec_out\[\'[a-z0-9_.-]+\'\]\.[a-z_]+( \| join\(\',\'\))? \}\}"$', line), line


HOSTILE = (
    "{{ 7 * 6 }}", "{% if true %}templated{% endif %}", "{# comment #}", "${x} $${y}", "{{", "}}", "{%",
    "\"double\" 'single' \\ \\\\", "a\nb\r\nc\td", "key: value # not a comment", "*alias", "&anchor", "!tag",
    "%YAML", "@at", "`tick`", "- dash", "? q", "[a, b]", "{c: d}", "123", "0x1F", "1e3", "true", "no", "null",
    "~", "2024-01-01", "=", "<<", ".inf", "", " ", "  padded  ", "é ü 中文 😀", "\u2028\u2029\x85\xa0\ufeff",
    "\x00\x01\x1b\x7f", "\\x20", "x" * 500, ("{{ y }} " * 40 + "é") * 3,
)


def hostile_graph(strings: tuple[str, ...] = HOSTILE) -> ResourceGraph:
    """contract (staging) with hostile strings in every tag, a function's environment (as text and
    around a reference) and a secret's description."""
    graph = graphs("contract")["staging"]
    tags = {f"k{i}": s for i, s in enumerate(strings)}
    environment: dict[str, Any] = {f"VAR_{i}": s for i, s in enumerate(strings)}
    environment["WITH_ATTR"] = Interp(("{{ 7 * 6 }} ", Attr("secrets.hubspot_client_secret", "arn"), " {% x %}"))
    nodes = []
    for node in graph.nodes:
        node = dataclasses.replace(
            node,
            tags={**node.tags, **tags},
            inputs={**node.inputs, "tags": {**node.inputs["tags"], **tags}},
            resources=tuple(dataclasses.replace(r, tags={**r.tags, **tags}) for r in node.resources),
        )
        if node.address == "services.sync-worker":
            node = dataclasses.replace(node, inputs={**node.inputs, "environment": environment})
        if node.address == "secrets.secret_key_base":
            node = dataclasses.replace(node, inputs={**node.inputs, "description": "\n".join(strings)})
        nodes.append(node)
    return dataclasses.replace(graph, nodes=tuple(nodes))


def test_hostile_strings_are_never_templated() -> None:
    graph = hostile_graph()
    files = AnsibleBackend().emit(graph)
    check_group_vars(graph, files)
    for path, text in files.items():
        if path.suffix == ".yml":
            assert max(len(line) for line in text.splitlines()) <= 160, path


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_yamlout_text_loads_back_as_the_same_string(value: str) -> None:
    from ansible._internal._yaml._loader import AnsibleLoader
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    text = yamlout.dump({"value": value, "nested": {"list": [value, {"k": value}]}})
    data = AnsibleLoader(trust_as_template(text)).get_single_data()
    templated = _untagged(Templar(loader=DataLoader(), variables={}).template(data))
    assert templated == {"value": value, "nested": {"list": [value, {"k": value}]}}
    assert all(type(v) is str for v in (templated["value"], templated["nested"]["list"][0]))
    assert max(len(line) for line in text.splitlines()) <= 160


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300), st.text(max_size=300))
def test_yamlout_keys_load_back_as_the_same_string(key: str, value: str) -> None:
    """Any key, long ones included (past WIDTH a key is an explicit `? ` key), at every depth,
    next to short and long values and block collections, loads back exactly, lines <= 160."""
    from ansible._internal._yaml._loader import AnsibleLoader

    data = {
        key: value,
        "nested": {key: {key: [value, {key: value, "after": 1}, {key: {"x": value}}]}, "k": [key]},
        "x" * 90 + key: value,
        ("long " * 30) + key: {"empty": {}, key: []},
    }
    text = yamlout.dump(data)
    assert _untagged(AnsibleLoader(text).get_single_data()) == data
    assert max(len(line) for line in text.splitlines()) <= 160


def test_yamlout_long_keys() -> None:
    from ansible._internal._yaml._loader import AnsibleLoader

    for key in ("a b" * 40, "é" * 101, "team/" + "x" * 120, "x" * 128, "k" * 2000):
        text = yamlout.dump({"tags": {key: "v" * 150, "short": "s"}})
        assert _untagged(AnsibleLoader(text).get_single_data()) == {"tags": {key: "v" * 150, "short": "s"}}
        assert max(len(line) for line in text.splitlines()) <= 160
    assert yamlout.dump({"a b": 1}) == '"a b": 1\n'  # short keys stay one-line keys
    assert yamlout.dump({"é" * 101: 1}).startswith('? "')


def test_yamlout_rule() -> None:
    assert yamlout.text("plain") == '"plain"'
    assert yamlout.text("{{ x }}") == '!unsafe "{{ x }}"'
    assert yamlout.text("123") == '"123"'  # never !unsafe: Ansible would load !unsafe "123" as an int
    assert yamlout.dump({"t": yamlout.Template("{{ a }}")}) == 't: "{{ a }}"\n'
    with pytest.raises(TypeError):
        yamlout.dump({"f": 1.5})


def test_yamlout_key_with_a_final_newline_is_quoted() -> None:
    """Found by test_yamlout_keys_load_back_as_the_same_string (fixed): the plain-key pattern ended
    in `$`, which also matches before a final newline, so `abc\\n` was written unquoted (`abc` then
    a line `: 1`), which YAML cannot read. Spec keys never end in a newline (the loader refuses
    control characters); any key given to `dump` must still load back."""
    from ansible._internal._yaml._loader import AnsibleLoader

    assert yamlout.dump({"abc\n": 1}) == '"abc\\n": 1\n'
    for key in ("abc\n", "x" * 90 + "\n", "yes\n"):
        data = {key: 1, "k": {key: [key]}}
        assert AnsibleLoader(yamlout.dump(data)).get_single_data() == data


def test_yamlout_fast_path_is_the_escaping_path() -> None:
    """`_pieces` skips the per-character work for a text that needs no escape (`_UNESCAPED`), and
    `scalar` for a short one: same result as escaping each character."""
    astral = range(0x10000, 0x110000, 0x1001)  # `_escape_char` leaves every one of them as it is
    for code in (*range(0x10000), *astral):
        ch = chr(code)
        assert bool(yamlout._UNESCAPED.fullmatch(ch)) == (yamlout._escape_char(ch) == ch), hex(code)
    for length in range(320):  # spaces where the cuts fall: every 96, 97 or 100 columns, and others
        for every in (1, 2, 95, 96, 97, 98, 100, 101, 10**6):
            text = "".join(" " if i % every == 0 else "é" for i in range(length))
            assert yamlout._pieces(text) == yamlout._escaped_pieces(text), (length, every)
            assert yamlout._pieces(text[1:]) == yamlout._escaped_pieces(text[1:]), (length, every)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(" ab{é😀\u00ad"), max_size=350), st.integers(0, 200))
def test_yamlout_cut_matches_the_escaping_path(text: str, spaces_every: int) -> None:
    if spaces_every:  # spaces where the cuts fall (every 96, 97 or 100 columns)
        text = "".join(" " if i % spaces_every == 0 else ch for i, ch in enumerate(text))
    assert yamlout._UNESCAPED.fullmatch(text)
    assert yamlout._cut(text) == yamlout._escaped_pieces(text)
    assert yamlout._pieces(text) == yamlout._escaped_pieces(text)
    expected = yamlout._escaped_pieces(text)
    assert yamlout.scalar(text, 4) == '"' + "\\\n    ".join(expected) + '"'


# ---- errors -------------------------------------------------------------------------------------------


def _graph_with(graph: ResourceGraph, address: str, **inputs: Any) -> ResourceGraph:
    nodes = tuple(dataclasses.replace(n, inputs={**n.inputs, **inputs}) if n.address == address else n for n in graph.nodes)
    return dataclasses.replace(graph, nodes=nodes)


def test_unrenderable_graphs_are_backend_errors() -> None:
    graph = graphs("contract")["staging"]
    bad = [
        _graph_with(graph, "services.sync-worker", environment={"X": Attr("services.nope", "arn")}),
        _graph_with(graph, "services.sync-worker", environment={"X": Attr("buckets.uploads", "name")}),
        _graph_with(graph, "services.sync-worker", environment={"X": Attr("network", "vpc_id'] }}{{ 1")}),
        _graph_with(graph, "services.sync-worker", environment={"X": 12}),
        _graph_with(graph, "network", cidr=Attr("services.api", "security_group_id")),  # refers to a later node
        _graph_with(graph, "buckets.uploads", expiry={"rule_id": "x", "expiration_days": 1.5}),
        dataclasses.replace(graph, account_id="1111"),
    ]
    for broken in bad:
        with pytest.raises((BackendError, TypeError)):
            AnsibleBackend().emit(broken)


# ---- the library modules -------------------------------------------------------------------------------


# What `run` (files/module_utils/envspec_aws.py) adds to every module's arguments: amazon.aws's AnsibleAWSModule's
# (credentials, endpoint, region), documented by these fragments.
AWS_FRAGMENTS = ["amazon.aws.common.modules", "amazon.aws.region.modules", "amazon.aws.boto3"]


def test_library_modules_document_their_arguments() -> None:
    for module in sorted(FILES.rglob("library/*.py")):
        source = module.read_text()
        tree = ast.parse(compile(source, str(module), "exec", ast.PyCF_ONLY_AST))
        strings = {  # the doc strings, read without importing the module (its imports are Ansible's to resolve)
            target.id: ast.literal_eval(node.value)
            for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name) and target.id in ("DOCUMENTATION", "EXAMPLES", "RETURN")
        }
        doc = yaml.safe_load(strings["DOCUMENTATION"])
        documented = doc["options"]
        (call,) = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "run"]
        declared = ast.literal_eval(call.args[0])  # run(argument_spec, service, ...)
        assert set(documented) == set(declared), module.name
        assert doc["extends_documentation_fragment"] == AWS_FRAGMENTS, module.name
        for option, spec in declared.items():
            assert documented[option].get("type", "str") == spec.get("type", "str"), f"{module.name} {option}"
            assert bool(documented[option].get("required")) == bool(spec.get("required")), f"{module.name} {option}"
            for key in ("default", "choices", "elements"):
                assert documented[option].get(key) == spec.get(key), f"{module.name} {option} {key}"
        yaml.safe_load(strings["EXAMPLES"])
        yaml.safe_load(strings["RETURN"])


# ---- real tools -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("ansible-trees")
    return {name: write_tree(tree(name), base / name) / "ansible" for name in CASES}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_syntax_check(trees: dict[str, Path], name: str) -> None:
    for playbook in ("provision.yml", "deploy.yml"):
        result = syntax_check(trees[name] / playbook, cwd=trees[name])
        assert result.rc == 0, f"{name} {playbook}:\n{result.stderr[-3000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_ansible_lint_production_profile_is_clean(trees: dict[str, Path], name: str) -> None:
    """The whole tree of xkit; of the other cases their inventories, the only files that differ
    (test_layout: every other file is the package's, byte for byte)."""
    # `args` checks module arguments; an empty warn list makes every finding (`args` too) an error.
    paths = ("inventories",) if name != "xkit" else (".",)
    result = lint(*paths, profile="production", enable=("args",), warn=(), cwd=trees[name])
    assert result.rc == 0 and not result.findings and not result.ignored_exceptions, result.summary()


# ---- golden trees ----------------------------------------------------------------------------------------


def compare_tree(expected_dir: Path, actual: Mapping[PurePosixPath, str]) -> list[str]:
    expected_files = {
        PurePosixPath(p.relative_to(expected_dir).as_posix()): p.read_text(encoding="utf-8")
        for p in sorted(expected_dir.rglob("*")) if p.is_file()
    } if expected_dir.is_dir() else {}
    problems = []
    if missing := sorted(set(expected_files) - set(actual)):
        problems.append("missing from the output (in the golden tree only):\n  " + "\n  ".join(map(str, missing)))
    if extra := sorted(set(actual) - set(expected_files)):
        problems.append("new in the output (not in the golden tree):\n  " + "\n  ".join(map(str, extra)))
    for path in sorted(set(expected_files) & set(actual)):
        if expected_files[path] != actual[path]:
            diff = difflib.unified_diff(
                expected_files[path].splitlines(keepends=True), actual[path].splitlines(keepends=True),
                f"golden/{path}", f"output/{path}",
            )
            problems.append("".join(diff))
    return problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, update_golden: bool) -> None:
    folder = GOLDEN / name / "ansible"
    actual = {p.relative_to("ansible"): t for p, t in tree(name).items()}
    if update_golden:
        if folder.exists():
            for old in sorted(folder.rglob("*"), reverse=True):
                old.unlink() if old.is_file() else old.rmdir()
        write_tree(actual, folder)
        return
    problems = compare_tree(folder, actual)
    assert not problems, f"{name}: output differs from {folder.relative_to(REPO)} (rerun with --update-golden " \
        "if the change is intended)\n" + "\n".join(problems)


class _Failed(Exception):
    pass


class _Module:
    def __init__(self, label: str) -> None:
        self.params = {"version_label": label}

    def fail_json(self, **result: Any) -> None:
        raise _Failed(result["msg"])


class _Events:
    def describe_events(self, **request: Any) -> dict[str, Any]:
        assert request["Severity"] == "ERROR"
        return {"Events": [{"Message": "Failed to deploy application."}, {"Message": "Rolled back to version 1.4.1."}]}


def _environment_module() -> Any:
    """The beanstalk role's elasticbeanstalk_environment.py, imported with the project's module_utils."""
    import importlib.util

    import ansible.module_utils as utils

    utils.__path__.insert(0, str(FILES / "module_utils"))
    try:
        spec = importlib.util.spec_from_file_location(
            "envspec_eb_environment", FILES / "roles" / "beanstalk" / "library" / "elasticbeanstalk_environment.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        utils.__path__.remove(str(FILES / "module_utils"))


@pytest.mark.parametrize(("described", "expected"), [
    ({"VersionLabel": "1.4.1", "Health": "Green"}, "rolled back: it runs version '1.4.1', not '1.4.2'"),
    ({"VersionLabel": "1.4.2", "Health": "Red"}, "is unhealthy (Red) after the update to '1.4.2'"),
    ({"VersionLabel": "1.4.2", "Health": "Green"}, None),
    ({"VersionLabel": "1.4.2"}, None),
])
def test_a_beanstalk_release_that_aws_rolls_back_fails_naming_the_environment(described: dict[str, str], expected: str | None) -> None:
    """The emulator cannot fail a deployment: the check that follows every update is held here, with
    Elastic Beanstalk's answers as AWS gives them after a rollback."""
    module = _environment_module()
    env = {"EnvironmentName": "shop-staging-dashboard", **described}
    if expected is None:
        module.check_released(_Module("1.4.2"), _Events(), env)
        return
    with pytest.raises(_Failed) as failed:
        module.check_released(_Module("1.4.2"), _Events(), env)
    assert str(failed.value) == (f"Elastic Beanstalk environment shop-staging-dashboard {expected}: "
                                 "Failed to deploy application. | Rolled back to version 1.4.1.")
