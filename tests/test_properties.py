"""Property tests: generated valid specs of every kind validate; mutated ones fail cleanly.

"Cleanly" means: success, or a SpecError whose every diagnostic names the file and a real line
and column. Never another exception.

The default profile keeps the example counts modest; `HYPOTHESIS_PROFILE=ci` runs many more.
No example database is written (the checkout stays clean). The strategies live in
tests/strategies.py, shared with tests/test_fuzz_compile.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given

from envspec.core.errors import SpecError
from envspec.core.resolve import resolve
from envspec.core.source import parse
from tests.strategies import PATH, PROFILE, dump, garbled, mutated, specs


def check(text: str) -> None:
    """Resolve `text`; anything but success or a positioned SpecError fails the test."""
    # lines as YAML (and envspec's positions) count them: LF, CR, CRLF, NEL, LS and PS all end a line
    line_count = len(text.splitlines()) + 2
    try:
        document = parse(text, PATH)
        resolve([document])
    except SpecError as exc:
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert d.file == PATH
            assert 1 <= d.line <= line_count, d
            assert d.col >= 1, d
            assert d.message
            assert "Traceback" not in str(d)


@PROFILE
@given(specs())
def test_generated_specs_validate(spec: dict[str, Any]) -> None:
    [app] = resolve([parse(dump(spec), PATH)])
    assert list(app.environments) == list(spec["environments"])
    for env in app.environments.values():
        expected = ({"network"} if "network" in spec else set()) | {
            f"{section}.{name}" for section in ("secrets", "buckets", "databases", "caches", "queues", "services")
            for name in spec.get(section, {})
        }
        assert set(env.components) == expected
        for component in env.components.values():
            assert component.owner in ("ansible", "terraform")
            for reference in component.references:
                assert reference.address in env.components


@PROFILE
@given(mutated())
def test_mutated_specs_fail_cleanly(spec: Any) -> None:
    check(dump(spec))


@PROFILE
@given(garbled())
def test_garbage_text_fails_cleanly(text: str) -> None:
    check(text)
