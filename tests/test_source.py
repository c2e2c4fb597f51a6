"""envspec.core.source: positioned YAML loading, YAML 1.2 scalars, and every kind of malformed file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from envspec.core.errors import SpecError, UsageError
from envspec.core.source import Position, expand, format_path, load, parse, read


def errors(text: str, path: str = "x.yaml") -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse(text, path)
    return [str(d) for d in caught.value.diagnostics]


# ---- data and positions ---------------------------------------------------------------------------


def test_data_is_plain_python_in_file_order() -> None:
    doc = parse("b: 1\na:\n  x: [1, two]\n  y: {k: v}\n", "f.yaml")
    assert doc.path == "f.yaml"
    assert doc.data == {"b": 1, "a": {"x": [1, "two"], "y": {"k": "v"}}}
    assert list(doc.data) == ["b", "a"]


def test_positions_of_keys_and_values_are_one_based() -> None:
    text = "services:\n  api:\n    env:\n      DATABASE_URL: ${databases.main.url}\n"
    doc = parse(text, "f.yaml")
    path = ("services", "api", "env", "DATABASE_URL")
    assert doc.key_position(path) == Position(4, 7)
    assert doc.value_position(path) == Position(4, 21)
    assert doc.key_position(("services",)) == Position(1, 1)
    assert doc.value_position(("services", "api")) == Position(3, 5)  # a mapping starts at its first key


def test_list_items_have_value_positions_only() -> None:
    doc = parse("a:\n  - x\n  - y\n", "f.yaml")
    assert doc.value_position(("a", 1)) == Position(3, 5)
    assert doc.key_position(("a", 1)) == Position(3, 5)


def test_missing_paths_fall_back_to_the_nearest_ancestor() -> None:
    doc = parse("a:\n  b: 1\n", "f.yaml")
    assert doc.key_position(("a", "missing", "deeper")) == Position(1, 1)
    assert doc.value_position(("a", "missing")) == Position(2, 3)


def test_columns_count_characters_not_bytes() -> None:
    doc = parse("é: 1\nclé: été\n", "f.yaml")
    assert doc.value_position(("clé",)) == Position(2, 6)


@pytest.mark.parametrize(
    ("line", "offset", "column"),
    [
        ("k: abc ${x}", 4, 8),  # plain
        ("k: 'abc ${x}'", 4, 9),  # single-quoted
        ("k: 'it''s ${x}'", 5, 11),  # '' is one character
        ('k: "a\\tb ${x}"', 4, 10),  # an escape is two source characters for one
        ('k: "\\u00e9 ${x}"', 2, 12),
    ],
)
def test_locate_maps_an_offset_in_a_single_line_scalar_to_its_column(line: str, offset: int, column: int) -> None:
    doc = parse(line + "\n", "f.yaml")
    assert doc.data["k"][offset] == "$"
    assert doc.locate(("k",), offset) == Position(1, column)


def test_locate_in_block_and_multi_line_scalars_gives_the_scalar_position() -> None:
    doc = parse("k: |\n  ${x}\nm: one\n  two ${y}\n", "f.yaml")
    assert doc.locate(("k",), 0) == Position(1, 4)
    assert doc.locate(("m",), 8) == Position(3, 4)


def test_format_path() -> None:
    assert format_path(("services", "api", "env", "X")) == "services.api.env.X"
    assert format_path(("a", 0, "b")) == "a[0].b"
    assert format_path(()) == ""


# ---- YAML 1.2 scalars -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("012", "012"),  # YAML 1.1 octal: kept as written
        ("0012345678901", "0012345678901"),
        ("1_000", "1_000"),
        ("1:30", "1:30"),
        ("2024-01-01", "2024-01-01"),
        ("0x1f", 31),
        ("0o17", 15),
        ("-7", -7),
        ("0", 0),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("~", None),
        ("null", None),
        ("", None),
        ('"true"', "true"),
        ("'12'", "12"),
        ("!!str 12", "12"),
        ("!!int 12", 12),
        ("!!float 1", 1.0),
        ("!!bool true", True),
        ("!!null ~", None),
        ("! 12", "12"),
    ],
)
def test_scalars_follow_yaml_1_2(written: str, value: object) -> None:
    assert parse(f"k: {written}\n", "f.yaml").data["k"] == value


def test_infinity_and_nan() -> None:
    data = parse("a: .inf\nb: -.Inf\nc: .nan\n", "f.yaml").data
    assert data["a"] == math.inf and data["b"] == -math.inf and math.isnan(data["c"])


def test_on_and_yes_are_ordinary_keys() -> None:
    assert parse("on: 1\nyes: 2\n", "f.yaml").data == {"on": 1, "yes": 2}


# ---- malformed files ---------------------------------------------------------------------------------


def test_tab_indentation() -> None:
    assert errors("a:\n\tb: 1\n") == ["x.yaml:2:1: tab character: YAML indentation must use spaces"]


def test_a_tab_inside_a_value_is_fine() -> None:
    assert parse("a: x\ty\n", "f.yaml").data == {"a": "x\ty"}


def test_bad_indentation() -> None:
    [message] = errors("a: 1\n b: 2\n")
    assert message.startswith("x.yaml:2:3: mapping values are not allowed in this context")


def test_unclosed_quote() -> None:
    assert errors("a: 'x\n") == [
        "x.yaml:2:1: found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)"
    ]


def test_character_that_cannot_start_a_token() -> None:
    assert errors("a: @x\n") == ["x.yaml:1:4: found character '@' that cannot start any token (quote the value)"]


def test_duplicate_keys_are_errors_not_last_wins() -> None:
    assert errors("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n") == [
        "x.yaml:4:3: b.c: duplicate key 'c' (first defined at line 3)",
        "x.yaml:5:1: a: duplicate key 'a' (first defined at line 1)",
    ]


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "   \n# c\n"])
def test_empty_file(text: str) -> None:
    [message] = errors(text)
    assert message.startswith("x.yaml:1:1: empty file")


def test_empty_document() -> None:
    [message] = errors("# c\n---\n")
    assert message.startswith("x.yaml:2:1: empty document")


@pytest.mark.parametrize(
    ("text", "found"), [("- a\n- b\n", "a list"), ("hello\n", "a string"), ("42\n", "an integer")]
)
def test_top_level_must_be_a_mapping(text: str, found: str) -> None:
    assert errors(text) == [f"x.yaml:1:1: expected a mapping at the top level, found {found}"]


def test_multiple_documents() -> None:
    assert errors("a: 1\n---\nb: 2\n") == [
        "x.yaml:2:1: a second YAML document: a spec file holds exactly one document (one app)"
    ]


def test_anchors_aliases_and_merge_keys_are_rejected() -> None:
    assert errors("a: &x {k: 1}\nb: *x\nc:\n  <<: {k: 2}\n") == [
        "x.yaml:1:4: a: anchor &x: anchors and aliases are not supported (use `overrides` for per-environment differences)",
        "x.yaml:2:4: b: alias *x: anchors and aliases are not supported (use `overrides` for per-environment differences)",
        "x.yaml:4:3: c: merge keys (<<) are not supported (use `overrides` for per-environment differences)",
    ]


def test_a_quoted_merge_key_is_an_ordinary_key() -> None:
    assert parse("'<<': 1\n", "f.yaml").data == {"<<": 1}


def test_non_string_keys() -> None:
    assert errors("1: a\nnull: b\n[x]: c\n") == [
        'x.yaml:1:1: keys must be strings, found an integer \'1\' (quote it: "1")',
        'x.yaml:2:1: keys must be strings, found null \'null\' (quote it: "null")',
        "x.yaml:3:1: keys must be strings, not a list or mapping",
    ]


def test_unsupported_tags() -> None:
    assert errors("a: !Ref x\nb: !!binary aGk=\nc: !!int twelve\nd: !!set {x}\n") == [
        "x.yaml:1:4: a: tag !Ref is not supported",
        "x.yaml:2:4: b: tag !!binary is not supported",
        "x.yaml:3:4: c: 'twelve' is not a valid !!int",
        "x.yaml:4:4: d: tag tag:yaml.org,2002:set is not supported",
    ]


@pytest.mark.parametrize(
    ("char", "name"), [("\x00", "U+0000 (NUL)"), ("\x07", "U+0007 (BEL)"), ("\x1b", "U+001B (ESC)"), ("\x7f", "U+007F (DEL)")]
)
def test_control_characters_in_the_file(char: str, name: str) -> None:
    assert errors(f"a: b\nc: d{char}e\n") == [f"x.yaml:2:5: control character {name} is not allowed in a spec file"]


def test_control_character_positions_count_yaml_line_breaks() -> None:
    # YAML 1.2: LF, CR and CRLF end a line; NEL (U+0085), LS and PS are ordinary characters
    assert errors("a: b\r\nc: d\x85e\x01\n") == ["x.yaml:2:7: control character U+0001 is not allowed in a spec file"]
    assert errors("a: b\rc: d\u2028e\x01\n") == ["x.yaml:2:7: control character U+0001 is not allowed in a spec file"]


@pytest.mark.parametrize("char", ["\u2028", "\u2029"], ids=["LS", "PS"])
def test_ls_and_ps_are_ordinary_characters_as_in_yaml_1_2(char: str) -> None:
    document = parse(f"# a comment{char}that goes on\na: x{char}y\nb: 'q{char}r'\nc{char}d: 1\n", "f.yaml")
    assert document.data == {"a": f"x{char}y", "b": f"q{char}r", f"c{char}d": 1}
    assert document.span(("b",)).raw == f"'q{char}r'"


def test_nel_in_a_comment_ends_nothing_and_is_refused_in_a_value() -> None:
    assert parse("# a comment\x85that goes on\na: 1\n", "f.yaml").data == {"a": 1}  # PyYAML: a new line
    assert errors("a: x\x85y\n") == ["x.yaml:1:4: a: control character U+0085 is not allowed in a value"]


@pytest.mark.parametrize("escape", ["\\0", "\\a", "\\e", "\\x01", "\\u0000"])
def test_control_characters_written_as_escapes(escape: str) -> None:
    [message] = errors(f'a: b\nc: "d{escape}e"\n')
    assert message.startswith("x.yaml:2:4: c: control character U+00")
    assert message.endswith("is not allowed in a value")


def test_newlines_in_values_are_fine_but_not_in_keys() -> None:
    assert parse('a: "x\\ny"\n', "f.yaml").data == {"a": "x\ny"}
    [message] = errors('"k\\ny": 1\n')
    assert message == "x.yaml:1:1: control character U+000A is not allowed in a key"


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    [message] = errors("a: " + "[" * 200 + "]" * 200 + "\n")
    assert "nested more than 64 levels deep" in message


# ---- files and folders ----------------------------------------------------------------------------


def test_read_keeps_the_path_as_given_and_strips_a_bom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.yaml").write_bytes("\ufeffk: v\n".encode())
    doc = read("a.yaml")
    assert doc.path == "a.yaml" and doc.data == {"k": "v"}
    assert doc.key_position(("k",)) == Position(1, 1)


def test_invalid_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.yaml").write_bytes(b"k: v\nname: caf\xe9\n")
    with pytest.raises(SpecError) as caught:
        read("a.yaml")
    assert [str(d) for d in caught.value.diagnostics] == [
        "a.yaml:2:10: not valid UTF-8 (byte 0xe9); save the file as UTF-8"
    ]


def test_expand_sorts_a_folders_yaml_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yaml", "c.yml", "notes.txt"):
        (tmp_path / name).write_text("k: v\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.yaml").write_text("k: v\n")
    assert [p.name for p in expand([tmp_path])] == ["a.yaml", "b.yaml"]
    assert expand([tmp_path / "b.yaml", tmp_path / "a.yaml"]) == [tmp_path / "b.yaml", tmp_path / "a.yaml"]


def test_expand_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        expand([tmp_path / "missing.yaml"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no \\*.yaml files"):
        expand([tmp_path / "empty"])


def test_load_reports_the_problems_of_every_file_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.yaml").write_text("a: 1\na: 2\n")
    Path("b.yaml").write_text("- x\n")
    Path("c.yaml").write_text("k: v\n")
    with pytest.raises(SpecError) as caught:
        load(["."])
    assert [d.file for d in caught.value.diagnostics] == ["a.yaml", "b.yaml"]
