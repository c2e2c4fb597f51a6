"""The real `terraform` and the real AWS provider against the tests' emulated AWS (moto on loopback).

    env = terraform_env(aws, graph.account_id, graph.region)   # aws: the `aws` fixture's environment
    ensure_state_bucket(env, f"{app}-{account}-tfstate", region)
    terraform.init(root, backend=True, extra_env=env)
    terraform.apply(root, env)
    assert terraform.plan_is_empty(root, env)

The env roots' own `backend.tf` (S3, `use_lockfile`) is used as generated: no override file. Terraform
1.11's S3 backend, like the provider, takes its endpoint from `AWS_ENDPOINT_URL` (or
`AWS_ENDPOINT_URL_S3`), and the AWS SDK for Go v2 addresses an S3 endpoint whose host is an IP address
path-style by itself, so `use_path_style` is not needed against `http://127.0.0.1:PORT`. The backend's
account lookup (STS `GetCallerIdentity`) and the provider's `allowed_account_ids` check are answered by
moto's STS for the credentials `in_account` gets; the metadata service is off (`aws_env`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from tests.awsemu.moto import boto3_client, in_account, require_loopback


def terraform_env(aws: Mapping[str, str], account: str, region: str) -> dict[str, str]:
    """The environment for `terraform` against the emulator in `aws` (an `aws_env` dict), with moto STS
    credentials for `account` and `region` as the default region (the roots name their region anyway).

    Every endpoint variable points at the emulator (checked to be loopback), so neither the provider
    nor the S3 backend can reach AWS."""
    endpoint = require_loopback(aws["AWS_ENDPOINT_URL"])
    env = in_account(aws, account, region)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ENDPOINT_URL_S3=endpoint,
        AWS_ENDPOINT_URL_STS=endpoint,
        AWS_ENDPOINT_URL_IAM=endpoint,
        # the provider retries throttling and 5xx answers for minutes by default; the emulator's are bugs
        AWS_MAX_ATTEMPTS="3",
    )
    return env


def ensure_state_bucket(env: Mapping[str, str], bucket: str, region: str) -> None:
    """Create the root's state bucket (versioned, as state buckets should be) in `region` unless it exists."""
    s3 = boto3_client("s3", {**env, "AWS_DEFAULT_REGION": region})
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket in existing:
        return
    config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **config)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def all_terraform(spec: Path, folder: Path) -> Path:
    """A copy of the spec in `folder` where Terraform owns every component (the top-level owner, no
    per-component owner)."""
    text = spec.read_text()
    text = re.sub(r"^(\s+)owner: ansible\b.*$", r"\1owner: terraform", text, flags=re.M)
    text = re.sub(r"^owner:.*$", "", text, flags=re.M)
    text = re.sub(r"^(app: .*)$", r"\1\nowner: terraform", text, count=1, flags=re.M)
    copy = folder / spec.name
    copy.write_text(text)
    return copy
