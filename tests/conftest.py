"""Shared pytest configuration."""

from __future__ import annotations

from typing import Any

import pytest

# The emulated AWS (`moto_server`, `aws`: one patched moto server per worker, shared by every module) and
# the real terraform (`terraform`), for the whole suite. No test module registers plugins or imports
# another test module's fixtures: shared helpers live in tests/*.py modules that are not test modules.
# `journey`: the contract spec moved between the tools, built once per worker (tests/contract_journey.py).
pytest_plugins = ["tests.awsemu.fixtures", "tests.realtf.fixtures", "tests.contract_journey"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden trees under tests/golden/ from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was started with `--update-golden`."""
    return bool(request.config.getoption("--update-golden"))


# ---- the real-provider count ------------------------------------------------------------------------
# A test that asks for the `terraform` fixture (tests/realtf: the real terraform binary and the real
# hashicorp/aws provider) is a real-provider test; the end of every run says how many ran and passed.
REAL_PROVIDER = "real_provider"


# The files whose tests take minutes, longest first (measured: `make test` with --durations). The run
# starts with them, so that no long test starts last while the other worker has nothing left to do;
# a file's tests stay together (its module fixtures are set up once per worker).
LONGEST_FIRST = (
    "test_deploy_moto.py", "test_coexistence.py", "test_real_apply.py", "test_ansible_moto.py",
    "test_migrate_e2e.py", "test_conformance.py",
)


# Worlds built once per worker (session fixtures that provision for minutes), and the test modules that
# read them. `make test` runs `--dist loadgroup`, with the scheduler below: the tests of a world's modules
# are one unit of work, sent to one worker (which builds the world once); every other test is a unit of
# its own, the largest units first. (pytest-xdist's own loadgroup reads `xdist_group` marks by renaming
# each item's node id, which pytest 9.2 no longer reads: its groups would silently be ignored.)
WORLD_MODULES = {"journey": ("test_coexistence.py", "test_conformance.py")}


def world_of(nodeid: str) -> str | None:
    """The world whose modules hold the test `nodeid`, if any."""
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return next((world for world, modules in WORLD_MODULES.items() if module in modules), None)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorldScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            world = world_of(nodeid)
            return f"world:{world}" if world else nodeid

    return WorldScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "terraform" in getattr(item, "fixturenames", ()):
            item.add_marker(REAL_PROVIDER)

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file, and of the other files, is kept


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    outcome: dict[str, str] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if not isinstance(report, pytest.TestReport) or REAL_PROVIDER not in report.keywords:
                continue
            worst = outcome.get(report.nodeid, "passed")
            if report.failed:
                worst = "failed"
            elif report.skipped and worst == "passed":
                worst = "skipped"
            outcome[report.nodeid] = worst
    counts = {k: sum(1 for v in outcome.values() if v == k) for k in ("passed", "failed", "skipped")}
    terminalreporter.write_sep(
        "-",
        f"real terraform + real AWS provider: {len(outcome)} tests ran, {counts['passed']} passed, "
        f"{counts['failed']} failed, {counts['skipped']} skipped",
    )
