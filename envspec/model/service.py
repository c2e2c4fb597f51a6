"""`services`: ec2, beanstalk and lambda, a discriminated union on `type`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .common import ENV_DESCRIPTION, Component, EnvVarName, FieldError, SpecModel, SpecString

INSTANCE_TYPE = r"^[a-z][a-z0-9-]*\.[a-z0-9]+$"
S3_URL = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+$"
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


class Release(SpecModel):
    """What a deploy ships to the hosts of an ec2 service. Deploys are always Ansible's job."""

    artifact: SpecString = Field(
        pattern=r"^s3://.+",
        description="S3 URL of the release tarball; `{version}` is replaced by the version being deployed, "
        "for example `s3://xkit-releases/api/{version}.tar.gz`.",
        json_schema_extra={"examples": ["s3://xkit-releases/api/{version}.tar.gz"]},
    )
    start: SpecString = Field(
        description="Command that starts the release, relative to the unpacked tarball, for example `bin/xkit start`. "
        "It runs as a systemd service with the environment file."
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


class Ec2Service(_Service):
    """Instances from an AMI, in the private subnets; `public: true` puts them behind the app's load balancer."""

    type: Literal["ec2"] = Field(description="`ec2`: instances from an AMI, deployed by Ansible.")
    ami: str = Field(
        pattern=r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$",
        description="AMI id, for example `ami-0123456789abcdef0`.",
        json_schema_extra={"examples": ["ami-0123456789abcdef0"]},
    )
    instance_type: str = Field(pattern=INSTANCE_TYPE, description="EC2 instance type, for example `t3.small`.")
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
        max_length=253,
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        description="Host name the shared load balancer routes to this service (`public: true`), for "
        "example `api.example.com`; it becomes the service's `url`. Needed when several services are public.",
    )
    health_check: str = Field(
        default="/",
        pattern=r"^/[\x21-\x7e]*$",
        description="HTTP path the load balancer and rolling deploys probe, for example `/healthz`.",
    )
    release: Release | None = Field(default=None, description="What `envspec deploy` ships to the hosts.")
    deploy: Rollout = Field(
        default_factory=Rollout,
        description="How releases roll out: `max_unavailable` hosts at a time (default 1), keeping the last "
        "`keep_releases` releases on each host (default 5).",
        json_schema_extra={"examples": [{"max_unavailable": 1, "keep_releases": 5}]},
    )

    @model_validator(mode="after")
    def _public_needs_port(self) -> "Ec2Service":
        if self.public and self.port is None:
            raise FieldError("a public service needs a `port` for the load balancer", "port")
        return self


class BeanstalkService(_Service):
    """An Elastic Beanstalk application and environment."""

    type: Literal["beanstalk"] = Field(description="`beanstalk`: an Elastic Beanstalk environment.")
    platform: SpecString = Field(
        description='Solution stack name, for example `"64bit Amazon Linux 2023 v6.1.0 running Node.js 20"`.'
    )
    instance_type: str = Field(default="t3.small", pattern=INSTANCE_TYPE, description="EC2 instance type of the environment.")
    min_instances: int = Field(default=1, ge=1, le=100, description="Auto Scaling minimum.")
    max_instances: int = Field(default=2, ge=1, le=100, description="Auto Scaling maximum (>= min_instances).")

    @model_validator(mode="after")
    def _bounds(self) -> "BeanstalkService":
        if self.max_instances < self.min_instances:
            raise FieldError(
                f"max_instances ({self.max_instances}) is less than min_instances ({self.min_instances})",
                "max_instances",
            )
        return self


class LambdaService(_Service):
    """A Lambda function from a zip in S3, optionally on a schedule."""

    type: Literal["lambda"] = Field(description="`lambda`: a function from a zip in S3.")
    runtime: str = Field(
        pattern=r"^(nodejs|python|java|dotnet|ruby|provided)[0-9a-z.]*$",
        description="Lambda runtime, for example `nodejs20.x` or `python3.12`.",
    )
    handler: SpecString = Field(description="Entry point, for example `index.handler`.")
    code: str = Field(
        pattern=S3_URL,
        description="S3 URL of the deployment zip, for example `s3://xkit-artifacts/sync-worker.zip`.",
    )
    memory_mb: int = Field(default=128, ge=128, le=10240, description="Memory in MB (128..10240).")
    timeout_s: int = Field(default=3, ge=1, le=900, description="Timeout in seconds (1..900).")
    schedule: str | None = Field(
        default=None,
        pattern=r"^(rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$",
        description="Run on a schedule: `rate(5 minutes)` or `cron(0 12 * * ? *)` (EventBridge syntax).",
    )
    vpc: bool = Field(
        default=False,
        description="Run inside the app's private subnets (needs `network`); gives the function a "
        "security group, and with it access to referenced databases.",
    )

    @model_validator(mode="after")
    def _reserved(self) -> "LambdaService":
        reserved = sorted(set(self.env) & RESERVED_LAMBDA_ENV)
        if reserved:
            raise FieldError(f"environment variable {reserved[0]} is reserved by AWS Lambda", "env", reserved[0], key=True)
        return self


Service = Annotated[Ec2Service | BeanstalkService | LambdaService, Field(discriminator="type")]
