"""The whole spec: one app."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from envspec.core.model.cache import Cache
from envspec.core.model.common import APP_NAME, ENV_NAME, TAG_KEY, TAG_VALUE, ComponentName, EnvName, FieldError, Owner, SecretName, SpecModel, SpecString
from envspec.core.model.network import Network
from envspec.core.model.queue import Queue
from envspec.core.model.service import Service
from envspec.core.model.storage import Bucket, Database, Secret

TagKey = Annotated[str, Field(min_length=1, max_length=128, pattern=TAG_KEY)]
TagValue = Annotated[str, Field(max_length=256, pattern=TAG_VALUE)]
# AWS allows 50 tags on a resource; envspec adds its own four (envspec:app, env, component, owner)
# and the resource's `Name` (its AWS name; see LoweringContext.resource).
ENVSPEC_TAGS = 5
MAX_TAGS = 50 - ENVSPEC_TAGS
# Environment names that would collide with another folder of the output tree
# (`APP/terraform/modules/` beside the roots `APP/terraform/ENV/`).
RESERVED_ENV_NAMES = {"modules": "APP/terraform/modules/ holds the Terraform modules beside the roots APP/terraform/ENV/"}


def region_partition(region: str) -> str:
    """The AWS partition of a region, by AWS's naming: `cn-*` aws-cn, `*-gov-*` aws-us-gov, `*-iso-*`
    aws-iso and `*-iso<x>-*` aws-iso-<x>; every other region is in aws, the commercial partition."""
    if region.startswith("cn-"):
        return "aws-cn"
    middle = region.split("-")[1] if region.count("-") >= 2 else ""
    if middle == "gov":
        return "aws-us-gov"
    if middle.startswith("iso"):
        return "aws-iso" + (f"-{middle[3:]}" if middle[3:] else "")
    return "aws"


class Environment(SpecModel):
    """An AWS account and region that the app is deployed to."""

    region: str = Field(
        pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9]$",
        description="AWS region, for example `us-west-2`.",
        json_schema_extra={"examples": ["us-west-2"]},
    )
    account_id: str = Field(
        pattern=r"^[0-9]{12}$",
        description='The 12-digit AWS account id, as a quoted string: `"111111111111"`.',
        json_schema_extra={"examples": ["111111111111"]},
    )

    @field_validator("region")
    @classmethod
    def _commercial_partition(cls, region: str) -> str:
        partition = region_partition(region)
        if partition != "aws":
            raise ValueError(
                f"{region} is in the {partition} partition; envspec writes the commercial partition's ARNs "
                "(arn:aws:...) and is tested there only, so it refuses other partitions rather than write "
                "ARNs that AWS would reject there"
            )
        return region


class Spec(SpecModel):
    """An envspec app spec (format version 1)."""

    envspec: Literal[1] = Field(description="Format version; must be `1`.")
    app: str = Field(
        pattern=APP_NAME,
        description="App name: lowercase letters, digits and `-`, 2..21 characters. Prefixes every AWS name "
        "(`APP-ENV-COMPONENT`).",
        json_schema_extra={"examples": ["xkit"]},
    )
    description: SpecString | None = Field(default=None, description="What the app is.")
    owner: Owner = Field(
        default="ansible",
        description="Default owner of every component (`ansible` or `terraform`); a component's own `owner` wins.",
    )
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict,
        max_length=MAX_TAGS,
        description="Extra tags on every AWS resource (at most 45: AWS allows 50, and envspec adds its four "
        "`envspec:` tags and the resource's `Name`). Keys (1..128 characters) and values (0..256) take letters, "
        "digits, spaces and `_ . : / = + - @`; keys starting with `aws:` or `envspec:`, and `Name`, are reserved.",
        json_schema_extra={"examples": [{"cost-center": "platform"}]},
    )
    environments: dict[EnvName, Environment] = Field(
        min_length=1,
        description="Where the app runs: at least one environment, by name (not `modules`, the name of "
        "the output's Terraform modules folder).",
        json_schema_extra={"propertyNames": {"pattern": ENV_NAME, "not": {"enum": sorted(RESERVED_ENV_NAMES)}}},
    )
    network: Network | None = Field(default=None, description="The app's VPC (at most one).")
    secrets: dict[SecretName, Secret] = Field(default_factory=dict, description="Secret containers, by name.")
    buckets: dict[ComponentName, Bucket] = Field(default_factory=dict, description="S3 buckets, by name.")
    databases: dict[ComponentName, Database] = Field(default_factory=dict, description="RDS databases, by name.")
    caches: dict[ComponentName, Cache] = Field(default_factory=dict, description="ElastiCache Redis caches, by name.")
    queues: dict[ComponentName, Queue] = Field(default_factory=dict, description="SQS queues, by name.")
    services: dict[ComponentName, Service] = Field(
        default_factory=dict, description="Services, by name: `type` is `ec2`, `beanstalk` or `lambda`."
    )

    @field_validator("envspec", mode="before")
    @classmethod
    def _version_is_a_number(cls, value: object) -> object:
        if isinstance(value, bool):  # `true == 1` in Python; the schema (and YAML) say it is not
            raise ValueError(f"invalid value {str(value).lower()}: expected 1")
        return value

    @field_validator("environments", mode="before")
    @classmethod
    def _env_names_free(cls, value: object) -> object:
        if isinstance(value, dict):
            for name in value:
                if name in RESERVED_ENV_NAMES:
                    raise FieldError(
                        f"environment name {name!r} collides in the output: {RESERVED_ENV_NAMES[name]}; "
                        "choose another name",
                        name,
                        key=True,
                    )
        return value

    @field_validator("tags")
    @classmethod
    def _reserved_tags(cls, tags: dict[str, str]) -> dict[str, str]:
        for key in tags:
            if key.lower().startswith(("aws:", "envspec:")):
                raise FieldError(f"tag key {key!r} is reserved (prefix 'aws:' or 'envspec:')", key, key=True)
            if key == "Name":
                raise FieldError("tag key 'Name' is reserved: envspec tags every resource with its AWS name", key, key=True)
        return tags

    @model_validator(mode="after")
    def _names_unique_across_sections(self) -> "Spec":
        seen: dict[str, str] = {}
        for section in _SHARED_NAMES:
            for name in getattr(self, section):
                if name in seen:
                    raise FieldError(
                        f"{section}.{name} and {seen[name]}.{name} would share the AWS name "
                        f"'{self.app}-ENV-{name}'; rename one",
                        section,
                        name,
                        key=True,
                    )
                seen[name] = section
        return self


# The sections whose components are named APP-ENV-NAME in AWS (a security group, a role, an instance
# may share that name between them): every component section but the network and the secrets (their
# names are paths of their own).
_SHARED_NAMES = tuple(
    name for name, field in Spec.model_fields.items()
    if name not in ("environments", "tags", "network", "secrets") and field.default_factory is dict
)

