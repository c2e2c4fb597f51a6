"""Run ``moto_server`` with a few fixes that make moto answer like AWS where amazon.aws modules depend on it.

Used as a script (``python moto_patches.py -H 127.0.0.1 -p PORT``) by :func:`tests.awsemu.moto.start_moto`
when ``patched=True``. Each fix is applied only if the moto code it targets still looks as expected, so a
moto upgrade that fixes or moves the code degrades to plain moto (reported on stderr, i.e. in the log).
Every fix is checked by ``tests/test_awsemu.py``; see RECON.md for the module failures each one avoids.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

# AWS's defaults for application load balancer attributes that amazon.aws.elb_application_lb reads
# unconditionally once the matching option is set (moto leaves them out: KeyError in the module).
_ALB_DEFAULT_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "routing.http2.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "waf.fail_open.enabled": "false",
}


# How long a newly registered target stays `initial` (see _elbv2_target_health_over_time).
_TARGET_INITIAL_SECONDS = 2.0


def _nat_gateway_tag_resource_type() -> None:
    """DescribeTags reports NAT gateways as resource type ``natgateway`` (moto: ``nat-gateway``).

    amazon.aws.ec2_vpc_nat_gateway filters its tags by ``resource-type=natgateway``; with moto it finds
    none, re-tags the gateway on every run and never reports ``changed=false``.
    """
    from moto.ec2.models import tags

    if tags.EC2_PREFIX_TO_RESOURCE.get("nat") != "nat-gateway":
        raise LookupError("moto.ec2 prefix map changed")
    tags.EC2_PREFIX_TO_RESOURCE["nat"] = "natgateway"


def _alb_default_attributes() -> None:
    """Application load balancers start with AWS's full attribute set (idle timeout, http2, ...)."""
    from moto.elbv2.models import FakeLoadBalancer

    original = FakeLoadBalancer.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if getattr(self, "type", "application") == "application":
            for key, value in _ALB_DEFAULT_ATTRIBUTES.items():
                self.attrs.setdefault(key, value)

    if not isinstance(getattr(FakeLoadBalancer, "VALID_ATTRS", None), set):
        raise LookupError("moto.elbv2 FakeLoadBalancer changed")
    FakeLoadBalancer.__init__ = __init__  # type: ignore[method-assign]


def _rds_gp3_baseline() -> None:
    """gp3 DB instances report their baseline Iops (3000) and StorageThroughput (125) like AWS.

    amazon.aws.rds_instance reads ``instance["StorageThroughput"]`` for gp3 instances (KeyError on the
    second run against moto), and AWS rejects setting them explicitly below 400 GiB.
    """
    from moto.rds.models import DBInstance

    original = DBInstance.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if getattr(self, "storage_type", None) == "gp3":
            if getattr(self, "storage_throughput", None) is None:
                self._storage_throughput = 125
            if getattr(self, "iops", None) is None:
                self.iops = 3000

    if not isinstance(getattr(DBInstance, "storage_throughput", None), property):
        raise LookupError("moto.rds DBInstance changed")
    DBInstance.__init__ = __init__  # type: ignore[method-assign]


def _ec2_root_volume_from_ami() -> None:
    """RunInstances takes an EBS mapping without ``VolumeSize`` and ``SnapshotId`` for a device the AMI maps
    (its root device): the volume gets the AMI's snapshot and size, as on AWS. moto refuses it
    (``MissingParameter``: "The request must contain the parameter size or snapshotId").

    amazon.aws.ec2_instance with ``volumes: [{device_name: <the AMI's root device>, ebs: {encrypted: true}}]``,
    the usual way to encrypt the root volume, fails on its first run. A device the AMI does not map still
    needs a size or a snapshot, on AWS and here.
    """
    from moto.ec2.responses.instances import InstanceResponse

    original = InstanceResponse._parse_block_device_mapping

    def _parse_block_device_mapping(self: Any) -> list[dict[str, Any]]:
        image_id = self._get_param("ImageId")
        images = self.ec2_backend.describe_images(filters={"image-id": image_id}) if image_id else []
        from_ami = {m["DeviceName"]: m.get("Ebs") or {} for m in images[0].block_device_mappings} if images else {}
        for mapping in self._get_param("BlockDeviceMappings", []) or []:
            ebs, ami_ebs = mapping.get("Ebs"), from_ami.get(mapping.get("DeviceName"))
            if isinstance(ebs, dict) and ami_ebs and not ebs.get("VolumeSize") and not ebs.get("SnapshotId"):
                ebs["SnapshotId"] = ami_ebs.get("SnapshotId")
                ebs["VolumeSize"] = ami_ebs.get("VolumeSize")
        return list(original(self))

    if not callable(getattr(InstanceResponse, "_validate_block_device_mapping", None)):
        raise LookupError("moto.ec2 InstanceResponse changed")
    InstanceResponse._parse_block_device_mapping = _parse_block_device_mapping  # type: ignore[method-assign]


def _rds_managed_secret_credentials() -> None:
    """The secret RDS makes for a managed master password (ManageMasterUserPassword) holds the
    instance's master user name and a password generated for it, as on AWS; moto writes
    ``{"username": "admin", "password": "P@55w0rd!"}`` into every one.

    With moto's constant, a password reset (a new managed secret) would go unseen when the value is
    compared: the checks that a move keeps the database password need a value of its own.
    """
    import json
    import secrets as random_source

    from moto.rds.models import MasterUserSecret

    if not callable(getattr(MasterUserSecret, "_generate_secret_string", None)):
        raise LookupError("moto.rds MasterUserSecret changed")

    def _generate_secret_string(self: Any) -> str:
        username = getattr(self.resource, "master_username", None) or "admin"
        return json.dumps({"username": username, "password": random_source.token_urlsafe(24)})

    MasterUserSecret._generate_secret_string = _generate_secret_string  # type: ignore[method-assign]


def _lambda_logging_config() -> None:
    """Lambda functions have a ``LoggingConfig``: CreateFunction and UpdateFunctionConfiguration take it, and
    GetFunction returns it, by default ``{"LogFormat": "Text", "LogGroup": "/aws/lambda/<name>"}`` as on AWS
    (the log levels only with ``LogFormat: JSON``). moto drops it and returns none.

    The AWS provider's ``aws_lambda_function`` with a ``logging_config`` block (the envspec lambda module
    names its log group) reads back no block and plans to set it again on every plan.
    """
    from moto.awslambda.models import LambdaFunction

    original_init, original_get, original_update = (
        LambdaFunction.__init__, LambdaFunction.get_configuration, LambdaFunction.update_configuration,
    )

    def logging(self: Any, given: dict[str, Any] | None) -> None:
        config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}", **(given or {})}
        if config["LogFormat"] != "JSON":
            config.pop("ApplicationLogLevel", None)
            config.pop("SystemLogLevel", None)
        else:
            config.setdefault("ApplicationLogLevel", "INFO")
            config.setdefault("SystemLogLevel", "INFO")
        self.envspec_logging_config = config
        self.logs_group_name = config["LogGroup"]

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        logging(self, spec.get("LoggingConfig"))

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = dict(original_get(self, *args, **kwargs))
        config["LoggingConfig"] = dict(getattr(self, "envspec_logging_config", {}))
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            logging(self, {**getattr(self, "envspec_logging_config", {}), **config_updates["LoggingConfig"]})
        return dict(original_update(self, config_updates))

    if not callable(getattr(LambdaFunction, "get_configuration", None)) or "LoggingConfig" in repr(LambdaFunction.get_configuration.__code__.co_consts):
        raise LookupError("moto.awslambda LambdaFunction changed")
    LambdaFunction.__init__ = __init__  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]


def _security_group_rule_description_of_group_rules() -> None:
    """DescribeSecurityGroupRules gives the ``Description`` of a rule that references another security group,
    as AWS does; moto returns it only for rules with a CIDR range.

    The AWS provider's ``aws_vpc_security_group_ingress_rule``/``egress_rule`` with
    ``referenced_security_group_id`` and a ``description`` reads back none and plans to set it on every plan.
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    def description(self: Any) -> str | None:
        return self.ip_range.get("Description") or (self.source_group or {}).get("Description")

    if not isinstance(getattr(SecurityGroupRule, "description", None), property) or not hasattr(SecurityGroupRule, "referenced_group_info"):
        raise LookupError("moto.ec2 SecurityGroupRule changed")
    SecurityGroupRule.description = property(description)  # type: ignore[assignment,method-assign]

def _elbv2_target_health_over_time() -> None:
    """Target health moves like AWS's: `initial` after registering, `draining` after deregistering.

    moto reports a registered target `healthy` at once and a deregistered one `unused` at once, so a
    rolling deploy's waits (drain, then healthy again) would pass without ever waiting. Here a target
    is `initial` for `_TARGET_INITIAL_SECONDS` after it is registered (AWS needs passing health
    checks first; moto runs none, so a short fixed time stands in for them), and `draining` for the group's `deregistration_delay.timeout_seconds` after
    it is deregistered (AWS lets in-flight requests finish); then `healthy` or `unused` as before.
    """
    import time

    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    original_register, original_deregister = FakeTargetGroup.register, FakeTargetGroup.deregister
    original_health = FakeTargetGroup.health_for

    def register(self: Any, targets: list[dict[str, Any]]) -> None:
        original_register(self, targets)
        since = self.__dict__.setdefault("_envspec_registered_at", {})
        for target in targets:
            since[target["Id"]] = time.monotonic()
            self.__dict__.setdefault("_envspec_deregistered_at", {}).pop(target["Id"], None)

    def deregister(self: Any, targets: list[dict[str, Any]]) -> None:
        original_deregister(self, targets)
        since = self.__dict__.setdefault("_envspec_deregistered_at", {})
        for target in targets:
            since[target["Id"]] = time.monotonic()
            self.__dict__.setdefault("_envspec_registered_at", {}).pop(target["Id"], None)

    def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
        status = original_health(self, target, ec2_backend)
        now = time.monotonic()
        registered = self.__dict__.get("_envspec_registered_at", {}).get(target["Id"])
        deregistered = self.__dict__.get("_envspec_deregistered_at", {}).get(target["Id"])
        delay = float(self.attributes.get("deregistration_delay.timeout_seconds", 300))
        if status.status == "healthy" and registered is not None and now - registered < _TARGET_INITIAL_SECONDS:
            return FakeHealthStatus(
                status.instance_id, status.port, status.health_check_port, "initial",
                "Elb.RegistrationInProgress", "Target registration is in progress",
            )
        if status.status == "unused" and deregistered is not None and now - deregistered < delay:
            return FakeHealthStatus(
                status.instance_id, status.port, status.health_check_port, "draining",
                "Target.DeregistrationInProgress", "Target deregistration is in progress",
            )
        return status

    if not all(callable(getattr(FakeTargetGroup, n, None)) for n in ("register", "deregister", "health_for")):
        raise LookupError("moto.elbv2 FakeTargetGroup changed")
    FakeTargetGroup.register = register  # type: ignore[method-assign]
    FakeTargetGroup.deregister = deregister  # type: ignore[method-assign]
    FakeTargetGroup.health_for = health_for  # type: ignore[method-assign]


def _policy_secure_transport() -> None:
    """Policy conditions see `aws:SecureTransport` = true, as requests to AWS's HTTPS endpoints do.

    moto evaluates only `StringEquals` conditions (any other operator counts as met) and supplies no
    `aws:SecureTransport`, so a bucket with the usual TLS-only statement (`Deny s3:* when
    aws:SecureTransport is false`, a `Bool` condition) refuses every request. The emulator stands in for
    AWS's endpoints, which the AWS clients and Terraform reach over HTTPS: `Bool` is evaluated, requests
    are secure (a request that sets the key itself keeps its value), and a `Deny` statement whose
    condition does not hold does not apply (moto answered DENIED for any statement whose condition failed).
    """
    from moto.iam import policy_conditions
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    def bool_equals(expected: list[str] | str, actual: str) -> bool:
        wanted = [expected] if isinstance(expected, str) else expected
        return actual.lower() in [str(w).lower() for w in wanted]

    if not isinstance(getattr(policy_conditions, "CONDITION_OPERATIONS", None), dict):
        raise LookupError("moto.iam policy_conditions changed")
    policy_conditions.CONDITION_OPERATIONS.setdefault("Bool", bool_equals)

    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        self: Any, action: str, resource: str = "*", principal: Any = None, incoming_condition_values: Any = None
    ) -> Any:
        values = {"aws:SecureTransport": "true", **(incoming_condition_values or {})}
        statement = self._statement
        if statement.get("Effect") == "Deny" and statement.get("Condition") and not self._check_conditions(values):
            return PermissionResult.NEUTRAL  # moto: DENIED; on AWS a Deny whose condition fails does not apply
        return original(self, action, resource, principal, values)

    if not callable(getattr(IAMPolicyStatement, "_check_conditions", None)):
        raise LookupError("moto.iam IAMPolicyStatement changed")
    IAMPolicyStatement.is_action_permitted = is_action_permitted  # type: ignore[method-assign]


# Attributes AWS gives every application load balancer that _ALB_DEFAULT_ATTRIBUTES (above) leaves out,
# with AWS's values.
_ALB_MORE_DEFAULT_ATTRIBUTES = {
    "client_keep_alive.seconds": "3600",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "zonal_shift.config.enabled": "false",
}


def _alb_more_default_attributes() -> None:
    """Application load balancers also start with AWS's client keep-alive, connection logs, host header,
    X-Forwarded-For and zonal shift attributes (moto leaves them out).

    The AWS provider's ``aws_lb`` reads them; after adopting a load balancer Ansible made, the plan would
    "set" each one to the value AWS already has (a drift that is not one).
    """
    from moto.elbv2.models import FakeLoadBalancer

    original = FakeLoadBalancer.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if getattr(self, "type", "application") == "application":
            for key, value in _ALB_MORE_DEFAULT_ATTRIBUTES.items():
                self.attrs.setdefault(key, value)

    if not set(_ALB_MORE_DEFAULT_ATTRIBUTES) <= getattr(FakeLoadBalancer, "VALID_ATTRS", set()):
        raise LookupError("moto.elbv2 FakeLoadBalancer changed")
    FakeLoadBalancer.__init__ = __init__  # type: ignore[method-assign]


def _rds_manage_master_password_once() -> None:
    """ModifyDBInstance with ``ManageMasterUserPassword=True`` on an instance whose password RDS already
    manages keeps its secret and password, as on AWS (a new password takes ``RotateMasterUserPassword``);
    moto makes a new secret with a new password every time.

    The AWS provider sends it when it adopts an instance (it does not read the setting on import), so
    with moto a move to Terraform would seem to reset the database password.
    """
    from moto.rds.models import DBInstance

    original = DBInstance.update

    def update(self: Any, manage_master_user_password: bool | None = None, **kwargs: Any) -> None:
        if manage_master_user_password is True and getattr(self, "master_user_secret", None) is not None:
            manage_master_user_password = None
        original(self, manage_master_user_password=manage_master_user_password, **kwargs)

    if not callable(getattr(DBInstance, "update", None)):
        raise LookupError("moto.rds DBInstance changed")
    DBInstance.update = update  # type: ignore[method-assign]


def _elasticache_cluster_details() -> None:
    """A cache cluster describes itself as on AWS: its nodes with their endpoint (``ShowCacheNodeInfo``), its
    VPC security groups, its parameter group (the engine's default unless one was given), its availability
    zone, maintenance and snapshot windows, encryption and network settings; and a deleted cluster is gone.

    moto returns none of these. community.aws.elasticache reads ``CacheSecurityGroups`` and the first node's
    endpoint port on every run after the first (KeyError); the AWS provider's ``aws_elasticache_cluster``
    reads the nodes for its ``cache_nodes`` (the endpoint envspec publishes as ``host``) and the security
    groups, which it would otherwise plan to set again on every plan. moto keeps a deleted cluster
    ``deleting`` for ever, so a tool waiting for it to go never returns.
    """
    import hashlib

    from moto.elasticache.models import CacheCluster, ElastiCacheBackend

    original_init, original_delete = CacheCluster.__init__, ElastiCacheBackend.delete_cache_cluster

    def default_parameter_group(version: str | None) -> str:
        major, _, rest = (version or "7").partition(".")
        family = {"7": "redis7", "6": "redis6.x"}.get(major, f"redis{major}.{rest.partition('.')[0] or '0'}")
        return f"default.{family}"

    def __init__(self: Any, account_id: str, region_name: str, *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, region_name, *args, **kwargs)
        from moto.elasticache.models import elasticache_backends

        digest = hashlib.sha256(f"{account_id}/{region_name}/{self.cache_cluster_id}".encode()).hexdigest()[:6]
        zone = f"{region_name}a"
        group = elasticache_backends[account_id][region_name].cache_subnet_groups.get(self.cache_subnet_group_name or "")
        if group is not None and group.subnets and isinstance(group.subnets[0].get("subnet_availability_zone"), str):
            zone = group.subnets[0]["subnet_availability_zone"]
        self.preferred_availability_zone = self.preferred_availability_zone or zone
        self.cache_nodes = [
            {
                "cache_node_id": f"{n:04d}",
                "cache_node_status": "available",
                "cache_node_create_time": self.cache_cluster_create_time,
                "endpoint": {"address": f"{self.cache_cluster_id}.{digest}.{n:04d}.{region_name}.cache.amazonaws.com", "port": self.port},
                "parameter_group_status": "in-sync",
                "customer_availability_zone": self.preferred_availability_zone,
            }
            for n in range(1, (self.num_cache_nodes or 1) + 1)
        ]
        self.security_groups = [{"security_group_id": g, "status": "active"} for g in self.security_group_ids]
        self.cache_security_groups = [{"cache_security_group_name": g, "status": "active"} for g in self.cache_security_group_names]
        self.cache_parameter_group = {
            "cache_parameter_group_name": self.cache_parameter_group_name or default_parameter_group(self.engine_version),
            "parameter_apply_status": "in-sync",
            "cache_node_ids_to_reboot": [],
        }
        self.preferred_maintenance_window = self.preferred_maintenance_window or "sun:05:00-sun:06:00"
        self.snapshot_window = getattr(self, "snapshot_window", None) or "05:00-06:00"
        if self.auto_minor_version_upgrade is None:
            self.auto_minor_version_upgrade = True
        self.transit_encryption_enabled = bool(self.transit_encryption_enabled)
        self.at_rest_encryption_enabled = False
        self.network_type = self.network_type or "ipv4"
        self.ip_discovery = self.ip_discovery or "ipv4"

    def delete_cache_cluster(self: Any, cache_cluster_id: str) -> Any:
        cluster = original_delete(self, cache_cluster_id)
        self.cache_clusters.pop(cache_cluster_id, None)
        return cluster

    if not callable(getattr(ElastiCacheBackend, "delete_cache_cluster", None)) or "cache_nodes" in CacheCluster.__init__.__code__.co_names:
        raise LookupError("moto.elasticache CacheCluster changed")
    CacheCluster.__init__ = __init__  # type: ignore[method-assign]
    ElastiCacheBackend.delete_cache_cluster = delete_cache_cluster  # type: ignore[method-assign]
def _sqs_redrive_policy_compact() -> None:
    """GetQueueAttributes gives a queue's ``RedrivePolicy`` as compact JSON, like AWS
    (``{"deadLetterTargetArn":"arn:...","maxReceiveCount":5}``); moto adds spaces after ``:`` and ``,``.

    The AWS provider keeps the string it reads: against moto every plan after creating a queue with a
    dead-letter queue shows a "whitespace changes" update of ``redrive_policy`` (Terraform's
    ``jsonencode`` is compact).
    """
    import json

    from moto.sqs.models import Queue

    original = Queue.attributes

    def attributes(self: Any) -> dict[str, Any]:
        result = original.fget(self)  # type: ignore[attr-defined]
        if isinstance(result.get("RedrivePolicy"), str):
            result["RedrivePolicy"] = json.dumps(json.loads(result["RedrivePolicy"]), separators=(",", ":"))
        return result

    if not isinstance(original, property):
        raise LookupError("moto.sqs Queue.attributes changed")
    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]


def _tagging_api_lists_event_source_mappings() -> None:
    """The Resource Groups Tagging API lists Lambda event source mappings (resource type
    ``lambda:event-source-mapping``, taggable since September 2024) with their tags; moto's Lambda
    backend reports its functions only.

    Terraform finds the event source mapping of a function Ansible made this way when it adopts the
    function (``aws_resourcegroupstaggingapi_resources``: the mapping's import id is the UUID AWS
    assigned, at the end of its ARN, and no data source reads a mapping).
    """
    import inspect

    from moto.awslambda.models import LambdaBackend
    from moto.core.resource_tagging import TaggedResource

    original = LambdaBackend.iter_tagged_resources

    def iter_tagged_resources(self: Any) -> Any:
        yield from original(self)
        for mapping in list(self._event_source_mappings.values()):
            yield TaggedResource(arn=mapping.arn, tags=mapping.tags, resource_type="lambda:event-source-mapping")

    if "event-source-mapping" in inspect.getsource(original) or not isinstance(
        getattr(LambdaBackend(region_name="us-east-1", account_id="123456789012"), "_event_source_mappings", None), dict
    ):
        raise LookupError("moto.awslambda LambdaBackend.iter_tagged_resources changed")
    LambdaBackend.iter_tagged_resources = iter_tagged_resources  # type: ignore[method-assign]


def _event_source_mapping_on_an_alias() -> None:
    """A mapping to a function's alias keeps the alias' ARN as its ``FunctionArn``, as AWS does (moto
    stores the ARN of the version the alias pointed to when it was made), and an update that moves a
    mapping to another function or qualifier is listed under that one (moto keeps listing it under the
    name it was created with).

    envspec points a queue trigger at the function's alias, so that it runs the released version:
    the AWS provider reads ``function_name`` from ``FunctionArn``, and with stock moto every plan after
    a release would move the mapping back to the alias; amazon.aws.lambda_event finds a mapping by the
    name it was given.
    """
    import inspect

    from moto.awslambda.models import LambdaBackend
    from moto.utilities.utils import get_partition

    create, update = LambdaBackend.create_event_source_mapping, LambdaBackend.update_event_source_mapping
    if 'spec.update({"FunctionArn": func.function_arn})' not in inspect.getsource(create) or (
        "esm.function_arn = func.function_arn" not in inspect.getsource(update)
    ):
        raise LookupError("moto.awslambda LambdaBackend event source mappings changed")

    def alias_arn(self: Any, name: str) -> str | None:
        """The alias ARN `name` (a name or ARN) is qualified with, or None (unqualified, a version, $LATEST)."""
        tail = name.split(":function:")[-1]
        function, _, qualifier = tail.partition(":")
        if not qualifier or qualifier.isdigit() or qualifier == "$LATEST":
            return None
        return f"arn:{get_partition(self.region_name)}:lambda:{self.region_name}:{self.account_id}:function:{function}:{qualifier}"

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        mapping = create(self, spec)
        mapping.function_arn = alias_arn(self, spec.get("FunctionName", "")) or mapping.function_arn
        return mapping

    def update_event_source_mapping(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
        mapping = update(self, uuid, spec)
        if mapping is not None and spec.get("FunctionName"):
            mapping.function_name = spec["FunctionName"]
            mapping.function_arn = alias_arn(self, spec["FunctionName"]) or mapping.function_arn
        return mapping

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]
    LambdaBackend.update_event_source_mapping = update_event_source_mapping  # type: ignore[method-assign]


def _rds_instance_resource_id_of_its_own() -> None:
    """Every DB instance has a ``DbiResourceId`` of its own, as on AWS (``db-`` and 26 characters of
    uppercase base32); moto gives every instance the same one (``db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U``).

    The AWS provider finds an ``aws_db_instance`` by its resource id after a modify (it waits filtering
    ``DescribeDBInstances`` on ``dbi-resource-id``): with two instances in one account and region it gets
    both, counts that as not found, and the apply fails with "couldn't find resource". Here the id is
    derived from the account, the region, the identifier and how many instances of that identifier this
    backend has created (a deleted and re-created instance gets a new id, as on AWS; the same calls on an
    emptied emulator give the same ids). An instance keeps its id when renamed, and a snapshot keeps its
    instance's (moto copies it), as on AWS; a restored instance is a new one with an id of its own.
    """
    import base64
    import hashlib
    import inspect
    import re

    from moto.rds.models import DBInstance

    original = DBInstance.__init__

    def __init__(self: Any, backend: Any, *args: Any, **kwargs: Any) -> None:
        original(self, backend, *args, **kwargs)
        created = backend.__dict__.setdefault("_envspec_instances_created", {})
        created[self.db_instance_identifier] = count = created.get(self.db_instance_identifier, 0) + 1
        seed = f"{self.account_id}/{self.region}/{self.db_instance_identifier}/{count}".encode()
        self.dbi_resource_id = "db-" + base64.b32encode(hashlib.sha256(seed).digest()).decode()[:26]

    if not re.search(r'self\.dbi_resource_id = "db-[A-Z0-9]+"', inspect.getsource(DBInstance)):
        raise LookupError("moto.rds DBInstance.dbi_resource_id changed")
    DBInstance.__init__ = __init__  # type: ignore[method-assign]


def _instance_profile_role_added_again() -> None:
    """Adding the role an instance profile already has succeeds and changes nothing; another role is
    still refused (``LimitExceeded``: a profile holds one role), as on AWS.

    Under load the emulator can answer after the AWS SDK has given up on a request and sent it again:
    the provider's ``AddRoleToInstanceProfile`` then arrives twice, and moto refuses the second with
    ``LimitExceeded`` although the profile holds exactly the role asked for (seen once in a whole run, in
    ``tests/test_real_apply.py``). AWS answers a retried request of the same role the same way, but
    its SDK rarely retries a request AWS has already carried out; moto's single-threaded answers make it
    routine. Nothing envspec generates adds a second role to a profile.
    """
    import inspect

    from moto.iam.models import IAMBackend

    original = IAMBackend.add_role_to_instance_profile

    def add_role_to_instance_profile(self: Any, profile_name: str, role_name: str) -> None:
        profile = self.get_instance_profile(profile_name)
        if [role.name for role in profile.roles] == [role_name]:
            return
        original(self, profile_name, role_name)

    if "InstanceSessionsPerInstanceProfile" not in inspect.getsource(original):
        raise LookupError("moto.iam IAMBackend.add_role_to_instance_profile changed")
    IAMBackend.add_role_to_instance_profile = add_role_to_instance_profile  # type: ignore[method-assign]


def _lambda_policy_per_qualifier() -> None:
    """A function, each of its versions and each alias has a resource policy of its own, as on AWS:
    `AddPermission`, `RemovePermission` and `GetPolicy` with a `Qualifier` act on that one's.

    moto keeps one policy for a function and its versions and ignores `RemovePermission`'s qualifier:
    a schedule's permission moved from the function to its alias (same statement id, the new one made
    first) leaves the provider's wait after deleting the old one finding the new one ("waiting for
    Lambda Permission ... delete: found resource").
    """
    import inspect

    from moto.awslambda.models import LambdaBackend
    from moto.awslambda.policy import Policy
    from moto.awslambda.responses import LambdaResponse

    def policy_of(self: Any, function_name: str, qualifier: str | None) -> Any:
        name = function_name
        if name.startswith("arn:"):
            _, name, in_name = self._lambdas.split_function_arn(name)
            qualifier = qualifier or in_name
        elif ":" in name:
            name, qualifier = name.split(":", 1)[0], qualifier or name.split(":", 1)[1]
        fn = self._lambdas.get_function_by_name_forbid_qualifier(name)
        if not qualifier or qualifier == "$LATEST":
            return fn.policy
        self._lambdas.get_function_by_name_with_qualifier(name, qualifier)  # an unknown qualifier: AWS's 404
        return fn.__dict__.setdefault("_envspec_policies", {}).setdefault(qualifier, Policy(fn))

    def add_permission(self: Any, function_name: str, qualifier: str, raw: str) -> Any:
        statement, _ = policy_of(self, function_name, qualifier).add_statement(raw, qualifier)
        return statement

    def remove_permission(self: Any, function_name: str, sid: str, revision: str = "", qualifier: str | None = None) -> None:
        policy_of(self, function_name, qualifier).del_statement(sid, revision)

    def get_policy(self: Any, function_name: str, qualifier: str | None = None) -> str:
        return str(policy_of(self, function_name, qualifier).wire_format())

    original_response = LambdaResponse.remove_permission

    def remove_permission_response(self: Any) -> Any:
        function_name = self.path.split("/")[-3]
        statement_id = self.path.split("/")[-1].split("?")[0]
        revision = self.querystring.get("RevisionId", [""])[0]
        qualifier = self.querystring.get("Qualifier", [None])[0]
        from urllib.parse import unquote

        self.backend.remove_permission(unquote(function_name), statement_id, revision, qualifier)
        return 204, {"status": 204}, "{}"

    if "remove_permission(function_name, statement_id, revision)" not in inspect.getsource(original_response) or \
            "fn.policy.add_statement(raw, qualifier)" not in inspect.getsource(LambdaBackend.add_permission):
        raise LookupError("moto.awslambda permissions changed")
    LambdaBackend.add_permission = add_permission  # type: ignore[method-assign]
    LambdaBackend.remove_permission = remove_permission  # type: ignore[method-assign]
    LambdaBackend.get_policy = get_policy  # type: ignore[method-assign]
    LambdaResponse.remove_permission = remove_permission_response  # type: ignore[method-assign]


PATCHES: dict[str, Callable[[], None]] = {
    "nat-gateway-tag-resource-type": _nat_gateway_tag_resource_type,
    "alb-default-attributes": _alb_default_attributes,
    "rds-gp3-baseline": _rds_gp3_baseline,
    "ec2-root-volume-from-ami": _ec2_root_volume_from_ami,
    "rds-managed-secret-credentials": _rds_managed_secret_credentials,
    "lambda-logging-config": _lambda_logging_config,
    "security-group-rule-description": _security_group_rule_description_of_group_rules,
    "elbv2-target-health-over-time": _elbv2_target_health_over_time,
    "policy-secure-transport": _policy_secure_transport,
    "alb-more-default-attributes": _alb_more_default_attributes,
    "rds-manage-master-password-once": _rds_manage_master_password_once,
    "elasticache-cluster-details": _elasticache_cluster_details,
    "sqs-redrive-policy-compact": _sqs_redrive_policy_compact,
    "tagging-api-lists-event-source-mappings": _tagging_api_lists_event_source_mappings,
    "event-source-mapping-on-an-alias": _event_source_mapping_on_an_alias,
    "rds-instance-resource-id-of-its-own": _rds_instance_resource_id_of_its_own,
    "instance-profile-role-added-again": _instance_profile_role_added_again,
    "lambda-policy-per-qualifier": _lambda_policy_per_qualifier,
}


def apply() -> list[str]:
    """Apply every patch that still fits; return the names of those that did not.

    Also makes ``kill -USR1`` dump every thread's stack into the server's log, so a server that stops
    answering can be diagnosed (``MotoServer.fresh`` does this before replacing it).
    """
    import faulthandler
    import signal

    faulthandler.register(signal.SIGUSR1, all_threads=True)
    skipped = []
    for name, patch in PATCHES.items():
        try:
            patch()
        except (ImportError, LookupError, AttributeError) as exc:
            skipped.append(name)
            print(f"envspec moto patch {name!r} not applied: {exc}", file=sys.stderr)
    return skipped


# The AMIs the emulator describes besides moto's own (comma-separated): set by `start_moto(amis=...)`.
AMIS_VARIABLE = "ENVSPEC_MOTO_AMIS"


def main() -> None:
    import os
    import runpy
    from pathlib import Path

    apply()
    # By path, as this script is run: its folder is not on sys.path (it holds a module named moto).
    extensions = runpy.run_path(str(Path(__file__).with_name("moto_extensions.py")))
    extensions["apply"](tuple(a for a in os.environ.get(AMIS_VARIABLE, "").split(",") if a))
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
