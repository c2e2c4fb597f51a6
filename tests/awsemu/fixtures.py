"""pytest fixtures for the emulated AWS, registered once for the whole suite in tests/conftest.py.

One patched moto server per session: under pytest-xdist every worker is its own session, so each
worker starts one server, and every test module of that worker shares it (`aws` empties it first).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.awsemu.moto import DEFAULT_REGION, MotoServer, aws_env, start_moto


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """The moto server of this session (or xdist worker) on loopback: moto_patches.py and moto_extensions.py
    applied, describing the AMIs every spec of examples/ and specs/ launches."""
    from tests.worlds import SPEC_AMIS

    server: MotoServer = start_moto(amis=SPEC_AMIS, log_dir=tmp_path_factory.mktemp("moto"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer) -> Iterator[dict[str, str]]:
    """An emptied emulator and the full process environment pointing at it (region us-east-1)."""
    yield aws_env(moto_server.fresh(), DEFAULT_REGION)
