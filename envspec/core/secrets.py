"""The secret detector: does an `env` value written in a spec hold a secret?

A spec is committed, and every `env` value is copied into the generated files (Ansible's
inventory, Terraform's variables), so a secret must never be written in one: it belongs in a
`secrets:` entry, referenced as `${secrets.NAME}`. The model's validator asks `secret_shape(name,
value)` for every `env` variable not listed under the service's `not_secret`, and refuses the
spec when it answers.

The rule
--------

1. Only the literal text is judged. A value is split the way the resolver splits it
   (`envspec.core.resolve`, `_Interpolation.interpolate`): `${...}` is a reference, `$${` a
   literal `${`. References (`${secrets.db}`, `${databases.main.host}`, but also `${app}` and
   `${env.name}`) are not text the spec wrote; each one is replaced by a mark (REFERENCE_MARK)
   that no format's characters include, so a format must be complete within one literal part:
   `sk_live_<key>${env.name}` is a Stripe key, `sk_live_${secrets.stripe}` is not. A value made
   only of references and separators is never refused.

2. The value: a literal part that matches a format of TOKEN_FORMATS (below: what it is, the
   pattern, where the format is documented) is a secret, whatever the variable is called. Two
   formats are structural rather than prefixes: a URL whose userinfo holds a password with a
   literal letter or digit (`postgres://app:hunter2@${databases.main.host}/main`; a password
   that is only a reference, `://app:${secrets.db}@host`, is fine), and a `password=` (also
   `passwd=`, `pwd=`, `sslpassword=`, ...) setting in a libpq-style connection string or a URL
   query whose value is literal text up to a letter or digit (`password=hunter2`, not
   `password=${secrets.db}`).

   An AWS secret access key has no prefix: 40 characters of `A-Z a-z 0-9 / +` with an
   uppercase letter, a lowercase letter and a digit. So that a 40-character path is not taken
   for one, a run made of path segments is not a key: every `/`-separated segment is a single
   character or made of words (lowercase runs of 2 or more, UPPERCASE runs, Capitalised words,
   digits, a letter before digits like `v3`), as in `assets/Images2024/HeaderBanner/v3/x/y/ab`
   (40 characters). AWS's own example key
   `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY` is not (`wJalr...` starts with a lone lowercase
   letter).

3. The name: a variable whose name says it holds a secret is refused when its literal text says
   more than "not a value". Names are judged by words, not substrings: the name is split on
   `_`, `-`, `.` and camelCase (`dbPassword` -> DB PASSWORD), and it is secret-like when

   - a word is one of SECRET_WORDS (PASSWORD, PASSWD, PASSPHRASE, PWD, TOKEN, SECRET, APIKEY,
     CREDENTIALS, ...), or ends with one of SECRET_SUFFIXES (DBPASSWORD, AUTHTOKEN,
     CLIENTSECRET), or
   - its last word is PASS (DB_PASS, SMTP_PASS; not PASS_THROUGH), or
   - a word KEY follows one of KEY_KINDS (API KEY, PRIVATE KEY, SIGNING KEY, ...),

   and NOT when the last word qualifies it as a setting about the secret rather than the secret
   itself (SETTING_WORDS: PASSWORD_POLICY, TOKEN_TTL, TOKEN_URL, SECRET_ARN, API_KEY_ID,
   SECRET_KEY_FILE, ...). TOKENIZER and SECRETARY_EMAIL hold no secret word. The name `PWD`
   alone is the shell's working directory (POSIX), not a password.

   A secret-named variable is accepted when every run of letters and digits in its literal text
   is plainly not a secret: a number, a boolean or null word (true, false, yes, no, on, off,
   none, null), a duration (`15m`, `30s`, `100ms`, `7d`), or an HTTP authentication scheme
   (`Bearer`, `Basic`). So `DB_PASSWORD: ${secrets.db}`, `API_TOKEN: Bearer ${secrets.api}` and
   `DB_PASSWORD: ""` pass; `DB_PASSWORD: hunter2`, `DB_PASSWORD: hunter2-${app}` and
   `DB_PASSWORD: strict` do not (a short word may be a password: say `not_secret` if it is not).

When the detector is wrong, `not_secret: [NAME]` on the service says the value is not a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Stands for a reference in the literal text: a private-use character, which no format matches
# and which is not a word character (so `\b` and the formats' own boundaries see an edge there).
REFERENCE_MARK = "\ue000"
_DOLLAR = re.compile(r"\$\$\{|\$\{")  # as envspec.core.resolve reads a value


def literal_text(value: str) -> str:
    """The value as the spec wrote it, each `${...}` reference replaced by REFERENCE_MARK and each
    `$${` by the literal `${` it stands for. An unterminated `${` is literal text (the resolver
    reports it)."""
    parts: list[str] = []
    index = 0
    while True:
        match = _DOLLAR.search(value, index)
        if match is None:
            parts.append(value[index:])
            return "".join(parts)
        parts.append(value[index : match.start()])
        if match.group() == "$${":
            parts.append("${")
            index = match.end()
            continue
        close = value.find("}", match.end())
        if close < 0:
            parts.append(value[match.start() :])
            return "".join(parts)
        parts.append(REFERENCE_MARK)
        index = close + 1


# ---- the formats -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenFormat:
    """A format of secret that the value alone gives away."""

    name: str  # a short id (the tests draw examples of every format by it)
    what: str  # in the error message: "the value looks like {what}"
    pattern: re.Pattern[str]
    source: str  # where the format is documented
    # A format that names itself (a prefix or an armor line): the leak scanner over generated
    # files (tests/test_secret_leaks.py) looks for these too. The structural ones are not
    # self-identifying: generated files legitimately hold `password=` followed by a template.
    self_identifying: bool = True
    unless: Callable[[str], bool] | None = None  # a match this says yes to is not the format


_M = REFERENCE_MARK
# AWS's secret access key: 40 characters of base64's alphabet, of all three classes.
_AWS_SECRET_KEY = re.compile(
    r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[0-9])"
    r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
_WORDS = re.compile(r"(?:[A-Z]+(?![a-z])|[A-Z][a-z]+|[a-z]{2,}|[a-z]?[0-9]+)+")


def path_shaped(text: str) -> bool:
    """Made of path segments: `/`-separated, each one character or a run of words (see the rule)."""
    segments = text.split("/")
    return len(segments) > 1 and all(len(s) == 1 or _WORDS.fullmatch(s) for s in segments)


TOKEN_FORMATS: tuple[TokenFormat, ...] = (
    TokenFormat(
        "stripe", "a Stripe key",
        re.compile(r"(?<![0-9A-Za-z])[rs]k_(?:live|test)_[0-9A-Za-z]{10,}"),
        "https://docs.stripe.com/keys (secret keys sk_live_/sk_test_, restricted keys rk_live_/rk_test_)",
    ),
    TokenFormat(
        "github", "a GitHub token",
        re.compile(r"(?<![0-9A-Za-z])gh[pousr]_[0-9A-Za-z]{30,}"),
        "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github"
        "#githubs-token-formats (ghp_, gho_, ghu_, ghs_, ghr_; announced in "
        "https://github.blog/changelog/2021-03-31-authentication-token-format-updates-are-generally-available)",
    ),
    TokenFormat(
        "github_pat", "a GitHub token",
        re.compile(r"(?<![0-9A-Za-z])github_pat_[0-9A-Za-z_]{30,}"),
        "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github"
        "#githubs-token-formats (fine-grained personal access tokens, github_pat_)",
    ),
    TokenFormat(
        "slack", "a Slack token",
        re.compile(r"(?<![0-9A-Za-z])(?:xox[abeoprs]|xapp)-[0-9A-Za-z-]{10,}"),
        "https://docs.slack.dev/authentication/tokens (bot xoxb-, user xoxp-, configuration xoxe-, "
        "app-level xapp-; legacy xoxa-, xoxo-, xoxr-, xoxs-)",
    ),
    TokenFormat(
        "slack_webhook", "a Slack webhook URL",
        re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/[0-9A-Za-z]+/[0-9A-Za-z]+/[0-9A-Za-z]{8,}"),
        "https://api.slack.com/messaging/webhooks (https://hooks.slack.com/services/T.../B.../SECRET)",
    ),
    TokenFormat(
        "google", "a Google API key",
        re.compile(r"(?<![0-9A-Za-z_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
        "https://cloud.google.com/docs/authentication/api-keys (the key string, AIza and 35 more)",
    ),
    TokenFormat(
        "jwt", "a JSON Web Token",
        re.compile(r"(?<![0-9A-Za-z_-])eyJ[0-9A-Za-z_-]{5,}\.[0-9A-Za-z_-]{5,}\.[0-9A-Za-z_-]*"),
        "https://www.rfc-editor.org/rfc/rfc7519#section-3 (JWS compact serialization, RFC 7515 section 7.1: "
        "BASE64URL(header).BASE64URL(claims).BASE64URL(signature); a JSON header encodes to eyJ)",
    ),
    TokenFormat(
        "aws_key_id", "an AWS access key id",
        re.compile(r"(?<![0-9A-Za-z])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])"),
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids "
        "(AKIA access keys, ASIA temporary STS keys; 20 characters)",
    ),
    TokenFormat(
        "aws_secret_key", "an AWS secret access key", _AWS_SECRET_KEY,
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html "
        "(40 characters, for example wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)",
        self_identifying=False, unless=path_shaped,
    ),
    TokenFormat(
        "pem_private_key", "a private key",
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
        "https://www.rfc-editor.org/rfc/rfc7468#section-10 (PKCS #8 PRIVATE KEY, ENCRYPTED PRIVATE KEY; "
        "also RSA, EC and OPENSSH PRIVATE KEY)",
    ),
    TokenFormat(
        "pgp_private_key", "a PGP private key block",
        re.compile(r"-----BEGIN PGP PRIVATE KEY BLOCK-----"),
        "https://www.rfc-editor.org/rfc/rfc4880#section-6.2 (ASCII armor header lines)",
    ),
    TokenFormat(
        "url_userinfo", "a password in a URL",
        # user, `:`, then a password with a literal letter or digit (besides any references)
        re.compile(r"://[^/\s:@]*:[^/\s@]*?[^\W_][^/\s@]*@"),
        "https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1 (userinfo user:password, deprecated there "
        "because the password is in clear text)",
        self_identifying=False,
    ),
    TokenFormat(
        "libpq_password", "a password in a connection string",
        re.compile(rf"(?i)(?<![^\s;{_M}])[a-z_]*(?:password|passwd|pwd)\s*=\s*['\"]?[^\s&;'\"{_M}]*?[^\W_]"),
        "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING "
        "(keyword/value connection strings: host=... password=...)",
        self_identifying=False,
    ),
    TokenFormat(
        "url_query_password", "a password in a URL",
        re.compile(rf"(?i)[?&][a-z_]*(?:password|passwd|pwd)=[^&#\s{_M}]*?[^\W_]"),
        "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS "
        "(connection URI parameters: ?password=...; query syntax RFC 3986 section 3.4)",
        self_identifying=False,
    ),
)


def token_format(text: str) -> TokenFormat | None:
    """The first format of TOKEN_FORMATS found in `text` (already a literal text: references marked)."""
    for entry in TOKEN_FORMATS:
        for match in entry.pattern.finditer(text):
            if entry.unless is None or not entry.unless(match.group()):
                return entry
    return None


# ---- names -------------------------------------------------------------------------------------

SECRET_WORDS = frozenset({
    "PASSWORD", "PASSWORDS", "PASSWD", "PASSPHRASE", "PASSCODE", "PWD", "TOKEN", "TOKENS", "SECRET",
    "SECRETS", "APIKEY", "APIKEYS", "CREDENTIAL", "CREDENTIALS", "CREDS", "PRIVATEKEY", "SECRETKEY",
})
SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "PASSPHRASE", "TOKEN", "SECRET")  # DBPASSWORD, AUTHTOKEN
KEY_KINDS = frozenset({"API", "PRIVATE", "SECRET", "SIGNING", "ENCRYPTION", "MASTER", "HMAC", "LICENSE"})
# A last word that makes the name a setting about a secret, not the secret.
SETTING_WORDS = frozenset({
    "POLICY", "TTL", "URL", "URI", "ENDPOINT", "HOST", "PORT", "LENGTH", "LEN", "MIN", "MAX", "EXPIRY",
    "EXPIRES", "EXPIRATION", "LIFETIME", "TIMEOUT", "AGE", "FILE", "PATH", "DIR", "HEADER", "NAME", "TYPE",
    "ISSUER", "AUDIENCE", "ID", "ARN", "ENABLED", "DISABLED", "REQUIRED", "ROTATION", "COUNT", "LIMIT",
    "SIZE", "ALGORITHM", "ALG", "FORMAT", "PARAM", "PARAMETER", "FIELD", "SCOPE", "SCOPES", "DAYS",
    "HOURS", "MINUTES", "SECONDS", "MS", "VERSION", "MODE", "STRATEGY", "PROVIDER", "STORE", "BACKEND",
})
_NAME_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def name_words(name: str) -> list[str]:
    """A variable name's words, uppercase: split on `_`, `-`, `.` and camelCase."""
    return [word.upper() for chunk in re.split(r"[_\-.\s]+", name) for word in _NAME_WORD.findall(chunk)]


def _secret_word_at(words: list[str], index: int) -> bool:
    word = words[index]
    if word in SECRET_WORDS or word.endswith(SECRET_SUFFIXES):
        return True
    if word == "PASS":
        return index == len(words) - 1
    return word == "KEY" and index > 0 and words[index - 1] in KEY_KINDS


def secret_name(name: str) -> bool:
    """Whether a variable's name says it holds a secret (the rule, point 3)."""
    words = name_words(name)
    if words == ["PWD"]:
        return False  # the shell's working directory
    secret = [i for i in range(len(words)) if _secret_word_at(words, i)]
    if not secret:
        return False
    return not (secret[-1] < len(words) - 1 and words[-1] in SETTING_WORDS)


# ---- values ------------------------------------------------------------------------------------

_PLAIN = re.compile(
    r"[0-9]+|true|false|yes|no|on|off|none|null|[0-9]+(?:ms|s|m|h|d|w)|bearer|basic", re.IGNORECASE
)


def plainly_not_a_secret(text: str) -> bool:
    """Every run of letters and digits is a number, a boolean or null word, a duration or an
    authentication scheme (references and separators say nothing)."""
    return all(_PLAIN.fullmatch(run) for run in re.findall(r"[^\W_]+", text.replace(REFERENCE_MARK, " ")))


def secret_shape(name: str, value: str) -> str | None:
    """Why the `env` variable `name: value` looks like a secret written in the spec (None: it
    does not). Only the literal text is judged; see the module's docstring for the rule."""
    text = literal_text(value)
    found = token_format(text)
    if found is not None:
        return f"the value looks like {found.what}"
    if secret_name(name) and not plainly_not_a_secret(text):
        if REFERENCE_MARK in text:
            return "its name says it holds a secret and part of its value is written in the spec"
        return "its name says it holds a secret and its value is written in the spec"
    return None
