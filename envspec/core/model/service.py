"""`services`: ec2, beanstalk and lambda, a discriminated union on `type`."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from envspec.core.model.common import (
    COMPONENT_NAME,
    ENV_DESCRIPTION,
    LAMBDA_ENV_VAR_NAME,
    ONE_LINE,
    PATTERN_RULES,
    Component,
    EnvVarName,
    FieldError,
    SpecModel,
    SpecString,
)
from envspec.core.model.schedule import schedule_problem
from envspec.core.secrets import secret_shape

INSTANCE_TYPE = r"^[a-z][a-z0-9-]*\.[a-z0-9]+$"
S3_URL = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+$"
# A Lambda zip's URL: as S3_URL, and no `{...}` placeholder (nothing substitutes one there).
# `{version}` is the only placeholder a lambda's `code` takes (replaced by the version a deploy releases).
LAMBDA_CODE_URL = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^{}]|\{version\})+$"
# Lambda's `Handler`: 1..128 characters without whitespace (API pattern `[^\s]+`).
HANDLER = r"^\S{1,128}$"
# An Elastic Beanstalk solution stack name: one line, no blank start or end.
SOLUTION_STACK = r"^\S(?:[^\x00-\x1f\x7f]*\S)?$"
# EventBridge schedule expressions: `rate(1 minute)`, `rate(5 minutes)` (singular for 1, plural
# otherwise) or `cron(...)` with the six fields minutes hours day-of-month month day-of-week year.
_CRON_FIELD = r"[0-9A-Za-z*,/#-]+"
SCHEDULE = (
    r"^(rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)"
    rf"|cron\({_CRON_FIELD} {_CRON_FIELD} (\? {_CRON_FIELD} {_CRON_FIELD}|{_CRON_FIELD} {_CRON_FIELD} \?) {_CRON_FIELD}\))$"
)
PATTERN_RULES.update(
    {
        LAMBDA_CODE_URL: "an S3 URL such as s3://BUCKET/KEY.zip or s3://BUCKET/NAME/{version}.zip ({version} is the only placeholder)",
        HANDLER: "a handler is 1 to 128 characters without whitespace",
        SOLUTION_STACK: "a solution stack name is one line, not empty, without spaces at either end",
        SCHEDULE: "expected rate(N unit) or cron(minutes hours day-of-month month day-of-week year)",
    }
)
# An application load balancer's limits (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/):
# a host-header condition's value (listener rules) and a target group's health check path.
DOMAIN_MAX = 128
HEALTH_CHECK_PATH_MAX = 1024
LAMBDA_ENV_BYTES = 4096  # all of a function's environment variables, names and values
_REFERENCE = re.compile(r"(?<!\$)\$\{[^}]*\}")  # `${...}` (not `$${`, a literal `${`)
RESERVED_LAMBDA_ENV = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)

EnvMap = dict[EnvVarName, SpecString]
LambdaEnvVarName = Annotated[str, Field(pattern=LAMBDA_ENV_VAR_NAME)]
LambdaEnvMap = dict[LambdaEnvVarName, SpecString]


def _known_instance_type(value: str) -> str:
    """An instance type EC2 knows (botocore's list), else a FieldError with the closest one."""
    from envspec.core.aws_values import instance_type_problem

    problem = instance_type_problem(value)
    if problem is not None:
        raise FieldError(problem[0], hint=problem[1])
    return value


class Release(SpecModel):
    """What a deploy ships to the hosts of an ec2 service. Deploys are always Ansible's job."""

    artifact: SpecString = Field(
        pattern=r"^s3://.+",
        description="S3 URL of the release tarball; `{version}` is replaced by the version being deployed, "
        "for example `s3://xkit-releases/api/{version}.tar.gz`.",
        json_schema_extra={"examples": ["s3://xkit-releases/api/{version}.tar.gz"]},
    )
    start: SpecString = Field(
        pattern=ONE_LINE,
        description="Command that starts the release, relative to the unpacked tarball, for example `bin/xkit start`. "
        "It runs as a systemd service with the environment file, so it is one line.",
    )

    @field_validator("start", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            raise ValueError(
                "must be one line: a line break would write extra lines into the systemd unit"
            )
        return value


class BeanstalkRelease(SpecModel):
    """What a deploy ships to an Elastic Beanstalk environment: an application source bundle."""

    artifact: SpecString = Field(
        pattern=S3_URL,
        description="S3 URL of the application source bundle (a zip); `{version}` is replaced by the version "
        "being deployed, for example `s3://xkit-releases/dashboard/{version}.zip`. `envspec deploy ENV "
        "--version V` makes it application version `V` and moves the environment to it.",
        json_schema_extra={"examples": ["s3://xkit-releases/dashboard/{version}.zip"]},
    )


# Elastic Beanstalk's deployment policies (`aws:elasticbeanstalk:command` DeploymentPolicy), by the names the spec uses.
BEANSTALK_POLICIES = {
    "rolling_with_additional_batch": "RollingWithAdditionalBatch",
    "immutable": "Immutable",
    "rolling": "Rolling",
    "all_at_once": "AllAtOnce",
}


class BeanstalkRollout(SpecModel):
    """How Elastic Beanstalk rolls a release (or a change that replaces instances) out."""

    policy: Literal["rolling_with_additional_batch", "immutable", "rolling", "all_at_once"] = Field(
        default="rolling_with_additional_batch",
        description="Elastic Beanstalk's deployment policy. `rolling_with_additional_batch` (default) first "
        "launches an extra batch of instances, so the environment keeps its full capacity while batches "
        "switch; `immutable` deploys to a whole new set of instances and swaps them in; `rolling` takes "
        "batches out of service (less capacity during a deploy; with one instance, a gap); `all_at_once` "
        "deploys to every instance at once (a gap).",
    )


class Rollout(SpecModel):
    """How `envspec deploy` rolls a release out to the hosts of an ec2 service."""

    max_unavailable: int = Field(
        default=1,
        ge=1,
        le=100,
        description="Hosts released at the same time (default 1): each is taken out of the load balancer, "
        "updated, health checked and put back before the next batch starts, so at least `count - "
        "max_unavailable` hosts serve throughout. When several ec2 services roll out together, the "
        "smallest value of the environment applies to all of them. A failed host stops the rollout.",
    )
    keep_releases: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Release folders kept on each host, the current one included (default 5); older ones "
        "are deleted after a successful release.",
    )


class _Service(Component):
    env: EnvMap = Field(default_factory=dict, description=ENV_DESCRIPTION)
    not_secret: list[EnvVarName] = Field(
        default_factory=list,
        description="Names of `env` variables whose literal values are not secrets. A value whose literal "
        "text (what is written besides its `${...}` references) looks like a secret is an error, because "
        "it would be copied into the generated files: a token of a known format (Stripe, GitHub, Slack, "
        "Google, AWS, a JWT, a private key), a password in a URL or a connection string, or, under a name "
        "whose words say it holds a secret (PASSWORD, PASS, PWD, TOKEN, SECRET, API KEY, ...), anything "
        "but numbers, booleans and durations. Store it in a secret and write `${secrets.NAME}`, or list "
        "the variable here.",
        json_schema_extra={"examples": [["PASSWORD_RESET_PAGE"]]},
    )

    @model_validator(mode="after")
    def _no_literal_secrets(self) -> "_Service":
        for index, name in enumerate(self.not_secret):
            if name not in self.env:
                raise FieldError(f"{name} is not one of this service's `env` variables", "not_secret", index)
        for name, value in self.env.items():
            if name in self.not_secret:
                continue
            looks = secret_shape(name, value)
            if looks:
                raise FieldError(
                    f"{name} looks like a secret written into the spec ({looks}); it would be copied into "
                    f"the generated files. Store it in a secret and write ${{secrets.NAME}}, or list {name} "
                    "under `not_secret` if it is not one",
                    "env",
                    name,
                )
        return self


class Ec2Service(_Service):
    """Instances from an AMI, in the private subnets; `public: true` puts them behind the app's load balancer."""

    type: Literal["ec2"] = Field(description="`ec2`: instances from an AMI, deployed by Ansible.")
    ami: str = Field(
        pattern=r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$",
        description="AMI id, for example `ami-0123456789abcdef0`.",
        json_schema_extra={"examples": ["ami-0123456789abcdef0"]},
    )
    instance_type: str = Field(
        pattern=INSTANCE_TYPE,
        description="EC2 instance type, for example `t3.small`: one EC2 knows (the AWS SDK's list, botocore's).",
    )

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        return _known_instance_type(value)
    count: int = Field(default=1, ge=0, le=100, description="Number of instances (0..100).")
    port: int | None = Field(
        default=4000,
        ge=1,
        le=65535,
        description="TCP port the service listens on (default 4000); the deploy writes it into the environment "
        "file as `PORT` and probes `health_check` on it. `null` for a service that serves no HTTP (a worker): "
        "it cannot be `public`, gets no health check over HTTP, and is released without a load balancer step.",
    )
    public: bool = Field(
        default=False,
        description="Reachable from the internet through the app's shared load balancer (HTTPS 443); "
        "gives the service a `url` attribute.",
    )
    domain: str | None = Field(
        default=None,
        max_length=DOMAIN_MAX,
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        description="Host name the shared load balancer routes to this service (`public: true`), for "
        "example `api.example.com`; it becomes the service's `url`. Needed when several services are public. "
        "At most 128 characters (a load balancer's host-header condition takes no more), labels of at most 63.",
    )
    health_check: str = Field(
        default="/",
        max_length=HEALTH_CHECK_PATH_MAX,
        pattern=r"^/[\x21-\x7e]*$",
        description="HTTP path the load balancer and rolling deploys probe, for example `/healthz`: it starts "
        "with `/` and takes at most 1,024 visible ASCII characters (a target group's health check path).",
    )
    release: Release | None = Field(default=None, description="What `envspec deploy` ships to the hosts.")
    deploy: Rollout = Field(
        default_factory=Rollout,
        description="How releases roll out: `max_unavailable` hosts at a time (default 1), keeping the last "
        "`keep_releases` releases on each host (default 5).",
        json_schema_extra={"examples": [{"max_unavailable": 1, "keep_releases": 5}]},
    )

    @field_validator("domain", mode="before")
    @classmethod
    def _domain_length(cls, value: object) -> object:
        if isinstance(value, str) and len(value) > DOMAIN_MAX:
            raise ValueError(
                f"{len(value)} characters: a load balancer's host-header condition takes at most {DOMAIN_MAX}"
            )
        return value

    @field_validator("health_check", mode="before")
    @classmethod
    def _health_check_length(cls, value: object) -> object:
        if isinstance(value, str) and len(value) > HEALTH_CHECK_PATH_MAX:
            raise ValueError(
                f"{len(value):,} characters: a target group's health check path takes at most {HEALTH_CHECK_PATH_MAX:,}"
            )
        return value

    @model_validator(mode="after")
    def _public_needs_port(self) -> "Ec2Service":
        if self.public and self.port is None:
            raise FieldError("a public service needs a `port` for the load balancer", "port")
        return self

    @model_validator(mode="after")
    def _one_host_serves(self) -> "Ec2Service":
        """A rollout leaves at least one host in service. (One host cannot: it is replaced in place, and
        `max_unavailable` has no other value; the README's Deploying section says so.)"""
        if self.count > 1 and self.deploy.max_unavailable >= self.count:
            raise FieldError(
                f"max_unavailable ({self.deploy.max_unavailable}) would take all {self.count} hosts out of the "
                f"load balancer at once: a release would stop the service. At most {self.count - 1} here",
                "deploy",
                "max_unavailable",
            )
        return self


class BeanstalkService(_Service):
    """An Elastic Beanstalk application and environment."""

    type: Literal["beanstalk"] = Field(description="`beanstalk`: an Elastic Beanstalk environment.")
    platform: SpecString = Field(
        pattern=SOLUTION_STACK,
        description='Solution stack name, for example `"64bit Amazon Linux 2023 v6.1.0 running Node.js 20"`.'
    )
    instance_type: str = Field(
        default="t3.small", pattern=INSTANCE_TYPE,
        description="EC2 instance type of the environment: one EC2 knows (the AWS SDK's list, botocore's).",
    )

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        return _known_instance_type(value)
    min_instances: int = Field(default=1, ge=1, le=100, description="Auto Scaling minimum.")
    max_instances: int = Field(default=2, ge=1, le=100, description="Auto Scaling maximum (>= min_instances).")
    release: BeanstalkRelease | None = Field(default=None, description="What `envspec deploy` ships to the environment.")
    deploy: BeanstalkRollout = Field(
        default_factory=BeanstalkRollout,
        description="How Elastic Beanstalk rolls releases out: `policy` (default `rolling_with_additional_batch`, "
        "which keeps full capacity).",
        json_schema_extra={"examples": [{"policy": "immutable"}]},
    )

    @model_validator(mode="after")
    def _bounds(self) -> "BeanstalkService":
        if self.max_instances < self.min_instances:
            raise FieldError(
                f"max_instances ({self.max_instances}) is less than min_instances ({self.min_instances})",
                "max_instances",
            )
        return self


class LambdaService(_Service):
    """A Lambda function from a zip in S3, optionally on a schedule or triggered by a queue."""

    type: Literal["lambda"] = Field(description="`lambda`: a function from a zip in S3.")
    runtime: str = Field(
        pattern=r"^(nodejs|python|java|dotnet|ruby|provided)[0-9a-z.]*$",
        description="Lambda runtime, for example `nodejs20.x` or `python3.12`: one Lambda lists (the AWS SDK's "
        "list, botocore's) and has not deprecated (`python3.8`, `nodejs16.x`... are refused, naming the runtime "
        "to move to).",
    )
    handler: str = Field(pattern=HANDLER, description="Entry point, for example `index.handler`.")
    code: str = Field(
        pattern=LAMBDA_CODE_URL,
        description="S3 URL of the deployment zip, for example `s3://xkit-artifacts/sync-worker/{version}.zip`; "
        "`{version}` is replaced by the version `envspec deploy ENV --version V` releases (a function that does "
        "not exist yet is created from version V's zip). Each release updates the code if it differs, publishes "
        "a version and moves the alias `live` to it, which schedules, queue triggers and `${services.NAME.arn}` "
        "use; the versions before stay. A `code` without `{version}` is released from the same key each time.",
        json_schema_extra={"examples": ["s3://xkit-artifacts/sync-worker/{version}.zip"]},
    )
    memory_mb: int = Field(default=128, ge=128, le=10240, description="Memory in MB (128..10240).")
    timeout_s: int = Field(default=3, ge=1, le=900, description="Timeout in seconds (1..900).")
    schedule: str | None = Field(
        default=None,
        pattern=SCHEDULE,
        description="Run on a schedule (EventBridge syntax): `rate(1 minute)`, `rate(5 minutes)` (the unit is "
        "singular for 1, plural otherwise), or `cron(0 12 * * ? *)` with six fields: minutes, hours, "
        "day-of-month, month, day-of-week, year; one of day-of-month and day-of-week is `?`.",
    )
    vpc: bool = Field(
        default=False,
        description="Run inside the app's private subnets (needs `network`); gives the function a "
        "security group, and with it access to referenced databases.",
    )
    queue: str | None = Field(
        default=None,
        pattern=COMPONENT_NAME,
        description="Run on the messages of a queue: the name of an entry under `queues` (`queue: jobs`). "
        "Lambda polls the queue and calls the function with up to `batch_size` messages; a message the "
        "function fails on comes back after the queue's `visibility_timeout_s`, which must be at least "
        "the function's `timeout_s`. The function's role may receive and delete on the queue.",
        json_schema_extra={"examples": ["jobs"]},
    )
    batch_size: int = Field(
        default=10,
        ge=1,
        le=10,
        description="Most messages per call when the function has a `queue` (1..10, default 10). Larger "
        "batches need a batching window, which envspec does not set.",
    )
    env: LambdaEnvMap = Field(
        default_factory=dict,
        description=ENV_DESCRIPTION + " AWS Lambda takes names of letters, digits and `_` that start with a "
        "letter (at least two characters).",
    )

    @field_validator("runtime")
    @classmethod
    def _known_runtime(cls, value: str) -> str:
        from envspec.core.aws_values import runtime_problem

        problem = runtime_problem(value)
        if problem is not None:
            raise FieldError(problem[0], hint=problem[1])
        return value

    @field_validator("schedule", mode="before")
    @classmethod
    def _schedule(cls, value: object) -> object:
        if isinstance(value, str):
            problem = schedule_problem(value)
            if problem:
                raise ValueError(f"invalid schedule {value!r}: {problem}")
        return value

    @model_validator(mode="after")
    def _batch_needs_queue(self) -> "LambdaService":
        if "batch_size" in self.model_fields_set and self.queue is None:
            raise FieldError("`batch_size` is the size of the batches of a `queue`; this function has none", "batch_size")
        return self

    @model_validator(mode="after")
    def _reserved(self) -> "LambdaService":
        reserved = sorted(set(self.env) & RESERVED_LAMBDA_ENV)
        if reserved:
            raise FieldError(f"environment variable {reserved[0]} is reserved by AWS Lambda", "env", reserved[0], key=True)
        return self

    @model_validator(mode="after")
    def _environment_size(self) -> "LambdaService":
        # AWS refuses a function whose variables (names and values) take over 4 KB. A reference's
        # value is known only later: counting none of it, this is the least the function will hold.
        least = sum(len(name.encode()) + len(_REFERENCE.sub("", value).encode()) for name, value in self.env.items())
        if least > LAMBDA_ENV_BYTES:
            raise FieldError(
                f"the environment variables take at least {least:,} bytes (names and values); AWS Lambda "
                f"allows {LAMBDA_ENV_BYTES:,} in all: keep large values in a bucket or a secret", "env",
            )
        return self


Service = Annotated[Ec2Service | BeanstalkService | LambdaService, Field(discriminator="type")]
