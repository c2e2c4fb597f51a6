"""An S3 bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from envspec.core.ir import Value
from envspec.core.names import joined_name
from envspec.core.model import Bucket
from envspec.core.kinds.base import Attribute, ComponentKind, Grants, LoweredComponent

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import Reference, ResolvedComponent


def bucket_name(ctx: LoweringContext, c: ResolvedComponent) -> str:
    """S3 names are global: the spec may choose its own."""
    model = c.model
    assert isinstance(model, Bucket)
    return model.name if model.name is not None else joined_name(ctx.prefix, c.name)


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, Bucket)
    name = ctx.base_name(c)
    arn = f"arn:aws:s3:::{name}"
    # The policy and the expiry rule are decided here for both tools (the role had no policy on a
    # private bucket and expired only current objects): see backends/envspec_terraform/README.md.
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if model.public:
        statements.append(
            {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{arn}/*"}
        )
    expiry = None
    if model.expire_after_days is not None:
        expiry = {
            "rule_id": "envspec-expire",
            "expiration_days": model.expire_after_days,
            "noncurrent_version_expiration_days": model.expire_after_days,
            "abort_incomplete_multipart_upload_days": 7,
        }
    inputs: dict[str, Value] = {
        "name": name,
        "versioning": model.versioning,
        "public": model.public,
        "policy": {"Version": "2012-10-17", "Statement": statements},
        "expiry": expiry,
        "tags": ctx.tags(c),
    }
    return LoweredComponent(inputs, [ctx.resource(c, "bucket", "aws_s3_bucket", name, import_id=name)], ())


def value(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    name = ctx.base_name(target)
    return name if ref.attribute == "name" else f"arn:aws:s3:::{name}"


def grants(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Grants:
    sid = ctx.statement_id(target)
    arn = f"arn:aws:s3:::{ctx.base_name(target)}"
    return Grants(
        [
            {"sid": f"{sid}List", "actions": ["s3:ListBucket"], "resources": [arn]},
            {
                "sid": f"{sid}Objects",
                "actions": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                "resources": [f"{arn}/*"],
            },
        ],
        [],
    )


KIND = ComponentKind(
    name="bucket",
    section="buckets",
    model=Bucket,
    attributes=(Attribute("name"), Attribute("arn")),
    lower=lower,
    value=value,
    grants=grants,
    grant_labels={"List": "read/write objects", "Objects": "read/write objects"},
    base_name=bucket_name,
)
