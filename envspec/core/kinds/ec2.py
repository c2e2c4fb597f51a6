"""A service on EC2 instances from an AMI, released by Ansible, behind the app's load balancer when public."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from envspec.core.ir import Attr, Interp, SecurityGroup, SecurityGroupRule, Value
from envspec.core.names import joined_name
from envspec.core.model import Ec2Service
from envspec.core.kinds.base import Attribute, ComponentKind, KindCheck, LoweredComponent, NetworkAccess
from envspec.core.kinds.network import LB_GROUP, LB_NAME_MAX

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import Reference, ResolvedComponent

SSM_CORE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
DEFAULT_PORT = Ec2Service.model_fields["port"].default
HTTPS_DESCRIPTION = "HTTPS to AWS APIs and package mirrors, through the NAT gateway"


def _load_balancer(ctx: LoweringContext, c: ResolvedComponent, model: Ec2Service, name: str) -> dict[str, Value] | None:
    if not model.public:
        return None
    position = ctx.public_services.index(c.address)
    return {
        "target_group_name": joined_name(name, max_len=LB_NAME_MAX),
        "listener_arn": Attr("network", "lb_listener_arn"),
        "priority": (position + 1) * 10 if model.domain else 50000 - position,
        "host": model.domain,
        # The target group's health check and draining, decided here for both tools (AWS's
        # defaults, which the role had, take 2.5 minutes to see a healthy instance; a rolling
        # deploy waits for that on every host): see backends/envspec_terraform/README.md.
        "health_check_interval": 15,
        "health_check_timeout": 5,
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
        "deregistration_delay": 30,
    }


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, Ec2Service)
    name = ctx.base_name(c)
    statements, access = ctx.permissions(c)
    instances = [f"{name}-{i + 1}" for i in range(model.count)]
    load_balancer = _load_balancer(ctx, c, model, name)
    inputs: dict[str, Value] = {
        "name": name,
        "ami": model.ami,
        "instance_type": model.instance_type,
        "instances": instances,
        "port": model.port,
        "health_check": model.health_check,
        "vpc_id": Attr("network", "vpc_id"),
        "subnet_ids": Attr("network", "private_subnet_ids"),
        "security_group_name": name,
        "role_name": name,
        "instance_profile_name": name,
        "managed_policy_arns": [SSM_CORE_POLICY],
        "policy_statements": statements,
        "load_balancer": load_balancer,
        "environment": ctx.environment(c),
        "release": model.release.model_dump() if model.release else None,
        "deploy": model.deploy.model_dump(),
        "tags": ctx.tags(c),
    }
    resources = [
        ctx.resource(c, "sg", "aws_security_group", name, by_tags=True),
        ctx.resource(c, "role", "aws_iam_role", name, import_id=name),
        ctx.resource(c, "profile", "aws_iam_instance_profile", name, import_id=name),
    ]
    resources += [
        ctx.resource(c, f"instance-{i + 1}", "aws_instance", inst, by_tags=True) for i, inst in enumerate(instances)
    ]
    if load_balancer is not None:
        resources.append(
            ctx.resource(c, "target-group", "aws_lb_target_group", str(load_balancer["target_group_name"]), by_tags=True)
        )
        resources.append(ctx.resource(c, "listener-rule", "aws_lb_listener_rule", name, by_tags=True))
    return LoweredComponent(inputs, resources, ctx.dependencies(c, "network"), _rules(ctx, c, model, access))


def _rules(ctx: LoweringContext, c: ResolvedComponent, model: Ec2Service, access: list[NetworkAccess]) -> tuple[SecurityGroupRule, ...]:
    """The instances' group: the service's port from the load balancer's group when public."""
    own = SecurityGroup(c.address, "sg", "security_group_id")
    from_lb = (
        [SecurityGroupRule("from-lb", own, "ingress", "tcp", model.port, model.port, LB_GROUP, "From the load balancer")]
        if model.public and model.port is not None else []
    )
    return ctx.service_rules(own, HTTPS_DESCRIPTION, access, *from_lb)


def value(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    model = target.model
    assert isinstance(model, Ec2Service)
    if ref.attribute == "url":
        network = ctx.network_model()
        scheme = "https" if network is not None and network.certificate_arn else "http"
        if model.domain:
            return f"{scheme}://{model.domain}"
        return Interp((f"{scheme}://", Attr("network", "lb_dns_name")))
    return ctx.base_name(target) if ref.attribute == "name" else Attr(target.address, ref.attribute)


def check(spec: KindCheck, address: str, raw: Mapping[str, Any]) -> None:
    name = address.split(".", 1)[1]
    if spec.network is None:
        spec.error(("services", name, "type"), "an ec2 service needs the app's `network`",
                   "add a top-level `network`")
    check_port(spec, name, raw)


def check_port(spec: KindCheck, name: str, raw: Mapping[str, Any]) -> None:
    """`env.PORT` is the port the release listens on (it wins over the one the deploy writes), while the
    load balancer's target group and the health checks use `port`: the two must be the same."""
    env, port = raw.get("env"), raw.get("port", DEFAULT_PORT)
    if not isinstance(env, Mapping) or "PORT" not in env or not isinstance(port, int) or isinstance(port, bool):
        return  # no PORT, a worker (`port: null`), or a type error the model reports
    written = env["PORT"]
    if isinstance(written, str) and written != str(port):
        spec.error(
            ("services", name, "env", "PORT"),
            f"PORT is {written!r} but the service's `port` is {port}: the service would listen on one port "
            "while the load balancer and the health checks probe the other",
            f"remove PORT from `env` (the deploy sets PORT={port}), or set `port` instead",
        )


def check_all(spec: KindCheck, services: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """The app's shared load balancer: AWS wants its subnets in two zones, and its listener can
    route to only one service per host name (a service without `domain` takes every host)."""
    public = [(a, c) for a, c in services if c.get("public") is True]
    if not public:
        return
    zones = spec.availability_zones()
    if zones is not None and zones < 2:
        spec.error(
            ("services", public[0][0].split(".", 1)[1], "public"),
            f"a public service needs the app's load balancer, and AWS wants an application load balancer "
            f"in at least two availability zones; network.availability_zones is {zones}",
            "set `availability_zones: 2` under `network`",
        )
    by_domain: dict[str | None, str] = {}
    for address, component in public:
        domain = component.get("domain")
        domain = domain if isinstance(domain, str) else None
        first = by_domain.setdefault(domain, address)
        if first == address:
            continue
        name = address.split(".", 1)[1]
        if domain is None:
            spec.error(
                ("services", name, "public"),
                f"{first} is public without a `domain` too: the load balancer would send every request "
                f"to one of them",
                f"give each public service its own `domain`, for example {name}.example.com",
            )
        else:
            spec.error(
                ("services", name, "domain"),
                f"domain {domain!r} is already {first}'s: the load balancer routes a host name to one service",
            )


KIND = ComponentKind(
    name="ec2",
    section="services",
    model=Ec2Service,
    attributes=(Attribute("url", requires=("public", "is not public")), Attribute("name"), Attribute("security_group_id")),
    outputs=("security_group_id",),
    service=True,
    lower=lower,
    value=value,
    in_vpc=lambda ctx, c: True,
    outside_vpc=lambda data, c: None,
    check=check,
    check_all=check_all,
)
