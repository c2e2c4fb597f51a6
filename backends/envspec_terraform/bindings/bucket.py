"""A bucket's module (`modules/bucket/`): an S3 bucket and its settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from envspec.core.ir import Node

from ..binding import Binding

if TYPE_CHECKING:
    from ..finders import Finder

_SETTINGS = ("ownership_controls", "public_access_block", "server_side_encryption_configuration", "versioning", "policy")


def _settings(finder: Finder, node: Node) -> list[tuple[str, Any]]:
    """The bucket's settings, separate resources in Terraform, made with the bucket by Ansible: each
    imported by the bucket's name (planning to create them again would rewrite them)."""
    bucket = node.inputs["name"]
    out: list[tuple[str, Any]] = [(f"aws_s3_bucket_{setting}.this", bucket) for setting in _SETTINGS]
    if node.inputs.get("expiry") is not None:
        out.append(("aws_s3_bucket_lifecycle_configuration.this[0]", bucket))
    return out


BINDING = Binding(
    addresses={"bucket": "aws_s3_bucket.this"},
    extra_imports=(_settings,),
)
