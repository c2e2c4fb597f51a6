"""The bad-input corpus: every file under tests/bad/ starts with the diagnostics it must produce.

Each `# expect: FILE:LINE:COL: ADDRESS: MESSAGE (HINT)` line is one diagnostic, exactly as the CLI
prints it, in the order it prints them (paths relative to tests/). Each case runs twice: through
the core (load + resolve) and through the real command line in a subprocess (exit status 1, the
same lines on stderr followed by the count, never a traceback).

To add a case: write the spec under tests/bad/ with its `# expect:` lines first (remember they
shift the line numbers of what follows).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from envspec.core.errors import SpecError
from envspec.core.resolve import resolve
from envspec.core.source import load

TESTS = Path(__file__).resolve().parent
CASES = sorted((TESTS / "bad").glob("*.yaml"))
PREFIX = b"# expect: "


def expected(path: Path) -> list[str]:
    lines = []
    for raw in path.read_bytes().split(b"\n"):
        if not raw.startswith(PREFIX):
            break
        lines.append(raw[len(PREFIX):].decode("utf-8"))
    return lines


def test_the_corpus_is_large_and_every_case_states_its_expectations() -> None:
    assert len(CASES) >= 40
    for path in CASES:
        assert expected(path), f"{path.name} has no leading '# expect:' lines"
        for line in expected(path):
            assert line.startswith(f"bad/{path.name}:"), f"{path.name}: {line}"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_core_reports_exactly_the_expected_diagnostics(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TESTS)
    with pytest.raises(SpecError) as caught:
        resolve(load([f"bad/{path.name}"]))
    assert [str(d) for d in caught.value.diagnostics] == expected(path)
    for diagnostic in caught.value.diagnostics:
        assert diagnostic.line >= 1 and diagnostic.col >= 1


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_cli_exits_1_with_the_expected_lines_and_no_traceback(path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "envspec", "validate", f"bad/{path.name}"],
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    count = len(expected(path))
    assert lines == [*expected(path), f"{count} error{'s' if count != 1 else ''}"]
    assert done.stdout == ""
