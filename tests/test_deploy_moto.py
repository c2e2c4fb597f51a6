"""`envspec deploy` against the emulated AWS, with local hosts: zero downtime, measured.

No real hosts: each emulated instance of the ec2 service is mapped to one *local host*, a folder
of its own (releases, environment file) and a loopback port, reached with Ansible's local
connection. That mapping is an extra inventory given to the command (`envspec deploy -i FILE`),
with the inventory variables the ec2 role documents (defaults/main.yml): `ansible_connection`,
`ec2_release_root`, `ec2_env_dir`, `ec2_port`, `ec2_service_manager: command` with start and stop
commands. Everything else is the product's: the spec is compiled, bootstrap.yml and provision.yml
create the network, load balancer, target group and instances in the emulator, deploy.yml rolls
the release out and moves the instances out of and back into the emulated target group (whose
target health moves through `draining` and `initial` as AWS's does: tests/awsemu/moto_patches.py).

The release is a tarball in the emulator's S3 holding a small HTTP app that answers with its
version. A proxy in the test forwards each request to one of the targets the emulator currently
reports registered and healthy; clients send requests through it during the whole deploy; a
sampler records, every 50 ms, which hosts are registered-and-healthy and answering.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.awsemu.ansible import BIN_DIR, ansible_env
from tests.awsemu.moto import boto3_client
from tests.worlds import parse_environment_file

REPO = Path(__file__).resolve().parent.parent
APP, ENV, REGION, ACCOUNT = "zdt", "test", "us-east-1", "123456789012"  # moto's default account
AMI = "ami-03cf127a"  # one of the AMIs moto describes
RELEASES = "zdt-releases"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# The release: answers GET / with its version; GET /health fails (500) when the host's folder holds
# `unhealthy-VERSION` (how a test breaks one version on one host).
APP_PY = '''\
import os, signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
VERSION = open("VERSION").read().strip()
HOME = os.path.dirname(os.path.dirname(os.getcwd()))
class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        broken = self.path == "/health" and os.path.exists(os.path.join(HOME, "unhealthy-" + VERSION))
        body = (VERSION + "\\n").encode()
        self.send_response(500 if broken else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
server.serve_forever()
'''
START_SH = '''\
#!/bin/sh
# ec2_start_command of the local hosts: run the release in the background with its environment file
set -e
cd "$ENVSPEC_HOME/current"
set -a; . "$ENVSPEC_ENV_FILE"; set +a
nohup sh -c "exec $ENVSPEC_START" > "$ENVSPEC_HOME/app.log" 2>&1 < /dev/null &
echo $! > "$ENVSPEC_HOME/app.pid"
'''
STOP_SH = '''\
#!/bin/sh
# ec2_stop_command of the local hosts
pidfile="$ENVSPEC_HOME/app.pid"
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
kill "$pid" 2>/dev/null || true
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
rm -f "$pidfile"
'''


def spec_text(count: int, max_unavailable: int) -> str:
    return f"""\
envspec: 1
app: {APP}
environments:
  {ENV}: {{region: {REGION}, account_id: "{ACCOUNT}"}}
network:
  cidr: 10.40.0.0/16
  availability_zones: 2  # a public service's load balancer needs two zones
  nat_gateway: none
services:
  web:
    type: ec2
    ami: {AMI}
    instance_type: t3.micro
    count: {count}
    port: 8080
    public: true
    health_check: /health
    release:
      artifact: s3://{RELEASES}/web/{{version}}.tar.gz
      start: {sys.executable} app.py
    deploy:
      max_unavailable: {max_unavailable}
      keep_releases: 2
    env:
      STAGE: ${{env.name}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def release_tarball(version: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in (("app.py", APP_PY), ("VERSION", version + "\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@dataclass
class LocalHost:
    name: str        # the instance's Name tag: the inventory host name
    root: Path
    port: int
    service: str     # the ec2 service's base name, APP-ENV-NAME

    @property
    def home(self) -> Path:
        return self.root / "opt" / self.service

    def version(self) -> str | None:
        try:
            return get(f"http://127.0.0.1:{self.port}/", timeout=2)
        except OSError:
            return None

    def current(self) -> str:
        return os.readlink(self.home / "current").rsplit("/", 1)[-1]

    def environment(self) -> dict[str, str]:
        """The environment the running service was started with (Linux: /proc/PID/environ)."""
        pid = int((self.home / "app.pid").read_text())
        data = Path(f"/proc/{pid}/environ").read_bytes()
        return dict(item.split("=", 1) for item in data.decode().split("\0") if "=" in item)

    def stop(self) -> None:
        pidfile = self.home / "app.pid"
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass


def get(url: str, timeout: float) -> str:
    with _OPENER.open(url, timeout=timeout) as resp:
        return resp.read().decode().strip()


@dataclass
class Stand:
    """The emulated environment, the local hosts, and how to run `envspec deploy` on them."""

    aws: dict[str, str]  # the deploy's whole environment: the emulator's (and Terraform's) settings
    tmp: Path
    spec: Path
    hosts: list[LocalHost]
    inventory: Path
    app: str = APP

    def deploy(self, version: str) -> subprocess.CompletedProcess[str]:
        env = ansible_env(self.aws, self.tmp / "ansible-home")
        env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
        env["PATH"] = os.pathsep.join([str(BIN_DIR), env["PATH"]])
        log = self.tmp / f"deploy-{version}-{time.monotonic_ns()}.log"  # the output, while it runs too
        with open(log, "w") as out:
            done = subprocess.run(
                [sys.executable, "-m", "envspec", "deploy", ENV, str(self.spec), "--version", version,
                 "--out", str(self.tmp / "build"), "-i", str(self.inventory)],
                cwd=self.tmp, env=env, stdout=out, stderr=subprocess.PIPE, text=True, timeout=900, check=False,
            )
        return subprocess.CompletedProcess(done.args, done.returncode, log.read_text(), done.stderr)

    def target_group_arn(self) -> str:
        elbv2 = boto3_client("elbv2", self.aws)
        groups = elbv2.describe_target_groups(Names=[f"{self.app}-{ENV}-web"])["TargetGroups"]
        return str(groups[0]["TargetGroupArn"])

    def instance_hosts(self) -> dict[str, LocalHost]:
        """The emulated instances' ids -> the local host each stands for (by the Name tag)."""
        ec2 = boto3_client("ec2", self.aws)
        by_name = {h.name: h for h in self.hosts}
        found = {}
        for reservation in ec2.describe_instances()["Reservations"]:
            for inst in reservation["Instances"]:
                tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
                if inst["State"]["Name"] == "running" and tags.get("Name") in by_name:
                    found[inst["InstanceId"]] = by_name[tags["Name"]]
        assert len(found) == len(self.hosts), found
        return found


def make_stand(aws: dict[str, str], tmp: Path, text: str, count: int, app: str = APP) -> Stand:
    """The spec `text` (app `app`, whose ec2 service `web` has `count` hosts), its releases in S3, and
    the local hosts that stand in for the service's instances."""
    spec = tmp / f"{app}.yaml"
    spec.write_text(text)
    s3 = boto3_client("s3", aws)
    s3.create_bucket(Bucket=RELEASES)
    for version in ("1", "2", "3", "4"):
        s3.put_object(Bucket=RELEASES, Key=f"web/{version}.tar.gz", Body=release_tarball(version))
    for name, script in (("start.sh", START_SH), ("stop.sh", STOP_SH)):
        (tmp / name).write_text(script)
    service = f"{app}-{ENV}-web"
    hosts = [LocalHost(f"{service}-{i}", tmp / f"host{i}", free_port(), service) for i in range(1, count + 1)]
    inventory: dict[str, Any] = {
        "all": {
            # the target group lets in-flight requests finish for 1 s (30 in the generated default)
            "vars": {"ec2_deregistration_delay": 1},
            "hosts": {
                h.name: {
                    "ansible_connection": "local",
                    "ansible_become": False,
                    "ansible_python_interpreter": sys.executable,
                    "ec2_release_root": str(h.root / "opt"),
                    "ec2_env_dir": str(h.root / "etc"),
                    "ec2_port": h.port,
                    "ec2_service_manager": "command",
                    "ec2_start_command": f"sh {tmp / 'start.sh'}",
                    "ec2_stop_command": f"sh {tmp / 'stop.sh'}",
                    "ec2_health_check_retries": 4,
                    "ec2_health_check_delay": 1,
                }
                for h in hosts
            },
        }
    }
    path = tmp / "local-hosts.yml"
    path.write_text(json.dumps(inventory, indent=2))  # JSON is YAML
    return Stand(aws, tmp, spec, hosts, path, app)


@dataclass
class Sample:
    at: float
    serving: frozenset[str]    # hosts registered and healthy in the target group, and answering
    versions: dict[str, str | None]


@dataclass
class Traffic:
    """A proxy to the healthy targets, clients hammering it, and a sampler of the hosts' state."""

    stand: Stand
    samples: list[Sample] = field(default_factory=list)
    requests: list[tuple[float, bool, str]] = field(default_factory=list)   # (time, ok, answer or error)
    stop: threading.Event = field(default_factory=threading.Event)

    def healthy_hosts(self, elbv2: Any, arn: str, by_id: Mapping[str, LocalHost]) -> list[LocalHost]:
        health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        return [by_id[t["Target"]["Id"]] for t in health if t["TargetHealth"]["State"] == "healthy"]

    @staticmethod
    def _answering(host: LocalHost) -> bool:
        try:
            get(f"http://127.0.0.1:{host.port}/health", timeout=1)
            return True
        except (OSError, urllib.error.HTTPError):
            return False

    def run(self) -> Iterator[None]:
        elbv2 = boto3_client("elbv2", self.stand.aws)
        arn = self.stand.target_group_arn()
        by_id = self.stand.instance_hosts()
        turn = itertools.count()
        traffic = self

        class Proxy(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                healthy = traffic.healthy_hosts(elbv2, arn, by_id)
                if not healthy:
                    self.send_error(503, "no healthy target")
                    return
                host = healthy[next(turn) % len(healthy)]
                try:
                    body = get(f"http://127.0.0.1:{host.port}{self.path}", timeout=5).encode()
                except (OSError, urllib.error.HTTPError) as exc:
                    self.send_error(502, f"{host.name}: {exc}")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        url = f"http://127.0.0.1:{proxy.server_address[1]}/"

        def client() -> None:
            while not self.stop.is_set():
                try:
                    self.requests.append((time.monotonic(), True, get(url, timeout=10)))
                except (OSError, urllib.error.HTTPError) as exc:
                    self.requests.append((time.monotonic(), False, str(exc)))
                time.sleep(0.01)

        def sampler() -> None:
            while not self.stop.is_set():
                at = time.monotonic()
                healthy = {h.name for h in self.healthy_hosts(elbv2, arn, by_id)}
                versions = {h.name: h.version() for h in self.stand.hosts}
                serving = frozenset(n for n in healthy if versions[n] is not None)
                self.samples.append(Sample(at, serving, versions))
                time.sleep(0.05)

        server = threading.Thread(target=proxy.serve_forever, daemon=True)
        threads = [threading.Thread(target=client, daemon=True) for _ in range(2)]
        threads.append(threading.Thread(target=sampler, daemon=True))
        for thread in (server, *threads):
            thread.start()
        time.sleep(1.0)
        try:
            yield
        finally:
            time.sleep(1.0)
            # The clients stop first and finish the requests they have sent while the proxy still
            # serves: a request sent just before the proxy shut down was never accepted, and timed
            # out as if the deploy had dropped it.
            self.stop.set()
            for thread in threads:
                thread.join(timeout=15)
            proxy.shutdown()
            server.join(timeout=15)
            proxy.server_close()

    def failures(self) -> list[tuple[float, bool, str]]:
        return [r for r in self.requests if not r[1]]

    def out_of_service(self) -> dict[str, list[tuple[float, float]]]:
        """Per host, the intervals during which it was not serving (registered, healthy and answering)."""
        names = [h.name for h in self.stand.hosts]
        spans: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
        start: dict[str, float] = {}
        for sample in self.samples:
            for name in names:
                if name not in sample.serving and name not in start:
                    start[name] = sample.at
                elif name in sample.serving and name in start:
                    spans[name].append((start.pop(name), sample.at))
        for name, began in start.items():
            spans[name].append((began, self.samples[-1].at))
        return spans


def recap(output: str) -> dict[str, dict[str, int]]:
    """host -> counts, from every PLAY RECAP in the output (summed over the runs)."""
    totals: dict[str, dict[str, int]] = {}
    for match in re.finditer(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.MULTILINE):
        counts = totals.setdefault(match[1], {})
        for key, value in (kv.split("=") for kv in match[2].split()):
            counts[key] = counts.get(key, 0) + int(value)
    return totals


@pytest.fixture
def stop_hosts() -> Iterator[list[LocalHost]]:
    started: list[LocalHost] = []
    yield started
    for host in started:
        host.stop()


def stand_up(aws: dict[str, str], tmp: Path, count: int, max_unavailable: int, stop_hosts: list[LocalHost]) -> Stand:
    """The environment with version 1 on `count` hosts behind the load balancer."""
    stand = make_stand(aws, tmp, spec_text(count, max_unavailable), count)
    stop_hosts += stand.hosts
    first = stand.deploy("1")
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr
    assert [h.version() for h in stand.hosts] == ["1"] * count
    return stand


def roll(stand: Stand, previous: str, version: str, max_unavailable: int) -> None:
    """Deploy `version` over `previous` under traffic, `max_unavailable` hosts at a time (the spec
    says so), and measure it: no request fails, the batches go in host order, never more out."""
    count = len(stand.hosts)
    stand.spec.write_text(spec_text(count, max_unavailable))
    traffic = Traffic(stand)
    with contextmanager_of(traffic.run):
        started = time.monotonic()
        second = stand.deploy(version)
        ended = time.monotonic()
    assert second.returncode == 0, second.stdout[-6000:] + second.stderr
    assert f"envspec_max_unavailable={max_unavailable}" in second.stdout

    # no client request failed, and requests were served all through the deploy
    assert not traffic.failures(), traffic.failures()[:5]
    during = [r for r in traffic.requests if started <= r[0] <= ended]
    assert len(during) > 50, len(during)
    assert {r[2] for r in during} == {previous, version}, "both versions answered during the rollout"
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(during)]
    assert max(gaps) < 5, f"the clients waited {max(gaps):.1f}s for an answer"

    # at every moment at least count - max_unavailable hosts served, and at most max_unavailable did not
    samples = [s for s in traffic.samples if started <= s.at <= ended]
    assert samples
    assert min(len(s.serving) for s in samples) >= count - max_unavailable
    spans = traffic.out_of_service()
    assert all(len(spans[h.name]) == 1 for h in stand.hosts), spans  # each host left service exactly once
    most = max(sum(1 for h in stand.hosts if h.name not in s.serving) for s in samples)
    assert most == max_unavailable, f"at most {most} hosts were out at once; expected batches of {max_unavailable}"
    # the batches, in host order: a batch leaves only after the batch before it is back (the hosts
    # of one batch leave at about the same moment, in any order)
    names = sorted(h.name for h in stand.hosts)
    batches = [names[i : i + max_unavailable] for i in range(0, count, max_unavailable)]
    for earlier, later in itertools.pairwise(batches):
        back = max(spans[name][0][1] for name in earlier)
        gone = min(spans[name][0][0] for name in later)
        assert back <= gone, (earlier, later, spans)

    # every host ends on the new version, serving
    assert [h.version() for h in stand.hosts] == [version] * count
    assert [h.current() for h in stand.hosts] == [version] * count
    for host in stand.hosts:
        env_file = host.root / "etc" / f"{host.service}.env"
        assert env_file.stat().st_mode & 0o777 == 0o600
        assert f'PORT="{host.port}"' in env_file.read_text() and 'STAGE="test"' in env_file.read_text()
    final = traffic.samples[-1]
    assert final.serving == {h.name for h in stand.hosts}


def redeploy_changes_nothing(stand: Stand, version: str) -> None:
    """A second deploy of the same version: no task changed, no host left service."""
    traffic = Traffic(stand)
    with contextmanager_of(traffic.run):
        again = stand.deploy(version)
    assert again.returncode == 0, again.stdout[-6000:] + again.stderr
    changed = {host: c["changed"] for host, c in recap(again.stdout).items() if c.get("changed")}
    assert not changed, again.stdout[-6000:]
    assert not traffic.failures()
    assert all(s.serving == {h.name for h in stand.hosts} for s in traffic.samples)


class contextmanager_of:  # noqa: N801 - used like contextlib.contextmanager
    """`with contextmanager_of(gen_fn):` runs a one-yield generator function around the block."""

    def __init__(self, function: Any) -> None:
        self.gen = function()

    def __enter__(self) -> None:
        next(self.gen)

    def __exit__(self, *exc: object) -> None:
        try:
            next(self.gen)
        except StopIteration:
            pass


@pytest.mark.slow
def test_rolling_releases_without_downtime_and_a_failed_one_stops_the_rollout(
    aws: dict[str, str], tmp_path: Path, stop_hosts: list[LocalHost]
) -> None:
    """Three hosts behind the load balancer: version 2 two hosts at a time, the same again (nothing
    changes), version 3 one host at a time; then version 4, whose health check fails on the
    second host: the first runs 4, the second is rolled back to 3, the third is never touched."""
    stand = stand_up(aws, tmp_path, count=3, max_unavailable=2, stop_hosts=stop_hosts)
    roll(stand, "1", "2", max_unavailable=2)
    redeploy_changes_nothing(stand, "2")
    roll(stand, "2", "3", max_unavailable=1)

    (stand.hosts[1].home / "unhealthy-4").write_text("")
    traffic = Traffic(stand)
    with contextmanager_of(traffic.run):
        failed = stand.deploy("4")
    assert failed.returncode == 1, failed.stdout[-6000:] + failed.stderr
    second = stand.hosts[1].name
    assert f"step 5/5 'release' of {APP} failed" not in failed.stderr  # no terraform here: 3 steps
    assert f"'release' of {APP} failed" in failed.stderr
    assert f"on host {second}" in failed.stderr
    assert "Wait until the service answers its health check" in failed.stderr, failed.stderr
    assert f"answered HTTP 500 at http://127.0.0.1:{stand.hosts[1].port}/health" in failed.stderr
    assert "The host runs 3 again." in failed.stderr
    assert [h.version() for h in stand.hosts] == ["4", "3", "3"]
    assert [h.current() for h in stand.hosts] == ["4", "3", "3"]
    assert not traffic.failures(), traffic.failures()[:5]
    assert traffic.samples[-1].serving == {h.name for h in stand.hosts}, "all hosts answer, in the target group"
    # releases are pruned to keep_releases (2) on every host that released
    assert sorted(p.name for p in (stand.hosts[0].home / "releases").iterdir()) == ["3", "4"]
    assert sorted(p.name for p in (stand.hosts[2].home / "releases").iterdir()) == ["2", "3"]


# ---- a new account, both tools ----------------------------------------------------------------------

STAND_APP, STAND_ACCOUNT = "stand", "210987654321"
ARTIFACTS = "stand-artifacts"


def stand_spec() -> str:
    """Terraform owns the network, a database, a bucket and a Lambda; Ansible the ec2 service (no
    load balancer). Both services log in to the database the documented way."""
    return f"""\
envspec: 1
app: {STAND_APP}
environments:
  {ENV}: {{region: {REGION}, account_id: "{STAND_ACCOUNT}"}}
network:
  cidr: 10.50.0.0/16
  availability_zones: 2  # a database's subnet group needs two zones
  nat_gateway: none
  owner: terraform
buckets:
  uploads:
    owner: terraform
databases:
  main:
    owner: terraform
    engine: postgres
    version: "16.4"
    instance_class: db.t4g.micro
services:
  web:
    type: ec2
    ami: {AMI}
    instance_type: t3.micro
    count: 2
    port: 8080
    health_check: /health
    release:
      artifact: s3://{RELEASES}/web/{{version}}.tar.gz
      start: {sys.executable} app.py
    env:
      UPLOADS: ${{buckets.uploads.name}}
      DATABASE_URL: ${{databases.main.url_with_password}}
  worker:
    type: lambda
    owner: terraform
    runtime: python3.12
    handler: index.handler
    code: s3://{ARTIFACTS}/worker/{{version}}.zip
    schedule: rate(5 minutes)
    env:
      UPLOADS: ${{buckets.uploads.name}}
      DATABASE_PASSWORD_SECRET: ${{databases.main.password}}
  mailer:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://{ARTIFACTS}/mailer/{{version}}.zip
    schedule: rate(1 hour)
    env:
      WORKER: ${{services.worker.arn}}
  dashboard:
    type: beanstalk
    owner: terraform
    platform: "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"
    release:
      artifact: s3://{ARTIFACTS}/dashboard/{{version}}.zip
  admin:
    type: beanstalk
    platform: "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"
    release:
      artifact: s3://{ARTIFACTS}/admin/{{version}}.zip
    deploy:
      policy: immutable
"""


BEANSTALK_SERVICES = ("dashboard", "admin")  # owned by Terraform and by Ansible
LAMBDA_SERVICES = ("worker", "mailer")  # owned by Terraform and by Ansible


def sha256_b64(data: bytes) -> str:
    import base64
    import hashlib

    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def assert_lambda_released(env: dict[str, str], version: str, kept: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Each function's alias `live` points to a published version whose code is the zip of `version`; a
    published version holds the code of each version `kept` still; the schedule and the references invoke
    the alias. Returns each function's configuration as the alias runs it."""
    lam, events, iam = boto3_client("lambda", env), boto3_client("events", env), boto3_client("iam", env)
    running = {}
    for service in LAMBDA_SERVICES:
        name = f"{STAND_APP}-{ENV}-{service}"
        alias = lam.get_alias(FunctionName=name, Name="live")
        assert alias["FunctionVersion"].isdigit(), (service, alias)
        config = lam.get_function_configuration(FunctionName=name, Qualifier=alias["FunctionVersion"])
        assert config["CodeSha256"] == sha256_b64(lambda_zip(f"{service} {version}")), (service, version, config)
        published = {v["CodeSha256"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"] if v["Version"] != "$LATEST"}
        for old in kept:
            assert sha256_b64(lambda_zip(f"{service} {old}")) in published, (service, old, "the version before is gone")
        (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
        assert target["Arn"] == alias["AliasArn"] == f"{config['FunctionArn'].rsplit(':', 1)[0]}:live", (service, target)
        (statement,) = json.loads(lam.get_policy(FunctionName=name, Qualifier="live")["Policy"])["Statement"]
        assert statement["Resource"] == alias["AliasArn"], (service, statement)
        running[service] = config
    # a reference to a function is its alias, and the permission to invoke it names the alias
    worker_alias = lam.get_alias(FunctionName=f"{STAND_APP}-{ENV}-worker", Name="live")["AliasArn"]
    assert running["mailer"]["Environment"]["Variables"]["WORKER"] == worker_alias
    role = running["mailer"]["Role"].rsplit("/", 1)[1]
    statements = [
        st for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]
        for st in iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]["Statement"]
    ]
    assert any("lambda:InvokeFunction" in _listed(st["Action"]) and _listed(st["Resource"]) == [worker_alias] for st in statements)
    return running


def assert_beanstalk_released(env: dict[str, str], version: str, kept: tuple[str, ...]) -> None:
    """Each beanstalk environment runs application version `version`, made from its bundle; the
    versions `kept` are still there to go back to; the deployment policy is the one decided."""
    eb = boto3_client("elasticbeanstalk", env)
    for service in BEANSTALK_SERVICES:
        name = f"{STAND_APP}-{ENV}-{service}"
        (described,) = eb.describe_environments(ApplicationName=name, EnvironmentNames=[name])["Environments"]
        assert described["VersionLabel"] == version, (service, described)
        versions = eb.describe_application_versions(ApplicationName=name)["ApplicationVersions"]
        assert {v["VersionLabel"] for v in versions} >= {version, *kept}, (service, versions)
        bundle = next(v["SourceBundle"] for v in versions if v["VersionLabel"] == version)
        assert bundle == {"S3Bucket": ARTIFACTS, "S3Key": f"{service}/{version}.zip"}, (service, bundle)
        settings = eb.describe_configuration_settings(ApplicationName=name, EnvironmentName=name)
        options = {(o["Namespace"], o["OptionName"]): o.get("Value") for o in settings["ConfigurationSettings"][0]["OptionSettings"]}
        policy = "Immutable" if service == "admin" else "RollingWithAdditionalBatch"
        assert options[("aws:elasticbeanstalk:command", "DeploymentPolicy")] == policy, (service, options)


def lambda_zip(answer: str) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:  # a fixed date: the same answer is the same zip, byte for byte
        archive.writestr(zipfile.ZipInfo("index.py", date_time=(2020, 1, 1, 0, 0, 0)),
                         f"def handler(event, context):\n    return {answer!r}\n")
    return buf.getvalue()


def assert_services_can_log_in(env: dict[str, str], stand: Stand, tmp: Path) -> None:
    """The ec2 hosts' environment files (0600) hold a URL with the database's user and password
    (as RDS keeps them in its secret), its host, port and name; the Lambda holds the secret's ARN
    and may read it; neither the generated files nor Terraform's state hold the password."""
    import stat
    import urllib.parse

    rds, sm = boto3_client("rds", env), boto3_client("secretsmanager", env)
    (db,) = rds.describe_db_instances(DBInstanceIdentifier=f"{STAND_APP}-{ENV}-main")["DBInstances"]
    secret_arn = db["MasterUserSecret"]["SecretArn"]
    login = json.loads(sm.get_secret_value(SecretId=secret_arn)["SecretString"])
    assert login["username"] == "app" and login["password"]
    for host in stand.hosts:
        env_file = host.root / "etc" / f"{host.service}.env"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        values = parse_environment_file(env_file.read_text())
        url = urllib.parse.urlsplit(values["DATABASE_URL"])  # what a Postgres driver reads from it
        assert url.scheme == "postgres"
        assert urllib.parse.unquote(url.username or "") == login["username"]
        assert urllib.parse.unquote(url.password or "") == login["password"]
        assert (url.hostname, url.port, url.path) == (db["Endpoint"]["Address"], db["Endpoint"]["Port"], "/main")
        # the running service was started with it (its start script reads the file, as systemd does)
        assert host.environment()["DATABASE_URL"] == values["DATABASE_URL"]
    lam, iam = boto3_client("lambda", env), boto3_client("iam", env)
    function = lam.get_function(FunctionName=f"{STAND_APP}-{ENV}-worker")["Configuration"]
    assert function["Environment"]["Variables"]["DATABASE_PASSWORD_SECRET"] == secret_arn
    role = function["Role"].rsplit("/", 1)[1]
    statements = [
        st for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
        for st in iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]["Statement"]
    ]
    assert any("secretsmanager:GetSecretValue" in st["Action"] and secret_arn in _listed(st["Resource"]) for st in statements)
    state = boto3_client("s3", env).get_object(Bucket=f"{STAND_APP}-{STAND_ACCOUNT}-tfstate",
                                                Key=f"{STAND_APP}/{ENV}/terraform.tfstate")["Body"].read()
    generated = [p for p in (tmp / "build").rglob("*") if p.is_file() and ".terraform" not in p.parts]
    assert generated
    for where, data in [("terraform.tfstate", state), *((str(p), p.read_bytes()) for p in generated)]:
        assert login["password"].encode() not in data, f"{where} holds the database password"
        assert urllib.parse.quote(login["password"], safe="").encode() not in data, f"{where} holds the password"


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.slow
def test_stand_up_a_new_account_then_release_then_nothing_changes(
    aws: dict[str, str], tmp_path: Path, stop_hosts: list[LocalHost], terraform: Any
) -> None:
    from tests.realtf.emulated import terraform_env

    env = terraform.env(terraform_env(aws, STAND_ACCOUNT, REGION))  # credentials for the new, empty account
    # the emulator on 127.0.0.1:PORT has no BUCKET.HOST names: the state bucket path-style, through
    # Terraform's own TF_CLI_ARGS_init (envspec runs `terraform init` as generated)
    env["TF_CLI_ARGS_init"] = "-backend-config=use_path_style=true"
    s3 = boto3_client("s3", env)
    assert s3.list_buckets()["Buckets"] == [], "the account starts empty"
    s3.create_bucket(Bucket=ARTIFACTS)
    for service in (*BEANSTALK_SERVICES, *LAMBDA_SERVICES):
        for version in ("1", "2"):
            s3.put_object(Bucket=ARTIFACTS, Key=f"{service}/{version}.zip", Body=lambda_zip(f"{service} {version}"))
    stand = make_stand(env, tmp_path, stand_spec(), count=2, app=STAND_APP)
    stop_hosts += stand.hosts

    first = stand.deploy("1")
    assert first.returncode == 0, first.stdout[-8000:] + first.stderr
    # the state bucket came first, locked down, and holds the state
    state_bucket = f"{STAND_APP}-{STAND_ACCOUNT}-tfstate"
    assert s3.get_bucket_versioning(Bucket=state_bucket)["Status"] == "Enabled"
    assert s3.get_bucket_encryption(Bucket=state_bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    block = s3.get_public_access_block(Bucket=state_bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=state_bucket)["Policy"]
    assert s3.head_object(Bucket=state_bucket, Key=f"{STAND_APP}/{ENV}/terraform.tfstate")
    transfer = f"{STAND_APP}-{ENV}-{STAND_ACCOUNT}-ssm"
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=transfer)["Policy"]
    # Terraform created its part, Ansible its part, and the release runs on the hosts
    assert "Apply complete!" in first.stdout
    assert s3.head_bucket(Bucket=f"{STAND_APP}-{ENV}-uploads")
    lam = boto3_client("lambda", env)
    function = lam.get_function(FunctionName=f"{STAND_APP}-{ENV}-worker")["Configuration"]
    assert function["Environment"]["Variables"]["UPLOADS"] == f"{STAND_APP}-{ENV}-uploads"
    assert [h.version() for h in stand.hosts] == ["1", "1"]
    assert_beanstalk_released(env, "1", ())
    assert_lambda_released(env, "1", ())
    env_text = (stand.hosts[0].root / "etc" / f"{stand.hosts[0].service}.env").read_text()
    assert f'UPLOADS="{STAND_APP}-{ENV}-uploads"' in env_text
    assert_services_can_log_in(env, stand, tmp_path)

    # a release: version 2 on the hosts, the beanstalk environments and behind the functions' aliases
    second = stand.deploy("2")
    assert second.returncode == 0, second.stdout[-8000:] + second.stderr
    assert [h.version() for h in stand.hosts] == ["2", "2"]
    assert_beanstalk_released(env, "2", ("1",))
    assert_lambda_released(env, "2", ("1",))

    # the same command again: nothing changes (Terraform does not fight over the environment's
    # version label, Ansible's provision does not reset it)
    third = stand.deploy("2")
    assert third.returncode == 0, third.stdout[-8000:] + third.stderr
    assert "No changes." in third.stdout, third.stdout[-8000:]
    changed = {host: c["changed"] for host, c in recap(third.stdout).items() if c.get("changed")}
    assert not changed, third.stdout[-8000:]
    assert_beanstalk_released(env, "2", ("1",))
    assert_lambda_released(env, "2", ("1",))

    # a change of configuration (by Terraform for worker, by Ansible for mailer) reaches what the alias
    # runs: a version with the new variable and the released code
    changed_spec = stand_spec()
    for schedule in ("rate(5 minutes)", "rate(1 hour)"):  # worker's, mailer's
        changed_spec = changed_spec.replace(f"schedule: {schedule}\n    env:\n", f"schedule: {schedule}\n    env:\n      MODE: fast\n")
    assert changed_spec.count("MODE: fast") == 2
    stand.spec.write_text(changed_spec)
    fourth = stand.deploy("2")
    assert fourth.returncode == 0, fourth.stdout[-8000:] + fourth.stderr
    running = assert_lambda_released(env, "2", ("1",))
    assert {s: c["Environment"]["Variables"].get("MODE") for s, c in running.items()} == {"worker": "fast", "mailer": "fast"}


@pytest.mark.slow
def test_credentials_for_another_account_are_refused_before_anything_changes(aws: dict[str, str], tmp_path: Path) -> None:
    spec = tmp_path / "other.yaml"
    # Terraform owns the bucket: a state bucket would be the first thing a deploy creates
    spec.write_text(
        "envspec: 1\napp: other\nenvironments:\n  prod: {region: us-east-1, account_id: \"999999999999\"}\n"
        "buckets:\n  files: {owner: terraform}\n"
    )
    env = ansible_env(aws, tmp_path / "ansible-home")
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    done = subprocess.run(
        [sys.executable, "-m", "envspec", "deploy", "prod", str(spec), "--version", "1", "--out", str(tmp_path / "build")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr
    assert f"These AWS credentials are for account {ACCOUNT}, but environment prod lives in account 999999999999" in done.stdout
    assert "step 1/4 'bootstrap' of other failed" in done.stderr
    assert "steps not run: terraform init, terraform apply, release" in done.stderr
    assert boto3_client("s3", aws).list_buckets()["Buckets"] == []


@pytest.mark.slow
def test_a_missing_session_manager_plugin_is_named_before_any_host_is_touched(aws: dict[str, str], tmp_path: Path) -> None:
    """Hosts reached through Systems Manager need the Session Manager plugin on the deploying
    machine: without it on PATH the release stops in its first play, saying what to install."""
    spec = tmp_path / "ssm.yaml"
    spec.write_text(
        f"envspec: 1\napp: ssm\nenvironments:\n  {ENV}: {{region: {REGION}, account_id: \"{ACCOUNT}\"}}\n"
        "buckets:\n  files: {}\n"
    )
    inventory = tmp_path / "ssm-hosts.yml"  # what the aws_ec2 inventory gives on AWS: the SSM connection
    inventory.write_text(json.dumps({"all": {"hosts": {"ssm-test-web-1": {
        "ansible_connection": "amazon.aws.aws_ssm", "ansible_aws_ssm_instance_id": "i-0123456789abcdef0"}}}}))
    env = ansible_env(aws, tmp_path / "ansible-home")
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    env["PATH"] = os.pathsep.join([str(BIN_DIR), "/usr/bin", "/bin"])  # no session-manager-plugin
    done = subprocess.run(
        [sys.executable, "-m", "envspec", "deploy", ENV, str(spec), "--version", "1", "--out", str(tmp_path / "build"),
         "-i", str(inventory)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr
    assert "step 3/3 'release' of ssm failed" in done.stderr, done.stderr
    assert "Check that the Session Manager plugin is installed" in done.stderr
    assert "session-manager-plugin was not found on PATH" in done.stdout
    assert "ssm-test-web-1" in done.stdout
    assert "TASK [ec2 :" not in done.stdout  # no host was touched


# ---- both tools needing each other's components: rounds ----------------------------------------------

MID_APP, MID_ACCOUNT = "mid", "321098765432"


@pytest.mark.slow
def test_a_new_account_in_the_middle_of_a_migration_is_stood_up_in_rounds(
    aws: dict[str, str], tmp_path: Path, terraform: Any
) -> None:
    """Ansible owns the network, Terraform the database in it, Ansible the Lambda that logs in to
    the database: one `envspec deploy` runs Ansible for the network, Terraform, then Ansible again,
    in an empty account; the next deploy changes nothing."""
    from tests.realtf.emulated import terraform_env

    env = terraform.env(terraform_env(aws, MID_ACCOUNT, REGION))
    env["TF_CLI_ARGS_init"] = "-backend-config=use_path_style=true"
    env.update({k: v for k, v in ansible_env(env, tmp_path / "ansible-home").items() if k.startswith("ANSIBLE")})
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    env["PATH"] = os.pathsep.join([str(BIN_DIR), env["PATH"]])
    s3 = boto3_client("s3", env)
    assert s3.list_buckets()["Buckets"] == [], "the account starts empty"
    s3.create_bucket(Bucket=f"{MID_APP}-artifacts")
    s3.put_object(Bucket=f"{MID_APP}-artifacts", Key="worker.zip", Body=lambda_zip("one"))
    spec = tmp_path / f"{MID_APP}.yaml"
    spec.write_text(f"""\
envspec: 1
app: {MID_APP}
environments:
  {ENV}: {{region: {REGION}, account_id: "{MID_ACCOUNT}"}}
network:
  cidr: 10.60.0.0/16
  nat_gateway: none
databases:
  main:
    owner: terraform
    engine: postgres
    version: "16.4"
    instance_class: db.t4g.micro
services:
  worker:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://{MID_APP}-artifacts/worker.zip
    vpc: true
    env:
      DATABASE_PASSWORD_SECRET: ${{databases.main.password}}
""")

    def deploy() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "envspec", "deploy", ENV, str(spec), "--out", str(tmp_path / "build")],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False,
        )

    first = deploy()
    assert first.returncode == 0, first.stdout[-8000:] + first.stderr
    headers = re.findall(r"^==> \[\d+/\d+\] (.*)$", first.stdout, re.M)
    order = [h for h in headers if "provision" in h or "terraform apply" in h]
    assert order == [f"{MID_APP}: provision (round 1 of 3)", f"{MID_APP}: terraform apply (round 2 of 3)",
                     f"{MID_APP}: provision (round 3 of 3)"], headers
    rds, lam = boto3_client("rds", env), boto3_client("lambda", env)
    (db,) = rds.describe_db_instances(DBInstanceIdentifier=f"{MID_APP}-{ENV}-main")["DBInstances"]
    function = lam.get_function(FunctionName=f"{MID_APP}-{ENV}-worker")["Configuration"]
    assert function["Environment"]["Variables"]["DATABASE_PASSWORD_SECRET"] == db["MasterUserSecret"]["SecretArn"]
    db_subnets = {subnet["SubnetIdentifier"] for subnet in db["DBSubnetGroup"]["Subnets"]}
    assert set(function["VpcConfig"]["SubnetIds"]) == db_subnets  # the network Ansible made first

    again = deploy()
    assert again.returncode == 0, again.stdout[-8000:] + again.stderr
    assert "No changes." in again.stdout, again.stdout[-8000:]
    changed = {host: c["changed"] for host, c in recap(again.stdout).items() if c.get("changed")}
    assert not changed, again.stdout[-8000:]
