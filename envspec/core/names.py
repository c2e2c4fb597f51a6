"""AWS names that more than one part of envspec needs, decided here once.

`joined_name` is the one rule for joining name parts and shortening them past AWS's limits; the state
bucket and key are where Terraform keeps an environment's state; the transfer bucket is the bucket
Ansible's Systems Manager connection moves files through. Each kind's own names are in its module
(`ComponentKind.base_name`).
"""

from __future__ import annotations

import hashlib


def joined_name(*parts: str, max_len: int = 63) -> str:
    """Join name parts with `-`; shorten deterministically (prefix + 6-char hash) past `max_len`."""
    name = "-".join(p for p in parts if p)
    if len(name) <= max_len:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: max_len - 7].rstrip('-')}-{digest}"


def state_bucket(app: str, account_id: str) -> str:
    """The S3 bucket of the Terraform state of an app's environments in one account (`envspec deploy` creates it)."""
    return f"{app}-{account_id}-tfstate"


def state_key(app: str, env: str) -> str:
    """Where in the state bucket an environment's Terraform state lives."""
    return f"{app}/{env}/terraform.tfstate"


def transfer_bucket(app: str, env: str, account_id: str) -> str:
    """The S3 bucket through which Ansible's Systems Manager connection moves files to and from hosts."""
    return joined_name(app, env, account_id, "ssm")


def statement_id(address: str) -> str:
    """The prefix of the sids of the statements a reference to `address` grants: `BucketsAssets`."""
    return "".join(ch for ch in address.title() if ch.isalnum())
