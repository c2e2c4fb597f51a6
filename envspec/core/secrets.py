"""The secret detector: does an `env` value written in a spec look like a secret?"""

from __future__ import annotations

import re

_SECRET_VALUES = (
    (re.compile(r"\b[sr]k_(live|test)_[0-9A-Za-z]{10,}"), "a Stripe key"),
    (re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{30,}|\bgithub_pat_[0-9A-Za-z_]{30,}"), "a GitHub token"),
    (re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}"), "a Slack token"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[0-9])"
                r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"), "an AWS secret access key"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"://[^/\s:@]+:[^/\s@]+@"), "a password in a URL"),
)
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIAL")
_NOT_A_VALUE = re.compile(r"[0-9]*|true|false|yes|no|on|off|none|null", re.IGNORECASE)


def secret_shape(name: str, value: str) -> str | None:
    """Why a literal `env` value looks like a secret (None: it does not, or it holds a reference)."""
    if "${" in value.replace("$${", ""):
        return None
    for pattern, what in _SECRET_VALUES:
        if pattern.search(value):
            return f"the value looks like {what}"
    if _SECRET_NAME.search(name.upper()) and not _NOT_A_VALUE.fullmatch(value.strip()):
        return "its name says it holds a secret and its value is written in the spec"
    return None
