"""`envspec deploy ENV`: the tools' commands, in order, for each app, and running them.

The plan is data (`plan` returns `Step`s), so `--dry-run` prints exactly what a deploy runs. For
each app that has the environment, after compiling it into the output folder:

1. `bootstrap.yml`: refuses credentials for another account before anything changes, then
   creates the Terraform state bucket (when Terraform owns anything in the environment) and the
   transfer bucket of the Systems Manager connection (when there are ec2 instances);
2. `terraform init` and `terraform apply` of the environment's root (when Terraform owns anything);
3. `provision.yml` (when Ansible owns anything); before step 2 when only Terraform-owned
   components need Ansible-owned ones, and in alternating rounds when the needs cross both ways
   (`tool_rounds`);
4. `deploy.yml` with the version (when one is given): ec2 hosts `max_unavailable` at a time, lambda
   code updates, beanstalk versions.

Each step's output streams under a header; the first failure stops the deploy and is reported by
step (and, for an Ansible step, by host and message). Tools come from PATH; what is missing is
reported before anything runs. This module runs processes: only the CLI calls it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from envspec.core.backend import Command, Deployer, DeployRequest
from envspec.core.errors import EnvspecError, UsageError
from envspec.core.ir import ResourceGraph
from envspec.core.kinds import SERVICE_KINDS

if TYPE_CHECKING:
    from envspec.core.project import Project

# A version to release: what deploy.yml accepts (it checks the same).
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}")
# Seconds a tool gets to stop after Ctrl-C or SIGTERM before it is killed.
STOP_GRACE = 30.0

_TASK = re.compile(r"^TASK \[(?P<task>.*)\] \**$")
_FAILED = re.compile(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\](?:: FAILED!)? => (?P<result>\{.*)$")
_RECAP = re.compile(r"^PLAY RECAP \**$")


class DeployError(EnvspecError):
    """A step of the deploy failed; what ran before it stays done."""


@dataclass(frozen=True)
class Step:
    """One command of a deploy."""

    app: str
    name: str                  # bootstrap, terraform init, terraform apply, provision, release
    argv: tuple[str, ...]
    cwd: Path
    checks_account: bool = False  # the account check: every app's runs before any other step
    install_hint: str = "install it"  # how to get argv[0], for the message that says it is missing

    def shell(self) -> str:
        """The command as a person would type it, from the current folder."""
        command = shlex.join(self.argv)
        return command if self.cwd == Path(".") else f"(cd {shlex.quote(str(self.cwd))} && {command})"


@dataclass
class Failure:
    """What an Ansible run's output says failed: the last failed task per host, with its message."""

    task: str = ""
    hosts: dict[str, tuple[str, str]] = field(default_factory=dict)  # host -> (task, message)

    def read(self, line: str) -> None:
        if match := _TASK.match(line):
            self.task = match["task"]
        elif match := _FAILED.match(line):
            try:
                message = str(json.loads(match["result"]).get("msg", ""))
            except (json.JSONDecodeError, AttributeError):
                message = ""
            self.hosts[match["host"]] = (self.task, " ".join(message.split()))

    def describe(self) -> str:
        return "; ".join(
            f"on host {host}, task '{task}'" + (f": {message}" if message else "")
            for host, (task, message) in self.hosts.items()
        )


def plan(
    graph: ResourceGraph,
    app_dir: Path,
    *,
    version: str | None,
    only: str | None = None,
    inventories: Sequence[Path] = (),
) -> list[Step]:
    """The commands that deploy one app's environment, in order; `app_dir` is OUT/APP."""
    if only is not None:
        try:
            node = graph.node(only)
        except KeyError:
            services = [n.address for n in graph.nodes if n.kind in SERVICE_KINDS]
            from envspec.core.errors import did_you_mean

            hint = did_you_mean(only, services)
            raise UsageError(
                f"--only {only}: no such service in {graph.app} ({graph.env})" + (f" ({hint})" if hint else "")
                + (f"; services: {', '.join(services)}" if services else "; it has no services")
            ) from None
        if node.kind not in SERVICE_KINDS:
            raise UsageError(f"--only {only}: a release is of a service, and {only} is a {node.kind}")
    request = DeployRequest(version, only, tuple(inventories))
    tools = _deployers(graph)

    def steps_of(owner: str, commands: list[Command], label: str = "") -> list[Step]:
        hint = tools[owner].install_hint
        return [Step(graph.app, c.name + label, c.argv, c.cwd, c.checks_account, hint) for c in commands]

    steps: list[Step] = []
    for owner in tools:
        steps += steps_of(owner, tools[owner].prepare(graph, app_dir, request))
    steps = accounts_first(steps)  # the account check (which also makes the state bucket) first
    rounds = tool_rounds(graph)
    for number, (owner, addresses) in enumerate(rounds, 1):
        final = all(o != owner for o, _ in rounds[number:])  # the tool's last round: everything it owns
        label = f" (round {number} of {len(rounds)})" if len(rounds) > 2 else ""
        steps += steps_of(owner, tools[owner].provision(graph, app_dir, request, None if final else addresses), label)
    for owner in tools:
        steps += steps_of(owner, tools[owner].release(graph, app_dir, request))
    return steps


def _deployers(graph: ResourceGraph) -> dict[str, Deployer]:
    """The installed backends that deploy, by owner; a usage error when an owner of the graph has none."""
    from envspec.core.backend import deployers

    found = deployers()
    missing = sorted({n.owner for n in graph.nodes} - set(found))
    if missing:
        raise UsageError(f"{graph.app} ({graph.env}): components are owned by {', '.join(missing)}, "
                         "and no installed backend deploys with it")
    return found


def plan_environment(project: Project, env: str, out_dir: Path, *, version: str | None, only: str | None = None,
                     inventories: Sequence[Path] = ()) -> list[Step]:
    """The commands that deploy `env` of every app that has it, each app's from its own folder OUT/APP,
    the steps that check each account's credentials first (wrong credentials change nothing)."""
    steps: list[Step] = []
    for graph in project.graphs(env):
        steps += plan(graph, out_dir / graph.app, version=version, only=only, inventories=inventories)
    return accounts_first(steps)


def tool_rounds(graph: ResourceGraph) -> list[tuple[str, tuple[str, ...]]]:
    """The order the tools run in, so that each finds what it needs from the other already made,
    in a new account too: (tool, the components it provisions in that round, with those of its
    earlier rounds). The tools alternate; a component goes into the first round of its tool after
    the rounds of what it needs from the other tool. Usually that is one round each: Terraform
    first when Ansible-owned components need Terraform-owned ones (or nothing crosses), Ansible
    first when only the other way round. When the needs cross in both directions (in the middle of
    a migration) there are more; each tool's last round covers everything it owns."""
    tools = {n.address: n.owner for n in graph.nodes}

    def schedule(first: str) -> dict[str, int]:
        round_of: dict[str, int] = {}
        for node in graph.nodes:  # in dependency order
            at = 0
            for dep in node.depends_on:
                if dep in round_of:
                    at = max(at, round_of[dep] + (tools[dep] != node.owner))
            if (at % 2 == 0) != (node.owner == first):
                at += 1
            round_of[node.address] = at
        return round_of

    first, round_of = min(
        ((tool, schedule(tool)) for tool in ("terraform", "ansible")),
        key=lambda pair: (max(pair[1].values(), default=0), pair[0] != "terraform"),
    )
    rounds: list[tuple[str, tuple[str, ...]]] = []
    for number in sorted(set(round_of.values())):
        tool = first if number % 2 == 0 else ("ansible" if first == "terraform" else "terraform")
        rounds.append((tool, tuple(n.address for n in graph.nodes if n.owner == tool and round_of[n.address] <= number)))
    return rounds


def accounts_first(steps: Sequence[Step]) -> list[Step]:
    """Every app's account check (bootstrap) before any other step of any app."""
    return [s for s in steps if s.checks_account] + [s for s in steps if not s.checks_account]


def render(steps: Sequence[Step]) -> str:
    """`--dry-run`: one numbered line per command."""
    return "".join(f"# {i}. {s.app}: {s.name}\n{s.shell()}\n" for i, s in enumerate(steps, 1))


def missing_tools(steps: Iterable[Step], path: str | None = None) -> list[str]:
    """Each tool the steps need that is not on PATH, with how to get it."""
    needed = {s.argv[0]: s.install_hint for s in steps}
    return [f"{tool} not found on PATH: {hint}" for tool, hint in needed.items() if shutil.which(tool, path=path) is None]


def require_tools(steps: Iterable[Step]) -> None:
    """A UsageError naming every tool the steps need that is not on PATH."""
    problems = missing_tools(steps)
    if problems:
        raise UsageError("envspec deploy cannot start:\n  " + "\n  ".join(problems))


def run(steps: Sequence[Step], out: TextIO | None = None) -> None:
    """Run the steps in order, streaming each one's output under a header; stop at the first failure."""
    out = out or sys.stdout
    require_tools(steps)
    for number, step in enumerate(steps, 1):
        out.write(f"\n==> [{number}/{len(steps)}] {step.app}: {step.name}\n$ {step.shell()}\n")
        out.flush()
        failure = Failure()
        code = _stream(step, out, failure)
        if code != 0:
            where = failure.describe()
            raise DeployError(
                f"step {number}/{len(steps)} '{step.name}' of {step.app} failed (exit status {code})"
                + (f" {where}" if where else "")
                + (f"; steps not run: {', '.join(s.name for s in steps[number:])}" if number < len(steps) else "")
            )
    out.write(f"\n==> done: {len(steps)} step{'s' if len(steps) != 1 else ''}\n")


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _stream(step: Step, out: TextIO, failure: Failure) -> int:
    """Run one step with its output copied to `out` line by line; its exit status."""
    env = dict(os.environ)
    env.setdefault("ANSIBLE_FORCE_COLOR", "0")
    if not _is_terminal(out):  # a CI log: Terraform colours even through a pipe (Ansible looks for itself)
        env.setdefault("TF_CLI_ARGS", "-no-color")
    proc = subprocess.Popen(
        step.argv, cwd=step.cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            out.flush()
            failure.read(line.rstrip("\n"))
        return proc.wait()
    except BaseException:
        # Ctrl-C or SIGTERM: the tool stops the way it would if a person pressed Ctrl-C (Terraform
        # releases its state lock), then envspec exits (130 or 143)
        _stop(proc)
        out.write(f"\n==> interrupted during {step.app}: {step.name}\n")
        out.flush()
        raise


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
