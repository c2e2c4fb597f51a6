"""Bad input and a refusing machine are exit 1 with a clear message, never exit 3 or a hang (issue 11, items 12-14)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ordinary_user import drop_root_file_powers

REPO = Path(__file__).resolve().parent.parent
MINIMAL = REPO / "examples" / "minimal.yaml"
CONTRACT = REPO / "examples" / "contract.yaml"
CLI = [sys.executable, "-c", "import sys; from envspec.cli import main; sys.argv[0] = 'envspec'; main()"]


def envspec(*args: str | Path, cwd: Path | None = None, timeout: float = 120, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload]
        [*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout, **kw
    )


def as_ordinary_user(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return envspec(*args, cwd=cwd, preexec_fn=drop_root_file_powers)


def assert_user_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_a_huge_integer_literal_is_a_diagnostic(tmp_path: Path) -> None:
    spec = tmp_path / "huge.yaml"
    spec.write_text(MINIMAL.read_text().replace("handler: app.handler", "handler: app.handler\n    memory: " + "9" * 5000))
    assert_user_error(envspec("validate", spec), f"{spec}:14:13: services.greeter.memory: an integer of 5000 digits is too large")


def test_a_fifo_or_a_device_is_refused_without_blocking_or_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    assert_user_error(envspec("validate", fifo, timeout=30), f"{fifo}: not a regular file (a FIFO)")
    assert_user_error(envspec("validate", tmp_path, timeout=30), f"{tmp_path}: no *.yaml files")  # a FIFO is not a spec file
    assert_user_error(envspec("validate", "/dev/zero", timeout=30), "/dev/zero: not a regular file (a character device)")
    assert time.perf_counter() - started < 60


@pytest.mark.parametrize(
    "args, message",
    [
        (["validate", ""], "an empty path was given"),
        (["compile", str(MINIMAL), "--out", ""], "--out: an empty path was given"),
        (["schema", "--out", ""], "schema --out: an empty path was given"),
    ],
)
def test_an_empty_path_is_refused_not_taken_for_the_current_folder(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "broken.yaml").write_text("not: [a spec\n")  # what the current folder would have given
    assert_user_error(envspec(*args, cwd=tmp_path), message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml"]


def test_link_loops_and_dangling_links_are_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    assert_user_error(envspec("validate", tmp_path / "a.yaml"), "a.yaml: Too many levels of symbolic links")
    (tmp_path / "gone.yaml").symlink_to("nowhere.yaml")
    assert_user_error(envspec("validate", tmp_path / "gone.yaml"), "gone.yaml: a symbolic link to nowhere.yaml, which does not exist")


def test_names_over_the_limits_are_user_errors(tmp_path: Path) -> None:
    long_name = tmp_path / ("a" * 300 + ".yaml")
    assert_user_error(envspec("validate", long_name), "File name too long")
    deep = "/".join(["d" * 200] * 25) + "/x.yaml"  # over PATH_MAX
    assert_user_error(envspec("validate", deep, cwd=tmp_path), "File name too long")


def test_the_same_file_given_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "link.yaml").symlink_to(MINIMAL)
    result = envspec("validate", MINIMAL, MINIMAL, MINIMAL.parent, tmp_path / "link.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("hello (") == 1


def test_control_characters_in_a_path_are_echoed_escaped(tmp_path: Path) -> None:
    name = "a\x1b[31mred\nx.yaml"
    result = envspec("validate", tmp_path / name)
    assert_user_error(result, f"{tmp_path}/a\\x1b[31mred\\nx.yaml: no such file or directory")
    assert "\x1b" not in result.stderr and result.stderr.count("\n") == 1
    spec = tmp_path / "b\x07.yaml"
    spec.write_text("envspec: 1\napp: [\n")
    result = envspec("validate", spec)
    assert result.returncode == 1 and "b\\x07.yaml:" in result.stderr and "\x07" not in result.stderr


def test_a_folder_that_cannot_be_listed_or_searched_is_a_user_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "minimal.yaml").write_text(MINIMAL.read_text())
    locked.chmod(0)
    try:
        assert_user_error(as_ordinary_user("validate", locked), f"{locked}: cannot list this folder: Permission denied")
        assert_user_error(as_ordinary_user("validate", locked / "minimal.yaml"), "minimal.yaml: Permission denied")
        locked.chmod(0o600)  # listable, not searchable
        assert_user_error(as_ordinary_user("validate", locked), "minimal.yaml: Permission denied")
    finally:
        locked.chmod(0o755)


def test_standard_output_closed_full_or_limited_is_a_user_error(tmp_path: Path) -> None:
    closed = subprocess.run([*CLI, "validate", str(MINIMAL)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            timeout=60, preexec_fn=lambda: os.close(1))
    assert closed.returncode == 1 and "standard output is closed" in closed.stderr
    with open("/dev/full", "w") as full:
        for args in (["validate", str(MINIMAL)], ["schema"]):
            result = subprocess.run([*CLI, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
            assert result.returncode == 1, result.stderr
            assert "envspec: error: standard output: No space left on device" in result.stderr
            assert "Traceback" not in result.stderr
    import resource

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    with open(tmp_path / "schema.json", "w") as target:
        result = subprocess.run([*CLI, "schema"], stdout=target, stderr=subprocess.PIPE, text=True, timeout=60,
                                preexec_fn=small_files)
    assert result.returncode == 1 and "standard output: File too large" in result.stderr


def make_spec(lines: list[str]) -> str:
    head = ["envspec: 1", "app: big", "environments:", "  dev:", "    region: eu-west-1", '    account_id: "123456789012"']
    return "\n".join(head + lines) + "\n"


@pytest.mark.slow
def test_thousands_of_misspelt_references_are_reported_quickly_and_capped(tmp_path: Path) -> None:
    lines = ["services:"]
    for i in range(3000):
        lines += [f"  fn-number-{i}:", "    type: lambda", "    runtime: python3.12", "    handler: app.handler",
                  "    code: s3://xkit-artifacts/fn.zip", "    env:", f"      TARGET: ${{services.fn-numbr-{i}.arn}}"]
    spec = tmp_path / "refs.yaml"
    spec.write_text(make_spec(lines))
    result, cpu = timed(lambda: envspec("validate", spec, timeout=600))
    assert result.returncode == 1
    lines_out = result.stderr.splitlines()
    assert len(lines_out) == 52 and lines_out[-2:] == ["... and 2,950 more", "3,000 errors"]
    assert "unknown reference ${services.fn-numbr-0.arn} (did you mean 'services.fn-number-0'?)" in result.stderr
    assert cpu < 60, f"{cpu:.1f} s of CPU (unbounded did-you-mean: about 1,000 s)"


def timed(run: Callable[[], subprocess.CompletedProcess[str]]) -> tuple[subprocess.CompletedProcess[str], float]:
    """The result of `run` and the CPU seconds its child used (wall time means little on a busy machine)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return result, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.slow
def test_hundreds_of_thousands_of_unknown_keys_print_fifty_lines(tmp_path: Path) -> None:
    spec = tmp_path / "keys.yaml"
    spec.write_text(make_spec(["buckets:", "  b:"] + [f"    unknown_key_{i}: 1" for i in range(20_000)]))
    result = envspec("validate", spec, timeout=300)
    assert result.returncode == 1
    lines_out = result.stderr.splitlines()
    assert len(lines_out) == 52 and lines_out[-2:] == ["... and 19,950 more", "20,000 errors"]
    assert lines_out[0] == f"{spec}:9:5: buckets.b.unknown_key_0: unknown field"


def test_did_you_mean_is_bounded_and_still_finds_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import difflib

    from envspec.core.errors import MAX_CANDIDATES, did_you_mean

    compared = []
    ratio = difflib.SequenceMatcher.ratio
    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", lambda self: compared.append(1) or ratio(self))
    names = [f"services.fn-number-{i}" for i in range(5000)]
    hints = [did_you_mean(f"services.fn-numbr-{i}", names) for i in range(0, 5000, 250)]
    assert hints == [f"did you mean 'services.fn-number-{i}'?" for i in range(0, 5000, 250)]
    assert 0 < len(compared) <= 2 * 20 * MAX_CANDIDATES  # (difflib computes a match's ratio twice); unbounded: 20 * 5,000 and more
