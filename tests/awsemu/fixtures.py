"""pytest fixtures for the emulated AWS. Register with ``pytest_plugins = ["tests.awsemu.fixtures"]``.

Under pytest-xdist every worker is its own session, so every worker starts its own server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.awsemu.moto import DEFAULT_REGION, MotoServer, aws_env, reset, start_moto


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The endpoint URL (``http://127.0.0.1:PORT``) of a moto server started for this session (or xdist worker)."""
    server: MotoServer = start_moto(log_dir=tmp_path_factory.mktemp("moto"))
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: str) -> Iterator[dict[str, str]]:
    """An emptied emulator and the full process environment pointing at it (region us-east-1)."""
    reset(moto_server)
    yield aws_env(moto_server, DEFAULT_REGION)
