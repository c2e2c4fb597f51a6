"""YAML for Ansible, and the one escaping rule of the Ansible backend.

**The rule** (:func:`text`). Ansible templates (Jinja) any string it loads from a playbook or a
vars file that contains `{{`, `{%` or `{#`. A value that came from the spec must never be
templated: an env value such as `{{ lookup('pipe', 'id') }}` would run a command on the
controller. So a string is written

* tagged `!unsafe` when it contains `{`: Ansible loads it as data it never templates;
* else as a plain double-quoted scalar, which Ansible cannot template (no `{`) and always loads
  as a string.

Why not `!unsafe` on every string: Ansible (2.19) resolves the type of an `!unsafe` scalar as if
it were unquoted, so `!unsafe "123"` loads as the integer 123 and `!unsafe "true"` as a boolean.
A string containing `{` never looks like a number, boolean, null or date, so both branches load
exactly the original string.

The only strings written without this rule are :class:`Template`s: expressions envspec itself
wrote (references to another component's outputs), built from validated addresses and attribute
names, never from spec text.

Everything else here is plain YAML that round-trips exactly through any YAML 1.1/1.2 loader
(PyYAML/libyaml, which Ansible uses): double-quoted scalars with escapes for `"`, `\\`, control
and other non-printable characters, and long scalars folded with escaped line breaks (which add
nothing to the value) so that no line is longer than yamllint's limit (LINE_LIMIT).

Mapping keys: a key that fits on one line (at most WIDTH characters escaped) is an ordinary
(implicit) key, which YAML requires to be on one line and under 1024 characters. A longer key
(a 128-character tag key with spaces, `/` or non-ASCII letters, for example) is written as an
explicit key, `? "folded\\` ... `"` on its own lines and `: value` after it, which YAML allows to
span lines: it loads as exactly the same string.

`dump()` is deterministic: mappings keep their insertion order, the output ends with one newline.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Template", "dump", "scalar", "text"]

INDENT = 2
WIDTH = 100  # soft limit for a folded scalar's pieces, and a one-line key's length
LINE_LIMIT = 160  # yamllint's default maximum line length

# Keys are written plain when they are this simple (and not a YAML 1.1 boolean/null word).
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # fullmatch: `$` would allow a final newline
_YAML_WORDS = frozenset(
    "y n yes no true false on off null ~".split()
)
# Characters written as themselves inside a double-quoted scalar (printable, not `"` or `\`).
_ESCAPES = {
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\xa0": "\\_",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
# Strings made only of characters that `_escape_char` leaves as they are (the common case: every
# name, tag and id envspec writes) need no per-character work: each character is one column.
_UNESCAPED = re.compile(r'[^\x00-\x1f"\\\x7f-\xa0\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]*')


@dataclass(frozen=True)
class Template:
    """A Jinja expression envspec wrote itself, e.g. `{{ envspec_out['network'].vpc_id }}`.

    Written without `!unsafe`, so Ansible evaluates it. Never build one from spec text.
    """

    text: str


def _escape_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if 0xD800 <= code <= 0xDFFF or code in (0xFEFF, 0xFFFE, 0xFFFF):
        return f"\\u{code:04x}"
    return ch


def _pieces(text: str) -> list[str]:
    """The escaped text, cut into pieces of at most about WIDTH characters.

    A cut never falls inside an escape sequence; a piece that would start with a space gets it
    escaped (`\\x20`), because YAML drops leading white space after an escaped line break.
    """
    if _UNESCAPED.fullmatch(text):
        return _cut(text)
    return _escaped_pieces(text)


def _escaped_pieces(text: str) -> list[str]:
    """`_pieces` of any text, a character at a time (what `_cut` must give when no escape is needed)."""
    tokens = [_escape_char(ch) for ch in text]
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    for token in tokens:
        if length + len(token) > WIDTH and current:
            pieces.append("".join(current))
            current, length = [], 0
        if not current and token in (" ", "\t"):
            token = "\\x20" if token == " " else "\\t"
        current.append(token)
        length += len(token)
    pieces.append("".join(current))
    return pieces


def _cut(text: str) -> list[str]:
    """`_pieces` of a text that needs no escapes: every character is one column, so the cuts fall
    every WIDTH characters, and a piece that starts with a space starts with `\\x20` (4 columns)."""
    if len(text) <= WIDTH and text[:1] != " ":
        return [text]
    pieces: list[str] = []
    start, end = 0, len(text)
    while start < end:
        if text[start] == " ":
            pieces.append("\\x20" + text[start + 1 : start + WIDTH - 3])
            start += WIDTH - 3
        else:
            pieces.append(text[start : start + WIDTH])
            start += WIDTH
    return pieces


def scalar(text: str, indent: int = 0) -> str:
    """A double-quoted YAML scalar of `text`; continuation lines are indented by `indent` spaces."""
    if len(text) <= WIDTH and text[:1] != " " and _UNESCAPED.fullmatch(text):
        return f'"{text}"'  # the common case: one piece, as `_pieces` would cut it
    pieces = _pieces(text)
    if len(pieces) == 1:
        return f'"{pieces[0]}"'
    pad = " " * indent
    return '"' + f"\\\n{pad}".join(pieces) + '"'


def text(value: str, indent: int = 0) -> str:
    """The one escaping rule: a string as YAML that Ansible loads as exactly that string, never templated."""
    quoted = scalar(value, indent)
    return f"!unsafe {quoted}" if "{" in value else quoted


@functools.lru_cache(maxsize=4096)  # a spec has few distinct keys; each is written many times
def _plain_key(key: str) -> bool:
    """Whether a key is written as it is: Ansible never templates mapping keys; they are still
    quoted unless trivially plain (and not a YAML 1.1 boolean/null word), and short."""
    return bool(_PLAIN_KEY.fullmatch(key)) and key.lower() not in _YAML_WORDS and len(key) <= WIDTH


def _key(key: object, indent: int) -> tuple[str, bool]:
    """The key as YAML, and whether it fits on one line (else it is written as an explicit `? ` key,
    its continuation lines indented by `indent` spaces)."""
    if not isinstance(key, str):
        raise TypeError(f"mapping keys must be strings, got {key!r}")
    if _plain_key(key):
        return key, True
    quoted = scalar(key, indent)
    return quoted, "\n" not in quoted


def _inline(value: object, indent: int) -> str | None:
    """The value written on the same line as its key or dash, or None for a block collection."""
    kind = type(value)  # the common types first, then the general checks in their order
    if kind is str:
        return text(value, indent)
    if kind is dict:
        return None if value else "{}"
    if kind is list:
        return None if value else "[]"
    if kind is Template:
        return scalar(value.text, indent)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not emitted (no IR value is a float)")
    if isinstance(value, Template):
        return scalar(value.text, indent)
    if isinstance(value, str):
        return text(value, indent)
    if isinstance(value, Mapping):
        return "{}" if not value else None
    if isinstance(value, Sequence):
        return "[]" if not value else None
    raise TypeError(f"cannot write {type(value).__name__} as YAML: {value!r}")


def _lines(value: object, indent: int, out: list[str]) -> None:
    """Append the lines of a non-empty block collection, indented by `indent` spaces, to `out`."""
    pad = " " * indent
    inner = indent + INDENT
    if type(value) is dict or isinstance(value, Mapping):
        for key, item in value.items():
            inline = _inline(item, inner)
            written, one_line = _key(key, inner)
            if not one_line:  # an explicit key: `? KEY` then `: VALUE` (or `:` and a block)
                out.append(f"{pad}? {written}")
                out.append(f"{pad}:" if inline is None else f"{pad}: {inline}")
            elif inline is None:
                out.append(f"{pad}{written}:")
            elif len(pad) + len(written) + 2 + len(inline) <= LINE_LIMIT or (
                len(pad) + len(written) + 2 + len(inline.split("\n", 1)[0]) <= LINE_LIMIT
            ):
                out.append(f"{pad}{written}: {inline}")
            else:  # a long key and a long value: the value on the next line, indented
                out.append(f"{pad}{written}:")
                out.append(f"{pad}{' ' * INDENT}{inline}")
            if inline is None:
                _lines(item, inner, out)
        return
    assert isinstance(value, Sequence) and not isinstance(value, str)
    for item in value:
        inline = _inline(item, inner)
        if inline is not None:
            out.append(f"{pad}- {inline}")
            continue
        first = len(out)  # a block collection in a list: its first line goes after the dash
        _lines(item, inner, out)
        out[first] = f"{pad}- {out[first][inner:]}"


def dump(value: Mapping[str, object], *, indent: int = 0) -> str:
    """A mapping as block YAML, every line indented by `indent` spaces; ends with a newline."""
    if not isinstance(value, Mapping):
        raise TypeError("dump() writes a mapping")
    if not value:
        return " " * indent + "{}\n"
    out: list[str] = []
    _lines(value, indent, out)
    return "\n".join(out) + "\n"
