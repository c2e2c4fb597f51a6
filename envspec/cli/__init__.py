"""The command line. Each command is a few lines calling the core.

Imports are lazy: `envspec --help` and `--version` load only typer, and each command imports
just the stages it needs (`validate` never loads jinja2 or a backend). A plain
`envspec validate PATH...` (no option), the hot path of editors and CI, does not even load typer.
The typer application lives in `envspec.cli.commands` (which imports nothing from here); to add a
command, write a function decorated with `@app.command()` there that imports what it needs
inside. Errors are turned into exit statuses in one place, `run()`:

* 0 success; 1 a problem in the user's input (SpecError: every diagnostic on stderr, one per
  line, then a count such as `2 errors`) or command line (UsageError), or what the machine
  refused (an OSError: permissions, disk full, a name too long, standard output closed or full);
  at most MAX_SHOWN diagnostics are printed, then "... and N more"; 2 a malformed command line
  (click's own usage errors); 3 an internal error (one line saying it is a bug; the traceback
  only with `--debug`) or a backend failure; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from envspec.cli.console import discard_stdout, flush_stdout, write_stdout
from envspec.operations.summary import validate_summary

_PLUGIN_LOADER = "pydantic.plugin._loader"


@contextmanager
def _pydantic_plugins_disabled() -> Iterator[None]:
    """Skip pydantic's plugin discovery: envspec's models are internal, no plugin has business with them.

    `PYDANTIC_DISABLE_PLUGINS=__all__` makes pydantic's `get_plugins()` return no plugin (typer does the
    same around its own TypeAdapters), but the module defining it imports `importlib.metadata` (and
    with it the `email` package), a sixth of a cold `validate`. So, unless something already loaded
    that module, a stand-in whose `get_plugins()` gives the same answer is used meanwhile, and removed
    afterwards: code that builds pydantic models later in the same process gets pydantic's own.
    """
    previous = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    stand_in = None
    if _PLUGIN_LOADER not in sys.modules:
        import types

        stand_in = types.ModuleType(_PLUGIN_LOADER, "envspec: no pydantic plugins (PYDANTIC_DISABLE_PLUGINS=__all__)")
        stand_in.get_plugins = tuple  # type: ignore[attr-defined]  # get_plugins() -> ()
        sys.modules[_PLUGIN_LOADER] = stand_in
    try:
        yield
    finally:
        if stand_in is not None and sys.modules.get(_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PLUGIN_LOADER]
        if previous is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = previous


def _plain_validate(args: Sequence[str]) -> bool:
    """`validate PATH...` with no option at all (anything else goes through typer)."""
    return len(args) >= 2 and args[0] == "validate" and not any(a.startswith("-") for a in args[1:])


def _terminate_like_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C (the writer removes its own temporary folder), then exit 143."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def terminated(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)


MAX_SHOWN = 50  # diagnostics printed in full; the rest are counted ("... and 199,950 more")


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    from envspec.core.errors import EnvspecError, SpecError, printable

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    _terminate_like_interrupt()
    if sys.stderr is None:  # nowhere to report to: errors are still told by the exit status
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        print("envspec: error: standard output is closed (redirect it to /dev/null to discard it)", file=sys.stderr)
        return 1
    try:
        try:
            # standalone: typer reports its own usage errors (exit 2) and turns Ctrl-C into 130
            with _pydantic_plugins_disabled():
                if _plain_validate(args):
                    # the hot path of editors and CI: no typer at all (importing it and building its
                    # command costs more than validating a spec); same output as the typer command
                    write_stdout(validate_summary(args[1:]))
                else:
                    import typer

                    from envspec.cli.commands import app

                    typer.main.get_command(app).main(args=args, prog_name="envspec", standalone_mode=True)
        finally:
            flush_stdout()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        return 130
    except SpecError as exc:
        for diagnostic in exc.diagnostics[:MAX_SHOWN]:
            print(printable(str(diagnostic)), file=sys.stderr)
        count = len(exc.diagnostics)
        if count > MAX_SHOWN:
            print(f"... and {count - MAX_SHOWN:,} more", file=sys.stderr)
        print(f"{count:,} error{'s' if count != 1 else ''}", file=sys.stderr)
        return exc.exit_code
    except EnvspecError as exc:
        print(printable(f"envspec: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # the machine refused (permissions, disk full, name too long): not a bug
        if exc.filename is None:  # envspec names every file it writes: this was standard output
            discard_stdout()
        where = exc.filename if exc.filename is not None else "standard output"
        print(printable(f"envspec: error: {where}: {exc.strerror or exc}"), file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the one place that turns a bug into exit status 3
        if debug:
            import traceback

            traceback.print_exc()
        tail = "" if debug else "; rerun with --debug for the traceback"
        print(printable(f"envspec: internal error (this is a bug): {type(exc).__name__}: {exc}{tail}"), file=sys.stderr)
        return 3
    return 0


def main() -> None:
    """Console-script entry point. Once the work is done and reported, a Ctrl-C or SIGTERM changes
    nothing: it is held back, so that the interpreter's shutdown (which waits for threads) cannot
    print a traceback after the result."""
    try:
        status = run()
    except KeyboardInterrupt:  # between run's own handlers and here
        status = 130
    except SystemExit as exc:  # SIGTERM there
        status = exc.code if isinstance(exc.code, int) else 1
    _hold_back_signals()
    sys.exit(status)


def _hold_back_signals() -> None:
    import signal

    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    else:  # no signal masks (Windows): ignore them instead
        signal.signal(signal.SIGINT, signal.SIG_IGN)
