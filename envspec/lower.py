"""Lowering: one resolved environment -> the ResourceGraph.

This is the one place where AWS identity is decided: every resource's name, tags and import id,
every input a Terraform module or an Ansible role receives, and the permissions that references
imply. Backends only decide syntax.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from .graph import Owner, Attr, Interp, Lookup, Node, Resource, ResourceGraph, SecretValue, Value
from .model import BeanstalkService, Bucket, Database, Ec2Service, LambdaService, Network, Secret
from .resolved import Interpolated, Reference, ResolvedComponent, ResolvedEnv

ENGINE_PORTS = {"postgres": 5432, "mysql": 3306}
URL_SCHEMES = {"postgres": "postgres", "mysql": "mysql"}
# A service that references one of these reads the database's master password: it may read RDS's secret.
PASSWORD_ATTRIBUTES = frozenset({"secret_arn", "password", "url_with_password"})
LB_NAME_MAX = 32  # load balancer and target group names
SUBNET_NEWBITS = 4  # /16 -> /20 subnets; 16 slots: public in 0..5, private in 8..13
PRIVATE_SLOT_OFFSET = 8
LAMBDA_VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
LAMBDA_BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
BEANSTALK_WEB_POLICY = "arn:aws:iam::aws:policy/AWSElasticBeanstalkWebTier"
SSM_CORE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
# Resource types that get no Name tag from either tool (see `_Context.resource`).
NO_NAME_TAG = frozenset({"aws_elastic_beanstalk_application", "aws_elastic_beanstalk_environment"})


def aws_name(*parts: str, max_len: int = 63) -> str:
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
    return aws_name(app, env, account_id, "ssm")


def lower(env: ResolvedEnv, history: Mapping[str, tuple[Owner, ...]] | None = None) -> ResourceGraph:
    """Lower every component of one environment into nodes, in dependency order.

    `history` maps a component address to the owners it had in earlier compiles of this
    environment (`envspec.history`: the file beside the spec); it decides Terraform import and removed blocks.
    """
    ctx = _Context(env)
    history = history or {}
    nodes = [
        replace(node, history=tuple(sorted(set(history.get(node.address, ())))))
        for node in (ctx.lower_component(c) for c in env.components.values())
    ]
    return ResourceGraph(
        app=env.app,
        env=env.env,
        region=env.region,
        account_id=env.account_id,
        source=env.source,
        nodes=_dependency_order(nodes),
    )


def _dependency_order(nodes: list[Node]) -> tuple[Node, ...]:
    """Stable topological order: a node comes after what it depends on, else in spec order."""
    by_address = {n.address: n for n in nodes}
    done: dict[str, Node] = {}
    visiting: set[str] = set()  # resolve rejects cycles; never loop here regardless
    for root in nodes:  # depth-first with an explicit stack: a long chain must not hit the recursion limit
        if root.address in done:
            continue
        visiting.add(root.address)
        stack = [(root, iter(root.depends_on))]
        while stack:
            node, deps = stack[-1]
            for dep in deps:
                if dep in by_address and dep not in done and dep not in visiting:
                    visiting.add(dep)
                    stack.append((by_address[dep], iter(by_address[dep].depends_on)))
                    break
            else:
                stack.pop()
                visiting.discard(node.address)
                done[node.address] = node
    return tuple(done.values())


class _Context:
    """What lowering one environment needs to know about all of it."""

    def __init__(self, env: ResolvedEnv) -> None:
        self.env = env
        self.components = env.components
        self.prefix = f"{env.app}-{env.env}"
        public = [
            c for c in env.components.values() if c.kind == "ec2" and isinstance(c.model, Ec2Service) and c.model.public
        ]
        self.public_services = tuple(c.address for c in public)

    # ---- names, tags, identity -------------------------------------------------------------

    def base_name(self, component: ResolvedComponent) -> str:
        if component.kind == "network":
            return self.prefix
        if isinstance(component.model, Bucket) and component.model.name is not None:
            return component.model.name  # S3 names are global: the spec may choose its own
        return aws_name(self.prefix, component.name)

    def tags(self, component: ResolvedComponent) -> dict[str, str]:
        tags = dict(self.env.tags)
        tags.update(
            {
                "envspec:app": self.env.app,
                "envspec:env": self.env.env,
                "envspec:component": component.address,
                "envspec:owner": component.owner,
            }
        )
        return dict(sorted(tags.items()))

    def lookup(self, component: ResolvedComponent, name: str, *, name_tag: bool = True) -> Lookup:
        return Lookup(
            tags={
                **({"Name": name} if name_tag else {}),
                "envspec:app": self.env.app,
                "envspec:component": component.address,
                "envspec:env": self.env.env,
            }
        )

    def resource(
        self,
        component: ResolvedComponent,
        key: str,
        type_: str,
        name: str,
        *,
        import_id: str | None = None,
        by_tags: bool = False,
    ) -> Resource:
        tags = dict(self.tags(component))
        # Elastic Beanstalk tags an environment with its own Name (a tag no one can set or change), and
        # the AWS provider hides the Name key of Beanstalk applications and environments when it reads
        # them: a Name tag in the configuration would be a change on every plan. Neither tool sets one.
        name_tag = type_ not in NO_NAME_TAG
        if name_tag:
            tags["Name"] = name
        return Resource(
            key=key,
            type=type_,
            name=name,
            tags=dict(sorted(tags.items())),
            import_id=import_id,
            lookup=self.lookup(component, name, name_tag=name_tag) if by_tags else None,
        )

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return ":".join(
            ["arn", "aws", service, self.env.region if region else "", self.env.account_id if account else "", resource]
        )

    # ---- references --------------------------------------------------------------------------

    def value_of(self, ref: Reference, user: ResolvedComponent) -> Value:
        """What `${ref}` becomes for `user`: a literal when the core knows it, else deferred."""
        target = self.components[ref.address]
        model = target.model
        name = self.base_name(target)
        attr = ref.attribute
        if isinstance(model, Secret):
            aws = self.secret_name(target)
            arn: Value = Attr(target.address, "arn") if model.store == "secretsmanager" else self.ssm_arn(aws)
            if attr == "value":
                if user.kind == "ec2":
                    return SecretValue(address=target.address, name=aws, store=model.store)
                return arn
            return arn if attr == "arn" else aws
        if isinstance(model, Bucket):
            return name if attr == "name" else f"arn:aws:s3:::{name}"
        if isinstance(model, Database):
            literal = {
                "port": str(ENGINE_PORTS[model.engine]),
                "name": self.database_name(target),
                "username": model.username,
                "arn": self.arn("rds", f"db:{name}"),
            }
            if attr in literal:
                return literal[attr]
            if attr in ("password", "url_with_password"):
                # The master password, from the secret RDS keeps it in: read at deploy time into an
                # ec2 host's environment file; elsewhere (lambda, beanstalk) the secret's ARN, as for
                # `${secrets.X}` (resolve refuses url_with_password there).
                if user.kind != "ec2":
                    return Attr(target.address, "secret_arn")
                password = SecretValue(
                    address=target.address, name=Attr(target.address, "secret_arn"), store="secretsmanager",
                    key="password", url_encoded=attr == "url_with_password",
                )
                if attr == "password":
                    return password
                user_info = (f"{URL_SCHEMES[model.engine]}://{quote(model.username, safe='')}:", password, "@")
            else:
                user_info = (f"{URL_SCHEMES[model.engine]}://{quote(model.username, safe='')}@",)
            if attr in ("url", "url_with_password"):
                return Interp(
                    (
                        *user_info,
                        Attr(target.address, "host"),
                        f":{ENGINE_PORTS[model.engine]}/{self.database_name(target)}",
                    )
                )
            return Attr(target.address, attr)  # host, secret_arn
        if isinstance(model, Network):
            return Attr(target.address, attr)
        if isinstance(model, Ec2Service):
            if attr == "url":
                return self.ec2_url(model)
            return name if attr == "name" else Attr(target.address, attr)
        if isinstance(model, BeanstalkService):
            return name if attr == "name" else Attr(target.address, attr)
        if isinstance(model, LambdaService):
            if attr == "arn":
                return self.arn("lambda", f"function:{name}")
            return name if attr == "name" else Attr(target.address, attr)
        raise AssertionError(f"unhandled reference {ref}")  # pragma: no cover - resolve checks kinds

    def interpolate(self, value: Interpolated, user: ResolvedComponent) -> Value:
        parts: list[Any] = []
        for part in value.parts:
            lowered = self.value_of(part, user) if isinstance(part, Reference) else part
            if isinstance(lowered, Interp):
                parts.extend(lowered.parts)
            else:
                parts.append(lowered)
        merged: list[Any] = []
        for part in parts:  # join adjacent literal text
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        if not merged:
            return ""
        if len(merged) == 1 and not isinstance(merged[0], SecretValue):
            return merged[0]
        return Interp(tuple(merged))

    def environment(self, component: ResolvedComponent) -> dict[str, Value]:
        return {key: self.interpolate(value, component) for key, value in component.env.items()}

    def permissions(self, component: ResolvedComponent) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(IAM policy statements, database access rules) implied by the component's references."""
        statements: list[dict[str, Any]] = []
        access: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for ref in component.references:
            target = self.components[ref.address]
            model = target.model
            sid = "".join(ch for ch in target.address.title() if ch.isalnum())
            if isinstance(model, Bucket) and ("bucket", ref.address) not in seen:
                seen.add(("bucket", ref.address))
                arn = f"arn:aws:s3:::{self.base_name(target)}"
                statements.append({"sid": f"{sid}List", "actions": ["s3:ListBucket"], "resources": [arn]})
                statements.append(
                    {
                        "sid": f"{sid}Objects",
                        "actions": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                        "resources": [f"{arn}/*"],
                    }
                )
            elif isinstance(model, Secret) and ("secret", ref.address) not in seen:
                seen.add(("secret", ref.address))
                if model.store == "secretsmanager":
                    statements.append(
                        {
                            "sid": f"{sid}Read",
                            "actions": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                            "resources": [Attr(target.address, "arn")],
                        }
                    )
                else:
                    statements.append(
                        {
                            "sid": f"{sid}Read",
                            "actions": ["ssm:GetParameter", "ssm:GetParameters"],
                            "resources": [self.ssm_arn(self.secret_name(target))],
                        }
                    )
            elif isinstance(model, Database):
                if ("db", ref.address) not in seen and self.in_vpc(component):
                    seen.add(("db", ref.address))
                    access.append(
                        {
                            "database": target.address,
                            "security_group_id": Attr(target.address, "security_group_id"),
                            "port": ENGINE_PORTS[model.engine],
                        }
                    )
                if ref.attribute in PASSWORD_ATTRIBUTES and ("dbsecret", ref.address) not in seen:
                    seen.add(("dbsecret", ref.address))
                    statements.append(
                        {
                            "sid": f"{sid}Password",
                            "actions": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                            "resources": [Attr(target.address, "secret_arn")],
                        }
                    )
            elif isinstance(model, LambdaService) and ref.attribute == "arn" and ("fn", ref.address) not in seen:
                seen.add(("fn", ref.address))
                statements.append(
                    {
                        "sid": f"{sid}Invoke",
                        "actions": ["lambda:InvokeFunction"],
                        "resources": [self.arn("lambda", f"function:{self.base_name(target)}")],
                    }
                )
        return statements, access

    def dependencies(self, component: ResolvedComponent, *extra: str) -> tuple[str, ...]:
        deps = {ref.address for ref in component.references} | set(extra)
        deps.discard(component.address)
        return tuple(sorted(d for d in deps if d in self.components))

    # ---- helpers for names the core knows ------------------------------------------------------

    def secret_name(self, component: ResolvedComponent) -> str:
        model = component.model
        assert isinstance(model, Secret)
        path = f"{self.env.app}/{self.env.env}/{component.name}"
        return f"/{path}" if model.store == "ssm" else path

    def ssm_arn(self, parameter: str) -> str:
        return self.arn("ssm", f"parameter{parameter}")

    def database_name(self, component: ResolvedComponent) -> str:
        model = component.model
        assert isinstance(model, Database)
        return model.database_name or component.name.replace("-", "_")

    def in_vpc(self, component: ResolvedComponent) -> bool:
        """Whether the component's compute runs in the app's VPC (and so can reach its databases)."""
        if component.kind == "ec2":
            return True
        if component.kind == "beanstalk":
            return self.network_model() is not None
        return isinstance(component.model, LambdaService) and component.model.vpc

    def network_model(self) -> Network | None:
        network = self.components.get("network")
        return network.model if network is not None and isinstance(network.model, Network) else None

    def ec2_url(self, model: Ec2Service) -> Value:
        network = self.network_model()
        scheme = "https" if network is not None and network.certificate_arn else "http"
        if model.domain:
            return f"{scheme}://{model.domain}"
        return Interp((f"{scheme}://", Attr("network", "lb_dns_name")))

    # ---- one function per kind -----------------------------------------------------------------

    def lower_component(self, component: ResolvedComponent) -> Node:
        lowerer = {
            "network": self.lower_network,
            "secret": self.lower_secret,
            "bucket": self.lower_bucket,
            "database": self.lower_database,
            "ec2": self.lower_ec2,
            "beanstalk": self.lower_beanstalk,
            "lambda": self.lower_lambda,
        }[component.kind]
        inputs, resources, depends_on = lowerer(component)
        return Node(
            address=component.address,
            kind=component.kind,
            owner=component.owner,
            name=self.base_name(component),
            tags=self.tags(component),
            inputs=inputs,
            resources=tuple(resources),
            depends_on=depends_on,
        )

    def lower_network(self, c: ResolvedComponent) -> tuple[dict[str, Value], list[Resource], tuple[str, ...]]:
        model = c.model
        assert isinstance(model, Network)
        name = self.base_name(c)
        vpc = ipaddress.IPv4Network(model.cidr)
        slots = list(vpc.subnets(new_prefix=vpc.prefixlen + SUBNET_NEWBITS))
        azs = model.availability_zones
        # Decided here for both tools (see backends/envspec_terraform/README.md, "Arguments decided
        # once"): no subnet gives instances a public IP. Nothing envspec runs needs one: instances,
        # Beanstalk and Lambda sit in the private subnets; NAT gateways have their Elastic IPs and the
        # load balancer its own addresses.
        public = [
            {"name": f"{name}-public-{i + 1}", "cidr": str(slots[i]), "az_index": i, "map_public_ip_on_launch": False}
            for i in range(azs)
        ]
        private = [
            {
                "name": f"{name}-private-{i + 1}",
                "cidr": str(slots[PRIVATE_SLOT_OFFSET + i]),
                "az_index": i,
                "map_public_ip_on_launch": False,
            }
            for i in range(azs)
        ]
        nat_count = {"none": 0, "single": 1, "per_az": azs}[model.nat_gateway]
        nats = [{"name": f"{name}-nat-{i + 1}", "public_subnet_index": i} for i in range(nat_count)]
        private_route_tables = [
            {
                "name": f"{name}-private-{i + 1}",
                "private_subnet_index": i,
                "nat_index": None if nat_count == 0 else min(i, nat_count - 1),
            }
            for i in range(azs)
        ]
        load_balancer = None
        if self.public_services:
            load_balancer = {
                "name": aws_name(name, max_len=LB_NAME_MAX),
                "security_group_name": f"{name}-lb",
                "certificate_arn": model.certificate_arn,
                # Requests with malformed headers are dropped at the load balancer, not passed on
                # (AWS's recommendation; neither tool's default).
                "drop_invalid_header_fields": True,
            }
        r = self.resource
        resources = [r(c, "vpc", "aws_vpc", name, by_tags=True)]
        resources += [r(c, f"public-{i + 1}", "aws_subnet", s["name"], by_tags=True) for i, s in enumerate(public)]
        resources += [r(c, f"private-{i + 1}", "aws_subnet", s["name"], by_tags=True) for i, s in enumerate(private)]
        resources.append(r(c, "igw", "aws_internet_gateway", name, by_tags=True))
        for i, nat in enumerate(nats):
            resources.append(r(c, f"nat-eip-{i + 1}", "aws_eip", nat["name"], by_tags=True))
            resources.append(r(c, f"nat-{i + 1}", "aws_nat_gateway", nat["name"], by_tags=True))
        resources.append(r(c, "public-rt", "aws_route_table", f"{name}-public", by_tags=True))
        resources += [
            r(c, f"private-rt-{i + 1}", "aws_route_table", t["name"], by_tags=True)
            for i, t in enumerate(private_route_tables)
        ]
        if load_balancer is not None:
            resources.append(r(c, "lb-sg", "aws_security_group", load_balancer["security_group_name"], by_tags=True))
            resources.append(r(c, "lb", "aws_lb", load_balancer["name"], by_tags=True))
        inputs: dict[str, Value] = {
            "name": name,
            "cidr": model.cidr,
            "public_subnets": public,
            "private_subnets": private,
            "nat_gateways": nats,
            "public_route_table_name": f"{name}-public",
            "private_route_tables": private_route_tables,
            "load_balancer": load_balancer,
            "tags": self.tags(c),
        }
        return inputs, resources, ()

    def lower_secret(self, c: ResolvedComponent) -> tuple[dict[str, Value], list[Resource], tuple[str, ...]]:
        model = c.model
        assert isinstance(model, Secret)
        aws = self.secret_name(c)
        if model.store == "secretsmanager":
            res = self.resource(c, "secret", "aws_secretsmanager_secret", aws, by_tags=True)
        else:
            res = self.resource(c, "parameter", "aws_ssm_parameter", aws, import_id=aws)
        inputs: dict[str, Value] = {
            "name": aws,
            "store": model.store,
            "description": model.description or f"{c.address} of {self.env.app} ({self.env.env}); value set outside envspec",
            "tags": self.tags(c),
        }
        return inputs, [res], ()

    def lower_bucket(self, c: ResolvedComponent) -> tuple[dict[str, Value], list[Resource], tuple[str, ...]]:
        model = c.model
        assert isinstance(model, Bucket)
        name = self.base_name(c)
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
            "tags": self.tags(c),
        }
        return inputs, [self.resource(c, "bucket", "aws_s3_bucket", name, import_id=name)], ()

    def lower_database(self, c: ResolvedComponent) -> tuple[dict[str, Value], list[Resource], tuple[str, ...]]:
        model = c.model
        assert isinstance(model, Database)
        name = self.base_name(c)
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
            "db_name": self.database_name(c),
            "username": model.username,
            "port": port,
            "subnet_group_name": name,
            "security_group_name": name,
            "vpc_id": Attr("network", "vpc_id"),
            "subnet_ids": Attr("network", "private_subnet_ids"),
            "tags": self.tags(c),
        }
        resources = [
            self.resource(c, "subnet-group", "aws_db_subnet_group", name, import_id=name),
            self.resource(c, "sg", "aws_security_group", name, by_tags=True),
            self.resource(c, "instance", "aws_db_instance", name, import_id=name),
        ]
        # The master password is RDS's, whichever tool owns the database: RDS generates it and
        # keeps it in a secret of its own (`rds!db-...`, outside the graph), whose ARN is the
        # instance's MasterUserSecret; so a move changes neither (README, "The database password").
        return inputs, resources, ("network",)

    def _role(self, c: ResolvedComponent, name: str) -> Resource:
        return self.resource(c, "role", "aws_iam_role", name, import_id=name)

    def lower_ec2(self, c: ResolvedComponent) -> tuple[dict[str, Value], list[Resource], tuple[str, ...]]:
        model = c.model
        assert isinstance(model, Ec2Service)
        name = self.base_name(c)
        statements, access = self.permissions(c)
        instances = [f"{name}-{i + 1}" for i in range(model.count)]
        load_balancer = None
        if model.public:
            position = self.public_services.index(c.address)
            load_balancer = {
                "target_group_name": aws_name(name, max_len=LB_NAME_MAX),
                "listener_arn": Attr("network", "lb_listener_arn"),
                "security_group_id": Attr("network", "lb_security_group_id"),
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
            "database_access": access,
            "load_balancer": load_balancer,
            "environment": self.environment(c),
            "release": model.release.model_dump() if model.release else None,
            "deploy": model.deploy.model_dump(),
            "tags": self.tags(c),
        }
        resources = [
            self.resource(c, "sg", "aws_security_group", name, by_tags=True),
            self._role(c, name),
            self.resource(c, "profile", "aws_iam_instance_profile", name, import_id=name),
        ]
        resources += [
            self.resource(c, f"instance-{i + 1}", "aws_instance", inst, by_tags=True) for i, inst in enumerate(instances)
        ]
        if load_balancer is not None:
            resources.append(
                self.resource(c, "target-group", "aws_lb_target_group", str(load_balancer["target_group_name"]), by_tags=True)
            )
            resources.append(self.resource(c, "listener-rule", "aws_lb_listener_rule", name, by_tags=True))
        return inputs, resources, self.dependencies(c, "network")

    def lower_beanstalk(self, c: ResolvedComponent) -> tuple[dict[str, Value], list[Resource], tuple[str, ...]]:
        model = c.model
        assert isinstance(model, BeanstalkService)
        name = self.base_name(c)
        statements, access = self.permissions(c)
        in_vpc = self.network_model() is not None
        inputs: dict[str, Value] = {
            "application_name": name,
            "environment_name": name,
            "solution_stack_name": model.platform,
            "instance_type": model.instance_type,
            "min_instances": model.min_instances,
            "max_instances": model.max_instances,
            "role_name": name,
            "instance_profile_name": name,
            "managed_policy_arns": [BEANSTALK_WEB_POLICY],
            "policy_statements": statements,
            "security_group_name": name,
            "vpc_id": Attr("network", "vpc_id") if in_vpc else None,
            "subnet_ids": Attr("network", "private_subnet_ids") if in_vpc else None,
            "lb_subnet_ids": Attr("network", "public_subnet_ids") if in_vpc else None,
            "database_access": access,
            "environment": self.environment(c),
            "tags": self.tags(c),
        }
        resources = [
            self.resource(c, "application", "aws_elastic_beanstalk_application", name, import_id=name),
            self._role(c, name),
            self.resource(c, "profile", "aws_iam_instance_profile", name, import_id=name),
            self.resource(c, "sg", "aws_security_group", name, by_tags=True),
            self.resource(c, "environment", "aws_elastic_beanstalk_environment", name, by_tags=True),
        ]
        return inputs, resources, self.dependencies(c, *(("network",) if in_vpc else ()))

    def lower_lambda(self, c: ResolvedComponent) -> tuple[dict[str, Value], list[Resource], tuple[str, ...]]:
        model = c.model
        assert isinstance(model, LambdaService)
        name = self.base_name(c)
        statements, access = self.permissions(c)
        bucket, _, key = model.code.removeprefix("s3://").partition("/")
        managed = [LAMBDA_BASIC_POLICY] + ([LAMBDA_VPC_POLICY] if model.vpc else [])
        inputs: dict[str, Value] = {
            "function_name": name,
            "runtime": model.runtime,
            "handler": model.handler,
            "s3_bucket": bucket,
            "s3_key": key,
            "memory_size": model.memory_mb,
            "timeout": model.timeout_s,
            "role_name": name,
            "managed_policy_arns": managed,
            "policy_statements": statements,
            "log_group_name": f"/aws/lambda/{name}",
            "log_retention_days": 30,
            "schedule": {"rule_name": name, "expression": model.schedule} if model.schedule else None,
            "vpc": (
                {
                    "vpc_id": Attr("network", "vpc_id"),
                    "subnet_ids": Attr("network", "private_subnet_ids"),
                    "security_group_name": name,
                }
                if model.vpc
                else None
            ),
            "database_access": access,
            "environment": self.environment(c),
            "tags": self.tags(c),
        }
        resources = [
            self._role(c, name),
            self.resource(c, "log-group", "aws_cloudwatch_log_group", f"/aws/lambda/{name}", import_id=f"/aws/lambda/{name}"),
        ]
        if model.vpc:
            resources.append(self.resource(c, "sg", "aws_security_group", name, by_tags=True))
        resources.append(self.resource(c, "function", "aws_lambda_function", name, import_id=name))
        if model.schedule:
            resources.append(
                self.resource(c, "schedule", "aws_cloudwatch_event_rule", name, import_id=f"default/{name}")
            )
        return inputs, resources, self.dependencies(c, *(("network",) if model.vpc else ()))

