"""An RDS database instance in the network's private subnets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from envspec.core.ir import Attr, Interp, SecretValue, SecurityGroup, Value
from envspec.core.model import Database
from envspec.core.kinds.base import Attribute, ComponentKind, Grants, KindCheck, LoweredComponent, NetworkAccess

if TYPE_CHECKING:
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import Reference, ResolvedComponent

ENGINE_PORTS = {"postgres": 5432, "mysql": 3306}
URL_SCHEMES = {"postgres": "postgres", "mysql": "mysql"}
# A service that references one of these reads the database's master password: it may read RDS's secret.
PASSWORD_ATTRIBUTES = frozenset({"secret_arn", "password", "url_with_password"})


def database_name(component: ResolvedComponent) -> str:
    model = component.model
    assert isinstance(model, Database)
    return model.database_name or component.name.replace("-", "_")


def lower(ctx: LoweringContext, c: ResolvedComponent) -> LoweredComponent:
    model = c.model
    assert isinstance(model, Database)
    name = ctx.base_name(c)
    port = ENGINE_PORTS[model.engine]
    inputs: dict[str, Value] = {
        "identifier": name,
        "engine": model.engine,
        "engine_version": model.version,
        "instance_class": model.instance_class,
        "allocated_storage": model.storage_gb,
        "multi_az": model.multi_az,
        "backup_retention_period": model.backup_retention_days,
        "deletion_protection": model.deletion_protection,
        # Decided here, not left to either tool's default (they differ): see
        # backends/envspec_terraform/README.md, "Arguments decided once".
        "storage_type": "gp3",
        "iam_database_authentication_enabled": True,
        "skip_final_snapshot": False,
        "final_snapshot_identifier": f"{name}-final",
        "auto_minor_version_upgrade": True,
        "db_name": database_name(c),
        "username": model.username,
        "port": port,
        "subnet_group_name": name,
        "security_group_name": name,
        "vpc_id": Attr("network", "vpc_id"),
        "subnet_ids": Attr("network", "private_subnet_ids"),
        "tags": ctx.tags(c),
    }
    resources = [
        ctx.resource(c, "subnet-group", "aws_db_subnet_group", name, import_id=name),
        ctx.resource(c, "sg", "aws_security_group", name, by_tags=True),
        ctx.resource(c, "instance", "aws_db_instance", name, import_id=name),
    ]
    # The master password is RDS's, whichever tool owns the database: RDS generates it and
    # keeps it in a secret of its own (`rds!db-...`, outside the graph), whose ARN is the
    # instance's MasterUserSecret; so a move changes neither (README, "The database password").
    return LoweredComponent(inputs, resources, ("network",))


def value(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Value:
    model = target.model
    assert isinstance(model, Database)
    attr = ref.attribute
    literal = {
        "port": str(ENGINE_PORTS[model.engine]),
        "name": database_name(target),
        "username": model.username,
        "arn": ctx.arn("rds", f"db:{ctx.base_name(target)}"),
    }
    if attr in literal:
        return literal[attr]
    if attr not in ("password", "url", "url_with_password"):
        return Attr(target.address, attr)  # host, secret_arn
    scheme = f"{URL_SCHEMES[model.engine]}://{quote(model.username, safe='')}"
    if attr == "url":
        user_info: tuple[Any, ...] = (f"{scheme}@",)
    else:
        # The master password, from the secret RDS keeps it in: read at deploy time into an ec2 host's
        # environment file; elsewhere (lambda, beanstalk) the secret's ARN, as for `${secrets.X}`
        # (resolve refuses url_with_password there).
        if user.kind != "ec2":
            return Attr(target.address, "secret_arn")
        password = SecretValue(
            address=target.address, name=Attr(target.address, "secret_arn"), store="secretsmanager",
            key="password", url_encoded=attr == "url_with_password",
        )
        if attr == "password":
            return password
        user_info = (f"{scheme}:", password, "@")
    where = f":{ENGINE_PORTS[model.engine]}/{database_name(target)}"
    return Interp((*user_info, Attr(target.address, "host"), where))


def grants(ctx: LoweringContext, ref: Reference, target: ResolvedComponent, user: ResolvedComponent) -> Grants:
    """The port, from inside the VPC; the password's secret, to whoever reads the password."""
    model = target.model
    assert isinstance(model, Database)
    access = []
    if ctx.in_vpc(user):
        access.append(NetworkAccess(target.address, SecurityGroup(target.address, "sg", "security_group_id"),
                                    ENGINE_PORTS[model.engine]))
    statements = []
    if ref.attribute in PASSWORD_ATTRIBUTES:
        statements.append(
            {
                "sid": f"{ctx.statement_id(target)}Password",
                "actions": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                "resources": [Attr(target.address, "secret_arn")],
            }
        )
    return Grants(statements, access)


def check(spec: KindCheck, address: str, raw: Mapping[str, Any]) -> None:
    """RDS runs in the network's private subnets, and a subnet group needs two zones."""
    where = ("databases", address.split(".", 1)[1], "engine")
    if spec.network is None:
        spec.error(where, "a database needs the app's `network` (RDS runs in its private subnets)",
                   "add a top-level `network`")
    elif (zones := spec.availability_zones()) is not None and zones < 2:
        spec.error(where, f"a database needs private subnets in at least two availability zones (RDS "
                   f"refuses a smaller subnet group); network.availability_zones is {zones}",
                   "set `availability_zones: 2` under `network`")


KIND = ComponentKind(
    name="database",
    section="databases",
    model=Database,
    attributes=(
        Attribute("host", private=True), Attribute("port"), Attribute("name"), Attribute("username"),
        Attribute("url", private=True),
        Attribute(
            "url_with_password",
            users=frozenset({"ec2"}),
            refused="only available to ec2 services: a {user} service never holds the password itself",
            hint="use ${{{target}.url}} and ${{{target}.password}}: in a {user} service that is the ARN of the "
            "secret holding the password, which the service may read",
            private=True,
        ),
        Attribute("password"), Attribute("arn"), Attribute("secret_arn"),
    ),
    outputs=("host", "security_group_id", "secret_arn"),
    lower=lower,
    value=value,
    grants=grants,
    grant_labels={"Password": "read password"},
    check=check,
)
