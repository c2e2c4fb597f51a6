"""Shared pytest configuration."""

from __future__ import annotations

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


# Worlds built once per worker (session fixtures that provision for minutes): every test that reads one is
# in its xdist group, so that `--dist loadgroup` (make test) sends them all to the worker that builds it,
# instead of building it on both.
WORLD_GROUPS = {"journey": "contract-journey"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "terraform" in fixtures:
            item.add_marker(REAL_PROVIDER)
        for world, group in WORLD_GROUPS.items():
            if world in fixtures:
                item.add_marker(pytest.mark.xdist_group(group))

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
