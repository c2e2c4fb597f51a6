"""Diagnostics and the one error family of envspec.

Every problem a user can cause is a :class:`Diagnostic` with a file, line and
column (1-based), the component address it concerns, a message and an
optional hint.  All diagnostics of a run are collected and raised together in
one :class:`SpecError`; the CLI prints them and exits 1.
"""

from __future__ import annotations

import difflib
import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    col: int
    address: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        text = f"{where}: {self.address}: {self.message}" if self.address else f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class EnvspecError(Exception):
    """Base of every error envspec raises on purpose."""

    exit_code = 1


class SpecError(EnvspecError):
    """One or more problems in the user's input; carries every diagnostic of the run."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(set(diagnostics)))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class UsageError(EnvspecError):
    """A bad command line: unknown backend, missing path, unknown environment."""


class BackendError(EnvspecError):
    """A backend failed to render; nothing was written."""

    exit_code = 3


MAX_CANDIDATES = 64  # did-you-mean compares a word with at most this many candidates
MAX_HINTED = 100  # a run with more problems than this (the report shows 50) stops suggesting


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """Return "did you mean 'x'?" for the closest of ``choices``, or None.

    The work is bounded: of a long list of choices, only the MAX_CANDIDATES sharing the most
    letter pairs with ``word`` are compared in full (difflib's ratio is quadratic in length and
    linear in the choices; thousands of misspelt references against thousands of names took minutes).
    """
    pool = sorted(set(choices))
    if len(pool) > MAX_CANDIDATES:
        pairs = _pairs(word)
        pool = sorted(heapq.nlargest(MAX_CANDIDATES, pool, key=lambda choice: len(pairs & _pairs(choice))))
    close = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    return f"did you mean '{close[0]}'?" if close else None


def did_you_mean_name(word: str, choices: Iterable[str]) -> str | None:
    """did_you_mean, or the one choice that starts with `word` (`prod` -> `production`)."""
    hint = did_you_mean(word, choices)
    if hint is None and word:
        starting = sorted({c for c in choices if c.startswith(word)})
        if len(starting) == 1:
            hint = f"did you mean '{starting[0]}'?"
    return hint


def _pairs(word: str) -> set[str]:
    return {word[i : i + 2] for i in range(len(word) - 1)}


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\udc80-\udcff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` safe to echo on a terminal: control characters (from a path or a value) and the
    undecodable bytes of a file name (surrogate escapes) written as escapes, one message one line."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or f"\\x{code - 0xDC00 if code >= 0xDC80 else code:02x}"
