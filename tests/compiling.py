"""A spec's text through the real pipeline, for the property tests (tests/test_fuzz_compile.py,
tests/test_secret_leaks.py): parse, resolve, build with every installed backend."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import assume

from envspec.core import backend as plugins
from envspec.core.compiler import build
from envspec.core.resolve import resolve
from envspec.core.resolved import ResolvedApp
from envspec.core.source import parse
from tests.strategies import PATH

BACKENDS = plugins.load()
assert sorted(b.name for b in BACKENDS) == ["ansible", "terraform"]


def compile_text(text: str, *, skip_known_bugs: bool = True) -> tuple[list[ResolvedApp], dict[PurePosixPath, str]]:
    apps = resolve([parse(text, PATH)])
    if skip_known_bugs:
        assume(not known_bug(apps))
    return apps, build(apps, BACKENDS)


# ---- known bugs ---------------------------------------------------------------------------------
# Inputs that hit a bug already found and pinned by a dedicated test (which fails until it is
# fixed) are set aside here, so that the fuzzing keeps looking for new ones. Remove an entry when
# its test passes.


def known_bug(apps: list[ResolvedApp]) -> str | None:
    """The test that pins the bug `apps` would hit, or None. (No open bug is set aside now.)"""
    return None
