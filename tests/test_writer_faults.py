"""The output folder is the user's: concurrent runs, links, tools' working files, faults (issue 11)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envspec.core import writer
from tests.ordinary_user import drop_root_file_powers

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = [REPO / "examples" / "minimal.yaml", REPO / "examples" / "contract.yaml", REPO / "examples" / "ec2-database.yaml"]
CLI = [sys.executable, "-c", "import sys; from envspec.cli import main; sys.argv[0] = 'envspec'; main()"]


def envspec(*args: str | Path, cwd: Path | None = None, timeout: float = 300, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout, **kw)  # type: ignore[call-overload]


def start(*args: str | Path, cwd: Path | None = None) -> subprocess.Popen[str]:
    """A compile in the background that Ctrl-C reaches (a shell's or a test runner's ignored SIGINT is not inherited)."""
    return subprocess.Popen(
        [*CLI, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def bytes_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_complete_tree(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = {k: v for k, v in bytes_of(out).items() if k != "manifest.json"}
    assert set(manifest["files"]) == set(on_disk)
    assert all(hashlib.sha256(on_disk[k]).hexdigest() == h for k, h in manifest["files"].items())


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((writer.TMP_PREFIX, writer.OLD_PREFIX)))


def spec_copies(folder: Path) -> list[Path]:
    """The examples (and their history files) copied to `folder`: compiles write nothing beside the repository's specs."""
    folder.mkdir()
    for spec in EXAMPLES:
        shutil.copy(spec, folder / spec.name)
        shutil.copy(spec.with_suffix(".history.json"), folder / spec.with_suffix(".history.json").name)
    return [folder / spec.name for spec in EXAMPLES]


@pytest.mark.slow
def test_concurrent_compiles_into_one_folder_and_into_siblings(tmp_path: Path) -> None:
    """10 pairs of compiles of different specs into one folder each, and 10 pairs into sibling
    folders (`sN` and `sN-x`, whose temporary names share a prefix), all 40 at once; every folder
    ends as exactly one complete tree, byte for byte what a lone compile of one of its specs writes."""
    minimal, contract, database = spec_copies(tmp_path / "specs")
    reference = {}
    for spec in (contract, database, minimal):
        result = envspec("compile", spec.relative_to(tmp_path), "--out", f"ref/{spec.stem}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        reference[spec.stem] = bytes_of(tmp_path / "ref" / spec.stem)
    work = tmp_path / "work"
    same = [work / f"same{i}" for i in range(10)]
    siblings = [(work / f"s{i}", work / f"s{i}-x") for i in range(10)]
    for folder in [*same, *(f for pair in siblings for f in pair)]:  # the previous tree of every folder
        shutil.copytree(tmp_path / "ref" / "minimal", folder)
    runs = [(contract, folder) for folder in same] + [(database, folder) for folder in same]
    runs += [(contract, a) for a, _ in siblings] + [(database, b) for _, b in siblings]
    random.Random(1).shuffle(runs)
    procs = [start("compile", spec.relative_to(tmp_path), "--out", folder.relative_to(tmp_path), cwd=tmp_path) for spec, folder in runs]
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err
    for folder in same:
        assert_one_complete_tree(folder)
        assert bytes_of(folder) in (reference["contract"], reference["ec2-database"]), folder
    for a, b in siblings:
        assert bytes_of(a) == reference["contract"] and bytes_of(b) == reference["ec2-database"]
    assert leftovers(work) == []


def test_clean_up_spares_live_runs_and_other_folders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = tmp_path / f"{writer.TMP_PREFIX}out.{os.getppid()}.abc"  # a live process (our parent)
    dead = tmp_path / f"{writer.TMP_PREFIX}out.999999999.abc"
    other = tmp_path / f"{writer.TMP_PREFIX}out-x.999999999.abc"
    for folder in (live, dead, other):
        folder.mkdir()
    writer.recover(out)
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
    before = {k: v for k, v in bytes_of(out).items() if writer.is_working_file(Path(k))}  # type: ignore[arg-type]
    assert len(before) == 5
    (out / "manifest.json").write_text((out / "manifest.json").read_text().replace('"format"', '"format"', 1) + "\n")  # force a rewrite
    result = envspec("compile", EXAMPLES[1], "--out", out)
    assert result.returncode == 0, result.stderr
    assert "1 file changed" in result.stdout
    after = {k: v for k, v in bytes_of(out).items() if writer.is_working_file(Path(k))}  # type: ignore[arg-type]
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


@pytest.mark.parametrize(
    "what, message",
    [("output", "build: not writable"), ("parent", "p: not writable; envspec builds the new tree beside build"),
     ("grandparent", "p/new: cannot create the folder for the output (Permission denied)")],
)
def test_read_only_output_or_parent_is_refused_and_nothing_changes(tmp_path: Path, what: str, message: str) -> None:
    """Really read-only: the compile runs without root's power to ignore permissions (tests/ordinary_user.py)."""
    parent = tmp_path / "p"
    out = parent / "build" if what != "grandparent" else parent / "new" / "build"
    assert envspec("compile", EXAMPLES[0], "--out", parent / "build").returncode == 0
    before = bytes_of(parent)
    locked = parent / "build" if what == "output" else parent
    locked.chmod(0o555)
    try:
        result = envspec("compile", EXAMPLES[1], "--out", out, preexec_fn=drop_root_file_powers)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert bytes_of(parent) == before
    assert leftovers(parent) == [] and not (parent / "new").exists()


def test_a_full_disk_leaves_the_previous_tree(tmp_path: Path) -> None:
    """RLIMIT_FSIZE (`ulimit -f`) stands in for a full disk: the first file over 4 KiB is refused."""
    import resource

    out = tmp_path / "build"
    assert envspec("compile", EXAMPLES[0], "--out", out).returncode == 0
    before = bytes_of(out)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    result = envspec("compile", EXAMPLES[1], "--out", out, preexec_fn=small_files)
    assert result.returncode == 1, result.stderr
    assert "cannot write the output (File too large); the previous tree is unchanged" in result.stderr
    assert bytes_of(out) == before and leftovers(tmp_path) == []
    result = envspec("compile", EXAMPLES[1], "--out", "/dev/full/build")
    assert result.returncode == 1 and "/dev/full: not a folder" in result.stderr


def test_long_output_names_get_short_temporary_names(tmp_path: Path) -> None:
    out = tmp_path / ("b" * 250)
    result = envspec("compile", EXAMPLES[0], "--out", out)
    assert result.returncode == 0, result.stderr
    assert_one_complete_tree(out)
    assert leftovers(tmp_path) == [] and all(len(p.name) <= 255 for p in tmp_path.iterdir())
    result = envspec("compile", EXAMPLES[0], "--out", tmp_path / ("c" * 256))
    assert result.returncode == 1 and "File name too long" in result.stderr and "Traceback" not in result.stderr


def test_env_carries_other_environments_files_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert envspec("compile", EXAMPLES[1], "--out", out).returncode == 0
    other = out / "xkit" / "terraform" / "production" / "main.tf"
    other.write_bytes(other.read_bytes() + b"\xff\xfe")  # not UTF-8: the compile cannot read it as text
    before = other.read_bytes()
    result = envspec("compile", EXAMPLES[1], "--out", out, "--env", "staging")
    assert result.returncode == 0, result.stderr
    assert other.read_bytes() == before
    # the manifest keeps the digest of what envspec wrote, so the next full compile still tells
    # the hand edit (and replaces it), rather than taking the edited file for its own
    full = envspec("compile", EXAMPLES[1], "--out", out)
    assert full.returncode == 0, full.stderr
    assert f"envspec: warning: {other} had been edited by hand" in full.stderr
    assert other.read_bytes() != before
    assert_one_complete_tree(out)


def test_backend_keeps_the_other_backends_files(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert envspec("compile", EXAMPLES[1], "--out", out).returncode == 0
    before = bytes_of(out)
    for backend in ("terraform", "ansible"):
        result = envspec("compile", EXAMPLES[1], "--out", out, "--backend", backend)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith("unchanged")
        assert bytes_of(out) == before
    ansible = out / "xkit" / "ansible" / "deploy.yml"
    ansible.write_text("# edited\n")
    terraform = out / "xkit" / "terraform" / "staging" / "main.tf"
    terraform.write_text("# edited\n")
    result = envspec("compile", EXAMPLES[1], "--out", out, "--backend", "terraform")
    # main.tf restored; the manifest is unchanged: it keeps deploy.yml's digest as envspec wrote it
    assert result.returncode == 0 and "1 file changed" in result.stdout, result.stdout
    assert ansible.read_text() == "# edited\n" and terraform.read_bytes() == before[str(terraform.relative_to(out))]
    # the hand edit is not lost without a word
    assert f"envspec: warning: {terraform} had been edited by hand; the edit is replaced" in result.stderr
    assert "deploy.yml" not in result.stderr  # kept: the other backend's file
    again = envspec("compile", EXAMPLES[1], "--out", out, "--backend", "terraform")
    assert again.returncode == 0 and again.stderr == ""
    # the other backend's edit is still told when that backend is compiled again
    full = envspec("compile", EXAMPLES[1], "--out", out)
    assert full.returncode == 0 and f"envspec: warning: {ansible} had been edited by hand" in full.stderr
    assert bytes_of(out) == before
    assert_one_complete_tree(out)


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
    """Relative to the output folder's parent (the repository, for `build/` beside `specs/`), so
    what the manifest records, and `compile --check`, do not depend on the folder a compile runs in."""
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    shutil.copy(EXAMPLES[1], repo / "specs" / "contract.yaml")
    shutil.copy(EXAMPLES[1].with_suffix(".history.json"), repo / "specs" / "contract.history.json")
    out = repo / "build"
    assert envspec("compile", "specs/contract.yaml", "--out", "build", cwd=repo).returncode == 0
    assert json.loads((out / "manifest.json").read_text())["apps"]["xkit"]["source"] == "specs/contract.yaml"
    for cwd, spec, where in ((repo / "specs", "contract.yaml", "../build"), (tmp_path, "repo/specs/contract.yaml", "repo/build"),
                             (repo, repo / "specs" / "contract.yaml", out)):
        check = envspec("compile", spec, "--out", where, "--check", cwd=cwd)
        assert check.returncode == 0, (cwd, check.stderr)
    other = tmp_path / "elsewhere" / "out"  # its parent does not hold the spec
    assert envspec("compile", repo / "specs" / "contract.yaml", "--out", other, cwd=repo).returncode == 0
    assert json.loads((other / "manifest.json").read_text())["apps"]["xkit"]["source"] == "contract.yaml"  # outside: the name
    assert str(tmp_path) not in (out / "manifest.json").read_text() + (other / "manifest.json").read_text()


def big_spec(folder: Path, apps: int = 25) -> Path:
    text = (REPO / "examples" / "contract.yaml").read_text()
    specs = folder / "specs"
    specs.mkdir()
    for i in range(apps):
        (specs / f"a{i}.yaml").write_text(text.replace("app: xkit", f"app: xkit{i}", 1))
    return specs


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_random_signals_during_a_large_compile_leave_the_previous_tree(tmp_path: Path, sig: signal.Signals) -> None:
    """10 compiles of 12 apps (about 1,350 files), each sent `sig` at a random moment of its run:
    interrupted, the folder is the previous tree byte for byte; finished first (or signalled after
    the swap, which holds signals back until it is done), a complete new one; never a temporary
    folder left beside it."""
    specs = big_spec(tmp_path, apps=12)
    started = time.perf_counter()
    first = envspec("compile", specs, "--out", tmp_path / "full", timeout=900)  # also writes the history files
    duration = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    shutil.rmtree(tmp_path / "full")
    out = tmp_path / "build"
    assert envspec("compile", EXAMPLES[0], "--out", out).returncode == 0
    before = bytes_of(out)
    rng = random.Random(int(sig))
    interrupted = 0
    for _ in range(10):
        proc = start("compile", specs, "--out", out)
        time.sleep(rng.uniform(0.5, duration))
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=900)
        assert "Traceback" not in err and "internal error" not in err, err
        if proc.returncode == 0:  # finished before the signal: a complete new tree; put the previous one back
            assert_one_complete_tree(out)
            assert envspec("compile", EXAMPLES[0], "--out", out).returncode == 0
        else:
            assert proc.returncode in (128 + sig, -sig), (proc.returncode, err)  # -sig: before envspec had started
            if bytes_of(out) != before:  # the signal came after the swap (held back during it): the new tree, whole
                assert_one_complete_tree(out)
                assert len(json.loads((out / "manifest.json").read_text())["apps"]) == 12
                assert envspec("compile", EXAMPLES[0], "--out", out).returncode == 0
            else:
                interrupted += 1
        assert leftovers(tmp_path) == []
    assert interrupted >= 5, f"only {interrupted} of 10 signals stopped the compile before its swap"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_after_the_work_is_done_prints_nothing(tmp_path: Path, sig: signal.Signals) -> None:
    """A Ctrl-C that lands while the interpreter shuts down (waiting for threads, running exit
    handlers) once the compile has finished: no traceback, the compile's own exit status.
    The signal is sent from an exit handler, the last moment a user's key could land."""
    out = tmp_path / "build"
    late = (
        "import atexit, os, signal, sys, time\n"
        "from envspec.cli import main\n"
        f"atexit.register(lambda: (os.kill(os.getpid(), {int(sig)}), time.sleep(0.3)))\n"
        f"sys.argv = ['envspec', 'compile', {str(EXAMPLES[0])!r}, '--out', {str(out)!r}]\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", late], capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    assert_one_complete_tree(out)


def working_files(out: Path) -> dict[str, tuple[int, int, int, str]]:
    """Every path inside tools' working files: (inode, size, mtime, link target); the same inode
    and times mean the file was moved along, not copied or rewritten (nor read: the provider is large)."""
    found = {}
    for root, dirs, names in os.walk(out):
        for name in [*dirs, *names]:
            path = Path(root) / name
            rel = path.relative_to(out)
            if writer.is_working_file(rel) or any(writer.is_working_file(Path(*rel.parts[: i + 1])) for i in range(len(rel.parts))):
                info = path.lstat()
                found[str(rel)] = (info.st_ino, info.st_size, info.st_mtime_ns, os.readlink(path) if path.is_symlink() else "")
    return found


@pytest.mark.slow
def test_terraform_init_in_an_env_root_then_recompile_and_check(tmp_path: Path) -> None:
    """The real terraform and AWS provider (tests/realtf): `terraform init` in an env root, then a
    recompile that changes a file, and `--check`: the working files are there, untouched, and
    Terraform still validates the root with the provider it installed."""
    from tests.realtf import MissingTool, RealTerraform

    try:
        terraform = RealTerraform.find(tmp_path / "realtf")
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)
    minimal = spec_copies(tmp_path / "specs")[0]
    out = tmp_path / "build"
    assert envspec("compile", minimal, "--out", out).returncode == 0
    (root,) = [p.parent for p in out.glob("hello/terraform/*/backend.tf")]
    terraform.init(root)
    (root / "terraform.tfstate").write_text('{"version": 4}\n')  # a local state, as `terraform apply` leaves it
    before = working_files(out)
    assert {".terraform.lock.hcl", ".terraform", "terraform.tfstate"} <= {Path(p).name for p in before}
    assert any("/.terraform/providers/" in f"/{p}" for p in before)
    (root / "main.tf").write_text("# edited by hand\n")
    result = envspec("compile", minimal, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "1 file changed" in result.stdout
    assert working_files(out) == before
    check = envspec("compile", minimal, "--out", out, "--check")
    assert check.returncode == 0 and "up to date" in check.stdout, check.stderr
    validated = terraform.run(root, "validate", "-no-color")
    assert validated.returncode == 0, validated.stdout + validated.stderr
