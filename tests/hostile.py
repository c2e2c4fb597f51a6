"""A corpus of hostile strings: what a user may type into a spec that is hard on some layer.

Each entry is a value as it must come out (what AWS should receive), not as it is written in a
spec: in a component field or an env value `${` is written `$${` (see `tests.strategies.literal`);
top-level `description` and `tags` are taken literally.

Layers and what hurts them: YAML (specials, implicit typing of `yes`, `null`, `012`, `1e3`, line
breaks U+2028/U+2029/NEL, BOM), Terraform (`${`, `%{`, `$${`, quotes, backslashes, heredoc
markers), Jinja/Ansible (`{{`, `{%`, `{#`, lookups that would run commands), shells and systemd
(`$(...)`, backticks, `%` specifiers), and everything (very long, non-ASCII, RTL, emoji, empty).

`REJECTED` are strings the free-text fields must refuse: control characters (refused in every
value by the loader) and more than 4096 characters (the model's limit on free text). Fields with
a pattern and no length limit (lambda `code`, `schedule`, ec2 `health_check`) accept the long ones;
which field accepts what is decided by the model, per field, in tests/test_hostile_strings.py.
"""

from __future__ import annotations

# (id, value): ids name the test cases.
ACCEPTED: tuple[tuple[str, str], ...] = (
    # quotes and backslashes
    ("double-quotes", 'say "hi" and ""'),
    ("single-quotes", "it's 'quoted' ''"),
    ("lone-double-quote", '"'),
    ("backslashes", "C:\\path\\to\\n and \\t not escapes \\"),
    ("lone-backslash", "\\"),
    ("backslash-dollar", "\\${not an escape} \\$${x}"),
    ("backslash-quote", '\\"'),
    ("unicode-escape-text", "\\u0041 \\x41 \\N \\L"),
    # line breaks and tabs
    ("newline", "line one\nline two"),
    ("crlf", "windows\r\nline\r\n"),
    ("lone-cr", "carriage\rreturn"),
    ("trailing-newline", "ends with a newline\n"),
    ("leading-newlines", "\n\nstarts with two newlines"),
    ("tabs", "\tindented\twith tabs\t"),
    ("spaces-around", "  leading and trailing spaces  "),
    ("only-space", " "),
    ("empty", ""),
    # Terraform templates
    ("interpolation", "${var.injected}"),
    ("interpolation-unclosed", "${ unclosed"),
    ("interpolation-function", '${file("/etc/passwd")}'),
    ("app-reference-text", "${app} and ${env.name} are text here"),
    ("escaped-interpolation", "$${already escaped}"),
    ("triple-dollar", "$$${triple}"),
    ("escaped-unclosed", "$${"),
    ("directive", "%{ if true }yes%{ endif }"),
    ("escaped-directive", "%%{ not a directive }"),
    ("directive-unclosed", "%{"),
    ("dollar-and-percent-ends", "ends with $ and %"),
    ("heredoc", "<<EOT\nheredoc body\nEOT"),
    ("hcl-comments", "# hash // slashes /* block */"),
    # Jinja / Ansible
    ("jinja-expression", "{{ lookup('pipe', 'id') }}"),
    ("jinja-math", "{{ 7 * 7 }}"),
    ("jinja-statement", "{% for x in range(3) %}{{ x }}{% endfor %}"),
    ("jinja-raw", "{% raw %}{{ raw }}{% endraw %}"),
    ("jinja-comment", "{# a comment #}"),
    ("jinja-open", "{{"),
    ("jinja-close", "}}"),
    ("jinja-statement-open", "{%"),
    ("braces", "{}{{}}{{{}}}"),
    ("ansible-unsafe-tag-text", "!unsafe '{{ x }}'"),
    ("json-object", '{"a": 1, "b": [true, null]}'),
    ("json-list", "[1, 2, 3]"),
    # YAML specials
    ("colon-space", "key: value"),
    ("space-hash", "value #comment"),
    ("hash", "#not a comment"),
    ("alias", "*alias"),
    ("anchor", "&anchor value"),
    ("tag", "!tag value"),
    ("directive-percent", "%YAML 1.2"),
    ("at", "@at"),
    ("backtick", "`id`"),
    ("pipe", "|"),
    ("folded", ">"),
    ("dash", "-"),
    ("list-item", "- item"),
    ("question", "?"),
    ("complex-key", "? key"),
    ("flow-sequence", "[a, b]"),
    ("flow-mapping", "{a: b}"),
    ("document-start", "---"),
    ("document-end", "..."),
    ("comma", ","),
    ("merge-key", "<<"),
    # YAML 1.1 / 1.2 implicit types
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "Off"),
    ("y", "y"),
    ("true", "true"),
    ("false-upper", "FALSE"),
    ("null", "null"),
    ("tilde", "~"),
    ("integer", "123"),
    ("negative", "-1"),
    ("leading-zero", "012"),
    ("octal", "0o17"),
    ("hex", "0x1F"),
    ("float", "1.5"),
    ("exponent", "1e3"),
    ("infinity", ".inf"),
    ("nan", ".NaN"),
    ("underscore-number", "1_000"),
    ("sexagesimal", "1:30"),
    ("date", "2024-01-01"),
    ("timestamp", "2001-12-14t21:59:43.10-05:00"),
    # shells and systemd
    ("command-substitution", "$(id) and $HOME"),
    ("shell-operators", "a; b && c || d > /tmp/x < /dev/null | e &"),
    ("systemd-specifier", "%i %h %% 100%"),
    # long
    ("longest", "x" * 4096),
    ("longest-non-ascii", "é" * 2048 + "🚀" * 2048),
    ("long-words", ("word " * 819)[:4096]),
    # non-ASCII
    ("accents", "ünïcødé façade naïve"),
    ("cjk", "日本語の文字列、中文"),
    ("emoji", "🚀 👍🏽 👨‍👩‍👧 🏳️‍🌈"),
    ("rtl", "שלום עולם مرحبا"),
    ("rtl-override", "\u202eevil\u202c"),
    ("line-separator", "a\u2028b"),
    ("paragraph-separator", "a\u2029b"),
    ("bom", "\ufeffstarts with a BOM"),
    ("zero-width", "zero\u200bwidth\u200djoiner"),
    ("combining", "e\u0301 n\u0303"),
    ("fullwidth", "ｆｕｌｌｗｉｄｔｈ＄｛ｘ｝"),
    ("non-bmp", "\U0001d4b3\U00010348\U0010fffd"),
    ("nbsp", "non\u00a0breaking"),
    # everything at once
    ("kitchen-sink", "'\"\\\n\t${x} $${y} %{z} {{ a }} {% b %} {# c #}: #d *e &f !g `h` |i >j -k ?l yes ~ 012 é🚀\u2028"),
)

REJECTED: tuple[tuple[str, str], ...] = (
    ("nul", "nul\x00byte"),
    ("nul-only", "\x00"),
    ("bell", "bell\x07"),
    ("escape", "\x1b[31mred"),
    ("delete", "del\x7f"),
    ("next-line", "next\x85line"),
    ("c1-control", "\x9b"),
    ("over-length", "x" * 4097),
    ("ten-kilobytes", "0123456789" * 1024),
)
CONTROL = frozenset({"nul", "nul-only", "bell", "escape", "delete", "next-line", "c1-control"})

CORPUS: dict[str, str] = dict(ACCEPTED + REJECTED)
assert len(CORPUS) == len(ACCEPTED) + len(REJECTED), "two corpus entries share an id"
