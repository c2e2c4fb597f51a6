"""HCL syntax: the one escaping function, and a small writer that lays text out like `terraform fmt`.

Every value that reaches a generated `.tf` file goes through :func:`literal` (or :func:`quote`,
which it uses for strings): no string from a spec is ever concatenated into HCL. The only raw HCL
is :class:`Expr`, built by this backend from identifiers it chose itself (`module.network.vpc_id`),
and :class:`Template`, whose literal parts are escaped like any other string.

The writer produces exactly what `terraform fmt` would: two-space indentation, and the `=` of
consecutive single-line attributes aligned (a blank line, a comment, a nested block or a multi-line
value ends an alignment group). The tests hold every emitted file to real `terraform fmt`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

INDENT = "  "
MAX_INLINE_LIST = 80  # a list of scalars longer than this gets one item per line
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # fullmatch: `$` would allow a final newline
# Words that change meaning when they are a bare object key (`{ for = 1 }` starts a for
# expression; `{ null = 1 }` is a null key): always quoted.
_KEYWORDS = frozenset({"for", "in", "if", "null", "true", "false"})
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Strings made only of characters that `_escape_char` leaves as they are (the common case) are their
# own escape, unless they hold `${` or `%{`: no per-character work.
_UNESCAPED = re.compile(r'[^\x00-\x1f"\\\x7f-\x9f\u2028\u2029]*')


class HclError(ValueError):
    """A value that has no HCL literal (a float NaN, a non-string map key, an unknown type)."""


@dataclass(frozen=True)
class Expr:
    """A raw HCL expression that this backend composed from its own identifiers; never user text."""

    text: str


@dataclass(frozen=True)
class Template:
    """A string template: literal text (escaped) and expressions (interpolated with `${...}`)."""

    parts: tuple[Union[str, Expr], ...]


def _escape_char(ch: str) -> str:
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch]
    code = ord(ch)
    # C0 and C1 controls, DEL, and the Unicode line/paragraph separators: invisible, or line
    # breaks to some editors. Everything else printable stays as UTF-8 text.
    if code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029):
        return f"\\u{code:04x}"
    return ch


def escape(text: str, *, ascii_only: bool = False) -> str:
    """The inside of an HCL quoted template whose value is exactly `text`.

    Backslash, quote and control characters get backslash escapes; `${` becomes `$${` and `%{`
    becomes `%%{`, so nothing in `text` is ever interpolated or run as a directive. With
    `ascii_only`, every non-ASCII character is escaped too (`\\uNNNN` / `\\UNNNNNNNN`).
    """
    if _UNESCAPED.fullmatch(text) and "${" not in text and "%{" not in text:
        if not ascii_only or text.isascii():
            return text
    return _escape_each(text, ascii_only)


def _escape_each(text: str, ascii_only: bool) -> str:
    """`escape`, a character at a time (what `escape` must give for a text it returns as it is)."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in "$%" and text[i + 1 : i + 2] == "{":
            out.append(ch + ch)  # `${` -> `$${`, `%{` -> `%%{`; the `{` follows as itself
            continue
        escaped = _escape_char(ch)
        if ascii_only and escaped == ch and ord(ch) > 0x7E:
            code = ord(ch)
            escaped = f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
        out.append(escaped)
    return "".join(out)


def quote(text: str, *, ascii_only: bool = False) -> str:
    """`text` as an HCL quoted string literal: `"..."`, escaped by :func:`escape`."""
    if not isinstance(text, str):
        raise HclError(f"expected a string, got {type(text).__name__}")
    return f'"{escape(text, ascii_only=ascii_only)}"'


def key(name: str) -> str:
    """An object key or map key: bare when it is a plain identifier, else a quoted string.

    Quoted keys are ASCII-only so that `terraform fmt`'s column counting is never in doubt.
    """
    if not isinstance(name, str):
        raise HclError(f"object keys must be strings, got {type(name).__name__}: {name!r}")
    if _IDENTIFIER.fullmatch(name) and name not in _KEYWORDS:
        return name
    return quote(name, ascii_only=True)


def identifier(name: str) -> str:
    """Check that `name` is usable as a block label or attribute name this backend chose."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise HclError(f"not an HCL identifier: {name!r}")
    return name


def _scalar(value: Any) -> str | None:
    """The single-line literal of a scalar (or empty collection), or None for anything else."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise HclError(f"no HCL literal for {value!r}")
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, Template):
        inner = "".join(escape(p) if isinstance(p, str) else "${" + p.text + "}" for p in value.parts)
        return f'"{inner}"'
    if isinstance(value, Mapping) and not value:
        return "{}"
    if isinstance(value, (list, tuple)) and not value:
        return "[]"
    return None


def literal(value: Any, depth: int = 0) -> str:
    """Any JSON-like Python value (str, int, bool, None, list, dict) as an HCL expression.

    Lists of scalars stay on one line; lists holding collections, and non-empty maps, span lines,
    indented for nesting level `depth` (continuation lines carry the indentation; the first line
    does not).
    """
    single = _scalar(value)
    if single is not None:
        return single
    pad = INDENT * depth
    if isinstance(value, (list, tuple)):
        items = [_scalar(v) for v in value]
        if all(i is not None for i in items):
            line = "[" + ", ".join(i for i in items if i is not None) + "]"
            if len(line) <= MAX_INLINE_LIST and "\n" not in line:
                return line
        lines = ["["]
        for v in value:
            lines.append(f"{pad}{INDENT}{literal(v, depth + 1)},")
        lines.append(f"{pad}]")
        return "\n".join(lines)
    if isinstance(value, Mapping):
        body = Body([Attribute(key(k), v, raw_name=True) for k, v in value.items()])
        return "{\n" + body.render(depth + 1) + f"{pad}}}"
    raise HclError(f"no HCL literal for a {type(value).__name__}: {value!r}")


# ---- bodies and blocks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    name: str
    value: Any
    raw_name: bool = False  # `name` is already a rendered key (see `key()`)


@dataclass(frozen=True)
class Comment:
    text: str  # one or more lines, each rendered as `# line`


@dataclass(frozen=True)
class Blank:
    """An empty line between groups."""


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...] = ()
    body: "Body | None" = None

    def render(self, depth: int = 0) -> str:
        pad = INDENT * depth
        head = " ".join([identifier(self.type), *(quote(label) for label in self.labels)])
        if self.body is None or not self.body.items:
            return f"{pad}{head} {{}}\n"
        return f"{pad}{head} {{\n{self.body.render(depth + 1)}{pad}}}\n"


Item = Union[Attribute, Comment, Blank, Block]


@dataclass(frozen=True)
class Body:
    items: Sequence[Item]

    def render(self, depth: int = 0) -> str:
        pad = INDENT * depth
        rendered: list[tuple[Item, str]] = []
        for item in self.items:
            if isinstance(item, Attribute):
                rendered.append((item, literal(item.value, depth)))
            else:
                rendered.append((item, ""))
        # Alignment groups: runs of consecutive single-line attributes.
        widths: dict[int, int] = {}
        run: list[int] = []

        def close() -> None:
            width = max((len(_name(rendered[i][0])) for i in run), default=0)
            for i in run:
                widths[i] = width
            run.clear()

        for index, (item, text) in enumerate(rendered):
            if isinstance(item, Attribute) and "\n" not in text:
                run.append(index)
            else:
                close()
        close()
        out: list[str] = []
        for index, (item, text) in enumerate(rendered):
            if isinstance(item, Attribute):
                name = _name(item)
                width = widths.get(index, len(name))
                out.append(f"{pad}{name.ljust(width)} = {text}\n")
            elif isinstance(item, Comment):
                out.append(comment(item.text, pad))
            elif isinstance(item, Blank):
                out.append("\n")
            else:
                out.append(item.render(depth))
        return "".join(out)


def _name(item: Item) -> str:
    assert isinstance(item, Attribute)
    return item.name if item.raw_name else identifier(item.name)


def comment(text: str, pad: str = "") -> str:
    """`# ` lines; control characters (which could end a comment early) become `?`."""
    lines = re.sub(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]", "?", text).split("\n")
    return "".join(f"{pad}# {line}".rstrip() + "\n" for line in lines)


def render_file(blocks: Sequence[Block | Comment], header: str | None = None) -> str:
    """A whole file: an optional header comment, then top-level blocks separated by blank lines."""
    parts: list[str] = []
    if header:
        parts.append(comment(header))
    for block in blocks:
        if isinstance(block, Comment):
            parts.append(comment(block.text))
        else:
            parts.append(block.render(0))
    return "\n".join(parts)
