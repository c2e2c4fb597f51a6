"""Run ``ansible-playbook`` and ``ansible-lint`` from the running venv, isolated from the user's Ansible home.

Each run gets ANSIBLE_HOME, XDG_CACHE_HOME and the local/remote temp folders inside a temporary
directory, the interpreter pinned to ``sys.executable`` (which has boto3), and the ``ansible.posix.json``
stdout callback so the recap and every task result are parsed from JSON rather than from text.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.awsemu.moto import require_loopback

BIN_DIR = Path(sys.executable).parent
ANSIBLE_PLAYBOOK = BIN_DIR / "ansible-playbook"
ANSIBLE_LINT = BIN_DIR / "ansible-lint"

_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s*:\s*(?P<counts>(?:\w+=\d+\s*)+)$")


@dataclass(frozen=True)
class HostStats:
    """One host's line of the PLAY RECAP."""

    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0


@dataclass(frozen=True)
class TaskResult:
    """One task's result on one host, as reported by the json callback."""

    play: str
    task: str
    host: str
    changed: bool
    failed: bool
    skipped: bool
    result: Mapping[str, Any]
    duration: float = 0.0

    @property
    def msg(self) -> str:
        return str(self.result.get("msg", ""))


@dataclass(frozen=True)
class Result:
    """What one ``ansible-playbook`` run did."""

    args: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str
    duration: float
    stats: Mapping[str, HostStats]
    tasks: tuple[TaskResult, ...] = ()

    @property
    def changed(self) -> int:
        """Changed tasks, summed over hosts."""
        return sum(s.changed for s in self.stats.values())

    @property
    def failed(self) -> int:
        """Failed plus unreachable, summed over hosts."""
        return sum(s.failed + s.unreachable for s in self.stats.values())

    @property
    def succeeded(self) -> bool:
        return self.rc == 0 and self.failed == 0

    @property
    def changed_tasks(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.changed]

    @property
    def failed_tasks(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.failed]

    def task(self, name: str, host: str | None = None) -> TaskResult:
        """The (last) result of the task called ``name``."""
        found = [t for t in self.tasks if t.task == name and (host is None or t.host == host)]
        if not found:
            raise KeyError(f"no task named {name!r} in this run")
        return found[-1]

    def summary(self) -> str:
        """A short human-readable account, for assertion messages."""
        lines = [f"rc={self.rc} duration={self.duration:.1f}s"]
        lines += [f"  {h}: {s}" for h, s in self.stats.items()]
        lines += [f"  CHANGED  {t.host}: {t.task} ({t.duration:.1f}s)" for t in self.changed_tasks]
        for t in self.failed_tasks:
            lines.append(f"  FAILED   {t.host}: {t.task}: {t.msg or json.dumps(dict(t.result))[:2000]}")
        if not self.tasks:
            lines += ["--- stdout", self.stdout[-4000:]]
        lines += ["--- stderr", self.stderr[-4000:]]
        return "\n".join(lines)


@dataclass(frozen=True)
class LintFinding:
    """One ansible-lint match. ``level`` is "error" (fails the run) or "warning" (reported, rc unaffected)."""

    rule: str
    path: str
    line: int | None
    level: str
    message: str


@dataclass(frozen=True)
class LintResult:
    args: tuple[str, ...]
    rc: int
    findings: tuple[LintFinding, ...]
    stdout: str
    stderr: str
    duration: float

    @property
    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}

    @property
    def errors(self) -> tuple[LintFinding, ...]:
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> tuple[LintFinding, ...]:
        return tuple(f for f in self.findings if f.level == "warning")

    @property
    def ignored_exceptions(self) -> list[str]:
        """ansible-lint's warnings that a rule failed on a file and skipped it (say, the `args` rule on the tasks
        of a module it could not import): what it did not check, though rc and findings say nothing."""
        return [line.strip() for line in self.stderr.splitlines() if "Ignored exception from" in line]

    def summary(self) -> str:
        lines = [f"rc={self.rc} duration={self.duration:.1f}s findings={len(self.findings)}"]
        lines += [f"  {f.path}:{f.line} {f.rule} [{f.level}] {f.message}" for f in self.findings]
        lines += [f"  SKIPPED  {line}" for line in self.ignored_exceptions]
        if self.rc not in (0, 2):
            lines += ["--- stderr", self.stderr[-4000:]]
        return "\n".join(lines)


@contextmanager
def _isolated_home(tmp_dir: Path | None) -> Iterator[Path]:
    if tmp_dir is not None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        yield tmp_dir
        return
    with tempfile.TemporaryDirectory(prefix="ansible-run-") as name:
        yield Path(name)


# The strategy the suite runs playbooks with. Mitogen's (`mitogen_linear`: the linear strategy, each host's
# modules run in one long-lived interpreter instead of a new Python per task, which spends most of a
# task's time importing boto3) runs the same tasks with the same modules and arguments in the same order,
# about twice as fast. `ENVSPEC_TEST_ANSIBLE_STRATEGY=linear` runs everything with Ansible's own; the
# hostile strings' provision_twice (tests/test_ansible_moto.py) and the secret-leak test's -vvv provision
# (tests/test_secret_leaks.py) always do: where a difference in how arguments reach a module, or in what a
# verbose run shows, would matter.
STRATEGY_VARIABLE = "ENVSPEC_TEST_ANSIBLE_STRATEGY"
STOCK_STRATEGY = "linear"


def _strategy_settings(strategy: str) -> dict[str, str]:
    if strategy == STOCK_STRATEGY:
        return {"ANSIBLE_STRATEGY": STOCK_STRATEGY}
    spec = importlib.util.find_spec("ansible_mitogen")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            f"the {strategy} strategy needs Mitogen for Ansible: install the project's test extras "
            f"(pip install -e '.[test]'), or set {STRATEGY_VARIABLE}={STOCK_STRATEGY}"
        )
    plugins = Path(spec.origin).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": strategy}


def ansible_env(env: Mapping[str, str] | None, home: Path, *, strategy: str | None = None) -> dict[str, str]:
    """``env`` (or ``os.environ``) plus Ansible settings that keep every write inside ``home``, and the
    suite's strategy (``strategy``, else ``$ENVSPEC_TEST_ANSIBLE_STRATEGY``, else ``mitogen_linear``)."""
    out = dict(os.environ if env is None else env)
    out["PATH"] = os.pathsep.join([str(BIN_DIR), out.get("PATH", os.defpath)])
    out.update(
        {
            "ANSIBLE_HOME": str(home / "ansible-home"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "ANSIBLE_LOCAL_TEMP": str(home / "local-tmp"),
            "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"),
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "NO_COLOR": "1",
            "ANSIBLE_HOST_KEY_CHECKING": "false",
            "ANSIBLE_LINT_SKIP_SCHEMA_UPDATE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    out.update(_strategy_settings(strategy or out.get(STRATEGY_VARIABLE) or "mitogen_linear"))
    return out


def parse_recap(text: str) -> dict[str, HostStats]:
    """Parse the ``PLAY RECAP`` lines of the default callback's output (fallback when there is no JSON)."""
    stats: dict[str, HostStats] = {}
    lines = text.splitlines()
    try:
        start = max(i for i, line in enumerate(lines) if line.startswith("PLAY RECAP"))
    except ValueError:
        return stats
    for line in lines[start + 1 :]:
        match = _RECAP_LINE.match(line.strip())
        if not match:
            continue
        stats[match["host"]] = _host_stats(dict(kv.split("=") for kv in match["counts"].split()))
    return stats


def _host_stats(counts: Mapping[str, Any]) -> HostStats:
    # ansible's stats.summarize() says "failures" where the recap text says "failed"
    named = {("failed" if k == "failures" else k): v for k, v in counts.items()}
    return HostStats(**{k: int(v) for k, v in named.items() if k in HostStats.__dataclass_fields__})


def _seconds(span: Mapping[str, str]) -> float:
    try:
        start = datetime.fromisoformat(span["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(span["end"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (end - start).total_seconds()


def _parse_json_output(stdout: str) -> tuple[dict[str, HostStats], tuple[TaskResult, ...]] | None:
    start = stdout.find("{")
    if start < 0:
        return None
    try:
        doc = json.loads(stdout[start:])
    except json.JSONDecodeError:
        return None
    stats = {host: _host_stats(counts) for host, counts in doc.get("stats", {}).items()}
    tasks: list[TaskResult] = []
    for play in doc.get("plays", []):
        play_name = play.get("play", {}).get("name", "")
        for task in play.get("tasks", []):
            task_name = task.get("task", {}).get("name", "")
            task_duration = _seconds(task.get("task", {}).get("duration", {}))
            for host, res in task.get("hosts", {}).items():
                tasks.append(
                    TaskResult(
                        play=play_name,
                        task=task_name,
                        host=host,
                        changed=bool(res.get("changed")),
                        failed=bool(res.get("failed")) or bool(res.get("unreachable")),
                        skipped=bool(res.get("skipped")),
                        result=res,
                        duration=task_duration,
                    )
                )
    return stats, tuple(tasks)


def run_playbook(
    playbook: str | os.PathLike[str],
    *,
    inventory: str | os.PathLike[str] | None = None,
    extra_vars: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None,
    cwd: str | os.PathLike[str],
    check: bool = False,
    extra_args: Sequence[str] = (),
    tmp_dir: Path | None = None,
    timeout: float = 900,
    strategy: str | None = None,
) -> Result:
    """Run ``ansible-playbook`` from this venv and return its exit code, output and parsed recap.

    ``env`` is the whole process environment (for AWS, use ``tests.awsemu.moto.aws_env``); an
    ``AWS_ENDPOINT_URL`` in it must be on loopback. A relative ``playbook`` is relative to ``cwd``.
    Without ``inventory`` the play runs against ``localhost`` with the local connection.
    ``extra_vars`` are passed as one JSON ``-e``; ``ansible_python_interpreter`` is always this interpreter.
    ``strategy``: Ansible's strategy plugin, the suite's (see ``ansible_env``) unless given.
    """
    args: list[str] = [str(ANSIBLE_PLAYBOOK), str(playbook)]
    if inventory is None:
        args += ["-i", "localhost,", "-c", "local"]
    else:
        args += ["-i", str(inventory)]
    args += ["-e", json.dumps({"ansible_python_interpreter": sys.executable})]
    if extra_vars:
        args += ["-e", json.dumps(dict(extra_vars))]
    if check:
        args.append("--check")
    args += list(extra_args)
    if env is not None and env.get("AWS_ENDPOINT_URL"):
        require_loopback(env["AWS_ENDPOINT_URL"])
    with _isolated_home(tmp_dir) as home:
        run_env = ansible_env(env, home, strategy=strategy)
        run_env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
        run_env["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
        started = time.monotonic()
        proc = subprocess.run(
            args, cwd=cwd, env=run_env, capture_output=True, text=True, timeout=timeout, check=False
        )
        duration = time.monotonic() - started
    parsed = _parse_json_output(proc.stdout)
    stats, tasks = parsed if parsed is not None else (parse_recap(proc.stdout), ())
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr, duration, stats, tasks)


def syntax_check(
    playbook: str | os.PathLike[str],
    *,
    inventory: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    tmp_dir: Path | None = None,
) -> Result:
    """``ansible-playbook --syntax-check``; rc 0 when the playbook parses."""
    args = [str(ANSIBLE_PLAYBOOK), "--syntax-check", str(playbook)]
    args += ["-i", "localhost," if inventory is None else str(inventory)]
    args += ["-e", json.dumps({"ansible_python_interpreter": sys.executable})]
    with _isolated_home(tmp_dir) as home:
        started = time.monotonic()
        proc = subprocess.run(
            args,
            cwd=cwd if cwd is not None else Path(playbook).parent,
            env=ansible_env(env, home),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        duration = time.monotonic() - started
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr, duration, {}, ())


def _parse_codeclimate(stdout: str) -> tuple[LintFinding, ...]:
    start = stdout.find("[")
    if start < 0:
        return ()
    try:
        items = json.loads(stdout[start:])
    except json.JSONDecodeError:
        return ()
    findings = []
    for item in items:
        location = item.get("location", {})
        # {"lines": {"begin": n}} without a column, {"positions": {"begin": {"line": n, "column": m}}} with one
        begin = location.get("lines", {}).get("begin")
        if begin is None:
            begin = location.get("positions", {}).get("begin", {}).get("line")
        findings.append(
            LintFinding(
                rule=str(item.get("check_name", "")),
                path=str(location.get("path", "")),
                line=int(begin) if isinstance(begin, int) else None,
                # ansible-lint's codeclimate output maps warnings to "minor" and errors to "major"
                level="warning" if item.get("severity") == "minor" else "error",
                message=str(item.get("description", "")),
            )
        )
    return tuple(findings)


# Ansible merges the `module_utils/` folder beside the playbooks into the `ansible.module_utils` package when it
# builds a module's payload; a process that imports a module file itself does not. Such are ansible-lint's `args`
# rule (it then skips, with a warning, every task of each file that uses the module: ansible-lint#3891) and a module
# run by hand. This command line runs a Python script with a module_utils folder merged as Ansible merges it:
# `[*python_with_module_utils(FOLDER), SCRIPT, *ARGS]`.
_WITH_MODULE_UTILS = (
    "import runpy, sys, ansible.module_utils as u; u.__path__.insert(0, sys.argv[1]); "
    "sys.argv = sys.argv[2:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def python_with_module_utils(folder: str | os.PathLike[str]) -> list[str]:
    """This interpreter, with `folder`'s files importable as `ansible.module_utils.NAME`, running the script that follows."""
    return [sys.executable, "-c", _WITH_MODULE_UTILS, str(folder)]


def lint(
    *paths: str | os.PathLike[str],
    profile: str = "production",
    enable: Sequence[str] = ("args",),
    warn: Sequence[str] | None = None,
    skip: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str],
    tmp_dir: Path | None = None,
    extra_args: Sequence[str] = (),
) -> LintResult:
    """``ansible-lint --offline --profile PROFILE --enable-list ... -f codeclimate PATHS`` run in ``cwd``, with
    ``cwd/module_utils`` merged into ``ansible.module_utils`` as ``ansible-playbook`` would (``python_with_module_utils``).

    ``cwd`` is also the ``--project-dir``, so ansible-lint never climbs to the repository root.
    rc 0: no errors (warnings may be in ``findings``); rc 2: errors; anything else: ansible-lint itself failed.

    ``warn`` replaces ansible-lint's warn list (default ``experimental, jinja[spacing], fqcn[deep]``).
    Note that the ``args`` rule is tagged ``experimental``, so with the default warn list its
    findings (unknown or missing module options, wrong types) are only warnings and do not change rc;
    pass e.g. ``warn=("jinja[spacing]", "fqcn[deep]")`` to make them errors.
    """
    # The project's module_utils/ (beside its playbooks, in cwd), so that the `args` rule can import its modules.
    args = [*python_with_module_utils(Path(cwd) / "module_utils"), str(ANSIBLE_LINT)]
    args += ["--offline", "--nocolor", "-f", "codeclimate", "-q"]
    args += ["--profile", profile, "--project-dir", str(Path(cwd).resolve())]
    if enable:
        args += ["--enable-list", ",".join(enable)]
    if warn is not None:
        args += ["--warn-list", ",".join(warn) if warn else "none"]
    if skip:
        args += ["--skip-list", ",".join(skip)]
    args += list(extra_args)
    args += [str(p) for p in paths]
    with _isolated_home(tmp_dir) as home:
        started = time.monotonic()
        proc = subprocess.run(
            args, cwd=cwd, env=ansible_env(env, home), capture_output=True, text=True, timeout=600, check=False
        )
        duration = time.monotonic() - started
    return LintResult(tuple(args), proc.returncode, _parse_codeclimate(proc.stdout), proc.stdout, proc.stderr, duration)
