"""The output folder is the user's: concurrent runs, links, tools' working files, faults (issue 11)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envspec import output

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = [REPO / "examples" / "minimal.yaml", REPO / "examples" / "contract.yaml", REPO / "examples" / "ec2-database.yaml"]
CLI = [sys.executable, "-c", "import sys; from envspec.cli import main; sys.argv[0] = 'envspec'; main()"]


def envspec(*args: str | Path, cwd: Path | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120, **kw)  # type: ignore[call-overload]


def start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def bytes_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_complete_tree(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = {k: v for k, v in bytes_of(out).items() if k != "manifest.json"}
    assert set(manifest["files"]) == set(on_disk)
    assert all(hashlib.sha256(on_disk[k]).hexdigest() == h for k, h in manifest["files"].items())


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((output.TMP_PREFIX, output.OLD_PREFIX)))


@pytest.mark.slow
def test_concurrent_compiles_into_one_folder_and_into_siblings(tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = []
    for i in range(10):
        a, b = EXAMPLES[i % 3], EXAMPLES[(i + 1) % 3]
        procs += [start("compile", a, "--out", out), start("compile", b, "--out", out)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert_one_complete_tree(out)
    assert leftovers(tmp_path) == []
    procs = []
    for i in range(5):
        procs += [start("compile", EXAMPLES[1], "--out", tmp_path / f"s{i}"), start("compile", EXAMPLES[0], "--out", tmp_path / f"s{i}-x")]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    for i in range(5):
        assert_one_complete_tree(tmp_path / f"s{i}")
        assert_one_complete_tree(tmp_path / f"s{i}-x")
        assert json.loads((tmp_path / f"s{i}-x" / "manifest.json").read_text())["apps"].keys() != json.loads(
            (tmp_path / f"s{i}" / "manifest.json").read_text()
        )["apps"].keys() or EXAMPLES[0] == EXAMPLES[1]
    assert leftovers(tmp_path) == []


def test_clean_up_spares_live_runs_and_other_folders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = tmp_path / f"{output.TMP_PREFIX}out.{os.getppid()}.abc"  # a live process (our parent)
    dead = tmp_path / f"{output.TMP_PREFIX}out.999999999.abc"
    other = tmp_path / f"{output.TMP_PREFIX}out-x.999999999.abc"
    for folder in (live, dead, other):
        folder.mkdir()
    output._recover(out)
    assert live.is_dir() and other.is_dir() and not dead.exists()


def test_terraform_working_files_survive_a_recompile_and_check(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert envspec("compile", EXAMPLES[1], "--out", out).returncode == 0
    roots = sorted(p.parent for p in out.rglob("*.tf"))
    root = roots[0]
    (root / ".terraform" / "providers").mkdir(parents=True)
    (root / ".terraform" / "providers" / "binary").write_bytes(b"\x7fELF\xff\xfe" * 1000)
    (root / ".terraform.lock.hcl").write_text("# lock\n")
    (root / "terraform.tfstate").write_text("{}\n")
    (root / "terraform.tfstate.backup").write_text("{}\n")
    (out / "site.retry").write_text("host\n")
    before = {k: v for k, v in bytes_of(out).items() if output.is_working_file(Path(k))}  # type: ignore[arg-type]
    assert len(before) == 5
    (out / "manifest.json").write_text((out / "manifest.json").read_text().replace('"format"', '"format"', 1) + "\n")  # force a rewrite
    result = envspec("compile", EXAMPLES[1], "--out", out)
    assert result.returncode == 0, result.stderr
    assert "1 file changed" in result.stdout
    after = {k: v for k, v in bytes_of(out).items() if output.is_working_file(Path(k))}  # type: ignore[arg-type]
    assert after == before
    check = envspec("compile", EXAMPLES[1], "--out", out, "--check")
    assert check.returncode == 0, check.stderr


def test_a_symlinked_output_is_written_through_and_a_dangling_one_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    build = tmp_path / "build"
    assert envspec("compile", EXAMPLES[0], "--out", real).returncode == 0
    build.symlink_to("real")
    result = envspec("compile", EXAMPLES[1], "--out", build)
    assert result.returncode == 0, result.stderr
    assert build.is_symlink() and (real / "manifest.json").is_file()
    assert_one_complete_tree(real)
    assert "contract.yaml" in (real / "manifest.json").read_text()
    assert envspec("compile", EXAMPLES[1], "--out", build, "--check").returncode == 0
    assert leftovers(tmp_path) == []
    dangling = tmp_path / "gone"
    dangling.symlink_to("nowhere")
    result = envspec("compile", EXAMPLES[0], "--out", dangling)
    assert result.returncode == 1
    assert "symbolic link" in result.stderr and "does not exist" in result.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ('<<<<<<< HEAD\n{"format": 1}\n=======\n{"format": 1}\n>>>>>>> other\n', "not valid JSON"),
        ('{"format": 1, "apps": []}\n', "'apps' is not an object"),
        ("[1, 2]\n", "not an envspec manifest"),
    ],
)
def test_a_corrupt_manifest_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    out = tmp_path / "build"
    assert envspec("compile", EXAMPLES[1], "--out", out).returncode == 0
    (out / "manifest.json").write_text(text)
    before = bytes_of(out)
    result = envspec("compile", EXAMPLES[1], "--out", out)
    assert result.returncode == 1
    assert f"{out / 'manifest.json'}: {message}" in result.stderr
    assert bytes_of(out) == before


@pytest.mark.parametrize("what", ["output", "parent"])
def test_read_only_output_or_parent_is_refused_and_nothing_changes(
    tmp_path: Path, what: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from envspec.errors import UsageError
    from tests.graphs import load_apps

    parent = tmp_path / "p"
    out = parent / "build"
    assert envspec("compile", EXAMPLES[0], "--out", out).returncode == 0
    before = bytes_of(out)
    locked = out if what == "output" else parent
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root ignores folder permissions: the kernel's answer for a non-root user, stood in
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    try:
        with pytest.raises(UsageError, match="not writable"):
            from envspec import plugins

            output.compile_into(out, load_apps(EXAMPLES[1]), plugins.load())
    finally:
        locked.chmod(0o755)
    assert bytes_of(out) == before
    assert leftovers(parent) == []


def test_root_and_foreign_folders_are_refused_before_reading(tmp_path: Path) -> None:
    result = envspec("compile", EXAMPLES[0], "--out", "/")
    assert result.returncode == 1 and "filesystem root" in result.stderr
    foreign = tmp_path / "src"
    (foreign / "deep").mkdir(parents=True)
    (foreign / "deep" / "data.bin").write_bytes(b"\xff" * 10)
    t0 = time.perf_counter()
    result = envspec("compile", EXAMPLES[0], "--out", foreign)
    assert result.returncode == 1 and "holds no manifest.json" in result.stderr
    assert time.perf_counter() - t0 < 20


def test_manifest_records_the_spec_path_relative(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert envspec("compile", EXAMPLES[1], "--out", out, cwd=REPO).returncode == 0
    assert json.loads((out / "manifest.json").read_text())["apps"]["xkit"]["source"] == "examples/contract.yaml"
    assert envspec("compile", REPO / "examples" / "contract.yaml", "--out", out, "--check", cwd=REPO).returncode == 0
    other = tmp_path / "other"
    assert envspec("compile", REPO / "examples" / "contract.yaml", "--out", other, cwd=tmp_path).returncode == 0
    assert json.loads((other / "manifest.json").read_text())["apps"]["xkit"]["source"] == "contract.yaml"  # outside: the name
    assert str(REPO) not in (out / "manifest.json").read_text()


def big_spec(folder: Path, apps: int = 25) -> Path:
    text = (REPO / "examples" / "contract.yaml").read_text()
    specs = folder / "specs"
    specs.mkdir()
    for i in range(apps):
        (specs / f"a{i}.yaml").write_text(text.replace("app: xkit", f"app: xkit{i}", 1))
    return specs


@pytest.mark.slow
def test_sigterm_and_sigint_during_a_large_compile_leave_the_previous_tree(tmp_path: Path) -> None:
    specs = big_spec(tmp_path)
    out = tmp_path / "build"
    assert envspec("compile", EXAMPLES[0], "--out", out).returncode == 0
    before = bytes_of(out)
    rng = random.Random(11)
    for sig in [signal.SIGTERM] * 4 + [signal.SIGINT] * 2:
        proc = start("compile", specs, "--out", out)
        time.sleep(rng.uniform(0.3, 2.0))
        proc.send_signal(sig)
        proc.communicate(timeout=120)
        assert proc.returncode in (0, 130, 143, 128 + sig), proc.returncode
        if proc.returncode == 0:  # finished before the signal: a complete new tree; reset
            assert_one_complete_tree(out)
            assert envspec("compile", EXAMPLES[0], "--out", out).returncode == 0
        else:
            assert bytes_of(out) == before
        assert leftovers(tmp_path) == []
