"""`envspec migrate`: the spec's diff is only its owner lines, the result validates and compiles, and
what is unsafe or meaningless is refused with a message (exit 1)."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from envspec.core import history
from envspec.core import backend as plugins
from envspec.core.compiler import build
from envspec.cli import run
from envspec.operations.migrate import plan
from envspec.core.resolve import resolve, resolve_document
from envspec.core.source import load, parse
from tests.graphs import EXAMPLES, REPO, copy_spec

XKIT = REPO / "specs" / "xkit.yaml"
SPECS = [*EXAMPLES, XKIT]
OTHER = {"ansible": "terraform", "terraform": "ansible"}
# text migrate may add inside a line: an owner entry, or an overrides entry holding only owners (flow style)
_OWNER_TEXT = re.compile(r"overrides: \{([a-z][a-z0-9-]*: \{owner: [a-z]+\}(, )?)+\}(, )?|owner: [a-z]+(, )?")


def addresses_of(spec: Path) -> list[tuple[str, dict[str, str]]]:
    """(address, {env: owner}) of every component of a spec."""
    (app,) = resolve(load([spec]))
    found: dict[str, dict[str, str]] = {}
    for env, resolved in app.environments.items():
        for address, component in resolved.components.items():
            found.setdefault(address, {})[env] = component.owner
    return list(found.items())


def strip_owners(data: Any) -> Any:
    """The spec's data without any owner: `owner` keys dropped, then overrides left empty by that."""
    if isinstance(data, dict):
        kept = {k: strip_owners(v) for k, v in data.items() if k != "owner"}
        if isinstance(kept.get("overrides"), dict):
            kept["overrides"] = {env: o for env, o in kept["overrides"].items() if o != {}}
            if not kept["overrides"]:
                del kept["overrides"]
        return kept
    if isinstance(data, list):
        return [strip_owners(v) for v in data]
    return data


def assert_only_owner_lines(before: str, after: str, envs: list[str]) -> None:
    """Every line outside the owner lines byte-identical: a changed line is the same once its owner
    text is taken out; an added line is `owner: X`, `overrides:` or `ENV:`; no line is removed."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    added = re.compile(r"\s*(owner: (ansible|terraform)|overrides:|(" + "|".join(map(re.escape, envs)) + r"):)\r?\n?")
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        assert tag in ("replace", "insert"), f"lines removed: {old[i1:i2]}"
        if tag == "replace" and i2 - i1 == j2 - j1:
            for a, b in zip(old[i1:i2], new[j1:j2]):
                assert _OWNER_TEXT.sub("", a) == _OWNER_TEXT.sub("", b), f"not only the owner changed:\n-{a}+{b}"
            continue
        assert tag == "insert", f"lines replaced by a different number of lines: {old[i1:i2]} -> {new[j1:j2]}"
        for line in new[j1:j2]:
            assert added.fullmatch(line), f"an added line that is not an owner line: {line!r}"
    assert strip_owners(parse(after, "after").data) == strip_owners(parse(before, "before").data)


def owners_after(text: str, path: str) -> dict[tuple[str, str], str]:
    app = resolve_document(parse(text, path))
    return {(env, a): c.owner for env, r in app.environments.items() for a, c in r.components.items()}


CASES = [
    (spec, address, scope)
    for spec in SPECS
    for address, _ in addresses_of(spec)
    for scope in ("everywhere", "first-env")
]


@pytest.mark.parametrize(
    ("spec", "address", "scope"), CASES, ids=[f"{s.relative_to(REPO)}:{a}:{scope}" for s, a, scope in CASES]
)
def test_migrate_changes_only_owner_lines_and_exactly_the_owners_asked(tmp_path: Path, spec: Path, address: str, scope: str) -> None:
    path = copy_spec(tmp_path, spec)
    owners = dict(addresses_of(spec))[address]
    first = next(iter(owners))
    target = OTHER[owners[first]]
    envs = [first] if scope == "first-env" else []
    migration = plan([path], address, target, envs)
    before = spec.read_text()
    assert migration.before == before
    assert_only_owner_lines(before, migration.text, list(owners))
    moved = owners_after(migration.text, str(path))
    for env, owner in owners.items():
        expected = target if (env == first or not envs) else owner
        assert moved[(env, address)] == expected
    untouched = {k: v for k, v in owners_after(before, str(path)).items() if k[1] != address}
    assert {k: v for k, v in moved.items() if k[1] != address} == untouched
    assert {(m.env, m.address, m.target) for m in migration.moves} == {
        (env, address, target) for env, owner in owners.items() if (env == first or not envs) and owner != target
    }


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_component_moved_through_the_cli_validates_and_compiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], spec: Path
) -> None:
    """One component after the other moves to the other owner in the first environment, with the
    real command; then the whole spec moves; each step keeps the owner-lines property, and the last
    spec compiles with both backends."""
    path = copy_spec(tmp_path, spec)
    monkeypatch.chdir(path.parent)
    components = addresses_of(spec)
    first = next(iter(components[0][1]))
    envs = list(components[0][1])
    for address, owners in components:
        before = path.read_text()
        assert run(["migrate", address, "--to", OTHER[owners[first]], "--env", first, path.name]) == 0
        assert_only_owner_lines(before, path.read_text(), envs)
        assert f"{address} moves from {owners[first]} to {OTHER[owners[first]]} in {first}" in capsys.readouterr().out
    assert run(["validate", path.name]) == 0
    assert run(["compile", path.name, "--out", "build"]) == 0
    assert run(["compile", path.name, "--out", "build", "--check"]) == 0
    (app,) = resolve(load([path]))
    rendered = build([app], plugins.load(None), histories={app.spec.app: history.read(history.path_for(path), app.spec.app) or {}})
    assert any(p.name == "imports.tf" for p in rendered)


def test_the_next_steps_name_the_imports_and_the_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_spec(tmp_path, XKIT)
    monkeypatch.chdir(path.parent)
    assert run(["migrate", "databases.main", "--to", "terraform", "--env", "staging", "xkit.yaml"]) == 0
    out = capsys.readouterr().out
    assert "xkit.yaml: databases.main moves from ansible to terraform in staging" in out
    assert "aws_db_instance xkit-staging-main: import id xkit-staging-main" in out
    assert "aws_security_group xkit-staging-main: found by tags Name=xkit-staging-main" in out
    assert "Ansible stops managing it" in out
    for command in ("envspec compile xkit.yaml --out build", "terraform -chdir=build/xkit/terraform/staging plan",
                    "ansible-playbook -i build/xkit/ansible/inventories/staging build/xkit/ansible/provision.yml"):
        assert command in out
    assert "overrides:\n      staging:\n        deletion_protection: false\n        owner: terraform\n" in path.read_text()
    # compiled and moved back: Terraform forgets, Ansible manages it again
    assert run(["compile", "xkit.yaml", "--out", "build"]) == 0
    capsys.readouterr()
    assert run(["migrate", "databases.main", "--to", "ansible", "--env", "staging", "xkit.yaml"]) == 0
    out = capsys.readouterr().out
    assert "Terraform forgets" in out and "removed.tf" in out and "Ansible manages it again" in out
    assert path.read_text() == XKIT.read_text().replace(
        "        deletion_protection: false\n", "        deletion_protection: false\n        owner: ansible\n"
    )


def test_formatting_of_other_styles_is_kept_exactly(tmp_path: Path) -> None:
    """Four-space indentation, CRLF line breaks, a byte-order mark, aligned flow mappings, comments,
    quoted owners and a last line without a line break: only the owner text changes."""
    text = (
        "\ufeff# a spec indented by four\r\n"
        "envspec: 1\r\n"
        "app: shop\r\n"
        "environments:\r\n"
        "    staging:    {region: eu-west-1, account_id: \"111111111111\"}   # aligned\r\n"
        "    production: {region: eu-west-1, account_id: \"222222222222\"}\r\n"
        "services:\r\n"
        "    fn:\r\n"
        "        type: lambda   # a comment\r\n"
        "        runtime: python3.12\r\n"
        "        handler: a.b\r\n"
        "        code: s3://shop-code/fn.zip\r\n"
        "buckets:\r\n"
        "    files: {versioning: true}\r\n"
        "    logs:\r\n"
        "        owner: 'ansible'      # quoted\r\n"
        "    tail:\r\n"
        "        versioning: true"
    )
    spec = tmp_path / "shop.yaml"
    spec.write_bytes(text.encode())
    moved = plan([spec], "services.fn", "terraform", ["production"]).text
    assert moved == text.replace(
        "        type: lambda   # a comment\r\n",
        "        type: lambda   # a comment\r\n        overrides:\r\n            production:\r\n                owner: terraform\r\n",
    )
    assert plan([spec], "buckets.files", "terraform").text == text.replace("{versioning: true}", "{owner: terraform, versioning: true}")
    assert plan([spec], "buckets.logs", "terraform").text == text.replace("'ansible'", "'terraform'")
    assert plan([spec], "services.fn", "terraform").text == text.replace("# a comment\r\n", "# a comment\r\n        owner: terraform\r\n")
    assert plan([spec], "buckets.tail", "terraform").text == text + "\r\n        owner: terraform"
    assert plan([spec], "buckets.files", "terraform", ["staging"]).text == text.replace(
        "{versioning: true}", "{overrides: {staging: {owner: terraform}}, versioning: true}"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["databases.mian", "--to", "terraform"], "no component 'databases.mian' in xkit.yaml (did you mean 'databases.main'?)"),
        (["network", "--to", "terraform"], "network is already owned by terraform in every environment: nothing to move"),
        (["buckets.uploads", "--to", "ansible", "--env", "staging"], "buckets.uploads is already owned by ansible in staging"),
        (["buckets.uploads", "--to", "terraform", "--env", "stagign"],
         "no environment 'stagign' in app xkit (did you mean 'staging'?); declared: staging, production"),
        (["buckets.uploads", "--to", "chef"], "unknown owner 'chef': expected ansible or terraform"),
    ],
    ids=["unknown-address", "already-everywhere", "already-in-env", "undeclared-env", "unknown-owner"],
)
def test_refusals_exit_1_with_a_message_and_leave_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    path = copy_spec(tmp_path, XKIT)
    monkeypatch.chdir(path.parent)
    assert run(["migrate", *args, "xkit.yaml"]) == 1
    err = capsys.readouterr().err
    assert err == f"envspec: error: {message}\n" or message in err, err
    assert path.read_text() == XKIT.read_text()


def test_a_move_not_yet_compiled_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The history says databases.main was only ever Ansible's in staging, yet the spec gives it to
    Terraform: that move has not been compiled (so not applied); moving it again is refused."""
    path = copy_spec(tmp_path, XKIT)
    monkeypatch.chdir(path.parent)
    assert run(["migrate", "databases.main", "--to", "terraform", "xkit.yaml"]) == 0
    edited = path.read_text()
    capsys.readouterr()
    assert run(["migrate", "databases.main", "--to", "ansible", "--env", "staging", "xkit.yaml"]) == 1
    err = capsys.readouterr().err
    assert ("databases.main in staging: its move to terraform is not compiled yet (xkit.history.json records only ansible); "
            "compile and apply that move first, or undo the edit of xkit.yaml") in err
    assert path.read_text() == edited
    assert run(["compile", "xkit.yaml", "--out", "build"]) == 0
    assert run(["migrate", "databases.main", "--to", "ansible", "--env", "staging", "xkit.yaml"]) == 0


def test_an_address_in_several_apps_needs_the_spec_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    minimal = (REPO / "examples" / "minimal.yaml").read_text()
    for app in ("one", "two"):
        (tmp_path / f"{app}.yaml").write_text(minimal.replace("app: hello", f"app: {app}"))
    monkeypatch.chdir(tmp_path)
    assert run(["migrate", "services.greeter", "--to", "terraform", "."]) == 1
    assert "'services.greeter' is a component of several apps (one.yaml, two.yaml): name the spec file" in capsys.readouterr().err
    assert run(["migrate", "services.greeter", "--to", "terraform", "one.yaml"]) == 0


def test_an_invalid_spec_is_reported_not_edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_spec(tmp_path, XKIT)
    broken = path.read_text().replace("instance_class: db.t4g.medium", "instance_clas: db.t4g.medium")
    path.write_text(broken)
    monkeypatch.chdir(path.parent)
    assert run(["migrate", "databases.main", "--to", "terraform", "xkit.yaml"]) == 1
    assert "unknown field (did you mean 'instance_class'?)" in capsys.readouterr().err
    assert path.read_text() == broken


def test_without_a_recorded_owner_the_move_says_terraform_creates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No history beside the spec (never compiled): nothing says Ansible made the component, so the
    next compile writes no import block, and migrate says so instead of promising imports."""
    shutil.copy2(XKIT, tmp_path / "xkit.yaml")
    monkeypatch.chdir(tmp_path)
    assert run(["migrate", "buckets.uploads", "--to", "terraform", "--env", "staging", "xkit.yaml"]) == 0
    out = capsys.readouterr().out
    assert "note: buckets.uploads has no recorded owner in staging (xkit.history.json): it has never been compiled there" in out
    assert "Terraform creates it: no owner is recorded for it in this environment" in out
    assert "import id" not in out
