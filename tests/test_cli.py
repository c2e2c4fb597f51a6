"""envspec.cli: commands, output, exit statuses and lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import envspec
from envspec import cli

ROOT = Path(__file__).resolve().parent.parent


def envspec_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "envspec", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def imported_by(*args: str) -> set[str]:
    """The modules a command imports, in a fresh interpreter."""
    code = (
        "import sys, io, contextlib\n"
        "from envspec.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()): rc = run(sys.argv[1:])\n"
        "print(repr(sorted(sys.modules)))\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(eval(done.stdout.strip().splitlines()[-1]))  # noqa: S307 - our own repr of a list of str


# ---- validate ---------------------------------------------------------------------------------------


def test_validate_prints_a_summary_table() -> None:
    done = envspec_cli("validate", "examples/contract.yaml")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == (
        "xkit (examples/contract.yaml): 2 environments, 12 components\n"
        "  component                      kind       staging    production\n"
        "  network                        network    terraform  terraform\n"
        "  secrets.secret_key_base        secret     ansible    ansible\n"
        "  secrets.hubspot_client_secret  secret     ansible    ansible\n"
        "  buckets.uploads                bucket     ansible    ansible\n"
        "  databases.main                 database   ansible    ansible\n"
        "  databases.reports              database   ansible    ansible\n"
        "  caches.sessions                cache      ansible    ansible\n"
        "  queues.jobs                    queue      ansible    ansible\n"
        "  queues.events                  queue      terraform  terraform\n"
        "  services.api                   ec2        ansible    ansible\n"
        "  services.dashboard             beanstalk  ansible    ansible\n"
        "  services.sync-worker           lambda     ansible    ansible\n"
    )


def test_validate_a_folder_reads_its_yaml_files_sorted(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["validate", str(ROOT / "examples" / "two-apps")]) == 0
    out = capsys.readouterr().out
    assert out.index("billing (") < out.index("portal (")
    assert "\n\n" in out  # one block per app


def test_owner_per_environment_in_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "envspec: 1\napp: demo\nenvironments:\n"
        "  a: {region: us-east-1, account_id: '111111111111'}\n"
        "  b: {region: us-east-1, account_id: '111111111111'}\n"
        "buckets:\n  x:\n    overrides:\n      b: {owner: terraform}\n"
    )
    assert cli.run(["validate", str(spec)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "  component  kind    a        b",
        "  buckets.x  bucket  ansible  terraform",
    ]


def test_validate_reports_every_error_then_a_count_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "envspec: 1\napp: demo\nenvironments:\n  staging:\n    region: us-wst-2\n    account_id: 1\n"
    )
    done = envspec_cli("validate", "bad.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "bad.yaml:5:13: environments.staging.region: invalid AWS region 'us-wst-2' (did you mean 'us-west-2'?)",
        'bad.yaml:6:17: environments.staging.account_id: expected a string, found an integer (1) (quote it: "1")',
        "2 errors",
    ]


def test_one_error_is_counted_in_the_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text("- a\n")
    assert cli.run(["validate", str(tmp_path / "bad.yaml")]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == "1 error"


def test_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["validate", "no/such/spec.yaml"]) == 1
    assert capsys.readouterr().err == "envspec: error: no/such/spec.yaml: no such file or directory\n"


def test_bad_command_line_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["frobnicate"]) == 2
    assert "No such command 'frobnicate'" in capsys.readouterr().err
    assert cli.run(["validate"]) == 2


def test_internal_error_exits_3_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(documents: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("envspec.core.resolve.resolve", broken)
    assert cli.run(["validate", str(ROOT / "examples" / "minimal.yaml")]) == 3
    err = capsys.readouterr().err
    assert err == (
        "envspec: internal error (this is a bug): RuntimeError: boom; rerun with --debug for the traceback\n"
    )
    assert cli.run(["--debug", "validate", str(ROOT / "examples" / "minimal.yaml")]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.endswith("envspec: internal error (this is a bug): RuntimeError: boom\n")


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(documents: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("envspec.core.resolve.resolve", interrupted)
    assert cli.run(["validate", str(ROOT / "examples" / "minimal.yaml")]) == 130


def test_pydantic_plugin_setting_is_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    assert cli.run(["validate", str(ROOT / "examples" / "minimal.yaml")]) == 0
    import os

    assert "PYDANTIC_DISABLE_PLUGINS" not in os.environ
    # the stand-in for pydantic's plugin loader is gone: a model built now gets pydantic's own
    import sys

    assert getattr(sys.modules.get("pydantic.plugin._loader"), "__file__", "real") is not None
    from pydantic import BaseModel

    model = type("Later", (BaseModel,), {"__annotations__": {"x": int}})
    assert model(x=1).x == 1


def test_plain_validate_skips_plugin_discovery() -> None:
    modules = imported_by("validate", "specs/xkit.yaml")
    assert "envspec.core.resolve" in modules
    assert "importlib.metadata" not in modules
    assert "pydantic.plugin._loader" not in modules


# ---- version, help, schema ------------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["--version"]) == 0
    assert capsys.readouterr().out == f"envspec {envspec.__version__}\n"


def test_every_command_and_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["--help"]) == 0
    root = capsys.readouterr().out
    for text in ("validate", "schema", "--version", "--debug", "Compile one YAML app spec"):
        assert text in root
    import typer

    from envspec.cli.commands import app

    command = typer.main.get_command(app)
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        assert sub.help, name
        for param in sub.params:
            assert getattr(param, "help", None), f"{name} {param.name}"
    for param in command.params:
        assert getattr(param, "help", None), param.name


def test_schema_to_stdout_and_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["schema"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    out = tmp_path / "deep" / "envspec.schema.json"
    assert cli.run(["schema", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == printed
    assert not list(out.parent.glob(".*.tmp"))


def test_the_console_script_entry_point() -> None:
    script = Path(sys.executable).parent / "envspec"
    if not script.exists():
        pytest.skip("envspec is not installed as a console script in this interpreter's environment")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("envspec ")


# ---- imports stay lazy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["-h"]])
def test_help_and_version_do_not_import_pydantic(args: list[str]) -> None:
    modules = imported_by(*args)
    assert not {m for m in modules if m == "pydantic" or m.startswith("pydantic.")}
    assert "envspec.core.model" not in modules


def test_validate_imports_neither_jinja_nor_backends() -> None:
    modules = imported_by("validate", "specs/xkit.yaml")
    assert "envspec.core.resolve" in modules
    # The kinds' modules (which validate reads for attributes and checks) hold their lowering too, and
    # validate derives every component's base AWS name (envspec.core.collisions) through the small
    # `envspec.core.lower` package's LoweringContext; what the compile drives after it is not loaded.
    unwanted = {m for m in modules if m.startswith(("jinja2", "envspec_", "envspec.core.compiler", "envspec.core.writer",
                                                    "envspec.core.manifest", "envspec.core.backend", "rich"))}
    assert not unwanted


def test_plain_validate_does_not_import_typer() -> None:
    modules = imported_by("validate", "specs/xkit.yaml")
    assert "envspec.core.resolve" in modules
    assert not {m for m in modules if m == "typer" or m.startswith(("typer.", "click"))}
    # with an option, typer parses the command line as for every other command
    assert "typer" in imported_by("--debug", "validate", "specs/xkit.yaml")
