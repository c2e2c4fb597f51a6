"""pytest fixtures for the emulated AWS. Register with ``pytest_plugins = ["tests.awsemu.fixtures"]``.

Under pytest-xdist every worker is its own session, so every worker starts its own server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.awsemu.moto import DEFAULT_REGION, MotoServer, aws_env, start_moto


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A moto server on loopback started for this session (or xdist worker)."""
    server: MotoServer = start_moto(log_dir=tmp_path_factory.mktemp("moto"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer) -> Iterator[dict[str, str]]:
    """An emptied emulator and the full process environment pointing at it (region us-east-1)."""
    yield aws_env(moto_server.fresh(), DEFAULT_REGION)
