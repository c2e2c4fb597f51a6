"""Start, reset and stop a local ``moto_server``, and build the environment that points AWS clients at it.

Every endpoint handed out here is checked to be on loopback; code that builds AWS
environments must go through :func:`aws_env` so a test can never reach real AWS.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import signal
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.awsemu.moto_patches import AMIS_VARIABLE

DEFAULT_REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"

# Variables that could send a client elsewhere than the emulator, or make it use other credentials.
_AWS_ENV_DROP = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CA_BUNDLE",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_URL",
    "EC2_URL",
    "S3_URL",
    "EC2_ACCESS_KEY",
    "EC2_SECRET_KEY",
    "EC2_SECURITY_TOKEN",
    "EC2_REGION",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
)
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
# The emulator is plain HTTP on loopback; never let a proxy variable route it elsewhere.
_NO_PROXY = "127.0.0.1,localhost,::1"
# urllib without any proxy, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NotLoopbackError(RuntimeError):
    """Raised when an endpoint would send AWS traffic off this machine."""


def require_loopback(endpoint: str) -> str:
    """Return ``endpoint`` unchanged if it is an http(s) URL on loopback; raise :class:`NotLoopbackError` otherwise."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or not host:
        raise NotLoopbackError(f"not an http(s) endpoint URL: {endpoint!r}")
    if host.lower() in _LOOPBACK_NAMES:
        return endpoint
    try:
        is_loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        is_loopback = False
    if not is_loopback:
        raise NotLoopbackError(f"refusing to use a non-loopback AWS endpoint: {endpoint!r}")
    return endpoint


def aws_env(
    endpoint: str,
    region: str = DEFAULT_REGION,
    *,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A full process environment (``base`` or ``os.environ``) whose AWS settings all point at ``endpoint``.

    Sets the endpoint, fake credentials and region; removes profiles, tokens, role and legacy
    ``EC2_*``/``AWS_URL`` variables; hides ``~/.aws`` files; disables the instance metadata service
    (which would otherwise be probed on 169.254.169.254) and keeps proxies away from loopback.
    """
    require_loopback(endpoint)
    env = dict(os.environ if base is None else base)
    for name in _AWS_ENV_DROP:
        env.pop(name, None)
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_MAX_ATTEMPTS": "2",
            "AWS_RETRY_MODE": "standard",
            "NO_PROXY": _NO_PROXY,
            "no_proxy": _NO_PROXY,
        }
    )
    return env


def moto_server_executable() -> Path:
    """The ``moto_server`` script installed next to the running interpreter."""
    return Path(sys.executable).parent / "moto_server"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(method: str, url: str, timeout: float) -> bytes:
    require_loopback(url)
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with _OPENER.open(req, timeout=timeout) as resp:
        return bytes(resp.read())


@dataclass
class MotoServer:
    """A running ``moto_server`` process on loopback."""

    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _owned_log_dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _command: Callable[[int], list[str]] | None = field(default=None, repr=False)
    _amis: tuple[str, ...] = field(default=(), repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def reset(self) -> None:
        reset(self.endpoint)

    def fresh(self, timeout: float = 60.0) -> str:
        """Empty the emulator and return its endpoint; a server that does not answer is replaced.

        A wedged server (seen once under CI load: ``/moto-api/reset`` never answered) must not fail the
        test that merely comes next on the same worker. Its thread stacks are dumped into its log first
        (``moto_patches`` registers faulthandler on SIGUSR1) and reported as a warning with the log's tail.
        """
        try:
            reset(self.endpoint, timeout=timeout)
            return self.endpoint
        except (urllib.error.URLError, OSError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGUSR1)
            time.sleep(1.0)
        tail = self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""
        _terminate(self.process)
        replacement = start_moto(amis=self._amis, log_dir=self.log_path.parent, command=self._command)
        self.endpoint, self.process = replacement.endpoint, replacement.process
        warnings.warn(f"moto_server did not reset ({problem}); started a new one. Log tail:\n{tail}", stacklevel=2)
        return self.endpoint

    def env(self, region: str = DEFAULT_REGION) -> dict[str, str]:
        return aws_env(self.endpoint, region)

    def stop(self) -> None:
        stop_moto(self)

    def __enter__(self) -> MotoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _server_command(port: int, patched: bool) -> list[str]:
    if not patched:
        exe = moto_server_executable()
        if not exe.exists():
            raise FileNotFoundError(f"moto_server not found next to {sys.executable}; install 'moto[server]'")
        return [str(exe), "-H", "127.0.0.1", "-p", str(port)]
    # run_path, not `python moto_patches.py`: the script's folder holds this module, which would shadow moto
    script = Path(__file__).with_name("moto_patches.py")
    code = f"import runpy, sys; sys.argv[0] = {str(script)!r}; runpy.run_path(sys.argv[0], run_name='__main__')"
    return [sys.executable, "-c", code, "-H", "127.0.0.1", "-p", str(port)]


def start_moto(
    *,
    patched: bool = True,
    amis: Sequence[str] = (),
    log_dir: Path | None = None,
    startup_timeout: float = 30.0,
    attempts: int = 3,
    command: Callable[[int], list[str]] | None = None,
) -> MotoServer:
    """Start a moto server on 127.0.0.1 and a free port, wait until it answers, and return it.

    ``patched=True`` runs moto with the fixes in ``moto_patches.py`` (where moto's answers differ from
    AWS in ways that make amazon.aws modules fail or never settle) and the additions of
    ``moto_extensions.py`` (Elastic Beanstalk, certificates imported under a given ARN, and ``amis``:
    images it describes besides its own); ``patched=False`` runs the venv's plain ``moto_server``. ``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` so AWS managed policies exist.
    The server's output goes to ``moto_server.log`` in ``log_dir`` (a temporary directory if not given),
    which is also its working directory. A port taken between choosing and binding it is retried.
    ``command(port)``, if given, replaces the command line (a launcher with more patches, say).
    """
    owned = None
    if log_dir is None:
        owned = tempfile.TemporaryDirectory(prefix="moto-")
        log_dir = Path(owned.name)
    log_path = Path(log_dir) / "moto_server.log"
    env = aws_env("http://127.0.0.1", DEFAULT_REGION)
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    env[AMIS_VARIABLE] = ",".join(amis)
    last_error = "no attempt made"
    for _ in range(attempts):
        port = _free_port()
        endpoint = f"http://127.0.0.1:{port}"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                command(port) if command is not None else _server_command(port, patched),
                cwd=log_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                last_error = f"moto_server exited with {proc.returncode} (port {port})"
                break
            try:
                _request("GET", f"{endpoint}/moto-api/", timeout=2)
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
                continue
            return MotoServer(endpoint, proc, log_path, owned, command, tuple(amis))
        else:
            last_error = f"moto_server did not answer within {startup_timeout}s (port {port})"
            _terminate(proc)
    tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
    if owned is not None:
        owned.cleanup()
    raise RuntimeError(f"could not start moto_server: {last_error}\n{tail}")


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def stop_moto(server: MotoServer) -> None:
    """Stop the server by its pid (terminate, then kill) and remove its temporary log directory."""
    _terminate(server.process)
    if server._owned_log_dir is not None:
        server._owned_log_dir.cleanup()
        server._owned_log_dir = None


def reset(endpoint: str, timeout: float = 30.0) -> None:
    """Clear every emulated resource (``POST /moto-api/reset``)."""
    _request("POST", f"{require_loopback(endpoint).rstrip('/')}/moto-api/reset", timeout=timeout)


def boto3_client(service: str, env: Mapping[str, str]) -> Any:
    """A boto3 client for ``service`` configured only from ``env`` (an :func:`aws_env` dict), never from ``~/.aws``."""
    import boto3  # imported here so the harness imports without boto3

    endpoint = require_loopback(env["AWS_ENDPOINT_URL"])
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        region_name=env["AWS_DEFAULT_REGION"],
    )
    return session.client(service, endpoint_url=endpoint)


def in_account(aws: Mapping[str, str], account: str, region: str) -> dict[str, str]:
    """The emulator's environment (``aws``, an :func:`aws_env` dict) with credentials for ``account``
    (moto's STS: an assumed role's keys belong to that account) and ``region``."""
    sts = boto3_client("sts", aws)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/envspec-test", RoleSessionName="envspec-test")
    env = aws_env(aws["AWS_ENDPOINT_URL"], region, base=aws)
    env.update(
        AWS_ACCESS_KEY_ID=creds["Credentials"]["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=creds["Credentials"]["SecretAccessKey"],
        AWS_SESSION_TOKEN=creds["Credentials"]["SessionToken"],
    )
    return env
