"""The typer application: each command is a few lines calling the core (see `envspec.cli`).

Imported only when a command line needs typer; a plain `envspec validate PATH...` never does.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from envspec.cli import migration_commands
from envspec.cli.console import write_stdout
from envspec.operations.summary import validate_summary


def _argument_usage(self: typer.core.TyperArgument) -> str:
    """`PATH...` in a usage line (typer writes `{PATH}...`)."""
    name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
    return name + ("..." if self.nargs != 1 else "")


def _argument_type(self: typer.core.TyperArgument, ctx: Any) -> str | None:
    """No `<list[Path]>` after an argument that has a metavar: the metavar says it."""
    return None if self.metavar is not None else typer.core.TyperArgument.display_type(self, ctx)


typer.core.TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]
typer.core.TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign]


class _Group(typer.core.TyperGroup):
    """Command summaries in `--help` are written whole (click cuts them at the terminal width with `...`)."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=_Group,
    name="envspec",
    help="Compile one YAML app spec into Terraform and Ansible that run side by side.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from envspec import __version__

        typer.echo(f"envspec {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="On an internal error, print the full traceback.")
    ] = False,
) -> None:
    """Compile one YAML app spec into Terraform and Ansible that run side by side."""


@app.command()
def validate(
    paths: Annotated[
        list[str],  # str, not Path: Path("") would silently be the current folder
        typer.Argument(
            metavar="PATH", help="Spec files, or folders whose *.yaml files are all read.", show_default=False
        ),
    ],
) -> None:
    """Check specs and print their apps, environments, components, kinds and owners."""
    write_stdout(validate_summary(paths))


@app.command()
def schema(
    out: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.11; str: Path("") is the current folder
        typer.Option(
            "--out", "-o", metavar="FILE", help="Write the schema to this file instead of standard output.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of spec files (for editors and CI)."""
    from envspec.core.schema import render

    text = render()
    if out is None:
        write_stdout(text)
        return
    from envspec.core.writer import out_path, write_file

    write_file(out_path(out, "schema --out"), text, "the schema")


@app.command(name="compile")
def compile_(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="PATH", help="Spec files, or folders whose *.yaml files are all read.", show_default=False),
    ],
    out: Annotated[str, typer.Option("--out", "-o", metavar="DIR", help="Output folder (replaced as a whole, atomically).")] = "build",
    env: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.11
        typer.Option("--env", "-e", metavar="ENV", help="Only this environment (repeatable); the others are kept as they were.", show_default=False),
    ] = None,
    backend: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--backend", "-b", metavar="NAME", help="Only this backend (repeatable; the other backends' files are kept); default: every installed backend.", show_default=False),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 listing the files that differ (for CI).")
    ] = False,
) -> None:
    """Compile specs into OUT/manifest.json and OUT/APP/<backend>/, deterministically and atomically."""
    from envspec.core import backend as plugins
    from envspec.core.errors import printable
    from envspec.core.project import Project
    from envspec.core.writer import out_path

    out_dir = out_path(out, "--out")
    result = Project.read(paths).compile(
        out_dir, plugins.load(backend), only_envs=env, check_only=check, keep_other_backends=backend is not None
    )
    differing = [str(out_dir / path) for path in result.files] + [str(path) for path in result.histories]
    if check:
        if differing:
            for path in differing:
                typer.echo(printable(f"{path}: differs"), err=True)
            typer.echo(f"{len(differing)} file{'s' if len(differing) != 1 else ''} out of date; run envspec compile", err=True)
            raise typer.Exit(1)
        typer.echo(printable(f"{out_dir}: up to date"))
        return
    count = len(result.files)
    typer.echo(printable(f"{out_dir}: {count} file{'s' if count != 1 else ''} changed" if count else f"{out_dir}: unchanged"))
    warn_hand_edited(out_dir, result.edited)
    for path in result.histories:
        typer.echo(printable(f"{path}: ownership history updated (commit it with the spec)"))


def warn_hand_edited(out_dir: Path, edited: list[str]) -> None:
    """Say which generated files had been edited by hand: the compile replaced them."""
    from envspec.core.errors import printable

    for rel in edited:
        typer.echo(printable(
            f"envspec: warning: {out_dir / rel} had been edited by hand; the edit is replaced by the generated "
            "file (hand-written files go beside the spec, in APP.extra/: see the README)"
        ), err=True)


@app.command()
def backends() -> None:
    """List the installed backends (entry-point group envspec.backends)."""
    from envspec.core import backend as plugins

    for name, entry in plugins.installed().items():
        dist = entry.dist.name if entry.dist is not None else "?"
        typer.echo(f"{name:<12} {entry.value}  ({dist})")


@app.command()
def deploy(
    env: Annotated[str, typer.Argument(metavar="ENV", help="The environment to deploy.", show_default=False)],
    paths: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(metavar="[SPEC]...", help="Spec files or folders (default: specs/).", show_default=False),
    ] = None,
    version: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--version", "-V", help="The version to release; without it only the infrastructure is deployed.", show_default=False),
    ] = None,
    only: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--only", help="Release only this service (an address such as services.api).", show_default=False),
    ] = None,
    out: Annotated[str, typer.Option("--out", "-o", metavar="DIR", help="Output folder the specs are compiled into.")] = "build",
    inventory: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option(
            "--inventory", "-i",
            help="An extra Ansible inventory after the generated one (repeatable): host variables such as a "
            "connection of your own.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the commands a deploy runs, in order; run nothing.")] = False,
) -> None:
    """Deploy ENV in one command: compile, Terraform, provision.yml, then a rolling release of VERSION."""
    from envspec.core import backend as plugins
    from envspec.core.errors import UsageError
    from envspec.core.project import Project
    from envspec.core.writer import out_path
    from envspec.operations import deploy as deploying

    specs = paths or ["specs"]
    out_dir = out_path(out, "--out")
    if version is not None and not deploying.VERSION.fullmatch(version):
        raise UsageError(f"--version {version!r}: use letters, digits and . _ + - (at most 128, starting with a letter or digit)")
    project = Project.read(specs).having(env)
    steps = deploying.plan_environment(project, env, out_dir, version=version, only=only, inventories=inventory or ())
    compile_line = shlex.join(["envspec", "compile", *specs, "--out", out, "--env", env])
    if dry_run:
        typer.echo(f"# 0. compile\n{compile_line}\n" + deploying.render(steps), nl=False)
        return
    deploying.require_tools(steps)  # before anything is written
    typer.echo(f"==> compile\n$ {compile_line}")
    result = project.compile(out_dir, plugins.load(None), only_envs=[env])
    typer.echo(f"{out}: {len(result.files)} file{'s' if len(result.files) != 1 else ''} changed" if result.files else f"{out}: unchanged")
    warn_hand_edited(out_dir, result.edited)
    deploying.run(steps)


migration_commands.register(app)  # after the others: their order in --help
