"""`envspec status`, `envspec graph` and `envspec plan-move`: golden text, JSON, Mermaid and DOT; the DOT
rendered to PNG by Graphviz and the Mermaid checked by Mermaid's own parser; every component of
every example has exactly one owner in every environment."""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
import yaml

from envspec.core import history
from envspec.core import backend as plugins
from envspec.core.compiler import build
from envspec.cli import run
from envspec.core.project import Project
from envspec.operations.diagram import diagram
from envspec.core.resolve import resolve
from envspec.core.source import load
from tests.graphs import EXAMPLES, REPO
from tests.graphs import copy_spec
from tests.node_tools import installed, node

GOLDEN = REPO / "tests" / "golden" / "migration"
XKIT = REPO / "specs" / "xkit.yaml"
CASES = {
    "xkit": ["specs/xkit.yaml"],
    "contract": ["examples/contract.yaml"],
    "two-apps": ["examples/two-apps"],
}
ENV = {"xkit": "staging", "contract": "production", "two-apps": "production"}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert run(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"{path.relative_to(REPO)} is missing: run pytest tests -k golden --update-golden"
    assert text == path.read_text(), f"{path.relative_to(REPO)} differs: run pytest tests -k golden --update-golden"


@pytest.mark.parametrize("case", CASES)
def test_status_golden(case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], update_golden: bool) -> None:
    monkeypatch.chdir(REPO)
    golden(f"status-{case}.txt", cli(capsys, "status", *CASES[case]), update_golden)
    text = cli(capsys, "status", *CASES[case], "--json")
    json.loads(text)
    golden(f"status-{case}.json", text, update_golden)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_golden(case: str, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], update_golden: bool) -> None:
    monkeypatch.chdir(REPO)
    (path,) = CASES[case]
    args = ["graph", path, "--env", ENV[case]] + (["--format", fmt] if fmt == "dot" else [])
    golden(f"graph-{case}.{'mmd' if fmt == 'mermaid' else 'dot'}", cli(capsys, *args), update_golden)


def moving_xkit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """specs/xkit.yaml in the middle of its migration, in a folder of its own (the current folder):
    the database adopted by Terraform in staging, the network released to Ansible in production
    (both compiled), the exports bucket moved to Terraform everywhere (not compiled yet)."""
    path = copy_spec(tmp_path, XKIT)
    monkeypatch.chdir(path.parent)
    cli(capsys, "migrate", "databases.main", "--to", "terraform", "--env", "staging", "xkit.yaml")
    cli(capsys, "migrate", "network", "--to", "ansible", "--env", "production", "xkit.yaml")
    cli(capsys, "compile", "xkit.yaml", "--out", "build")
    cli(capsys, "migrate", "buckets.exports", "--to", "terraform", "xkit.yaml")
    return path


def test_status_and_graph_golden_in_the_middle_of_a_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], update_golden: bool
) -> None:
    moving_xkit(tmp_path, monkeypatch, capsys)
    golden("status-moving.txt", cli(capsys, "status", "xkit.yaml"), update_golden)
    golden("status-moving.json", cli(capsys, "status", "xkit.yaml", "--json"), update_golden)
    golden("graph-moving.mmd", cli(capsys, "graph", "xkit.yaml", "--env", "staging"), update_golden)
    golden("graph-moving.dot", cli(capsys, "graph", "xkit.yaml", "--env", "staging", "--format", "dot"), update_golden)
    golden("plan-move-moving.md", cli(capsys, "plan-move", "xkit.yaml"), update_golden)


def test_status_shows_moves_and_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_spec(tmp_path, XKIT)
    monkeypatch.chdir(path.parent)
    before = cli(capsys, "status", "xkit.yaml")
    assert "  staging: 1 of 12 components on Terraform\n" in before
    cli(capsys, "migrate", "databases.main", "--to", "terraform", "--env", "staging", "xkit.yaml")
    pending = cli(capsys, "status", "xkit.yaml", "--env", "staging")
    assert re.search(r"\n  databases\.main +database +terraform \(not compiled\)\n", pending), pending
    assert "production" not in pending
    assert "  staging: 2 of 12 components on Terraform\n" in pending
    cli(capsys, "compile", "xkit.yaml", "--out", "build")
    compiled = json.loads(cli(capsys, "status", "xkit.yaml", "--json"))
    staging = compiled["apps"][0]["environments"]["staging"]
    assert staging["components"]["databases.main"] == {
        "kind": "database", "owner": "terraform", "state": "adopting", "history": ["ansible", "terraform"],
    }
    assert (staging["on_terraform"], staging["components_total"]) == (2, 12)
    assert compiled["apps"][0]["environments"]["production"]["components"]["databases.main"]["state"] == "steady"


def test_status_in_a_terminal_is_a_rich_table(tmp_path: Path) -> None:
    """Through a pseudo-terminal, the table is drawn with box characters (rich), and piped it is plain."""
    import pty

    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm"}
    command = [str(Path(os.sys.executable).parent / "envspec"), "status", str(XKIT)]
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execvpe(command[0], command, env)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    drawn = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode())
    assert os.waitstatus_to_exitcode(status) == 0, drawn
    assert "┃ component" in drawn and "staging: 1 of 12 components on Terraform" in drawn
    piped = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    assert "┃" not in piped and piped.startswith("xkit (")


def test_plan_move_text_for_a_pull_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Against the history (before compiling) and against a git base (after compiling and committing)."""
    path = copy_spec(tmp_path, XKIT)
    monkeypatch.chdir(path.parent)
    assert "No component changes owner." in cli(capsys, "plan-move", "xkit.yaml")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    cli(capsys, "migrate", "databases.main", "--to", "terraform", "--env", "staging", "xkit.yaml")
    cli(capsys, "migrate", "buckets.exports", "--to", "terraform", "xkit.yaml")
    pending = cli(capsys, "plan-move", "xkit.yaml")
    assert pending.startswith("### Ownership moves: xkit (`xkit.yaml`, compared with `xkit.history.json`)\n")
    assert "#### `databases.main` in staging: ansible → terraform" in pending
    assert "- `aws_db_instance` `xkit-staging-main`: import id `xkit-staging-main`" in pending
    assert "Ansible stops managing it: `provision.yml` only looks `databases.main` up" in pending
    assert "#### `buckets.exports` in production: ansible → terraform" in pending
    assert "- `aws_s3_bucket` `xkit-production-exports`: import id `xkit-production-exports`" in pending
    cli(capsys, "compile", "xkit.yaml", "--out", "build")
    assert "No component changes owner." in cli(capsys, "plan-move", "xkit.yaml")  # the history has seen them
    assert cli(capsys, "plan-move", "xkit.yaml", "--base", "main") == pending.replace("`xkit.history.json`", "`main`")
    capsys.readouterr()
    assert run(["plan-move", "xkit.yaml", "--base", "no-such-ref"]) == 1
    assert "--base no-such-ref: not a git revision" in capsys.readouterr().err


def test_graph_edges_carry_what_each_reference_grants() -> None:
    project = Project.read([XKIT])
    (app,) = project.apps
    edges = {(e.source, e.target): e.label for e in diagram(project, app, "staging").edges}
    assert edges[("services.api", "databases.main")] == "tcp 5432, read password"  # url_with_password
    assert edges[("services.api", "buckets.uploads")] == "read/write objects"
    assert edges[("services.api", "secrets.secret_key_base")] == "read secret"
    assert edges[("services.api", "services.hubspot-sync")] == "invoke"
    assert edges[("services.hubspot-sync", "databases.main")] == "tcp 5432, read password"
    assert edges[("services.dashboard", "services.api")] == "reference only"


@pytest.mark.parametrize("spec", [*EXAMPLES, XKIT], ids=lambda p: str(p.relative_to(REPO)))
def test_every_permission_statement_is_drawn_on_an_edge(spec: Path) -> None:
    """The labels are read from the lowered policy statements by their sid: a statement no edge
    accounts for means the lowering's naming changed and the graph would hide a permission."""
    from envspec.operations.diagram import _GRANTS
    from envspec.core.names import statement_id as _sid_prefix
    from envspec.core.lower import lower

    for app in resolve(load([spec])):
        for env in app.environments.values():
            graph = lower(env)
            for address, component in env.components.items():
                node = graph.node(address)
                # references, and what the component depends on without one (a lambda's trigger queue)
                prefixes = {_sid_prefix(a) for a in [*(ref.address for ref in component.references), *node.depends_on]}
                for statement in node.inputs.get("policy_statements") or []:
                    assert any(statement["sid"] == p + s for p in prefixes for s in _GRANTS), (address, statement["sid"])


@pytest.mark.parametrize("spec", [*EXAMPLES, XKIT], ids=lambda p: str(p.relative_to(REPO)))
def test_each_component_has_exactly_one_owner_in_every_environment(spec: Path, tmp_path: Path) -> None:
    """Read from the generated code, not from the model: Terraform's root has a module for a
    component exactly when Ansible's inventory does not mark it as Ansible's to provision; every
    component is one or the other. Also after moving every component to the other owner in one
    environment."""
    def check(path: Path) -> None:
        for app in resolve(load([path])):
            known = history.read(history.path_for(path), app.spec.app) or {}
            files = build([app], plugins.load(None), histories={app.spec.app: known})
            for env, resolved in app.environments.items():
                main = hcl2.loads(files[Path(app.spec.app, "terraform", env, "main.tf")]) if Path(app.spec.app, "terraform", env, "main.tf") in files else {}
                terraform = set()
                for block in main.get("module", []):
                    for body in block.values():
                        tags = {k.strip('"'): v.strip('"') for k, v in body["tags"].items()}  # hcl2 keeps HCL's quotes
                        terraform.add(tags["envspec:component"])
                inventory = yaml.load(files[Path(app.spec.app, "ansible", "inventories", env, "group_vars", "all", "components.yml")], _AnsibleLoader)  # noqa: S506
                ansible = {a for a, c in inventory["envspec_components"].items() if c["owner"] == "ansible"}
                assert not terraform & ansible, f"{env}: owned by both: {terraform & ansible}"
                assert terraform | ansible == set(resolved.components), f"{env}: owned by neither"

    check(spec)
    moved = copy_spec(tmp_path, spec)
    from envspec.operations.migrate import plan

    (app,) = resolve(load([moved]))[:1]
    env = next(iter(app.environments))
    for address, component in app.environments[env].components.items():
        target = "ansible" if component.owner == "terraform" else "terraform"
        moved.write_text(plan([moved], address, target, [env]).text)
    check(moved)


class _AnsibleLoader(yaml.SafeLoader):
    """YAML as Ansible reads it: `!unsafe` strings are strings."""


_AnsibleLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


# ---- the renderers: Graphviz and Mermaid's own parser ------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_graphviz_renders_the_dot_to_png(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    dot = shutil.which("dot")
    if dot is None:
        pytest.fail("Graphviz is missing: `dot` is not on PATH (Debian: apt-get install graphviz; `make test` installs it)")
    monkeypatch.chdir(REPO)
    (path,) = CASES[case]
    text = cli(capsys, "graph", path, "--env", ENV[case], "--format", "dot")
    png = tmp_path / f"{case}.png"
    done = subprocess.run([dot, "-Tpng", "-o", str(png)], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 2000


def _mermaid_checker() -> list[str]:
    """`node check.mjs` with mermaid and jsdom installed from tests/mermaid's lock file (tests/node_tools.py)."""
    return [node(), str(installed("mermaid") / "check.mjs")]


@pytest.mark.slow
def test_mermaid_text_parses_with_mermaids_grammar(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    checker = _mermaid_checker()
    broken = subprocess.run(checker, input='flowchart LR\n  n1[["x"]\n', capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and broken.stdout.startswith("error "), "the checker accepts a broken diagram"
    monkeypatch.chdir(REPO)
    for case, (path,) in CASES.items():
        text = cli(capsys, "graph", path, "--env", ENV[case])
        done = subprocess.run(checker, input=text, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{case}: {done.stdout}{done.stderr}"
        assert done.stdout.strip() == "ok flowchart-v2"
    # the README's own diagrams (the architecture) parse too
    blocks = re.findall(r"^```mermaid\n(.*?)^```", (REPO / "README.md").read_text(encoding="utf-8"), re.S | re.M)
    assert blocks, "the README draws its architecture in Mermaid"
    for block in blocks:
        done = subprocess.run(checker, input=block, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"README.md: {done.stdout}{done.stderr}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "specs/xkit.yaml", "--env", "prod"], "no environment 'prod' in the specs (did you mean 'production'?); declared: production, staging"),
        (["graph", "specs/xkit.yaml", "--env", "stagin"], "no environment 'stagin' in the specs (did you mean 'staging'?); declared: production, staging"),
        (["graph", "specs/xkit.yaml", "--env", "staging", "--format", "svg"], "unknown format 'svg': expected mermaid or dot"),
    ],
    ids=["status-env", "graph-env", "graph-format"],
)
def test_bad_command_lines_are_exit_1_with_a_message(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                      args: list[str], message: str) -> None:
    monkeypatch.chdir(REPO)
    assert run(args) == 1
    assert capsys.readouterr().err == f"envspec: error: {message}\n"


def test_plan_move_base_outside_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_spec(tmp_path, XKIT)
    monkeypatch.chdir(path.parent)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert run(["plan-move", "xkit.yaml", "--base", "main"]) == 1
    assert capsys.readouterr().err == "envspec: error: --base main: xkit.yaml is not in a git repository\n"


def test_plan_move_base_that_is_not_utf8_is_exit_1_with_its_position(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_spec(tmp_path, XKIT)
    monkeypatch.chdir(path.parent)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    good = path.read_bytes()
    path.write_bytes(good.replace(b"app: xkit", b"app: xkit # \xff", 1))
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    path.write_bytes(good)
    assert run(["plan-move", "xkit.yaml", "--base", "main"]) == 1
    line = good[: good.index(b"app: xkit")].count(b"\n") + 1
    assert capsys.readouterr().err == f"envspec: error: main:xkit.yaml:{line}:13: not valid UTF-8 (byte 0xff); a spec is UTF-8 text\n"


def test_the_pre_commit_hooks_run_as_defined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Each hook's `entry` (plus the file names pre-commit passes) as pre-commit runs it, in a
    repository with specs/ and a committed build/: green when current, red when a spec changed."""
    import shlex

    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"envspec-validate", "envspec-compile-check"}
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    copy_spec(tmp_path, XKIT).rename(repo / "specs" / "xkit.yaml")
    (tmp_path / "xkit" / "xkit.history.json").rename(repo / "specs" / "xkit.history.json")
    monkeypatch.chdir(repo)
    cli(capsys, "compile", "specs/", "--out", "build")

    def hook(name: str, *files: str) -> int:
        entry = shlex.split(hooks[name]["entry"])
        assert entry[0] == "envspec"
        capsys.readouterr()
        return run([*entry[1:], *(files if hooks[name]["pass_filenames"] else ())])

    assert re.fullmatch(hooks["envspec-validate"]["files"], "specs/xkit.yaml")
    assert hook("envspec-validate", "specs/xkit.yaml") == 0
    assert hook("envspec-compile-check") == 0
    cli(capsys, "migrate", "buckets.uploads", "--to", "terraform", "specs/xkit.yaml")
    assert hook("envspec-compile-check") == 1  # the spec changed, build/ and the history did not
    assert "out of date; run envspec compile" in capsys.readouterr().err
    (repo / "specs" / "xkit.yaml").write_text((repo / "specs" / "xkit.yaml").read_text().replace("engine: postgres", "engine: oracle"))
    assert hook("envspec-validate", "specs/xkit.yaml") == 1
