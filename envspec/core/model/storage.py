"""`secrets`, `buckets` and `databases`."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from envspec.core.model.common import PATTERN_RULES, Component, FieldError

SECRETSMANAGER_DESCRIPTION_MAX = 2048  # Secrets Manager CreateSecret `Description`
SSM_DESCRIPTION_MAX = 1024  # SSM PutParameter `Description`


class Secret(Component):
    """A secret's container. Its value is set outside envspec and never appears in a spec or in output."""

    description: str | None = Field(
        default=None,
        max_length=SECRETSMANAGER_DESCRIPTION_MAX,
        description="What the secret is for (shown in the AWS console): at most 2048 characters in Secrets "
        "Manager, 1024 in SSM Parameter Store.",
    )
    store: Literal["secretsmanager", "ssm"] = Field(
        default="secretsmanager",
        description="Where the value lives: AWS Secrets Manager (`secretsmanager`, default) or an SSM "
        "Parameter Store SecureString (`ssm`). envspec creates the container only.",
    )

    @model_validator(mode="after")
    def _description_fits(self) -> "Secret":
        if self.store == "ssm" and self.description is not None and len(self.description) > SSM_DESCRIPTION_MAX:
            raise FieldError(
                f"too long for SSM Parameter Store: at most {SSM_DESCRIPTION_MAX} characters, "
                f"found {len(self.description)}",
                "description",
            )
        return self


# S3 bucket names (general purpose buckets): 3..63 lowercase letters, digits, `.` and `-`, a letter
# or digit at both ends; and none of what S3 refuses besides (BUCKET_NAME_REFUSED).
BUCKET_NAME = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
BUCKET_NAME_REFUSED = (
    r"\.\.|\.-|-\.|^xn--|^sthree-|^amzn-s3-demo-|-s3alias$|--ol-s3$|\.mrap$|--x-s3$|--table-s3$"
    r"|^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$"
)


PATTERN_RULES[BUCKET_NAME] = "a bucket name is 3 to 63 lowercase letters, digits, '.' and '-', with a letter or digit at both ends"


class Bucket(Component):
    """An S3 bucket: encrypted, public access blocked unless `public: true`."""

    name: str | None = Field(
        default=None,
        pattern=BUCKET_NAME,
        description="The bucket's name in AWS. S3 bucket names are global (shared by every AWS account), so "
        "the default, `APP-ENV-NAME` (for example `shop-staging-uploads`), may be taken by someone else: "
        "set a name of your own, with `${env.name}` in it (or an override per environment), for example "
        "`acme-shop-${env.name}-uploads`. 3..63 lowercase letters, digits, `.` and `-`. Changing it "
        "means a new bucket.",
        json_schema_extra={"not": {"pattern": BUCKET_NAME_REFUSED}, "examples": ["acme-shop-${env.name}-uploads"]},
    )

    versioning: bool = Field(default=False, description="Keep every version of every object.")
    public: bool = Field(
        default=False,
        description="Allow public reads of objects. Off by default: the bucket blocks all public access.",
    )
    expire_after_days: int | None = Field(
        default=None, ge=1, le=36500, description="Delete objects this many days after they are written."
    )

    @field_validator("name", mode="before")
    @classmethod
    def _s3_name(cls, value: object) -> object:
        if isinstance(value, str):
            refused = re.search(BUCKET_NAME_REFUSED, value)
            if refused:
                raise ValueError(
                    f"invalid bucket name {value!r}: S3 refuses {refused.group()!r} in a bucket name "
                    "(no '..', '.-' or '-.', not shaped like an IP address, no reserved prefix or suffix)"
                )
        return value


# The engine versions RDS creates instances of, by major version (a minor is not checked: RDS adds and
# retires minors every few months). PostgreSQL from 10 on has one-number majors, before that two;
# MySQL's majors have two. 11 and 12 (PostgreSQL) and 5.7 (MySQL) are past their end of standard
# support and still created under RDS Extended Support; 9.6 and 10 are not created any more. From AWS's
# release calendars:
# https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html
# https://docs.aws.amazon.com/AmazonRDS/latest/MySQLReleaseNotes/mysql-release-calendar.html
RDS_MAJOR_VERSIONS: dict[str, tuple[str, ...]] = {
    "postgres": ("11", "12", "13", "14", "15", "16", "17", "18"),
    "mysql": ("5.7", "8.0", "8.4"),
}


def rds_major(engine: str, version: str) -> str:
    """The major version of an engine version: `16` of postgres 16.4, `9.6` of 9.6.24, `8.0` of mysql 8.0.40."""
    parts = version.split(".")
    two = engine == "mysql" or len(parts[0].lstrip("0")) <= 1  # postgres before 10 (no int(): any length is valid)
    return ".".join(parts[:2] if two else parts[:1])


class Database(Component):
    """An RDS instance in the private subnets, storage encrypted, master password managed in Secrets Manager."""

    engine: Literal["postgres", "mysql"] = Field(description="Database engine: `postgres` or `mysql`.")
    version: str = Field(
        pattern=r"^[0-9]+(\.[0-9]+){0,2}$",
        description='Engine version, a string such as `"16.4"` (quote it in YAML), of a major version RDS '
        "creates: postgres 11 to 18, mysql 5.7, 8.0 and 8.4.",
        json_schema_extra={"examples": ["16.4"]},
    )
    instance_class: str = Field(
        pattern=r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$",
        description="RDS instance class, for example `db.t4g.medium`.",
        json_schema_extra={"examples": ["db.t4g.medium"]},
    )
    storage_gb: int = Field(default=20, ge=20, le=65536, description="Allocated storage in GiB (20..65536).")
    multi_az: bool = Field(default=False, description="Keep a standby in another availability zone.")
    backup_retention_days: int = Field(default=7, ge=0, le=35, description="Days of automated backups (0..35).")
    deletion_protection: bool = Field(
        default=True, description="Refuse to delete the database until this is turned off."
    )
    database_name: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$",
        description="Name of the database created in the instance. Defaults to the component name "
        "with `-` replaced by `_`.",
    )
    username: str = Field(
        default="app",
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$",
        description="Master user name. Its password is generated and kept in Secrets Manager only "
        "(attribute `secret_arn`); services log in with `url_with_password` or `password`.",
    )

    @model_validator(mode="after")
    def _version_rds_creates(self) -> "Database":
        majors = RDS_MAJOR_VERSIONS[self.engine]
        major = rds_major(self.engine, self.version)
        if major not in majors:
            raise FieldError(
                f"RDS does not create {self.engine} {major}"
                f"{'' if major == self.version else f' (version {self.version!r})'}: it creates {self.engine} "
                f"{', '.join(majors[:-1])} and {majors[-1]}",
                "version",
                hint=f"a version of one of those majors, for example {majors[-2]!r}",
            )
        return self

    @model_validator(mode="after")
    def _username(self) -> "Database":
        if self.username.lower() == "rdsadmin":
            raise FieldError(f"username {self.username!r} is reserved by RDS", "username")
        return self
