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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Template", "dump", "scalar", "text"]

INDENT = 2
WIDTH = 100  # soft limit for a folded scalar's pieces, and a one-line key's length
LINE_LIMIT = 160  # yamllint's default maximum line length

# Keys are written plain when they are this simple (and not a YAML 1.1 boolean/null word).
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
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


def scalar(text: str, indent: int = 0) -> str:
    """A double-quoted YAML scalar of `text`; continuation lines are indented by `indent` spaces."""
    pieces = _pieces(text)
    if len(pieces) == 1:
        return f'"{pieces[0]}"'
    pad = " " * indent
    return '"' + f"\\\n{pad}".join(pieces) + '"'


def text(value: str, indent: int = 0) -> str:
    """The one escaping rule: a string as YAML that Ansible loads as exactly that string, never templated."""
    quoted = scalar(value, indent)
    return f"!unsafe {quoted}" if "{" in value else quoted


def _key(key: object, indent: int) -> tuple[str, bool]:
    """The key as YAML, and whether it fits on one line (else it is written as an explicit `? ` key,
    its continuation lines indented by `indent` spaces)."""
    if not isinstance(key, str):
        raise TypeError(f"mapping keys must be strings, got {key!r}")
    # Ansible never templates mapping keys; they are still quoted unless trivially plain.
    if _PLAIN_KEY.match(key) and key.lower() not in _YAML_WORDS and len(key) <= WIDTH:
        return key, True
    quoted = scalar(key, indent)
    return quoted, "\n" not in quoted


def _inline(value: object, indent: int) -> str | None:
    """The value written on the same line as its key or dash, or None for a block collection."""
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


def _lines(value: object, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            inline = _inline(item, indent + INDENT)
            written, one_line = _key(key, indent + INDENT)
            if not one_line:  # an explicit key: `? KEY` then `: VALUE` (or `:` and a block)
                out.append(f"{pad}? {written}")
                out.append(f"{pad}:" if inline is None else f"{pad}: {inline}")
            elif inline is None:
                out.append(f"{pad}{written}:")
            elif len(pad) + len(written) + 2 + len(inline.split("\n", 1)[0]) <= LINE_LIMIT:
                out.append(f"{pad}{written}: {inline}")
            else:  # a long key and a long value: the value on the next line, indented
                out.append(f"{pad}{written}:")
                out.append(f"{pad}{' ' * INDENT}{inline}")
            if inline is None:
                out.extend(_lines(item, indent + INDENT))
        return out
    assert isinstance(value, Sequence) and not isinstance(value, str)
    for item in value:
        inline = _inline(item, indent + INDENT)
        if inline is not None:
            out.append(f"{pad}- {inline}")
            continue
        nested = _lines(item, indent + INDENT)
        first = nested[0][indent + INDENT :]
        out.append(f"{pad}- {first}")
        out.extend(nested[1:])
    return out


def dump(value: Mapping[str, object], *, indent: int = 0) -> str:
    """A mapping as block YAML, every line indented by `indent` spaces; ends with a newline."""
    if not isinstance(value, Mapping):
        raise TypeError("dump() writes a mapping")
    if not value:
        return " " * indent + "{}\n"
    return "\n".join(_lines(value, indent)) + "\n"
