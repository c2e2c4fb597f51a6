"""Nothing lost (issue 22): a compile killed outright, files written through links and only over
regular files, histories merged under a lock, every file read with the spec reader's guards.

Each test runs the real command line in a subprocess (as a user, or a CI timeout, would meet it),
in a folder of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from envspec.core import writer

REPO = Path(__file__).resolve().parent.parent
CONTRACT = REPO / "examples" / "contract.yaml"
MINIMAL = REPO / "examples" / "minimal.yaml"
CLI = [sys.executable, "-c", "import sys; from envspec.cli import main; sys.argv[0] = 'envspec'; main()"]


def envspec(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def copy_spec(folder: Path, spec: Path = CONTRACT, history: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(spec, folder / spec.name)
    if history and spec.with_suffix(".history.json").exists():
        shutil.copy(spec.with_suffix(".history.json"), folder / spec.with_suffix(".history.json").name)
    return folder / spec.name


def working_files(out: Path) -> dict[str, bytes]:
    """Terraform's working files in the tree (`.terraform/` contents, state), by relative path."""
    found = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_file() and any(writer.is_working_file(Path(*rel.parts[: i + 1])) for i in range(len(rel.parts))):
            found[str(rel)] = path.read_bytes()
    return found


def make_working_files(out: Path) -> dict[str, bytes]:
    root = next(p.parent for p in sorted(out.rglob("main.tf")) if p.parent.parent.name == "terraform")
    (root / ".terraform" / "providers").mkdir(parents=True)
    (root / ".terraform" / "providers" / "binary").write_bytes(b"\x7fELF" * 500)
    (root / "terraform.tfstate").write_text('{"serial": 7}\n')
    (root / ".terraform.lock.hcl").write_text("# lock\n")
    return working_files(out)


# A compile killed by SIGKILL at the worst instant: the working files already moved into the new
# tree, the swap not done. `how` picks the swap: the one-step exchange, or the two renames (where
# renameat2 is missing) killed between them.
KILLED = {
    "before-the-exchange": "writer._exchange = lambda a, b: os.kill(os.getpid(), signal.SIGKILL)\n",
    "between-the-renames": textwrap.dedent("""\
        writer._exchange = lambda a, b: False
        real_rename = os.rename
        def rename(src, dst, *a, **k):
            if os.path.basename(str(src)).startswith(writer.TMP_PREFIX) and os.path.basename(str(dst)) == "build":
                os.kill(os.getpid(), signal.SIGKILL)
            return real_rename(src, dst, *a, **k)
        os.rename = rename
        """),
}


@pytest.mark.parametrize("how", sorted(KILLED))
def test_a_compile_killed_during_its_swap_loses_no_working_file(tmp_path: Path, how: str) -> None:
    spec = copy_spec(tmp_path / "specs")
    out = tmp_path / "build"
    assert envspec("compile", spec, "--out", out).returncode == 0
    before = make_working_files(out)
    (out / "manifest.json").write_text((out / "manifest.json").read_text() + "\n")  # the next compile rewrites the tree
    script = (
        "import os, signal, sys\nfrom envspec.core import writer\n" + KILLED[how]
        + f"from envspec.cli import main\nsys.argv = ['envspec', 'compile', {str(spec)!r}, '--out', {str(out)!r}]\nmain()\n"
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert working_files(out) != before, "the kill came too late to test anything"
    again = envspec("compile", spec, "--out", out)
    assert again.returncode == 0, again.stderr
    assert working_files(out) == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith((writer.TMP_PREFIX, writer.OLD_PREFIX, writer.RESCUED_PREFIX))]


def test_working_files_that_cannot_go_back_are_kept_beside_the_output(tmp_path: Path) -> None:
    """After the kill the user ran `terraform init` again: the place is taken, so the killed run's
    files are kept in a `.envspec-rescued-...` folder, never deleted."""
    spec = copy_spec(tmp_path / "specs")
    out = tmp_path / "build"
    assert envspec("compile", spec, "--out", out).returncode == 0
    before = make_working_files(out)
    (out / "manifest.json").write_text((out / "manifest.json").read_text() + "\n")
    script = ("import os, signal, sys\nfrom envspec.core import writer\n" + KILLED["before-the-exchange"]
              + f"from envspec.cli import main\nsys.argv = ['envspec', 'compile', {str(spec)!r}, '--out', {str(out)!r}]\nmain()\n")
    assert subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120).returncode == -9
    state = next(k for k in before if k.endswith("terraform.tfstate"))
    (out / state).write_text('{"serial": 8}\n')  # made since the kill
    assert envspec("compile", spec, "--out", out).returncode == 0
    assert (out / state).read_text() == '{"serial": 8}\n'
    (rescued,) = [p for p in tmp_path.iterdir() if p.name.startswith(writer.RESCUED_PREFIX)]
    assert (rescued / state).read_bytes() == before[state]


def test_files_are_written_through_links_and_keep_their_mode(tmp_path: Path) -> None:
    real = copy_spec(tmp_path / "real", MINIMAL, history=False)
    real.chmod(0o600)
    link = tmp_path / "specs" / "minimal.yaml"
    link.parent.mkdir()
    link.symlink_to(real)
    done = envspec("migrate", "services.greeter", "--to", "terraform", "minimal.yaml", cwd=link.parent)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "owner: terraform" in real.read_text()
    assert oct(real.stat().st_mode & 0o777) == oct(0o600)
    # the history file beside the spec, itself a link, is written through as well
    target = tmp_path / "real" / "kept.history.json"
    target.write_text(json.dumps({"envspec_history": 1, "app": "hello", "environments": {}}))
    (link.parent / "minimal.history.json").symlink_to(target)
    assert envspec("compile", "minimal.yaml", "--out", tmp_path / "build", cwd=link.parent).returncode == 0
    assert (link.parent / "minimal.history.json").is_symlink()
    assert json.loads(target.read_text())["environments"]["dev"]["services.greeter"] == ["terraform"]


@pytest.mark.parametrize("what", ["fifo", "folder"])
def test_only_a_regular_file_is_replaced(tmp_path: Path, what: str) -> None:
    path = tmp_path / "schema.json"
    if what == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    done = envspec("schema", "--out", path)
    assert done.returncode == 1, done.stderr
    kind = "a FIFO" if what == "fifo" else "a directory"
    assert f"{path}: not a regular file ({kind}); envspec writes the schema only into a regular file" in done.stderr
    assert (path.is_fifo() if what == "fifo" else path.is_dir())


@pytest.mark.parametrize("what", ["fifo", "device"])
def test_a_history_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path: Path, what: str) -> None:
    spec = copy_spec(tmp_path / "specs", MINIMAL, history=False)
    history = spec.with_suffix(".history.json")
    if what == "fifo":
        os.mkfifo(history)
    else:
        history.symlink_to("/dev/zero")
    done = envspec("compile", spec, "--out", tmp_path / "build", timeout=30)
    assert done.returncode == 1, done.stderr
    kind = "a FIFO" if what == "fifo" else "a character device"
    assert f"{history}: not a regular file ({kind}); it should hold an ownership history" in done.stderr


def test_concurrent_compiles_of_one_spec_merge_their_histories(tmp_path: Path) -> None:
    """Two compiles of one spec into different output folders, one per environment, at once: the
    history keeps both environments' entries (each read it before the other wrote it)."""
    spec = copy_spec(tmp_path / "specs", CONTRACT, history=False)
    history = spec.with_suffix(".history.json")
    for round_ in range(4):
        history.unlink(missing_ok=True)
        runs = [subprocess.Popen([*CLI, "compile", str(spec), "--out", str(tmp_path / f"out-{env}"), "--env", env],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for env in ("staging", "production")]
        for run in runs:
            _, err = run.communicate(timeout=300)
            assert run.returncode == 0, err
        recorded = json.loads(history.read_text())["environments"]
        assert set(recorded) == {"staging", "production"}, (round_, sorted(recorded))


def test_the_history_file_is_merged_not_overwritten(tmp_path: Path) -> None:
    from envspec.core import history

    path = tmp_path / "app.history.json"
    history.save(path, "app", {"staging": {"buckets.a": ("ansible",)}})
    history.save(path, "app", {"production": {"buckets.a": ("terraform",)}})  # read before the first write
    history.save(path, "app", {"staging": {"buckets.a": ("terraform",)}})
    assert history.read(path, "app") == {"staging": {"buckets.a": ("ansible", "terraform")},
                                         "production": {"buckets.a": ("terraform",)}}


def test_a_link_out_of_the_extra_folder_is_refused(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path / "specs", MINIMAL, history=False)
    extra = tmp_path / "specs" / "minimal.extra" / "terraform"
    extra.mkdir(parents=True)
    (extra / "env.tf").symlink_to("/proc/self/environ")
    done = envspec("compile", spec, "--out", tmp_path / "build")
    assert done.returncode == 1, done.stderr
    assert "env.tf: a symbolic link to /proc/" in done.stderr and "/environ, outside" in done.stderr
    assert not (tmp_path / "build").exists()


def test_a_hand_written_file_that_is_not_utf8_is_named_with_its_position(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path / "specs", MINIMAL, history=False)
    extra = tmp_path / "specs" / "minimal.extra" / "terraform"
    extra.mkdir(parents=True)
    (extra / "alarms.tf").write_bytes(b'# alarms\nresource "x" "y" {\n  name = "\xff"\n}\n')
    done = envspec("compile", spec, "--out", tmp_path / "build")
    assert done.returncode == 1, done.stderr
    assert f"{extra / 'alarms.tf'}:3:11: not valid UTF-8 (byte 0xff); a hand-written file is UTF-8 text" in done.stderr


@pytest.mark.parametrize(("edit", "message"), [
    (lambda m: m["apps"]["hello"]["environments"]["dev"]["components"]["services.greeter"].update(history=5),
     "components.services.greeter: 'history' is not a list of owners"),
    (lambda m: m["files"].update({"hello/x": 1}), "'files' is not an object of digests (text)"),
    (lambda m: m["apps"]["hello"]["environments"]["dev"].update(files=[1]), "'files' is not a list of paths"),
], ids=["history-type", "files-digest-type", "env-files-type"])
def test_a_manifest_with_a_value_of_the_wrong_type_is_exit_1(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    spec = copy_spec(tmp_path / "specs", MINIMAL, history=False)
    out = tmp_path / "build"
    assert envspec("compile", spec, "--out", out).returncode == 0
    data = json.loads((out / "manifest.json").read_text())
    edit(data)
    (out / "manifest.json").write_text(json.dumps(data))
    done = envspec("compile", spec, "--out", out)
    assert done.returncode == 1, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("which", ["manifest", "history"])
def test_deeply_nested_json_is_exit_1(tmp_path: Path, which: str) -> None:
    spec = copy_spec(tmp_path / "specs", MINIMAL, history=False)
    out = tmp_path / "build"
    assert envspec("compile", spec, "--out", out).returncode == 0
    nested = "[" * 200_000 + "]" * 200_000
    target = out / "manifest.json" if which == "manifest" else spec.with_suffix(".history.json")
    target.write_text(nested)
    done = envspec("compile", spec, "--out", out)
    assert done.returncode == 1, done.stderr
    assert f"{target}: not an envspec" in done.stderr and "nests too deeply" in done.stderr
