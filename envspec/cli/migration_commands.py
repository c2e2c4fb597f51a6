"""The migration commands (`migrate`, `status`, `plan-move`, `graph`): thin wrappers over
`envspec.operations.migrate`, `envspec.operations.status` and `envspec.operations.diagram`, which `envspec.cli.commands` registers
on its typer application (`register`). Rich is used here only, for the status table in a terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

_SPECS = Path("specs")
_ENV_HELP = "Only this environment (repeatable)."


def migrate(
    address: Annotated[str, typer.Argument(metavar="ADDRESS", help="The component: network, buckets.NAME, databases.NAME, ...", show_default=False)],
    to: Annotated[str, typer.Option("--to", metavar="terraform|ansible", help="The new owner.", show_default=False)],
    spec: Annotated[Path, typer.Argument(metavar="SPEC", help="The spec file, or a folder of specs.")] = _SPECS,
    env: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.11
        typer.Option("--env", "-e", metavar="ENV", help="Move it only here (repeatable), through `overrides`; default: everywhere.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The output folder the printed commands use.")] = Path("build"),
) -> None:
    """Move a component to another owner: edit only the owner lines of its spec, then say what happens next."""
    from envspec.core.writer import write_file
    from envspec.operations.migrate import next_steps, plan

    migration = plan([spec], address, to, env or ())
    write_file(migration.spec, migration.text, "the spec")  # through a link, keeping the file's mode
    typer.echo(next_steps(migration, str(out)), nl=False)


def status(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="PATH", help="Spec files or folders (default: specs/).", show_default=False)] = None,  # noqa: UP045
    env: Annotated[Optional[list[str]], typer.Option("--env", "-e", metavar="ENV", help=_ENV_HELP, show_default=False)] = None,  # noqa: UP045
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
) -> None:
    """Who owns each component in each environment, moves in progress, and how many are on Terraform."""
    from envspec.core.project import Project
    from envspec.operations.status import of_apps, render_text, to_json

    statuses = of_apps(Project.read(paths or [_SPECS]), env)
    if as_json:
        sys.stdout.write(to_json(statuses))
    elif sys.stdout.isatty():
        _rich_status(statuses)
    else:
        sys.stdout.write(render_text(statuses))


def _rich_status(statuses: list) -> None:  # type: ignore[type-arg]
    from rich.console import Console
    from rich.table import Table

    from envspec.operations.status import rows, title

    styles = {"terraform": "bold magenta", "ansible": "bold red"}
    console = Console()
    for app_status in statuses:
        table = Table(title=title(app_status), title_justify="left")
        header, *body = rows(app_status)
        for name in header:
            table.add_column(name)
        for row in body:
            table.add_row(*row[:2], *(f"[{styles.get(cell.split(' ')[0], '')}]{cell}[/]" if cell != "-" else cell for cell in row[2:]))
        console.print(table)
        for env in app_status.environments:
            console.print("  " + app_status.progress(env), highlight=False)


def plan_move(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="PATH", help="Spec files or folders (default: specs/).", show_default=False)] = None,  # noqa: UP045
    base: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--base", metavar="REF", help="Compare with the specs at this git revision (in CI: the pull request's base); default: with the ownership history beside each spec.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The output folder the text names.")] = Path("build"),
) -> None:
    """Each component changing owner: its AWS resources, import ids or lookups, what Ansible stops managing (Markdown for a pull request)."""
    from envspec.core import history as history_file
    from envspec.core.project import Project
    from envspec.operations.migrate import moves_between, pending_moves, review_text

    project = Project.read(paths or [_SPECS])
    texts = []
    for resolved in project.apps:
        known = project.history(resolved)
        if base is None:
            moves, baseline = pending_moves(resolved, known), f"`{history_file.path_for(resolved.source).name}`"
        else:
            old = _at_revision(Path(resolved.source), base)
            moves = moves_between(old, resolved) if old is not None else []
            baseline = f"`{base}`" if old is not None else f"`{base}` (where the spec does not exist yet)"
        texts.append(review_text(resolved, moves, history_file.updated(known, resolved), baseline, str(out)))
    sys.stdout.write("\n".join(texts))


def _at_revision(spec: Path, ref: str):  # type: ignore[no-untyped-def]
    """The spec as it was at git revision `ref`, resolved; None when it did not exist there."""
    import subprocess

    from envspec.core.errors import UsageError
    from envspec.core.resolve import resolve_document
    from envspec.core.source import decode, parse

    where = spec.resolve().parent
    try:
        found = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=where, capture_output=True, text=True)
        if found.returncode != 0:
            raise UsageError(f"--base {ref}: {spec} is not in a git repository")
        top = found.stdout.strip()
        subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=where, capture_output=True, check=True)
    except FileNotFoundError:
        raise UsageError("--base needs git, and git is not installed") from None
    except subprocess.CalledProcessError:
        raise UsageError(f"--base {ref}: not a git revision of the repository holding {spec}") from None
    rel = spec.resolve().relative_to(Path(top).resolve()).as_posix()
    shown = subprocess.run(["git", "show", f"{ref}:{rel}"], cwd=where, capture_output=True)
    if shown.returncode != 0:
        return None
    return resolve_document(parse(decode(shown.stdout, f"{ref}:{rel}", "a spec").removeprefix("\ufeff"), f"{ref}:{rel}"))


def graph(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A spec file or a folder of specs.")] = _SPECS,
    env: Annotated[str, typer.Option("--env", "-e", metavar="ENV", help="The environment to draw.", show_default=False)] = ...,  # type: ignore[assignment]
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="mermaid|dot", help="Mermaid (renders in a pull request) or Graphviz DOT.")] = "mermaid",
) -> None:
    """Components as nodes coloured by owner, references as edges labelled with the permission they grant."""
    from envspec.core.project import Project
    from envspec.operations.diagram import render

    sys.stdout.write(render(Project.read([path]), env, fmt))


def register(app: typer.Typer) -> None:
    """Add the migration commands to the command line's typer application."""
    app.command()(migrate)
    app.command()(status)
    app.command(name="plan-move")(plan_move)
    app.command()(graph)
