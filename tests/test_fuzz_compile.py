"""Fuzzing the whole compile: generated specs through both backends, and broken ones through render.

* Every generated spec (tests/strategies.py: every component kind and option, overrides, owner
  overrides, references of every attribute, several environments) validates, renders with both
  backends, and renders the same twice from its text.
* Every file of the output parses: `.tf` with python-hcl2, Ansible YAML with a loader that knows
  `!unsafe`, the manifest as JSON, Jinja templates with Jinja, Python modules with `compile`,
  `ansible.cfg` with configparser (a file of any other kind fails the test until it has a parser). Files that do not depend on the spec (modules, roles) are
  parsed once per process (memoised by content); of the per-environment Terraform roots, hcl2
  reads every file of one environment per example (hypothesis picks which), because hcl2 costs
  about 10 ms per KB: every file kind is covered by every example.
* The output agrees with the spec: the Terraform root of an environment calls a module for exactly
  the components Terraform owns there, the Ansible group_vars list every component with its owner,
  and so does the manifest.
* A mutated spec (random edits, boundary values, hostile text, garbled characters) either compiles,
  with output that parses, or fails with a SpecError whose every diagnostic has a real file, line
  and column. Never another exception: not from the loader, the resolver, lowering or a backend.

`HYPOTHESIS_PROFILE=ci` (what `make test`, hence CI, uses) runs 1,450 compiles here and 1,200 more
validations in test_properties.py; the default (dev) profile a few dozen, for a quick local run.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import jinja2
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from envspec.core.compiler import build
from envspec.core.errors import SpecError
from envspec.core.resolve import resolve
from envspec.core.resolved import ResolvedApp
from envspec.core.source import parse
from envspec_terraform.names import module_names
from tests.compiling import BACKENDS, compile_text, known_bug
from tests.hcl_reading import parse_hcl
from tests.strategies import PATH, dump, examples, garbled, mutated, specs, tweaked



# ---- parsing every kind of output file ------------------------------------------------------------


class AnsibleYamlLoader(yaml.CSafeLoader):
    """Safe YAML plus Ansible's `!unsafe` tag (a string Ansible never templates)."""


AnsibleYamlLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]
_JINJA = jinja2.Environment()


def parse_output_file(path: PurePosixPath, text: str) -> Any:
    """Parse one output file by its kind; an unknown kind fails, so a new one gets a parser here."""
    name = path.name
    if name.endswith(".tf"):
        return parse_hcl(text)
    if name.endswith((".yml", ".yaml")):
        return yaml.load(text, Loader=AnsibleYamlLoader)
    if name.endswith(".json"):
        return json.loads(text)
    if name.endswith(".j2"):
        return _JINJA.parse(text)
    if name.endswith(".py"):
        return compile(text, str(path), "exec")
    if name.endswith(".md"):  # prose: nothing to parse, but it must be text
        assert "\0" not in text and text.strip()
        return text
    if name == "ansible.cfg":
        config = configparser.ConfigParser()
        config.read_string(text)
        return config
    raise AssertionError(f"{path}: no parser for this kind of output file")


_PARSED: dict[str, Any] = {}  # content hash -> parsed; the files that do not depend on the spec repeat


def parse_cached(path: PurePosixPath, text: str) -> Any:
    digest = hashlib.sha256(f"{path.suffix}\0{text}".encode()).hexdigest()
    if digest not in _PARSED:
        _PARSED[digest] = parse_output_file(path, text)
    return _PARSED[digest]


def tf_env_roots(files: Mapping[PurePosixPath, str]) -> dict[tuple[str, str], dict[PurePosixPath, str]]:
    """{(app, env): {path: text}} of the per-environment Terraform roots."""
    roots: dict[tuple[str, str], dict[PurePosixPath, str]] = {}
    for path, text in files.items():
        parts = path.parts
        if len(parts) == 4 and parts[1] == "terraform" and parts[2] != "modules":
            roots.setdefault((parts[0], parts[2]), {})[path] = text
    return roots


def check_output_parses(files: Mapping[PurePosixPath, str], hcl_env: int) -> dict[PurePosixPath, Any]:
    """Parse every file, except that of the per-environment Terraform roots only the `hcl_env`-th
    (modulo their number) is read by hcl2. Returns what was parsed."""
    roots = tf_env_roots(files)
    chosen = sorted(roots)[hcl_env % len(roots)] if roots else None
    parsed: dict[PurePosixPath, Any] = {}
    for path, text in files.items():
        parts = path.parts
        in_root = path.suffix == ".tf" and len(parts) == 4 and parts[2] != "modules"
        if in_root and (parts[0], parts[2]) != chosen:
            continue
        try:
            parsed[path] = parse_output_file(path, text) if in_root else parse_cached(path, text)
        except Exception as exc:
            raise AssertionError(f"{path} does not parse: {exc}\n{text}") from exc
    return parsed


def check_agrees_with_spec(apps: list[ResolvedApp], files: Mapping[PurePosixPath, str],
                           parsed: Mapping[PurePosixPath, Any]) -> None:
    manifest = json.loads(files[PurePosixPath("manifest.json")])
    for app in apps:
        name = app.spec.app
        for env_name, env in app.environments.items():
            owners = {address: c.owner for address, c in env.components.items()}
            listed = manifest["apps"][name]["environments"][env_name]["components"]
            assert {a: c["owner"] for a, c in listed.items()} == owners
            components = yaml.load(
                files[PurePosixPath(name, "ansible", "inventories", env_name, "group_vars", "all", "components.yml")],
                Loader=AnsibleYamlLoader,
            )["envspec_components"]
            assert {a: c["owner"] for a, c in components.items()} == owners
            main_tf = PurePosixPath(name, "terraform", env_name, "main.tf")
            if main_tf in parsed:
                modules = module_names(owners)
                called = {m.strip('"') for block in parsed[main_tf].get("module", []) for m in block}
                assert called == {modules[a] for a, owner in owners.items() if owner == "terraform"}


# ---- valid specs ----------------------------------------------------------------------------------


@examples(dev=30, ci=250)
@given(specs(), st.integers(0, 2))
def test_generated_specs_compile_parse_and_are_deterministic(spec: dict[str, Any], hcl_env: int) -> None:
    text = dump(spec)
    apps, files = compile_text(text)
    assert compile_text(text)[1] == files  # loaded, resolved and rendered again: the same bytes
    parsed = check_output_parses(files, hcl_env)
    check_agrees_with_spec(apps, files, parsed)
    for env in spec["environments"]:
        assert PurePosixPath(spec["app"], "ansible", "inventories", env, "group_vars", "all", "envspec.yml") in files
        assert PurePosixPath(spec["app"], "terraform", env, "main.tf") in files


# ---- broken specs ---------------------------------------------------------------------------------

_YAML_BREAKS = re.compile("\r\n|[\n\r]")  # YAML 1.2: NEL, LS and PS are ordinary characters


def check_clean_failure(text: str, error: SpecError) -> None:
    """Every diagnostic names the file and a line and column that exist in it."""
    lines = _YAML_BREAKS.split(text)
    assert error.diagnostics, "a SpecError without diagnostics"
    for d in error.diagnostics:
        assert d.file == PATH, d
        assert 1 <= d.line <= len(lines) + 1, d
        limit = len(lines[d.line - 1]) + 1 if d.line <= len(lines) else 1
        assert 1 <= d.col <= limit, (d, lines[d.line - 1] if d.line <= len(lines) else "")
        assert d.message and "Traceback" not in str(d), d


def compile_or_fail_cleanly(text: str, hcl_env: int, *, skip_known_bugs: bool = True) -> bool:
    """Compile `text` through render; True if it compiled (and its output parses)."""
    try:
        apps = resolve([parse(text, PATH)])
    except SpecError as exc:
        check_clean_failure(text, exc)
        return False
    if skip_known_bugs:
        assume(not known_bug(apps))
    files = build(apps, BACKENDS)  # a valid spec must render: any exception here is a bug
    check_output_parses(files, hcl_env)
    return True


@examples(dev=60, ci=1200)
@given(st.one_of(mutated().map(dump), tweaked().map(dump), garbled()), st.integers(0, 2))
def test_mutated_specs_compile_or_fail_cleanly_through_render(text: str, hcl_env: int) -> None:
    compile_or_fail_cleanly(text, hcl_env)


def test_check_clean_failure_rejects_a_bad_position() -> None:
    text = "envspec: 1\napp: x\n"
    from envspec.core.errors import Diagnostic

    for bad in (Diagnostic(PATH, 9, 1, "", "m"), Diagnostic(PATH, 1, 40, "", "m"), Diagnostic("other.yaml", 1, 1, "", "m")):
        try:
            check_clean_failure(text, SpecError([bad]))
        except AssertionError:
            continue
        raise AssertionError(f"{bad} was accepted")


def test_an_app_without_components_gives_ansible_a_mapping() -> None:
    """An app with environments and no components is valid; its group_vars must still hold a
    mapping `envspec_components` (provision.yml loops over `envspec_components.keys()`).

    Found by this fuzzing (fixed): `_components()` wrote `envspec_components:` with nothing under
    it, which YAML reads as null, and provision.yml failed on `None.keys()`."""
    text = 'envspec: 1\napp: empty\nenvironments:\n  dev: {region: us-east-1, account_id: "123456789012"}\n'
    _, files = compile_text(text, skip_known_bugs=False)
    group_vars = yaml.load(
        files[PurePosixPath("empty/ansible/inventories/dev/group_vars/all/components.yml")], Loader=AnsibleYamlLoader
    )
    assert group_vars["envspec_components"] == {}


def test_a_database_without_a_network_fails_cleanly() -> None:
    """A spec that validates must compile. Found by this fuzzing: a database without the app's
    `network` used to validate, then both backends failed on its `vpc_id` (a BackendError, exit 3);
    resolve now reports it at the database."""
    text = (
        'envspec: 1\napp: nonet\nenvironments:\n  dev: {region: us-east-1, account_id: "123456789012"}\n'
        "databases:\n  main: {engine: postgres, version: \"16.4\", instance_class: db.t4g.micro}\n"
    )
    assert compile_or_fail_cleanly(text, 0, skip_known_bugs=False) is False
