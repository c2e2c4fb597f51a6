"""Loading YAML so that every key and value keeps its file, line and column.

`parse(text, path)` turns one spec file into a :class:`Document`: plain Python data (dicts, lists,
str, int, float, bool, None) plus the position of every key and value, addressed by its path
tuple, e.g. ``("services", "api", "env", "DATABASE_URL")``. Lines and columns are 1-based and
count characters (a tab is one column).

The data is built from libyaml's event stream (PyYAML's C parser when available), not from
PyYAML's constructor, so that we decide what a scalar means and can point at every problem:

* **YAML 1.2 scalars.** PyYAML implements YAML 1.1, where ``yes``, ``no``, ``on``, ``off``,
  ``y`` and ``n`` are booleans, ``012`` is octal, ``1_000`` is a thousand, ``1:30`` is ninety and
  ``2024-01-01`` is a date. Here a plain scalar is ``null``/``~``/empty (None),
  ``true``/``false`` (any of the three YAML 1.2 spellings), an integer (``123``, ``-4``, ``0x1f``,
  ``0o17``), a float (``1.5``, ``1e3``, ``.inf``, ``.nan``) or else a string. Integers written with
  a leading zero (``012``) stay strings rather than silently becoming 10 or 12.
* **Rejected:** duplicate keys (an error, not last-wins), keys that are not strings, anchors,
  aliases and ``<<`` merge keys (per-environment differences are what ``overrides`` is for),
  tags other than the YAML core ones (``!!str``, ``!!int``, ...), more than one document, an
  empty file, a top level that is not a mapping, control characters (NUL and friends) anywhere
  in the file or, through escapes, in a value.

Every problem is a :class:`~envspec.core.errors.Diagnostic`; all of them are raised together in one
:class:`~envspec.core.errors.SpecError`.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from envspec.core.errors import Diagnostic, SpecError, UsageError

try:  # libyaml: an order of magnitude faster; the pure-Python parser gives the same events
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = str | int
DataPath = tuple[PathKey, ...]

MAX_DEPTH = 64

# Characters that may not appear in a spec file at all (YAML's own printable set minus the C0
# and C1 controls it allows: tab, LF, CR and NEL are fine). Surrogates cannot come from UTF-8.
_FORBIDDEN_RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# What a value may not contain once escapes are processed ("\0", "\x07", "\e" ...); tab, LF and
# CR are allowed in values (multi-line strings), not in keys.
_FORBIDDEN_VALUE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_FORBIDDEN_KEY = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_INT_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+")
_INT_OCT = re.compile(r"0o[0-7]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_FLOAT_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_FLOAT_NAN = re.compile(r"\.(nan|NaN|NAN)")

_CORE = "tag:yaml.org,2002:"
_EXPECTED_ROOT = "expected a mapping with `envspec: 1`, `app` and `environments`"
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL"}


class Position(NamedTuple):
    """A place in a file: 1-based line and column."""

    line: int
    col: int


class Span(NamedTuple):
    """Where a value is written: its first and last character, and how (for scalars).

    ``style`` is ``None`` for plain scalars and collections, ``'`` or ``"`` for quoted scalars,
    ``|`` or ``>`` for block scalars. ``raw`` is the source text of a scalar that fits on one line
    (quotes included), so that a character offset in the value can be mapped back to a column and
    a message can quote what was written (``1e3``, not ``1000.0``); it is None otherwise.
    """

    line: int
    col: int
    end_line: int
    end_col: int
    style: str | None = None
    raw: str | None = None
    scalar: bool = False

    @property
    def start(self) -> Position:
        return Position(self.line, self.col)


class Located(NamedTuple):
    """The positions of one node: its key in the parent mapping (None for list items and the
    root) and its value."""

    key: Position | None
    value: Span


class Document(NamedTuple):
    """One parsed spec file. ``data`` is the root mapping; treat it as read-only.

    (The small value types here are NamedTuples rather than frozen dataclasses: they are just as
    immutable and a good deal cheaper to define, which shows in the cold start of the CLI.)
    """

    path: str
    data: dict[str, Any]
    positions: Mapping[DataPath, Located]

    def key_position(self, path: Sequence[PathKey]) -> Position:
        """Where the key of ``path`` is written (its value's position for list items and the
        root; the nearest existing ancestor's when ``path`` is not in the file)."""
        located = self._nearest(tuple(path))
        return located.key or located.value.start

    def value_position(self, path: Sequence[PathKey]) -> Position:
        """Where the value of ``path`` starts (the nearest existing ancestor's when ``path`` is
        not in the file)."""
        return self._nearest(tuple(path)).value.start

    def span(self, path: Sequence[PathKey]) -> Span | None:
        located = self.positions.get(tuple(path))
        return located.value if located else None

    def locate(self, path: Sequence[PathKey], offset: int) -> Position:
        """Where character ``offset`` of the string value at ``path`` is written.

        Exact for single-line plain and quoted scalars (escapes are accounted for); for block and
        multi-line scalars, the scalar's own position.
        """
        located = self.positions.get(tuple(path))
        if located is None:
            return self.value_position(path)
        span = located.value
        if not span.scalar or span.line != span.end_line:
            return span.start
        if span.style is None:
            return Position(span.line, span.col + offset)
        if span.raw is not None:
            column = _raw_column(span.raw, offset)
            if column is not None:
                return Position(span.line, span.col + column)
        return span.start

    def _nearest(self, path: DataPath) -> Located:
        while path not in self.positions:
            path = path[:-1]
        return self.positions[path]


def format_path(path: Iterable[PathKey]) -> str:
    """``("services", "api", "env", 0)`` -> ``services.api.env[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _raw_column(raw: str, offset: int) -> int | None:
    """The column (0-based, from the opening quote) of value character ``offset`` in a quoted
    single-line scalar, or None if it cannot be mapped."""
    quote, body = raw[0], raw[1:]
    index = 0  # position in body
    produced = 0  # value characters produced so far
    while index < len(body):
        if produced == offset:
            return index + 1
        char = body[index]
        if quote == "'" and char == "'":
            if body[index + 1 : index + 2] == "'":
                index += 2
                produced += 1
                continue
            return None  # the closing quote
        if quote == '"' and char == '"':
            return None
        if quote == '"' and char == "\\":
            kind = body[index + 1 : index + 2]
            index += {"x": 4, "u": 6, "U": 10}.get(kind, 2)
            produced += 1
            continue
        index += 1
        produced += 1
    return None


# ---- loading ----------------------------------------------------------------------------------


def parse(text: str, path: str) -> Document:
    """Parse the text of one spec file. Raises SpecError with every problem found."""
    bad = _FORBIDDEN_RAW.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        message = f"{_describe_char(bad.group())} is not allowed in a spec file"
        raise SpecError([Diagnostic(path, line, col, "", message)])
    yaml_text, back = _yaml_1_2_breaks(text)
    builder = _Builder(path, yaml_text, back)
    try:
        data = builder.build(_restored(yaml.parse(yaml_text, Loader=_Loader), back))
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_yaml_error(path, text, exc)]) from None
    except yaml.YAMLError as exc:  # ReaderError and friends carry no line: point at the start
        raise SpecError([Diagnostic(path, 1, 1, "", f"not readable as YAML: {exc}")]) from None
    if builder.diagnostics:
        raise SpecError(builder.diagnostics)
    assert isinstance(data, dict)
    return Document(path, data, builder.positions)


MAX_SPEC_BYTES = 64 * 1024 * 1024  # a spec is a few kilobytes; anything this large is not one


def read_bytes(path: Path | str, what: str, limit: int = MAX_SPEC_BYTES, *, missing_ok: bool = False) -> bytes | None:
    """The bytes of a file envspec reads (a spec, an ownership history, a manifest, a hand-written
    file), with the same guards for all: only a regular file is read (a FIFO, a device such as
    `/dev/zero` or a socket is refused without blocking on it or reading it whole), and at most
    `limit` bytes. A missing file is None with `missing_ok`, else a UsageError like every refusal."""
    shown = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if missing_ok:
            return None
        raise UsageError(f"{shown}: no such file or directory") from None
    except IsADirectoryError:
        raise UsageError(f"{shown}: is a directory") from None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{shown}: not a regular file ({file_kind(info.st_mode)}); it should hold {what}")
        if info.st_size > limit:
            raise UsageError(f"{shown}: {info.st_size} bytes, larger than {what} can be ({limit} bytes)")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise UsageError(f"{shown}: larger than {what} can be ({limit} bytes)")
    return raw


def read(path: Path | str) -> Document:
    """Read and parse one spec file (the display path is ``path`` as given), through `read_bytes`."""
    shown = str(path)
    raw = read_bytes(path, "a spec")
    assert raw is not None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _utf8_position(raw, exc)
        raise SpecError(
            [Diagnostic(shown, line, col, "", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]
        ) from None
    return parse(text.removeprefix("\ufeff"), shown)


def _utf8_position(raw: bytes, exc: UnicodeDecodeError) -> tuple[int, int]:
    """The line and column (1-based, in characters) of the first byte that is not UTF-8."""
    line = raw.count(b"\n", 0, exc.start) + 1
    return line, len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1


def read_text(path: Path | str, what: str, limit: int = MAX_SPEC_BYTES, *, missing_ok: bool = False) -> str | None:
    """`read_bytes` decoded as UTF-8; a file that is not is a UsageError naming the line and column."""
    raw = read_bytes(path, what, limit, missing_ok=missing_ok)
    return None if raw is None else decode(raw, str(path), what)


def decode(raw: bytes, shown: str, what: str) -> str:
    """UTF-8 bytes as text; bytes that are not are a UsageError naming the line and column."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _utf8_position(raw, exc)
        raise UsageError(f"{shown}:{line}:{col}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); {what} is UTF-8 text") from None


def load_json(text: str, path: Path | str, what: str) -> Any:
    """JSON text of a file envspec wrote (a manifest, a history): a UsageError for text that is not
    JSON, or that nests deeper than Python's parser goes (never a RecursionError)."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise UsageError(f"{path}: not {what}: its JSON nests too deeply") from None


def file_kind(mode: int) -> str:
    kinds = [(stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _stat(given: Path | str) -> os.stat_result:
    """`os.stat` of a command-line path, every refusal a UsageError naming it (a link loop, a
    folder that cannot be searched, a name over the limit)."""
    shown = str(given)
    if shown == "":
        raise UsageError("an empty path was given (write . for the current folder)")
    try:
        return os.stat(given)
    except FileNotFoundError:
        if os.path.islink(given):
            raise UsageError(f"{shown}: a symbolic link to {os.readlink(given)}, which does not exist") from None
        raise UsageError(f"{shown}: no such file or directory") from None
    except OSError as exc:
        raise UsageError(f"{shown}: {exc.strerror or exc}") from None


def expand(paths: Iterable[Path | str]) -> list[Path]:
    """Files from the command line: a folder stands for its ``*.yaml`` files, sorted by name.

    A file given twice (or named both itself and through its folder or a link) is read once.
    """
    files: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for given in paths:
        info = _stat(given)
        path = Path(given)
        if stat.S_ISDIR(info.st_mode):
            try:
                names = sorted(os.listdir(path))
            except OSError as exc:
                raise UsageError(f"{given}: cannot list this folder: {exc.strerror or exc}") from None
            found = [(path / name, _stat(path / name)) for name in names if fnmatch.fnmatchcase(name, "*.yaml")]
            found = [(p, i) for p, i in found if stat.S_ISREG(i.st_mode)]
            if not found:
                yml = sorted(p.name for p in path.glob("*.yml") if p.is_file())
                if yml:
                    raise UsageError(
                        f"{given}: no *.yaml files in this folder, only *.yml ({', '.join(yml[:3])}"
                        f"{', ...' if len(yml) > 3 else ''}); envspec reads a folder's *.yaml files: rename them, "
                        "or name the files on the command line"
                    )
                raise UsageError(f"{given}: no *.yaml files in this folder")
        else:
            found = [(path, info)]
        for file, file_info in found:
            identity = (file_info.st_dev, file_info.st_ino)
            if identity not in seen:
                seen.add(identity)
                files.append(file)
    return files


def load(paths: Iterable[Path | str]) -> list[Document]:
    """Read every spec file (folders expanded); raises one SpecError with the problems of all."""
    documents: list[Document] = []
    problems: list[Diagnostic] = []
    for path in expand(paths):
        try:
            documents.append(read(path))
        except SpecError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise SpecError(problems)
    return documents


# NEL, LS and PS end a line in YAML 1.1 (PyYAML) but not in YAML 1.2, where they are ordinary
# characters (in a comment, say). They are read as private-use characters the text does not hold,
# and given back in every value and key.
_NOT_BREAKS_IN_1_2 = ("\x85", "\u2028", "\u2029")


def _yaml_1_2_breaks(text: str) -> tuple[str, dict[int, str]]:
    """`text` with NEL, LS and PS replaced for PyYAML, and the map that gives them back."""
    present = [c for c in _NOT_BREAKS_IN_1_2 if c in text]
    if not present:
        return text, {}
    stand_ins = (chr(code) for code in range(0xE000, 0xF8FF) if chr(code) not in text)
    pairs = {char: next(stand_ins) for char in present}
    return text.translate({ord(c): s for c, s in pairs.items()}), {ord(s): c for c, s in pairs.items()}


def _restored(events: Iterator[yaml.Event], back: dict[int, str]) -> Iterator[yaml.Event]:
    """The parser's events with NEL, LS and PS given back in scalars (keys and values)."""
    for event in events:
        if back and isinstance(event, yaml.ScalarEvent):
            event.value = event.value.translate(back)
        yield event


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counting line breaks the way YAML 1.2 does (LF,
    CR, CRLF; NEL, LS and PS are ordinary characters there, see `_yaml_1_2_breaks`)."""
    before = text[:index]
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return line, index - start + 1


def _describe_char(char: str) -> str:
    code = ord(char)
    name = _CONTROL_NAMES.get(code)
    return f"control character U+{code:04X}" + (f" ({name})" if name else "")


def _yaml_error(path: str, text: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    char = lines[line - 1][col - 1 : col] if line <= len(lines) else ""
    problem = (exc.problem or "malformed YAML").strip()
    if char == "\t" or (mark and "cannot start any token" in problem and _tab_before(lines, line, col)):
        return Diagnostic(path, line, col, "", "tab character: YAML indentation must use spaces")
    if problem.startswith("found character that cannot start any token") and char:
        problem = f"found character {char!r} that cannot start any token"
        if char in "@`":
            problem += " (quote the value)"
    elif problem == "mapping values are not allowed in this context":
        problem += " (check the indentation, or quote a value that contains ': ')"
    elif problem == "did not find expected key":
        problem += " (check the indentation)"
    context = exc.context
    if context and exc.context_mark and exc.context_mark is not mark:
        cm = exc.context_mark
        if (cm.line, cm.column) != (line - 1, col - 1):
            problem += f" ({context} at line {cm.line + 1}, column {cm.column + 1})"
    return Diagnostic(path, line, col, "", problem)


def _tab_before(lines: list[str], line: int, col: int) -> bool:
    return line <= len(lines) and "\t" in lines[line - 1][: col - 1] and not lines[line - 1][: col - 1].strip(" \t")


_SHADOW = "\0"  # starts the path of a value built only to be reported (no key can hold NUL)


class _Builder:
    """Builds plain data from parser events, recording positions and collecting problems."""

    def __init__(self, path: str, text: str, back: dict[int, str] | None = None) -> None:
        self.path = path
        self.lines = [line.translate(back or {}) for line in text.splitlines()]
        self.positions: dict[DataPath, Located] = {}
        self.diagnostics: list[Diagnostic] = []

    def error(self, mark: Any, message: str, address: DataPath = (), hint: str | None = None) -> None:
        # A value built only to be reported (a duplicate key's, a non-text key's) lives under a
        # shadow path of its own; the message names it as the user wrote it.
        shown = tuple(
            part.partition(":")[2] if isinstance(part, str) and part.startswith(f"{_SHADOW}duplicate:") else part
            for part in address if not (isinstance(part, str) and part == f"{_SHADOW}skipped")
        )
        self.diagnostics.append(
            Diagnostic(self.path, mark.line + 1, mark.column + 1, format_path(shown), message, hint)
        )

    def build(self, events: Iterator[yaml.Event]) -> Any:
        next(events)  # StreamStartEvent
        event = next(events)
        if isinstance(event, yaml.StreamEndEvent):
            self.diagnostics.append(
                Diagnostic(self.path, 1, 1, "", f"empty file: {_EXPECTED_ROOT}")
            )
            return {}
        assert isinstance(event, yaml.DocumentStartEvent)
        start = event.start_mark
        version = getattr(event, "version", None)
        if version is not None and tuple(version) != (1, 2):
            self.error(start, f"%YAML {'.'.join(map(str, version))}: envspec reads YAML 1.2 (where `yes`, `no`, "
                       "`on` and `off` are text, and `012` is not octal); remove the directive, or write %YAML 1.2")
        root = self.node(events, next(events), (), None, 0)
        next(events)  # DocumentEndEvent
        event = next(events)
        if isinstance(event, yaml.DocumentStartEvent):
            self.error(event.start_mark, "a second YAML document: a spec file holds exactly one document (one app)")
        if root is None and (self.positions[()].value.scalar):
            self.error(start, f"empty document: {_EXPECTED_ROOT}")
            return {}
        if not isinstance(root, dict):
            found = "a list" if isinstance(root, list) else f"{_kind(root)}"
            self.diagnostics.append(
                Diagnostic(self.path, self.positions[()].value.line, self.positions[()].value.col, "",
                           f"expected a mapping at the top level, found {found}")
            )
            return {}
        return root

    def node(
        self, events: Iterator[yaml.Event], event: yaml.Event, path: DataPath, key: Position | None, depth: int
    ) -> Any:
        if isinstance(event, yaml.AliasEvent):
            self.error(event.start_mark, f"alias *{event.anchor}: anchors and aliases are not supported "
                       "(use `overrides` for per-environment differences)", path)
            self._span(path, key, event)
            return None
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.error(event.start_mark, f"anchor &{anchor}: anchors and aliases are not supported "
                       "(use `overrides` for per-environment differences)", path)
        if depth > MAX_DEPTH:
            self.error(event.start_mark, f"nested more than {MAX_DEPTH} levels deep", path)
            self._skip(events, event)
            return None
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event, path)
            self._span(path, key, event, scalar=True)
            if isinstance(value, str) and _FORBIDDEN_VALUE.search(value):
                char = _FORBIDDEN_VALUE.search(value).group()  # type: ignore[union-attr]
                self.error(event.start_mark, f"{_describe_char(char)} is not allowed in a value", path)
            return value
        if isinstance(event, yaml.SequenceStartEvent):
            self._check_collection_tag(event, "seq", path)
            items: list[Any] = []
            while not isinstance(child := next(events), yaml.SequenceEndEvent):
                items.append(self.node(events, child, (*path, len(items)), None, depth + 1))
            self._span(path, key, event, end=child)
            return items
        if isinstance(event, yaml.MappingStartEvent):
            self._check_collection_tag(event, "map", path)
            mapping: dict[str, Any] = {}
            while not isinstance(key_event := next(events), yaml.MappingEndEvent):
                name = self.key(events, key_event, path, depth)
                value_event = next(events)
                if name is None:  # reported; build the value only to consume its events
                    self.node(events, value_event, (*path, f"{_SHADOW}skipped"), None, depth + 1)
                    continue
                child_path = (*path, name)
                if name in mapping:
                    previous = self.positions[child_path].key
                    line = f"line {previous.line}" if previous else "above"
                    self.error(key_event.start_mark, f"duplicate key '{name}' (first defined at {line})", child_path)
                    self.node(events, value_event, (*path, f"{_SHADOW}duplicate:{name}"), None, depth + 1)
                    continue
                key_position = Position(key_event.start_mark.line + 1, key_event.start_mark.column + 1)
                mapping[name] = self.node(events, value_event, child_path, key_position, depth + 1)
            self._span(path, key, event, end=key_event)
            return mapping
        raise AssertionError(f"unexpected YAML event {event!r}")  # pragma: no cover

    def key(self, events: Iterator[yaml.Event], event: yaml.Event, path: DataPath, depth: int) -> str | None:
        if not isinstance(event, yaml.ScalarEvent):
            self.error(event.start_mark, "keys must be strings, not a list or mapping", path)
            self._skip(events, event)
            return None
        if event.anchor is not None:
            self.error(event.start_mark, f"anchor &{event.anchor}: anchors and aliases are not supported", path)
        if event.value == "<<" and event.style in (None, "") and event.tag is None:
            self.error(event.start_mark, "merge keys (<<) are not supported "
                       "(use `overrides` for per-environment differences)", path)
            return None
        value = self.scalar(event, path)
        if not isinstance(value, str):
            self.error(event.start_mark, f"keys must be strings, found {_kind(value)} {event.value!r}", path,
                       hint=f"quote it: \"{event.value}\"")
            return None
        bad = _FORBIDDEN_KEY.search(value)
        if bad:
            self.error(event.start_mark, f"{_describe_char(bad.group())} is not allowed in a key", path)
            return None
        return value

    def scalar(self, event: yaml.ScalarEvent, path: DataPath) -> Any:
        value: str = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if event.style in (None, "") and tag is None:
                return self.plain(event, path)
            return value
        if not tag.startswith(_CORE):
            self.error(event.start_mark, f"tag {tag} is not supported", path)
            return value
        kind = tag[len(_CORE):]
        if kind == "str":
            return value
        resolved = self.plain(event, path)
        expected = {"int": int, "float": float, "bool": bool, "null": type(None)}.get(kind)
        if expected is None:
            self.error(event.start_mark, f"tag !!{kind} is not supported", path)
            return value
        if expected is float and isinstance(resolved, int) and not isinstance(resolved, bool):
            return float(resolved)
        if not isinstance(resolved, expected) or (expected is int and isinstance(resolved, bool)):
            self.error(event.start_mark, f"{value!r} is not a valid !!{kind}", path)
            return value
        return resolved

    def plain(self, event: yaml.ScalarEvent, path: DataPath) -> Any:
        """`_plain`, with an integer too long to convert (Python's digit limit) reported, not raised."""
        try:
            return _plain(event.value)
        except ValueError:
            digits = sum(c.isdigit() for c in event.value)
            self.error(event.start_mark, f"an integer of {digits} digits is too large", path)
            return event.value

    def _check_collection_tag(self, event: Any, kind: str, path: DataPath) -> None:
        if event.tag is not None and event.tag not in ("!", _CORE + kind):
            self.error(event.start_mark, f"tag {event.tag} is not supported", path)

    def _span(self, path: DataPath, key: Position | None, event: Any, *, end: Any = None, scalar: bool = False) -> None:
        start, stop = event.start_mark, (end or event).end_mark
        style = getattr(event, "style", None) or None
        raw = None
        if scalar and start.line == stop.line:
            if style is None:
                raw = event.value
            elif style in ("'", '"') and start.line < len(self.lines):
                raw = self.lines[start.line][start.column : stop.column]
        self.positions[path] = Located(
            key, Span(start.line + 1, start.column + 1, stop.line + 1, stop.column + 1, style, raw, scalar)
        )

    def _skip(self, events: Iterator[yaml.Event], event: yaml.Event) -> None:
        level = 1 if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)) else 0
        while level:
            event = next(events)
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                level += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                level -= 1


def _plain(value: str) -> Any:
    """The YAML 1.2 core-schema meaning of a plain scalar (with leading-zero integers kept as
    strings)."""
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    first = value[0]
    if not (first.isdigit() or first in "+-."):
        return value
    if _INT.fullmatch(value):
        return int(value)
    if _INT_LEADING_ZERO.fullmatch(value):
        return value
    if _INT_HEX.fullmatch(value):
        return int(value[2:], 16)
    if _INT_OCT.fullmatch(value):
        return int(value[2:], 8)
    if _FLOAT.fullmatch(value):
        return float(value)
    if _FLOAT_INF.fullmatch(value):
        return float("-inf") if value[0] == "-" else float("inf")
    if _FLOAT_NAN.fullmatch(value):
        return float("nan")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"
