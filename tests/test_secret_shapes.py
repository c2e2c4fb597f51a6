"""The secret detector (envspec.core.secrets): issue 22, items 1 and 14.

Item 1: a literal secret next to a `${...}` reference is still a literal secret. Item 14: the
common token formats are known (a table with a source for each), names are judged by words, and
ordinary values are not refused. Each reported case is here, both ways (refused, accepted); a few
go through the real `envspec validate` (exit status, message, line and column), the rest through
the function. Two properties: any format of the table next to a reference is refused, and a value
made only of references and separators is accepted whatever its name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envspec.core.secrets import TOKEN_FORMATS, literal_text, secret_name, secret_shape
from tests.strategies import env_var_names, examples, references, secret_tokens, separators

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
PGP = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0AAAABCAC8\n-----END PGP PRIVATE KEY BLOCK-----"
ASSET_PATH = "assets/Images2024/HeaderBanner/v3/x/y/ab"  # 40 characters of A-Z a-z 0-9 /

# (name, value, what the message says): every reported case that must be refused.
REFUSED = [
    # item 1: a literal secret beside a reference
    ("DATABASE_URL", "postgres://app:hunter2@${databases.main.host}:5432/main", "the value looks like a password in a URL"),
    ("DATABASE_URL", "postgres://${secrets.db_user}:hunter2@${databases.main.host}/main", "the value looks like a password in a URL"),
    ("STRIPE_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc${env.name}", "the value looks like a Stripe key"),
    ("STRIPE_KEY", "${env.name}-sk_live_4eC39HqLyjWDarjtT1zdp7dc", "the value looks like a Stripe key"),
    ("DB_PASSWORD", "hunter2-${app}", "its name says it holds a secret and part of its value is written in the spec"),
    ("DB_PASSWORD", "${env.name}hunter2", "its name says it holds a secret and part of its value is written in the spec"),
    # item 14: formats the detector missed
    ("SLACK_WEBHOOK", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
     "the value looks like a Slack webhook URL"),
    ("SLACK_APP", "xapp-1-A0123456789-1234567890123-0123456789abcdef", "the value looks like a Slack token"),
    ("MAPS", "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", "the value looks like a Google API key"),
    ("SESSION", JWT, "the value looks like a JSON Web Token"),
    ("SIGNING", PGP, "the value looks like a PGP private key block"),
    ("PG_CONN", "host=${databases.main.host} user=app password=hunter2 dbname=main",
     "the value looks like a password in a connection string"),
    ("PG_CONN", "dbname=main sslpassword='hunter 2'", "the value looks like a password in a connection string"),
    ("API", "https://api.example.com/v1?user=app&password=hunter2", "the value looks like a password in a URL"),
    ("API", "postgresql://${databases.main.host}/main?password=hunter2", "the value looks like a password in a URL"),
    ("MYSQL_PWD", "hunter2", "its name says it holds a secret and its value is written in the spec"),
    ("DB_PASS", "hunter2", "its name says it holds a secret and its value is written in the spec"),
    # and what was refused before must still be
    ("DB_PASSWORD", "hunter2", "its name says it holds a secret and its value is written in the spec"),
    ("DB_PASSWORD", "strict", "its name says it holds a secret and its value is written in the spec"),
    ("dbPassword", "hunter2", "its name says it holds a secret and its value is written in the spec"),
    ("SECRET_KEY_BASE", "0123abcd", "its name says it holds a secret and its value is written in the spec"),
    ("AWS_KEY", "AKIAIOSFODNN7EXAMPLE", "the value looks like an AWS access key id"),
    ("AWS_CREDS", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "the value looks like an AWS secret access key"),
    ("GITHUB", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "the value looks like a GitHub token"),
    ("TLS_KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n", "the value looks like a private key"),
]

# (name, value): ordinary values, and references where the secret belongs.
ACCEPTED = [
    # item 1: references alone, or with separators
    ("DB_PASSWORD", "${secrets.db}"),
    ("DATABASE_PASSWORD", "${databases.main.password}"),
    ("DATABASE_URL", "${databases.main.url_with_password}"),
    ("DATABASE_URL", "postgres://app:${secrets.db}@${databases.main.host}:5432/main"),
    ("PG_CONN", "host=${databases.main.host} user=app password=${secrets.db}"),
    ("STRIPE_KEY", "sk_live_${secrets.stripe}"),
    ("SECRET_KEY_BASE", "${secrets.rails}/${env.name}"),
    ("API_TOKEN", "Bearer ${secrets.api}"),
    ("GREETING", "hello ${app} in ${env.name}"),
    # item 14: ordinary values that were refused
    ("PASSWORD_POLICY", "strict"),
    ("TOKEN_TTL", "15m"),
    ("TOKEN_URL", "https://auth.example.com/oauth/token"),
    ("TOKENIZER", "bert-base-uncased"),
    ("SECRETARY_EMAIL", "office@example.com"),
    ("ASSET", ASSET_PATH),
    ("BADGE", "AKIAFOO"),
    ("EVENT_CODE", "AKIAWORKSHOPREGISTRATION"),
    # and plain values under secret names
    ("DB_PASSWORD", ""),
    ("TOKEN_REFRESH", "true"),
    ("SESSION_SECRET_ROTATION", "30d"),
    ("PWD", "/srv/app"),
    ("REDIS_URL", "redis://${caches.sessions.host}:6379/0"),
    ("DOCS", "https://example.com:8443/path?user=app"),
]

# (name, says it holds a secret)
NAMES = [
    ("DB_PASSWORD", True), ("MYSQL_PWD", True), ("DB_PASS", True), ("SMTP_PASS", True), ("dbPassword", True),
    ("GITHUB_TOKEN", True), ("AUTHTOKEN", True), ("CLIENT_SECRET", True), ("API_KEY", True), ("apiKey", True),
    ("APIKEY", True), ("PRIVATE_KEY", True), ("SIGNING_KEY", True), ("AWS_CREDENTIALS", True), ("SECRET_KEY_BASE", True),
    ("PASSWORD_POLICY", False), ("TOKEN_TTL", False), ("TOKEN_URL", False), ("TOKENIZER", False),
    ("SECRETARY_EMAIL", False), ("PASS_THROUGH", False), ("API_KEY_ID", False), ("SECRET_KEY_FILE", False),
    ("DATABASE_SECRET_ARN", False), ("PASSWORD_MIN_LENGTH", False), ("PWD", False), ("KEYBOARD", False),
    ("SESSION_KEY", False), ("PASSPORT_NUMBER", False),
]


@pytest.mark.parametrize(("name", "value", "why"), REFUSED, ids=[f"{n}={v[:30]}" for n, v, _ in REFUSED])
def test_refused(name: str, value: str, why: str) -> None:
    assert secret_shape(name, value) == why


@pytest.mark.parametrize(("name", "value"), ACCEPTED, ids=[f"{n}={v[:30]}" for n, v in ACCEPTED])
def test_accepted(name: str, value: str) -> None:
    assert secret_shape(name, value) is None


@pytest.mark.parametrize(("name", "secret"), NAMES, ids=[n for n, _ in NAMES])
def test_names_are_judged_by_words(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


def test_an_escaped_reference_is_literal_text() -> None:
    assert literal_text("a$${b}c${d}e") == "a${b}c\ue000e"
    assert secret_shape("DB_PASSWORD", "$${secrets.db}") is not None  # the text `${secrets.db}`, written out
    assert secret_shape("DB_PASSWORD", "${secrets.db}") is None


def test_every_format_has_a_source_and_an_example_strategy() -> None:
    assert [f.name for f in TOKEN_FORMATS] == list(secret_tokens)
    for entry in TOKEN_FORMATS:
        assert entry.source.startswith("https://"), entry.name
        assert entry.what.startswith(("a ", "an ")), entry.name


# ---- through `envspec validate` --------------------------------------------------------------------

SPEC = """\
envspec: 1
app: demo
environments:
  staging:
    region: us-west-2
    account_id: "111111111111"
network:
  cidr: 10.0.0.0/16
databases:
  main:
    engine: postgres
    version: "16.4"
    instance_class: db.t4g.small
secrets:
  db: {{}}
  db_user: {{}}
  rails: {{}}
  api: {{}}
  stripe: {{}}
services:
  fn:
    type: lambda
    runtime: nodejs20.x
    handler: index.handler
    code: s3://demo-artifacts/fn.zip
    vpc: true
    env:
{env}"""
ENV_LINE = SPEC.count("\n") + 1  # the first variable's line


def validate(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    lines = "".join(f"      {name}: {json.dumps(value)}\n" for name, value in env.items())
    (tmp_path / "spec.yaml").write_text(SPEC.format(env=lines), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "envspec", "validate", "spec.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


CLI_REFUSED = [REFUSED[0], REFUSED[2], REFUSED[4], REFUSED[6], REFUSED[15]]


@pytest.mark.parametrize(("name", "value", "why"), CLI_REFUSED, ids=[n for n, _, _ in CLI_REFUSED])
def test_validate_refuses_with_the_variable_line_and_column(tmp_path: Path, name: str, value: str, why: str) -> None:
    done = validate(tmp_path, {"NODE_ENV": "production", name: value})
    assert done.returncode == 1, done.stdout + done.stderr
    column = len(f"      {name}: ") + 1
    assert done.stderr.splitlines() == [
        f"spec.yaml:{ENV_LINE + 1}:{column}: services.fn.env.{name}: {name} looks like a secret written into the "
        f"spec ({why}); it would be copied into the generated files. Store it in a secret and write "
        f"${{secrets.NAME}}, or list {name} under `not_secret` if it is not one",
        "1 error",
    ]
    assert "Traceback" not in done.stdout + done.stderr


def test_validate_accepts_the_ordinary_values(tmp_path: Path) -> None:
    # A lambda service reaches no cache here and never holds a database's password itself.
    env = {name: value for name, value in ACCEPTED if "${caches." not in value and "url_with_password" not in value}
    done = validate(tmp_path, env)
    assert done.returncode == 0, done.stderr


def test_not_secret_lets_a_refused_value_through(tmp_path: Path) -> None:
    name, value, _ = REFUSED[4]
    (tmp_path / "spec.yaml").write_text(
        SPEC.format(env=f"      {name}: {json.dumps(value)}\n") + f"    not_secret: [{name}]\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "envspec", "validate", "spec.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# ---- properties -------------------------------------------------------------------------------------


@examples(dev=80, ci=1000)
@given(data=st.data(), index=st.integers(0, len(TOKEN_FORMATS) - 1), reference=references, before=st.booleans())
def test_any_format_next_to_a_reference_is_refused(data: st.DataObject, index: int, reference: str, before: bool) -> None:
    entry = TOKEN_FORMATS[index]
    token = data.draw(secret_tokens[entry.name], label=entry.name)
    match = entry.pattern.search(token)  # the table knows its own format
    assert match is not None and (entry.unless is None or not entry.unless(match.group())), token
    value = token + reference if before else reference + token
    assert secret_shape("VALUE", value) is not None, value


_SECRET_NAMES = st.sampled_from(["DB_PASSWORD", "API_TOKEN", "SECRET_KEY_BASE", "MYSQL_PWD", "DB_PASS", "dbPassword"])


@examples(dev=80, ci=1000)
@given(name=st.one_of(_SECRET_NAMES, env_var_names), first=separators,
       rest=st.lists(st.tuples(references, separators), min_size=1, max_size=5))
def test_references_and_separators_alone_are_accepted(name: str, first: str, rest: list[tuple[str, str]]) -> None:
    value = first + "".join(reference + separator for reference, separator in rest)
    assert secret_shape(name, value) is None, value
