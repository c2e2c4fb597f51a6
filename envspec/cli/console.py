"""Standard output for the commands: written in full or an error, flushed when the work is done.

Python's buffered `sys.stdout` drops the rest of a short write silently and reports a refusal only at
the interpreter's exit; the commands write through `write_stdout` and `envspec.cli.run` flushes with
`flush_stdout`, so that a full disk, a closed pipe or a file size limit is an error with its exit status.
"""

from __future__ import annotations

import os
import sys


def write_stdout(text: str) -> None:
    """Write `text` to standard output in full, or raise OSError: Python's buffered stdout drops
    the rest of a short write silently (a file size limit cut the output at 1 KiB with exit 0)."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):  # not a file (captured in a test, an embedding program): its own write
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    data = memoryview(text.encode(sys.stdout.encoding or "utf-8", "backslashreplace"))
    while data:
        data = data[os.write(fd, data):]


def flush_stdout() -> None:
    """Flush standard output now, so that a refusal (a full disk, /dev/full, a closed pipe, a file
    size limit) is reported as an error rather than at the interpreter's exit."""
    sys.stdout.flush()


def discard_stdout() -> None:
    """After standard output refused text: point it at /dev/null (the flush at exit would print a traceback)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
