"""The ownership history beside each spec (`APP.history.json`): what makes imports the same on every clone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from envspec.core import history
from envspec.core import writer
from envspec.cli import run
from envspec.core.resolve import resolve
from envspec.core.source import load
from tests.graphs import EXAMPLES, REPO

XKIT = REPO / "specs" / "xkit.yaml"
SPECS = [*EXAMPLES, XKIT]


def clone(tmp: Path, name: str, *files: Path) -> Path:
    """A folder holding only these files, as a fresh checkout without build/ would."""
    folder = tmp / name
    folder.mkdir()
    for f in files:
        shutil.copy2(f, folder / f.name)
    return folder


def compile_in(folder: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.chdir(folder)
    return run(["compile", "xkit.yaml", "--out", "build", *extra])


def read_tree(folder: Path) -> dict[str, str]:
    return {str(k): v for k, v in writer.read_tree(folder).items()}


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_spec_in_the_repository_has_its_history_committed_and_current(spec: Path) -> None:
    (app,) = resolve(load([spec]))
    path = history.path_for(spec)
    known = history.read(path, app.spec.app)
    assert known is not None, f"{path.relative_to(REPO)} is missing: run envspec compile on the spec and commit it"
    assert history.updated(known, app) == known, f"{path.relative_to(REPO)} is stale: run envspec compile"


def test_a_fresh_clone_compiles_the_same_imports_as_the_laptop_that_made_the_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = XKIT.read_text()
    laptop = clone(tmp_path, "laptop", XKIT)
    assert compile_in(laptop, monkeypatch) == 0  # the history starts with Ansible owning the bucket
    moved = text.replace("  uploads:\n", "  uploads:\n    owner: terraform\n", 1)
    assert moved != text
    (laptop / "xkit.yaml").write_text(moved)
    assert compile_in(laptop, monkeypatch) == 0
    imports = Path("xkit/terraform/staging/imports.tf")
    assert 'id = "xkit-staging-uploads"' in (laptop / "build" / imports).read_text()
    recorded = json.loads((laptop / "xkit.history.json").read_text())
    assert recorded["environments"]["staging"]["buckets.uploads"] == ["ansible", "terraform"]

    # CI: a clean clone has the spec and its history, no build/
    ci = clone(tmp_path, "ci", laptop / "xkit.yaml", laptop / "xkit.history.json")
    assert compile_in(ci, monkeypatch) == 0
    assert read_tree(ci / "build") == read_tree(laptop / "build")  # byte-identical, manifest included
    assert compile_in(ci, monkeypatch, "--check") == 0
    assert (ci / "xkit.history.json").read_text() == (laptop / "xkit.history.json").read_text()


def test_without_the_history_file_the_move_would_be_planned_as_a_create(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the file must be committed: the same moved spec with no history has no import block,
    and `--check` in such a clone reports the missing history file instead of passing."""
    moved = XKIT.read_text().replace("  uploads:\n", "  uploads:\n    owner: terraform\n", 1)
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "xkit.yaml").write_text(moved)
    assert compile_in(bare, monkeypatch, "--check") == 1
    assert not (bare / "xkit.history.json").exists()  # --check writes nothing
    assert compile_in(bare, monkeypatch) == 0
    assert "xkit-staging-uploads" not in (bare / "build/xkit/terraform/staging/imports.tf").read_text()


def test_an_old_build_manifest_seeds_the_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trees compiled before the history file existed kept the history in build/manifest.json:
    the first compile takes it from there, so an adoption in progress keeps its imports."""
    folder = clone(tmp_path, "old", XKIT)
    assert compile_in(folder, monkeypatch) == 0
    (folder / "xkit.history.json").unlink()  # as an earlier envspec left it: history only in the manifest
    moved = XKIT.read_text().replace("  uploads:\n", "  uploads:\n    owner: terraform\n", 1)
    (folder / "xkit.yaml").write_text(moved)
    assert compile_in(folder, monkeypatch) == 0
    assert 'id = "xkit-staging-uploads"' in (folder / "build/xkit/terraform/staging/imports.tf").read_text()
    assert json.loads((folder / "xkit.history.json").read_text())["environments"]["staging"]["buckets.uploads"] == [
        "ansible",
        "terraform",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{\n<<<<<<< HEAD\n  "envspec_history": 1,\n=======\n>>>>>>> move\n}\n', "merge-conflict markers"),
        ('{"envspec_history": 1, "app": "xkit", "environments": []}\n', '"environments" must be an object'),
        ('{"envspec_history": 1, "app": "other", "environments": {}}\n', "history of app 'other'"),
        ('{"envspec_history": 1, "app": "xkit", "environments": {"staging": {"network": ["chef"]}}}\n', "list of owners"),
        ("[]\n", '"envspec_history": 1'),
    ],
    ids=["conflict-markers", "wrong-shape", "other-app", "unknown-owner", "not-an-object"],
)
def test_a_broken_history_file_is_an_error_naming_it_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    folder = clone(tmp_path, "broken", XKIT)
    assert compile_in(folder, monkeypatch) == 0
    before = read_tree(folder / "build")
    (folder / "xkit.history.json").write_text(content)
    capsys.readouterr()
    assert compile_in(folder, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "xkit.history.json" in err and message in err and "Traceback" not in err
    assert read_tree(folder / "build") == before
    assert (folder / "xkit.history.json").read_text() == content


def test_history_only_grows_and_keeps_what_this_compile_did_not_see() -> None:
    (app,) = resolve(load([XKIT]))
    previous = {"staging": {"databases.main": ("terraform",), "buckets.gone": ("ansible",)}, "qa": {"network": ("ansible",)}}
    new = history.updated(previous, app, only_envs=["staging"])
    assert new["staging"]["databases.main"] == ("ansible", "terraform")
    assert new["staging"]["buckets.gone"] == ("ansible",)  # removed from the spec: kept
    assert new["qa"] == {"network": ("ansible",)}  # not compiled: kept
    assert "production" not in new  # --env staging only
    text = history.render("xkit", new)
    assert json.loads(text)["environments"]["staging"]["databases.main"] == ["ansible", "terraform"]
    assert history.render("xkit", new) == text
