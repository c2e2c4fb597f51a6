"""pytest fixtures for the real terraform: register with ``pytest_plugins = ["tests.realtf.fixtures"]``."""

from __future__ import annotations

import pytest

from tests.realtf import MissingTool, RealTerraform


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> RealTerraform:
    """The real terraform and provider of this session (or xdist worker), with its own CLI config and plugin
    cache; fails (never skips) saying what is missing."""
    try:
        return RealTerraform.find(tmp_path_factory.mktemp("realtf"))
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)
