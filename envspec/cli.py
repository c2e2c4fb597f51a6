"""The command line. Each command is a few lines calling the core.

Imports are lazy: `envspec --help` and `--version` load only typer, and each command imports
just the stages it needs (`validate` never loads jinja2 or a backend). To add a command, write a
function decorated with `@app.command()` that imports what it needs inside; errors are turned
into exit statuses in one place, `run()`:

* 0 success; 1 a problem in the user's input (SpecError: every diagnostic on stderr, one per
  line, then a count such as `2 errors`) or command line (UsageError); 2 a malformed command
  line (click's own usage errors); 3 an internal error (one line saying it is a bug; the
  traceback only with `--debug`) or a backend failure; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from .resolved import ResolvedApp

app = typer.Typer(
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
        from . import __version__

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
        list[Path],
        typer.Argument(
            metavar="PATH", help="Spec files, or folders whose *.yaml files are all read.", show_default=False
        ),
    ],
) -> None:
    """Check specs and print their apps, environments, components, kinds and owners."""
    from .resolve import resolve
    from .source import load

    typer.echo(summary(resolve(load(paths))), nl=False)


@app.command()
def schema(
    out: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional on Python 3.11
        typer.Option(
            "--out", "-o", help="Write the schema to this file instead of standard output.", show_default=False
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of spec files (for editors and CI)."""
    from .schema import render

    text = render()
    if out is None:
        sys.stdout.write(text)
        return
    from .errors import UsageError

    temporary = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(out)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write: {exc.strerror or exc}") from None


@app.command(name="compile")
def compile_(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help="Spec files, or folders whose *.yaml files are all read.", show_default=False),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (replaced as a whole, atomically).")] = Path(
        "build"
    ),
    env: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.11
        typer.Option("--env", "-e", help="Only this environment (repeatable); the others are kept as they were.", show_default=False),
    ] = None,
    backend: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--backend", "-b", help="Only this backend (repeatable); default: every installed backend.", show_default=False),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 listing the files that differ (for CI).")
    ] = False,
) -> None:
    """Compile specs into OUT/manifest.json and OUT/APP/<backend>/, deterministically and atomically."""
    from . import plugins
    from .output import compile_into
    from .resolve import resolve
    from .source import load

    apps = resolve(load(paths))
    differing = compile_into(out, apps, plugins.load(backend), only_envs=env, check_only=check)
    if check:
        if differing:
            for path in differing:
                typer.echo(f"{out / path}: differs", err=True)
            typer.echo(f"{len(differing)} file{'s' if len(differing) != 1 else ''} out of date; run envspec compile", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out}: up to date")
        return
    typer.echo(f"{out}: {len(differing)} file{'s' if len(differing) != 1 else ''} changed" if differing else f"{out}: unchanged")


@app.command()
def backends() -> None:
    """List the installed backends (entry-point group envspec.backends)."""
    from . import plugins

    for name, entry in plugins.installed().items():
        dist = entry.dist.name if entry.dist is not None else "?"
        typer.echo(f"{name:<12} {entry.value}  ({dist})")


def summary(apps: Sequence[ResolvedApp]) -> str:
    """A plain-text table per app: each component's kind and its owner in every environment."""
    blocks = []
    for resolved in apps:
        envs = list(resolved.environments.values())
        addresses: dict[str, str] = {}
        for env in envs:
            for address, component in env.components.items():
                addresses.setdefault(address, component.kind)
        count = len(addresses)
        title = (
            f"{resolved.spec.app} ({resolved.source}): {len(envs)} environment{'s' if len(envs) != 1 else ''}, "
            f"{count} component{'s' if count != 1 else ''}"
        )
        rows = [["component", "kind", *(env.env for env in envs)]]
        for address, kind in addresses.items():
            owners = [env.components[address].owner if address in env.components else "-" for env in envs]
            rows.append([address, kind, *owners])
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        blocks.append("\n".join([title, *lines]) + "\n")
    return "\n".join(blocks)


@contextmanager
def _pydantic_plugins_disabled() -> Iterator[None]:
    """Skip pydantic's plugin discovery (a scan of every installed distribution's entry points,
    a large share of a cold `validate`): envspec's models are internal, no plugin has business
    with them. Typer does the same around its own TypeAdapters."""
    previous = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = previous


def _plain_validate(args: Sequence[str]) -> bool:
    """`validate PATH...` with no option at all (anything else goes through typer)."""
    return len(args) >= 2 and args[0] == "validate" and not any(a.startswith("-") for a in args[1:])


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    from .errors import EnvspecError, SpecError

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # standalone: typer reports its own usage errors (exit 2) and turns Ctrl-C into 130
        with _pydantic_plugins_disabled():
            if _plain_validate(args):
                # the hot path of editors and CI: skip building typer's command (its pydantic
                # adapters cost more than validating a spec); same function, same output
                validate([Path(a) for a in args[1:]])
            else:
                typer.main.get_command(app).main(args=args, prog_name="envspec", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        return 130
    except SpecError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        count = len(exc.diagnostics)
        print(f"{count} error{'s' if count != 1 else ''}", file=sys.stderr)
        return exc.exit_code
    except EnvspecError as exc:
        print(f"envspec: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the one place that turns a bug into exit status 3
        if debug:
            import traceback

            traceback.print_exc()
        tail = "" if debug else "; rerun with --debug for the traceback"
        print(f"envspec: internal error (this is a bug): {type(exc).__name__}: {exc}{tail}", file=sys.stderr)
        return 3
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
