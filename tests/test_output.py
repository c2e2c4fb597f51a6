"""The output: the writer (deterministic, atomic, --check), the build's manifest."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

import pytest

from envspec.core import manifest
from envspec.core import writer
from envspec.core.compiler import build
from envspec.core.errors import BackendError, UsageError

TREE_A = {PurePosixPath("manifest.json"): '{"format": 1}\n', PurePosixPath("x/a.tf"): "a\n"}
TREE_B = {PurePosixPath("manifest.json"): '{"format": 1, "b": 1}\n', PurePosixPath("y/b.yml"): "b\n"}


def snapshot(folder: Path) -> dict[str, str]:
    return {str(k): v for k, v in writer.read_tree(folder).items()}


def test_write_replaces_the_tree_exactly(tmp_path: Path) -> None:
    out = tmp_path / "build"
    writer.write(out, TREE_A)
    assert snapshot(out) == {str(k): v for k, v in TREE_A.items()}
    writer.write(out, TREE_B)
    assert snapshot(out) == {str(k): v for k, v in TREE_B.items()}  # x/a.tf is gone
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(writer.LOCK_SUFFIX)) == ["build"]  # no temporary folders left


def test_check_lists_changed_missing_and_extra_files(tmp_path: Path) -> None:
    out = tmp_path / "build"
    writer.write(out, TREE_A)
    assert writer.check(out, TREE_A) == []
    assert writer.check(out, TREE_B) == ["manifest.json", "x/a.tf", "y/b.yml"]
    assert snapshot(out) == {str(k): v for k, v in TREE_A.items()}  # check writes nothing


def test_refuses_a_folder_it_did_not_create(tmp_path: Path) -> None:
    out = tmp_path / "src"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"):
        writer.write(out, TREE_A)
    assert (out / "precious.txt").read_text() == "keep me"


def test_a_failing_backend_leaves_the_previous_tree(tmp_path: Path) -> None:
    out = tmp_path / "build"
    writer.write(out, TREE_A)
    before = snapshot(out)

    class Broken:
        name = "broken"

        def emit(self, graph: object) -> dict[PurePosixPath, str]:
            raise RuntimeError("boom halfway")

    from tests.graphs import EXAMPLES, load_apps

    apps = load_apps(EXAMPLES[0])
    with pytest.raises(BackendError, match="broken backend failed"):
        writer.write(out, build(apps, [Broken()]))
    assert snapshot(out) == before


def test_recovers_from_a_kill_between_the_two_renames(tmp_path: Path) -> None:
    out = tmp_path / "build"
    writer.write(out, TREE_A)
    # what a kill between `rename(out, old)` and `rename(new, out)` leaves behind
    out.rename(tmp_path / f"{writer.OLD_PREFIX}build.999999999.x1")
    (tmp_path / f"{writer.TMP_PREFIX}build.999999999.x1").mkdir()
    writer.write(out, TREE_B)
    assert snapshot(out) == {str(k): v for k, v in TREE_B.items()}
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(writer.LOCK_SUFFIX)) == ["build"]


KILL_SCRIPT = """
import sys
from pathlib import Path, PurePosixPath
from envspec.core import writer
files = {PurePosixPath("manifest.json"): '{"format": 1}\\n'}
files.update({PurePosixPath(f"d{i % 50}/f{i}.txt"): ("new %d\\n" % i) * 200 for i in range(3000)})
print("ready", flush=True)
writer.write(Path(sys.argv[1]), files)
"""


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.6])
def test_a_killed_compile_leaves_old_or_new_never_a_mix(tmp_path: Path, delay: float) -> None:
    out = tmp_path / "build"
    old = {PurePosixPath("manifest.json"): '{"format": 1}\n', PurePosixPath("old.txt"): "old\n"}
    writer.write(out, old)
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(out)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    writer.recover(out.absolute())
    tree = snapshot(out)
    if "old.txt" in tree:
        assert tree == {str(k): v for k, v in old.items()}
    else:
        assert len(tree) == 3001 and all(v.startswith("new ") for k, v in tree.items() if k != "manifest.json")


def test_manifest_lists_components_owners_resources_and_hashes() -> None:
    from tests.graphs import REPO, load_apps
    from envspec.core import backend as plugins

    apps = load_apps(REPO / "examples" / "contract.yaml")
    files = build(apps, plugins.load())
    recorded = json.loads(files[manifest.MANIFEST])
    env = recorded["apps"]["xkit"]["environments"]["staging"]
    assert env["components"]["network"]["owner"] == "terraform"
    db = env["components"]["databases.main"]
    assert {"type": "aws_db_instance", "name": "xkit-staging-main", "import_id": "xkit-staging-main"}.items() <= db[
        "resources"
    ][2].items()
    assert set(recorded["files"]) == {str(p) for p in files if p != manifest.MANIFEST}


def test_history_makes_imports_and_survives_recompiles() -> None:
    previous = {
        "format": 1,
        "apps": {"xkit": {"environments": {"staging": {"components": {"databases.main": {"owner": "ansible", "history": ["ansible"]}}}}}},
    }
    assert manifest.history_of(previous) == {"xkit": {"staging": {"databases.main": ("ansible",)}}}
