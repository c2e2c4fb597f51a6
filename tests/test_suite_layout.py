"""The suite's own layout (issue 18): what keeps `make test` inside CI's time.

* No test module imports another test module: shared helpers live in modules that are not collected
  (tests/worlds.py, tests/terraform_trees.py, ...), so importing one never re-registers a module's
  fixtures (a session fixture imported into a second module is a second session fixture: a second
  emulator, a second world).
* Only tests/conftest.py registers plugins (`pytest_plugins`): one emulator per worker, one journey.
* Every test that reads a world built once per worker is in that world's xdist group.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def registers_plugins(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return any(
        isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets)
        for node in tree.body
    )


def test_no_test_module_imports_another() -> None:
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.split(".")[:2][-1].startswith("test_"))
        for path in sorted(TESTS.rglob("*.py"))
        if "golden" not in path.parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_conftest_registers_plugins() -> None:
    registering = [p.relative_to(TESTS).as_posix() for p in sorted(TESTS.rglob("*.py")) if "golden" not in p.parts and registers_plugins(p)]
    assert registering == ["conftest.py"]


def test_the_checks_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "test_bad.py"
    bad.write_text("from tests.test_ansible_moto import CASES\npytest_plugins = ['x']\n")
    assert "tests.test_ansible_moto" in imported_modules(bad) and registers_plugins(bad)


def test_tests_that_read_a_world_are_in_its_modules(request: pytest.FixtureRequest) -> None:
    """A test that reads a world must be in one of the modules scheduled with it (tests/conftest.py)."""
    from tests.conftest import WORLD_MODULES, world_of

    for item in request.session.items:
        for world in set(WORLD_MODULES) & set(getattr(item, "fixturenames", ())):
            assert world_of(item.nodeid) == world, f"{item.nodeid} reads {world}: add its module to WORLD_MODULES"


def test_the_scheduler_keeps_a_world_together() -> None:
    from tests.conftest import world_of

    assert world_of("tests/test_coexistence.py::test_no_password_in_any_plan") == "journey"
    assert world_of("tests/test_conformance.py::test_both_backends_create_the_same_identities[bucket]") == "journey"
    assert world_of("tests/test_ansible_moto.py::test_provision_twice_then_read_back[xkit-staging]") is None
