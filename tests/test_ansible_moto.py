"""The Ansible backend against an emulated AWS (moto on 127.0.0.1): provision, twice, and check.

For every environment of every spec under examples/ and specs/:

1. The components another tool (Terraform) owns are created first, as Terraform would have
   created them, by provisioning a *variant* of the graph in which Ansible owns them
   (`dataclasses.replace(node, owner="ansible")`: the names and tags, `envspec:owner=terraform`
   included, are the IR's, exactly what Terraform would write). Only those an Ansible-owned
   component reads (and what they depend on) are created: nothing else needs to exist.
2. `provision.yml` runs on the real graph: it creates what Ansible owns and looks up the rest.
3. It runs again and must report `changed=0`.
4. boto3 reads the emulator back: every AWS object of the graph that was provisioned exists, with
   exactly its IR tags; nothing else exists (besides what AWS or the test itself creates); the
   objects Terraform owns still say `envspec:owner=terraform` (a lookup never changes them); the
   dynamic inventory groups the ec2 instances by component.

A hostile-strings spec then goes through the same run, and its tags, descriptions and Lambda
environment variables must read back byte for byte.

moto lacks most of Elastic Beanstalk (option settings, updates, application tags), only knows
the ACM certificates it issued, and describes only the AMIs it ships: the server these tests use is
the harness's patched moto plus `_moto_extensions`, below, which fills in what the envspec beanstalk
modules call, lets a test import the certificate a spec names, and knows the AMIs the specs name.
The modules themselves (roles/*/library) are also tested here, directly, including their check mode.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import json
import subprocess
import sys
import textwrap
import time
import urllib.parse
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from envspec.graph import Lookup, Node, Resource, ResourceGraph
from envspec.kinds import OUTPUTS
from envspec_ansible import AnsibleBackend, provision_lookups
from envspec_ansible.yamlout import scalar
from tests.awsemu import moto as awsemu_moto
from tests.awsemu.ansible import ANSIBLE_PLAYBOOK, Result, ansible_env, run_playbook
from tests.awsemu.moto import MotoServer, aws_env, boto3_client, in_account, start_moto  # in_account: imported from here by other tests too
from tests.graphs import EXAMPLES, REPO, SPECS, graphs_for

pytest_plugins = ["tests.awsemu.fixtures"]

BACKEND_FILES = REPO / "backends" / "envspec_ansible" / "files"
TIMINGS: list[tuple[str, str, float]] = []
LOOKUP_TAGS = ("envspec:app", "envspec:component", "envspec:env")


# ---- the emulator: the harness's patched moto, plus Elastic Beanstalk --------------------------------


def _moto_extensions(amis: tuple[str, ...] = ()) -> None:
    """What these tests need beyond the harness's moto. Runs inside the moto server process.

    EC2: `amis` are images in every region, public EBS images with root device /dev/xvda, like
    Amazon Linux's. The specs name made-up AMIs; moto launches any id but describes only the images
    it ships, and the ec2 role reads the AMI's root device, as it must on AWS.

    ACM: `ImportCertificate` with a `CertificateArn` moto does not know creates the certificate
    under that ARN (AWS only re-imports), so a test can give the emulated account the certificate
    a spec refers to by ARN; moto's load balancers check that it exists.

    Elastic Beanstalk as the envspec modules use it; moto 5.2 has only create/describe/tags-on-envs.

    Adds: application descriptions and tags, DescribeApplications/DescribeEnvironments filters,
    the solution stack and option settings of an environment (moto drops both),
    DescribeConfigurationSettings, UpdateEnvironment, TerminateEnvironment and application versions;
    for the AWS provider, DescribeEvents (none) and DescribeEnvironmentResources (none).
    Runs inside the moto server process.
    """
    import hashlib

    from moto.acm import models as acm
    from moto.core.responses import ActionResult, EmptyResult
    from moto.ec2.models import amis as ec2_amis
    from moto.elasticbeanstalk import responses

    load_amis_ = ec2_amis.AmiBackend._load_amis

    def load_amis(self: Any) -> None:
        load_amis_(self)
        for ami_id in amis:
            self.amis[ami_id] = ec2_amis.Ami(
                self, ami_id, name=f"envspec-test-{ami_id}", owner_id="137112412989", owner_alias="amazon",
                public=True, architecture="x86_64", virtualization_type="hvm", hypervisor="xen",
                root_device_type="ebs", root_device_name="/dev/xvda", image_location="amazon/envspec-test",
            )

    ec2_amis.AmiBackend._load_amis = load_amis  # type: ignore[method-assign]

    import_certificate_ = acm.AWSCertificateManagerBackend.import_certificate

    def import_certificate(self: Any, certificate: Any, private_key: Any, chain: Any, arn: Any, tags: Any) -> str:
        if arn is not None and arn not in self._certificates:
            self._certificates[arn] = acm.CertBundle(
                self.account_id, certificate, private_key, chain=chain, region=self.region_name, arn=arn
            )
            return str(arn)
        return str(import_certificate_(self, certificate, private_key, chain, arn, tags))

    acm.AWSCertificateManagerBackend.import_certificate = import_certificate  # type: ignore[method-assign]
    from moto.elasticbeanstalk.exceptions import InvalidParameterValueError, ResourceNotFoundException

    def options(raw: Any) -> list[dict[str, str]]:
        keys = ("Namespace", "OptionName", "Value", "ResourceName")
        return [{k: o[k] for k in keys if o.get(k) is not None} for o in raw or []]

    def merged(current: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
        def key(o: dict[str, str]) -> tuple[Any, ...]:
            return (o.get("Namespace"), o.get("OptionName"), o.get("ResourceName"))

        out = {key(o): o for o in current}
        out.update({key(o): o for o in new})
        return list(out.values())

    def environment(backend: Any, name: str | None, env_id: str | None = None) -> Any:
        """An environment by name or by id (the AWS provider uses ids)."""
        for app in backend.applications.values():
            for env in app.environments.values():
                if (name is not None and env.environment_name == name) or (env_id is not None and env.environment_id == env_id):
                    return env
        what = f"EnvironmentName = '{name}'" if name is not None else f"EnvironmentId = '{env_id}'"
        raise InvalidParameterValueError(f"No Environment found for {what}.")

    def requested(self: Any) -> Any:
        return environment(self.elasticbeanstalk_backend, self._get_param("EnvironmentName"), self._get_param("EnvironmentId"))

    def taggable(backend: Any, arn: str) -> Any:
        for app in backend.applications.values():
            if app.arn == arn:
                return app
            for env in app.environments.values():
                if env.environment_arn == arn:
                    return env
        raise ResourceNotFoundException(f"Resource not found for ARN '{arn}'.")

    cls = responses.EBResponse
    create_application_, create_environment_ = cls.create_application, cls.create_environment

    def create_application(self: Any) -> Any:
        result = create_application_(self)
        app = self.elasticbeanstalk_backend.applications[self._get_param("ApplicationName")]
        app.description = self._get_param("Description") or ""
        app.tags = {t["Key"]: t["Value"] for t in self._get_param("Tags", [])}
        return result

    def describe_applications(self: Any) -> Any:
        names = self._get_param("ApplicationNames") or []
        apps = [a for a in self.elasticbeanstalk_backend.applications.values() if not names or a.application_name in names]
        for app in apps:
            app.description = getattr(app, "description", "")
        return ActionResult({"Applications": apps})

    def update_application(self: Any) -> Any:
        app = self.elasticbeanstalk_backend.applications[self._get_param("ApplicationName")]
        app.description = self._get_param("Description") or ""
        return ActionResult({"Application": app})

    def create_environment(self: Any) -> Any:
        env = create_environment_(self).result
        env.solution_stack_name = self._get_param("SolutionStackName")
        env.option_settings = options(self._get_param("OptionSettings"))
        # AWS gives every environment an id (e-<10 characters>); moto leaves it empty
        digest = hashlib.sha256(env.environment_arn.encode()).hexdigest()
        env.environment_id = "e-" + "".join("abcdefghijklmnopqrstuvwxyz0123456789"[int(digest[i : i + 2], 16) % 36] for i in range(0, 20, 2))
        env.cname = f"{env.environment_name}.{env.region}.elasticbeanstalk.com"
        env.endpoint_url = f"awseb-{env.environment_id}.{env.region}.elb.amazonaws.com"
        return ActionResult(env)

    def describe_environments(self: Any) -> Any:
        app, names = self._get_param("ApplicationName"), self._get_param("EnvironmentNames") or []
        ids = self._get_param("EnvironmentIds") or []
        envs = [
            e for e in self.elasticbeanstalk_backend.describe_environments()
            if (not app or e.application_name == app) and (not names or e.environment_name in names) and (not ids or e.environment_id in ids)
        ]
        return ActionResult({"Environments": envs})

    def describe_configuration_settings(self: Any) -> Any:
        env = requested(self)
        settings = {
            "ApplicationName": env.application_name,
            "EnvironmentName": env.environment_name,
            "SolutionStackName": env.solution_stack_name,
            "OptionSettings": getattr(env, "option_settings", []),
        }
        return ActionResult({"ConfigurationSettings": [settings]})

    def update_environment(self: Any) -> Any:
        env = requested(self)
        if self._get_param("SolutionStackName"):
            env.solution_stack_name = self._get_param("SolutionStackName")
        if self._get_param("VersionLabel"):
            env.version_label = self._get_param("VersionLabel")
        env.option_settings = merged(getattr(env, "option_settings", []), options(self._get_param("OptionSettings")))
        return ActionResult(env)

    def create_application_version(self: Any) -> Any:
        app = self.elasticbeanstalk_backend.applications[self._get_param("ApplicationName")]
        label = self._get_param("VersionLabel")
        versions = app.__dict__.setdefault("versions", {})
        if label in versions:
            raise InvalidParameterValueError(f"Application Version {label} already exists.")
        versions[label] = {
            "ApplicationName": app.application_name,
            "ApplicationVersionArn": app.arn.replace(":application/", ":applicationversion/") + "/" + label,
            "VersionLabel": label,
            "SourceBundle": self._get_param("SourceBundle"),
            "Status": "PROCESSED",
        }
        return ActionResult({"ApplicationVersion": versions[label]})

    def describe_application_versions(self: Any) -> Any:
        app = self.elasticbeanstalk_backend.applications[self._get_param("ApplicationName")]
        labels = self._get_param("VersionLabels") or []
        versions = [v for label, v in getattr(app, "versions", {}).items() if not labels or label in labels]
        return ActionResult({"ApplicationVersions": versions})

    def terminate_environment(self: Any) -> Any:
        env = requested(self)
        env.application.environments.pop(env.environment_name)
        env.status = "Terminated"
        return ActionResult(env)

    def update_tags_for_resource(self: Any) -> Any:
        res = taggable(self.elasticbeanstalk_backend, self._get_param("ResourceArn"))
        res.tags = dict(getattr(res, "tags", None) or {})
        res.tags.update({t["Key"]: t["Value"] for t in self._get_param("TagsToAdd", [])})
        for key in self._get_param("TagsToRemove", []):
            res.tags.pop(key, None)
        return EmptyResult()

    def list_tags_for_resource(self: Any) -> Any:
        arn = self._get_param("ResourceArn")
        tags = getattr(taggable(self.elasticbeanstalk_backend, arn), "tags", None) or {}
        return ActionResult({"ResourceArn": arn, "ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def describe_events(self: Any) -> Any:
        # AWS lists what happened to an environment; the AWS provider reads it while it waits for an
        # environment to be Ready, and stops on an ERROR event. moto has none to tell.
        return ActionResult({"Events": []})

    def describe_environment_resources(self: Any) -> Any:
        # The AWS provider reads the instances, groups and load balancers behind an environment; moto runs none.
        env = requested(self)
        kinds = ("AutoScalingGroups", "Instances", "LaunchConfigurations", "LaunchTemplates", "LoadBalancers", "Triggers", "Queues")
        return ActionResult({"EnvironmentResources": {"EnvironmentName": env.environment_name, **{k: [] for k in kinds}}})

    for fn in (
        describe_events, describe_environment_resources,
        create_application, describe_applications, update_application, create_environment, describe_environments,
        describe_configuration_settings, update_environment, terminate_environment, update_tags_for_resource,
        list_tags_for_resource, create_application_version, describe_application_versions,
    ):
        setattr(cls, fn.__name__, fn)


def _server_launcher(folder: Path) -> Path:
    """A script that applies the harness's moto patches and `_moto_extensions` (with the AMIs of every
    spec), then runs moto's server."""
    harness_patches = Path(awsemu_moto.__file__).with_name("moto_patches.py")
    script = folder / "moto_server_envspec_ansible.py"
    script.write_text(
        "from __future__ import annotations\n"
        "import runpy, sys\n"
        "from typing import Any\n"
        f"runpy.run_path({str(harness_patches)!r})['apply']()\n\n"
        + textwrap.dedent(inspect.getsource(_moto_extensions)).replace("-> None:", ":", 1)
        + f"\n\n_moto_extensions({SPEC_AMIS!r})\n"
        "from moto.server import main\n"
        "main(sys.argv[1:])\n"
    )
    return script


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """This module's emulator: started like the harness's (one per xdist worker), with Beanstalk filled in."""
    folder = tmp_path_factory.mktemp("moto")
    launcher = _server_launcher(folder)

    def command(port: int) -> list[str]:
        return [sys.executable, str(launcher), "-H", "127.0.0.1", "-p", str(port)]

    server: MotoServer = start_moto(log_dir=folder, command=command)
    try:
        yield server
    finally:
        server.stop()


# ---- graphs and trees -------------------------------------------------------------------------------


def case_name(path: Path) -> str:
    top = REPO / "examples" if path.is_relative_to(REPO / "examples") else path.parent
    return "-".join(path.relative_to(top).with_suffix("").parts)


CASES = [(case_name(p), p, env) for p in [*EXAMPLES, *SPECS] for env in graphs_for(p)]
# The AMIs the ec2 services of every case launch: the emulator has them (see `_moto_extensions`).
SPEC_AMIS = tuple(sorted({str(n.inputs["ami"]) for _, spec, env in CASES for n in graphs_for(spec)[env].nodes if n.kind == "ec2"}))


def owned_by_ansible(node: Node) -> Node:
    """`node` as if Ansible owned it. Names and tags stay the IR's (`envspec:owner` says terraform):
    what it creates is exactly what Terraform would have."""
    return dataclasses.replace(node, owner="ansible")


def variant(graph: ResourceGraph) -> ResourceGraph | None:
    """What must exist before `graph` is provisioned: the components another tool owns that an
    Ansible-owned one reads, and what they need, all owned by Ansible. None when nothing is read."""
    needed = set(provision_lookups(graph))
    if not needed:
        return None
    for node in reversed(graph.nodes):
        if node.address in needed:
            needed.update(node.depends_on)
    nodes = tuple(owned_by_ansible(n) for n in graph.nodes if n.address in needed)
    return dataclasses.replace(graph, nodes=nodes)


def write_tree(graph: ResourceGraph, dest: Path) -> Path:
    for rel, text in AnsibleBackend().emit(graph).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return dest / "ansible"


def provision(tree: Path, graph: ResourceGraph, env: Mapping[str, str], tmp: Path, label: str) -> Result:
    result = run_playbook(
        tree / "provision.yml",
        inventory=tree / "inventories" / graph.env,
        env=env,
        cwd=tree,
        tmp_dir=tmp / f"ansible-{label}",
    )
    TIMINGS.append((f"{graph.app}/{graph.env}", label, result.duration))
    return result


def upload_code(graph: ResourceGraph, env: Mapping[str, str]) -> set[str]:
    """Put a zip at every Lambda function's code location; return the buckets created for it."""
    s3 = boto3_client("s3", env)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    buckets: set[str] = set()
    for node in graph.nodes:
        if node.kind != "lambda":
            continue
        bucket, key = str(node.inputs["s3_bucket"]), str(node.inputs["s3_key"])
        if bucket not in buckets:
            config = {} if graph.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": graph.region}}
            s3.create_bucket(Bucket=bucket, **config)
            buckets.add(bucket)
        s3.put_object(Bucket=bucket, Key=key, Body=buf.getvalue())
    return buckets


def reported_outputs(result: Result) -> dict[str, Any]:
    return dict(result.task("Report the outputs of the components").result["envspec_out"])


# ---- reading the emulator back ----------------------------------------------------------------------


def _tags(items: Any) -> dict[str, str]:
    if isinstance(items, Mapping):
        return dict(items)
    return {t["Key"]: t["Value"] for t in items or []}


class Emulator:
    """What exists in one account and region, by IR resource type: {type: {name: tags}}."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def client(self, service: str) -> Any:
        return boto3_client(service, self.env)

    def inventory(self) -> dict[str, dict[str, dict[str, str]]]:
        found: dict[str, dict[str, dict[str, str]]] = {}
        for type_, read in self.readers().items():
            found[type_] = read()
        return found

    def readers(self) -> dict[str, Any]:
        return {
            "aws_vpc": self._vpcs, "aws_subnet": self._subnets, "aws_internet_gateway": self._igws,
            "aws_eip": self._eips, "aws_nat_gateway": self._nats, "aws_route_table": self._route_tables,
            "aws_security_group": self._security_groups, "aws_lb": self._lbs, "aws_lb_target_group": self._tgs,
            "aws_lb_listener_rule": self._listener_rules, "aws_instance": self._instances,
            "aws_iam_role": self._roles, "aws_iam_instance_profile": self._profiles,
            "aws_secretsmanager_secret": self._secrets, "aws_ssm_parameter": self._parameters,
            "aws_s3_bucket": self._buckets, "aws_db_subnet_group": self._db_subnet_groups,
            "aws_db_instance": self._db_instances, "aws_cloudwatch_log_group": self._log_groups,
            "aws_elasticache_subnet_group": self._cache_subnet_groups, "aws_elasticache_cluster": self._cache_clusters,
            "aws_lambda_function": self._functions, "aws_cloudwatch_event_rule": self._rules,
            "aws_lambda_event_source_mapping": self._event_source_mappings,
            "aws_elastic_beanstalk_application": self._eb_apps,
            "aws_elastic_beanstalk_environment": self._eb_envs,
            "aws_sqs_queue": self._queues,
        }

    # EC2: what AWS creates with every account (the default VPC, its subnets, main route tables,
    # default security groups) is not the app's.
    def _default_vpcs(self) -> set[str]:
        return {v["VpcId"] for v in self.client("ec2").describe_vpcs()["Vpcs"] if v.get("IsDefault")}

    def _named(self, items: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
        out = {}
        for item in items:
            tags = _tags(item.get("Tags"))
            out[tags.get("Name", item.get("id", "?"))] = tags
        return out

    def _vpcs(self) -> dict[str, dict[str, str]]:
        return self._named([v for v in self.client("ec2").describe_vpcs()["Vpcs"] if not v.get("IsDefault")])

    def _subnets(self) -> dict[str, dict[str, str]]:
        default = self._default_vpcs()
        return self._named([s for s in self.client("ec2").describe_subnets()["Subnets"] if s["VpcId"] not in default])

    def _igws(self) -> dict[str, dict[str, str]]:
        default = self._default_vpcs()
        igws = self.client("ec2").describe_internet_gateways()["InternetGateways"]
        return self._named([g for g in igws if not {a["VpcId"] for a in g.get("Attachments", [])} & default])

    def _eips(self) -> dict[str, dict[str, str]]:
        return self._named(self.client("ec2").describe_addresses()["Addresses"])

    def _nats(self) -> dict[str, dict[str, str]]:
        nats = self.client("ec2").describe_nat_gateways()["NatGateways"]
        return self._named([n for n in nats if n["State"] not in ("deleted", "deleting", "failed")])

    def _route_tables(self) -> dict[str, dict[str, str]]:
        default = self._default_vpcs()
        tables = self.client("ec2").describe_route_tables()["RouteTables"]
        return self._named([
            t for t in tables
            if t["VpcId"] not in default and not any(a.get("Main") for a in t.get("Associations", []))
        ])

    def _security_groups(self) -> dict[str, dict[str, str]]:
        groups = self.client("ec2").describe_security_groups()["SecurityGroups"]
        return {g["GroupName"]: _tags(g.get("Tags")) for g in groups if g["GroupName"] != "default"}

    def _instances(self) -> dict[str, dict[str, str]]:
        reservations = self.client("ec2").describe_instances()["Reservations"]
        instances = [i for r in reservations for i in r["Instances"] if i["State"]["Name"] not in ("terminated", "shutting-down")]
        return self._named(instances)

    def _lbs(self) -> dict[str, dict[str, str]]:
        elb = self.client("elbv2")
        lbs = elb.describe_load_balancers()["LoadBalancers"]
        return {lb["LoadBalancerName"]: self._elb_tags(lb["LoadBalancerArn"]) for lb in lbs}

    def _tgs(self) -> dict[str, dict[str, str]]:
        tgs = self.client("elbv2").describe_target_groups()["TargetGroups"]
        return {tg["TargetGroupName"]: self._elb_tags(tg["TargetGroupArn"]) for tg in tgs}

    def _listener_rules(self) -> dict[str, dict[str, str]]:
        elb = self.client("elbv2")
        out = {}
        for lb in elb.describe_load_balancers()["LoadBalancers"]:
            for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
                for rule in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                    if not rule.get("IsDefault"):
                        tags = self._elb_tags(rule["RuleArn"])
                        out[tags.get("Name", rule["RuleArn"])] = tags
        return out

    def _elb_tags(self, arn: str) -> dict[str, str]:
        described = self.client("elbv2").describe_tags(ResourceArns=[arn])["TagDescriptions"]
        return {t["Key"]: t["Value"] for d in described for t in d.get("Tags", [])}

    def _roles(self) -> dict[str, dict[str, str]]:
        iam = self.client("iam")
        roles = [r for r in iam.list_roles()["Roles"] if not r["Path"].startswith("/aws-service-role/")]
        return {r["RoleName"]: _tags(iam.list_role_tags(RoleName=r["RoleName"])["Tags"]) for r in roles}

    def _profiles(self) -> dict[str, dict[str, str]]:
        iam = self.client("iam")
        profiles = iam.list_instance_profiles()["InstanceProfiles"]
        # moto has no ListInstanceProfileTags; GetInstanceProfile returns the tags too
        return {
            p["InstanceProfileName"]: _tags(iam.get_instance_profile(InstanceProfileName=p["InstanceProfileName"])["InstanceProfile"].get("Tags"))
            for p in profiles
        }

    def _secrets(self) -> dict[str, dict[str, str]]:
        # A secret another AWS service owns (OwningService: RDS's for a managed master password)
        # is that service's, not the app's.
        secrets = self.client("secretsmanager").list_secrets()["SecretList"]
        return {s["Name"]: _tags(s.get("Tags")) for s in secrets if not s.get("OwningService")}

    def _parameters(self) -> dict[str, dict[str, str]]:
        ssm = self.client("ssm")
        return {
            p["Name"]: _tags(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=p["Name"])["TagList"])
            for p in ssm.describe_parameters()["Parameters"]
        }

    def _buckets(self) -> dict[str, dict[str, str]]:
        s3 = self.client("s3")
        out = {}
        for bucket in s3.list_buckets()["Buckets"]:
            try:
                out[bucket["Name"]] = _tags(s3.get_bucket_tagging(Bucket=bucket["Name"])["TagSet"])
            except s3.exceptions.ClientError:
                out[bucket["Name"]] = {}
        return out

    def _queues(self) -> dict[str, dict[str, str]]:
        sqs = self.client("sqs")
        urls = sqs.list_queues().get("QueueUrls", [])
        return {url.rsplit("/", 1)[1]: _tags(sqs.list_queue_tags(QueueUrl=url).get("Tags")) for url in urls}

    def _db_subnet_groups(self) -> dict[str, dict[str, str]]:
        rds = self.client("rds")
        groups = rds.describe_db_subnet_groups()["DBSubnetGroups"]
        return {
            g["DBSubnetGroupName"]: _tags(rds.list_tags_for_resource(ResourceName=g["DBSubnetGroupArn"])["TagList"])
            for g in groups if g["DBSubnetGroupName"] != "default"
        }

    def _db_instances(self) -> dict[str, dict[str, str]]:
        instances = self.client("rds").describe_db_instances()["DBInstances"]
        return {i["DBInstanceIdentifier"]: _tags(i.get("TagList")) for i in instances}

    def _cache_subnet_groups(self) -> dict[str, dict[str, str]]:
        cache = self.client("elasticache")
        groups = cache.describe_cache_subnet_groups()["CacheSubnetGroups"]
        return {g["CacheSubnetGroupName"]: _tags(cache.list_tags_for_resource(ResourceName=g["ARN"])["TagList"]) for g in groups}

    def _cache_clusters(self) -> dict[str, dict[str, str]]:
        cache = self.client("elasticache")
        clusters = cache.describe_cache_clusters()["CacheClusters"]
        return {c["CacheClusterId"]: _tags(cache.list_tags_for_resource(ResourceName=c["ARN"])["TagList"]) for c in clusters}

    def _log_groups(self) -> dict[str, dict[str, str]]:
        logs = self.client("logs")
        groups = logs.describe_log_groups()["logGroups"]
        return {g["logGroupName"]: dict(logs.list_tags_log_group(logGroupName=g["logGroupName"])["tags"]) for g in groups}

    def _functions(self) -> dict[str, dict[str, str]]:
        lam = self.client("lambda")
        functions = lam.list_functions()["Functions"]
        return {f["FunctionName"]: dict(lam.list_tags(Resource=f["FunctionArn"])["Tags"]) for f in functions}

    def _event_source_mappings(self) -> dict[str, dict[str, str]]:
        """By the name of the function (the IR names a queue trigger after its function)."""
        lam = self.client("lambda")
        mappings = lam.list_event_source_mappings()["EventSourceMappings"]
        return {m["FunctionArn"].split(":")[6]: dict(lam.list_tags(Resource=m["EventSourceMappingArn"])["Tags"]) for m in mappings}

    def _rules(self) -> dict[str, dict[str, str]]:
        events = self.client("events")
        rules = events.list_rules()["Rules"]
        return {r["Name"]: _tags(events.list_tags_for_resource(ResourceARN=r["Arn"])["Tags"]) for r in rules}

    def _eb_apps(self) -> dict[str, dict[str, str]]:
        eb = self.client("elasticbeanstalk")
        apps = eb.describe_applications()["Applications"]
        return {a["ApplicationName"]: _tags(eb.list_tags_for_resource(ResourceArn=a["ApplicationArn"])["ResourceTags"]) for a in apps}

    def _eb_envs(self) -> dict[str, dict[str, str]]:
        eb = self.client("elasticbeanstalk")
        envs = eb.describe_environments()["Environments"]
        return {e["EnvironmentName"]: _tags(eb.list_tags_for_resource(ResourceArn=e["EnvironmentArn"])["ResourceTags"]) for e in envs}


def check_against_graph(
    found: Mapping[str, Mapping[str, Mapping[str, str]]], provisioned: list[Node], fixtures: Mapping[str, set[str]]
) -> list[str]:
    """Every resource of the provisioned nodes exists with exactly its IR tags; nothing else exists."""
    problems = []
    expected: dict[str, dict[str, Mapping[str, str]]] = {}
    for node in provisioned:
        for res in node.resources:
            expected.setdefault(res.type, {})[res.name] = res.tags
    unknown = set(expected) - set(found)
    assert not unknown, f"the test cannot read these resource types back: {sorted(unknown)}"
    for type_, names in found.items():
        for name, tags in sorted(names.items()):
            want = expected.get(type_, {}).get(name)
            if want is None:
                if name not in fixtures.get(type_, set()):
                    problems.append(f"extra {type_} {name!r} (not in the graph)")
            elif dict(tags) != dict(want):
                problems.append(f"{type_} {name!r}: tags {dict(tags)} != IR {dict(want)}")
    for type_, names in expected.items():
        for name in sorted(set(names) - set(found.get(type_, {}))):
            problems.append(f"missing {type_} {name!r}")
    return problems


def inventory_groups(tree: Path, graph: ResourceGraph, env: Mapping[str, str], tmp: Path) -> dict[str, Any]:
    """`ansible-inventory --list` of the environment's dynamic inventory, against the emulator."""
    home = tmp / "inventory-home"
    run_env = ansible_env(env, home)
    proc = subprocess.run(
        [str(Path(ANSIBLE_PLAYBOOK).with_name("ansible-inventory")), "-i", f"inventories/{graph.env}", "--list",
         "-e", json.dumps({"ansible_python_interpreter": sys.executable})],
        cwd=tree, env=run_env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


# ---- the runs ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    graph: ResourceGraph
    env: dict[str, str]
    tree: Path
    first: Result
    second: Result
    provisioned: list[Node]
    fixtures: dict[str, set[str]]


def import_certificates(graph: ResourceGraph, env: Mapping[str, str]) -> None:
    """Give the emulated account the ACM certificate the network's load balancer names."""
    for node in graph.nodes:
        lb = node.inputs.get("load_balancer") if node.kind == "network" else None
        if lb and lb.get("certificate_arn"):
            cert, key = self_signed_certificate()
            boto3_client("acm", env).import_certificate(CertificateArn=lb["certificate_arn"], Certificate=cert, PrivateKey=key)


def self_signed_certificate() -> tuple[bytes, bytes]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "envspec.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


def provision_twice(aws: Mapping[str, str], graph: ResourceGraph, tmp: Path) -> Run:
    env = in_account(aws, graph.account_id, graph.region)
    import_certificates(graph, env)
    fixtures = {"aws_s3_bucket": upload_code(graph, env)}
    provisioned = [n for n in graph.nodes if n.owner == "ansible"]
    before = variant(graph)
    if before is not None:
        made = provision(write_tree(before, tmp / "variant"), before, env, tmp, "variant")
        assert made.succeeded, made.summary()
        provisioned += [n for n in before.nodes if graph.node(n.address).owner != "ansible"]
    tree = write_tree(graph, tmp / "out")
    first = provision(tree, graph, env, tmp, "first run")
    assert first.succeeded, first.summary()
    second = provision(tree, graph, env, tmp, "second run")
    assert second.succeeded, second.summary()
    assert second.changed == 0, "the second run changed something:\n" + second.summary() + "".join(
        f"\n{t.task}: {json.dumps(dict(t.result), default=str)[:3000]}" for t in second.changed_tasks
    )
    return Run(graph, env, tree, first, second, provisioned, fixtures)


@pytest.mark.slow
@pytest.mark.parametrize(("case", "spec", "env_name"), CASES, ids=[f"{c}-{e}" for c, _, e in CASES])
def test_provision_twice_then_read_back(aws: dict[str, str], tmp_path: Path, case: str, spec: Path, env_name: str) -> None:
    graph = graphs_for(spec)[env_name]
    run = provision_twice(aws, graph, tmp_path)

    problems = check_against_graph(Emulator(run.env).inventory(), run.provisioned, run.fixtures)
    assert not problems, "\n".join(problems)

    # What Terraform owns was only read: it still says so.
    for node in graph.nodes:
        if node.owner != "ansible":
            assert node.tags["envspec:owner"] == "terraform"

    # Every component the run provisioned or read published exactly its dynamic attributes.
    outputs = reported_outputs(run.second)
    ran = {n.address for n in graph.nodes if n.owner == "ansible"} | set(provision_lookups(graph))
    assert set(outputs) == ran
    for address in ran:
        node = graph.node(address)
        assert set(outputs[address]) == set(OUTPUTS[node.kind]), address
        required = {"network": ("vpc_id", "public_subnet_ids", "private_subnet_ids"), "secret": ("arn",),
                    "database": ("host", "security_group_id", "secret_arn"), "ec2": ("security_group_id",),
                    "beanstalk": ("url", "security_group_id")}.get(node.kind, ())
        assert all(outputs[address][a] for a in required), (address, outputs[address])

    # The dynamic inventory finds the running instances of the ec2 services, grouped by component.
    instances = [n for n in graph.nodes if n.kind == "ec2" and n.address in {p.address for p in run.provisioned}]
    if instances:
        listing = inventory_groups(run.tree, graph, run.env, tmp_path)
        for node in instances:
            group = "envspec_" + node.address.replace(".", "_").replace("-", "_")
            assert sorted(listing[group]["hosts"]) == sorted(node.inputs["instances"]), listing.get(group)

    # Every instance has one volume, its root volume (on the AMI's root device, with the AMI's
    # snapshot), encrypted gp3.
    ec2 = boto3_client("ec2", run.env)
    for reservation in ec2.describe_instances()["Reservations"]:
        for instance in reservation["Instances"]:
            (root,) = instance["BlockDeviceMappings"]
            assert root["DeviceName"] == instance["RootDeviceName"], instance["BlockDeviceMappings"]
            (volume,) = ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"]
            assert (volume["Encrypted"], volume["VolumeType"], bool(volume["SnapshotId"])) == (True, "gp3", True), volume


# ---- hostile strings ---------------------------------------------------------------------------------

HOSTILE = {
    "JINJA": "{{ lookup('pipe', 'id') }}",
    "JINJA_BLOCK": "{% raw %}x{% endraw %} {# comment #} {%- if true -%}y{% endif %}",
    "DOLLAR_BRACE": "${not.a.reference} and $${two} and $ alone",
    "QUOTES": "\"double\" 'single' `back` \\ \\\\ \\n",
    "NEWLINES": "line one\nline two\r\nthree\ttab\n",
    "YAML_COLON": "key: value # not a comment",
    "YAML_LEADING_STAR": "*alias",
    "YAML_LEADING_AMP": "&anchor value",
    "YAML_LEADING_BANG": "!unsafe tag",
    "YAML_LEADING_PERCENT": "%YAML 1.2",
    "YAML_LEADING_AT": "@reserved",
    "YAML_INDICATORS": "- dash | pipe > gt ? q [a, b] {c: d}",
    "LOOKS_NUMBER": "0123",
    "LOOKS_BOOLEAN": "yes",
    "LOOKS_NULL": "~",
    "LOOKS_DATE": "2024-01-01",
    "SPACES": "  padded  ",
    "SHELL": "$(id) `id` ; rm -rf / && echo",
    "UNICODE": "é ü ñ 中文 😀 \u2028 \xa0 \u200b",
    "EMPTY": "",
    "LONG": ("{{ x }} " * 30 + "é" * 300 + " 'q' \"dq\" \\ ") * 2,
}
# Tag values take only letters, digits, spaces and `_ . : / = + - @` (AWS's rule, checked by the
# model): the hardest such value, with YAML's and Ansible's specials among those characters.
HOSTILE_TAG = "@reserved - key: value /=+ é 日本 :: a_b.c-d -"
HOSTILE_DESCRIPTION = "Secret for {{ x }}\nsecond line: \"quoted\" 'single' \\ {% y %} é"


def spec_text(value: str) -> str:
    """`value` as a component's string field: a YAML double-quoted scalar, `${` written `$${` (envspec's escape)."""
    return scalar(value.replace("${", "$${"))


def hostile_spec(folder: Path) -> Path:
    env = "\n".join(f"      {name}: {spec_text(value)}" for name, value in HOSTILE.items())
    spec = folder / "hostile.yaml"
    spec.write_text(
        f"""envspec: 1
app: hostile
description: {scalar(HOSTILE_DESCRIPTION)}
tags:  # taken literally: no references, no escapes
  odd: {scalar(HOSTILE_TAG)}
  "weird key:/=+-@ é": {scalar("= " + HOSTILE_TAG[:60])}
environments:
  test:
    region: us-east-1
    account_id: "123456789012"
buckets:
  data: {{}}
secrets:
  token:
    description: {spec_text(HOSTILE_DESCRIPTION)}
services:
  worker:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://hostile-artifacts/worker.zip
    env:
{env}
      WITH_REFERENCE: {json.dumps("bucket=${buckets.data.name} {{ x }} secret=${secrets.token.arn} $${")}
""",
        encoding="utf-8",
    )
    return spec


@pytest.mark.slow
def test_hostile_strings_provision_and_read_back(aws: dict[str, str], tmp_path: Path) -> None:
    graph = graphs_for(hostile_spec(tmp_path))["test"]
    run = provision_twice(aws, graph, tmp_path)
    found = Emulator(run.env).inventory()
    problems = check_against_graph(found, run.provisioned, run.fixtures)
    assert not problems, "\n".join(problems)

    tags = found["aws_lambda_function"]["hostile-test-worker"]
    assert tags["odd"] == HOSTILE_TAG
    assert tags["weird key:/=+-@ é"] == "= " + HOSTILE_TAG[:60]
    assert found["aws_s3_bucket"]["hostile-test-data"]["odd"] == HOSTILE_TAG
    assert found["aws_iam_role"]["hostile-test-worker"]["odd"] == HOSTILE_TAG

    lam = boto3_client("lambda", run.env)
    variables = lam.get_function_configuration(FunctionName="hostile-test-worker")["Environment"]["Variables"]
    secret_arn = boto3_client("secretsmanager", run.env).describe_secret(SecretId="hostile/test/token")["ARN"]
    expected = dict(HOSTILE)
    expected["WITH_REFERENCE"] = f"bucket=hostile-test-data {{{{ x }}}} secret={secret_arn} ${{"
    for name, value in expected.items():
        assert variables[name].encode("utf-8") == value.encode("utf-8"), name
    assert set(variables) == set(expected)

    described = boto3_client("secretsmanager", run.env).describe_secret(SecretId="hostile/test/token")
    assert described["Description"].encode("utf-8") == HOSTILE_DESCRIPTION.encode("utf-8")


# ---- the modules in roles/*/library and library/ ------------------------------------------------------


def run_module(path: Path, args: Mapping[str, Any], env: Mapping[str, str], check_mode: bool = False) -> dict[str, Any]:
    """Run an Ansible module file directly, its arguments as JSON on stdin (Ansible's debugging entry)."""
    payload = {"ANSIBLE_MODULE_ARGS": {**args, "_ansible_check_mode": check_mode}}
    proc = subprocess.run(
        [sys.executable, str(path)],
        input=json.dumps(payload),
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout[proc.stdout.find("{"):]
    assert out, f"module printed nothing: {proc.stderr}"
    return dict(json.loads(out))


EB_APP = BACKEND_FILES / "roles" / "beanstalk" / "library" / "elasticbeanstalk_application.py"
EB_ENV = BACKEND_FILES / "roles" / "beanstalk" / "library" / "elasticbeanstalk_environment.py"
LISTENER_RULE = BACKEND_FILES / "roles" / "ec2" / "library" / "elb_listener_rule.py"
SCHEDULE_RULE = BACKEND_FILES / "roles" / "lambda" / "library" / "events_schedule_rule.py"
SECRET_INFO = BACKEND_FILES / "library" / "secretsmanager_secret_info.py"
MASTER_USER_SECRET = BACKEND_FILES / "roles" / "database" / "library" / "rds_instance_master_user_secret.py"
STACK = "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"


@pytest.mark.slow
def test_beanstalk_application_module(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    args = {"name": "app-one", "description": "first", "tags": {"Name": "app-one", "team": "a"}}
    assert run_module(EB_APP, args, env, check_mode=True)["changed"] is True
    assert boto3_client("elasticbeanstalk", env).describe_applications()["Applications"] == []

    created = run_module(EB_APP, args, env)
    assert created["changed"] is True and created["application"]["tags"] == args["tags"]
    assert run_module(EB_APP, args, env)["changed"] is False

    changed = {**args, "description": "second", "tags": {"Name": "app-one", "team": "b"}}
    assert run_module(EB_APP, changed, env, check_mode=True)["changed"] is True
    assert run_module(EB_APP, args, env)["changed"] is False  # check mode changed nothing
    updated = run_module(EB_APP, changed, env)
    assert updated["changed"] is True and updated["application"]["description"] == "second"
    eb = boto3_client("elasticbeanstalk", env)
    arn = eb.describe_applications(ApplicationNames=["app-one"])["Applications"][0]["ApplicationArn"]
    assert _tags(eb.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]) == {"Name": "app-one", "team": "b"}
    assert run_module(EB_APP, {"name": "app-one", "description": "second"}, env)["changed"] is False  # tags left alone

    assert run_module(EB_APP, {"name": "app-one", "state": "absent"}, env)["changed"] is True
    assert run_module(EB_APP, {"name": "app-one", "state": "absent"}, env)["changed"] is False


@pytest.mark.slow
def test_beanstalk_environment_module(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    run_module(EB_APP, {"name": "app-two"}, env)
    settings = [
        {"namespace": "aws:autoscaling:asg", "option_name": "MinSize", "value": "1"},
        {"namespace": "aws:elasticbeanstalk:application:environment", "option_name": "X", "value": "{{ not templated }}"},
    ]
    args = {"application_name": "app-two", "name": "env-two", "solution_stack_name": STACK,
            "option_settings": settings, "tags": {"Name": "env-two"}, "region": "us-west-2"}

    missing = run_module(EB_ENV, {"application_name": "app-two", "name": "env-two"}, env)
    assert missing.get("failed") and "solution_stack_name" in missing["msg"]
    assert run_module(EB_ENV, args, env, check_mode=True)["changed"] is True
    created = run_module(EB_ENV, args, env)
    assert created["changed"] is True, created
    assert created["environment"]["tags"] == {"Name": "env-two"}
    assert created["environment"]["url"].startswith("http://")
    again = run_module(EB_ENV, args, env)
    assert again["changed"] is False and again["updated"] == [], again

    eb = boto3_client("elasticbeanstalk", env)
    bigger = {**args, "option_settings": [{**settings[0], "value": "2"}, settings[1]], "tags": {"Name": "env-two", "t": "1"}}
    preview = run_module(EB_ENV, bigger, env, check_mode=True)
    assert preview["changed"] is True and preview["updated"] == ["OptionSettings"]
    current = eb.describe_configuration_settings(ApplicationName="app-two", EnvironmentName="env-two")
    assert {o["OptionName"]: o["Value"] for o in current["ConfigurationSettings"][0]["OptionSettings"]}["MinSize"] == "1"
    updated = run_module(EB_ENV, bigger, env)
    assert updated["changed"] is True and updated["environment"]["tags"] == {"Name": "env-two", "t": "1"}
    current = eb.describe_configuration_settings(ApplicationName="app-two", EnvironmentName="env-two")
    values = {o["OptionName"]: o["Value"] for o in current["ConfigurationSettings"][0]["OptionSettings"]}
    assert values == {"MinSize": "2", "X": "{{ not templated }}"}
    assert run_module(EB_ENV, bigger, env)["changed"] is False

    # Looking up (no settings, no tags, check mode) never changes anything.
    looked = run_module(EB_ENV, {"application_name": "app-two", "name": "env-two", "wait": False}, env, check_mode=True)
    assert looked["changed"] is False and looked["environment"]["environment_name"] == "env-two"

    assert run_module(EB_ENV, {**args, "state": "absent"}, env)["changed"] is True


@pytest.mark.slow
def test_listener_rule_module(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    ec2, elb = boto3_client("ec2", env), boto3_client("elbv2", env)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-west-2{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    lb = elb.create_load_balancer(Name="lb-test", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="tg-test", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    args = {"name": "rule-one", "listener_arn": listener, "priority": 50000, "target_group_arn": tg,
            "tags": {"Name": "rule-one", "odd": "{{ x }}"}, "region": "us-west-2"}

    assert run_module(LISTENER_RULE, args, env, check_mode=True)["changed"] is True
    created = run_module(LISTENER_RULE, args, env)
    assert created["changed"] is True and created["rule"]["tags"] == args["tags"], created
    assert run_module(LISTENER_RULE, args, env)["changed"] is False
    moved = run_module(LISTENER_RULE, {**args, "priority": 10, "host": "api.example.com"}, env)
    assert moved["changed"] is True
    rules = [r for r in elb.describe_rules(ListenerArn=listener)["Rules"] if not r["IsDefault"]]
    assert len(rules) == 1 and rules[0]["Priority"] == "10"
    assert rules[0]["Conditions"][0]["Field"] == "host-header"
    assert run_module(LISTENER_RULE, {**args, "priority": 10, "host": "api.example.com"}, env)["changed"] is False
    assert run_module(LISTENER_RULE, {**args, "state": "absent"}, env)["changed"] is True
    assert [r for r in elb.describe_rules(ListenerArn=listener)["Rules"] if not r["IsDefault"]] == []


@pytest.mark.slow
def test_schedule_rule_module(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    target = "arn:aws:lambda:us-west-2:111111111111:function:fn-one"
    args = {"name": "rule-one", "schedule_expression": "rate(1 minute)", "targets": [{"id": "function", "arn": target}],
            "tags": {"Name": "rule-one"}, "region": "us-west-2"}
    assert run_module(SCHEDULE_RULE, args, env, check_mode=True)["changed"] is True
    created = run_module(SCHEDULE_RULE, args, env)
    assert created["changed"] is True and created["rule"]["tags"] == {"Name": "rule-one"}
    assert run_module(SCHEDULE_RULE, args, env)["changed"] is False
    changed = {**args, "schedule_expression": "rate(5 minutes)", "tags": {"Name": "rule-one", "x": "y"}}
    assert run_module(SCHEDULE_RULE, changed, env)["changed"] is True
    events = boto3_client("events", env)
    rule = events.describe_rule(Name="rule-one")
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    assert _tags(events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]) == {"Name": "rule-one", "x": "y"}
    assert [t["Arn"] for t in events.list_targets_by_rule(Rule="rule-one")["Targets"]] == [target]
    assert run_module(SCHEDULE_RULE, {**changed, "state": "absent"}, env)["changed"] is True
    assert events.list_rules()["Rules"] == []


@pytest.mark.slow
def test_secret_info_module_never_reads_the_value(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    assert run_module(SECRET_INFO, {"name": "a/b/c", "region": "us-west-2"}, env) == {
        "changed": False, "exists": False, "invocation": {"module_args": {"name": "a/b/c", "region": "us-west-2"}},
    }
    sm = boto3_client("secretsmanager", env)
    sm.create_secret(Name="a/b/c", Description="d", Tags=[{"Key": "k", "Value": "v"}])  # no value at all
    found = run_module(SECRET_INFO, {"name": "a/b/c", "region": "us-west-2"}, env)
    assert found["exists"] is True and found["secret"]["tags"] == {"k": "v"}
    assert found["secret"]["arn"].startswith("arn:aws:secretsmanager:us-west-2:111111111111:secret:a/b/c-")


@pytest.mark.slow
def test_master_user_secret_module_lets_rds_manage_the_password_once(aws: dict[str, str]) -> None:
    env = in_account(aws, "111111111111", "us-west-2")
    rds, sm = boto3_client("rds", env), boto3_client("secretsmanager", env)
    rds.create_db_instance(DBInstanceIdentifier="db-one", Engine="postgres", DBInstanceClass="db.t4g.micro",
                           AllocatedStorage=20, MasterUsername="app", MasterUserPassword="throwaway-password-1")
    args = {"db_instance_identifier": "db-one", "region": "us-west-2"}
    assert run_module(MASTER_USER_SECRET, args, env, check_mode=True)["changed"] is True
    assert "MasterUserSecret" not in rds.describe_db_instances(DBInstanceIdentifier="db-one")["DBInstances"][0]
    managed = run_module(MASTER_USER_SECRET, args, env)
    assert managed["changed"] is True, managed
    secret = rds.describe_db_instances(DBInstanceIdentifier="db-one")["DBInstances"][0]["MasterUserSecret"]
    assert managed["secret_arn"] == secret["SecretArn"]
    value = sm.get_secret_value(SecretId=secret["SecretArn"])["SecretString"]
    assert "throwaway-password-1" not in value and json.loads(value)["username"] == "app"
    assert json.loads(value)["password"] not in json.dumps(managed)  # the module never returns the password
    # Once RDS manages it, the module leaves it alone: same secret, same password.
    again = run_module(MASTER_USER_SECRET, args, env)
    assert (again["changed"], again["secret_arn"]) == (False, secret["SecretArn"])
    assert sm.get_secret_value(SecretId=secret["SecretArn"])["SecretString"] == value


# ---- the report -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def report_timings() -> Iterator[None]:
    started = time.monotonic()
    yield
    if TIMINGS:
        lines = [f"  {case:<28} {label:<11} {seconds:6.1f}s" for case, label, seconds in TIMINGS]
        total = time.monotonic() - started
        print("\nansible-playbook provision.yml runs against moto:\n" + "\n".join(lines) + f"\n  module total {total:.1f}s")


def test_cases_cover_every_spec_and_environment() -> None:
    assert {spec for _, spec, _ in CASES} == {*EXAMPLES, *SPECS}
    assert len({(c, e) for c, _, e in CASES}) == len(CASES)


def test_variant_reads_only_what_is_needed() -> None:
    graph = graphs_for(REPO / "examples" / "contract.yaml")["staging"]
    before = variant(graph)
    assert before is not None and [n.address for n in before.nodes] == ["network"]
    node = before.nodes[0]
    assert node.owner == "ansible" and node.tags["envspec:owner"] == "terraform"
    assert {r.key for r in node.resources} == {r.key for r in graph.node("network").resources}
    # The same resources, whoever owns a database: RDS keeps its password's secret for both tools.
    db = dataclasses.replace(graph.node("databases.main"), owner="terraform")
    assert owned_by_ansible(db).resources == graph.node("databases.main").resources
    all_terraform = dataclasses.replace(graph, nodes=tuple(dataclasses.replace(n, owner="terraform") for n in graph.nodes))
    assert variant(all_terraform) is None



# ---- deploy.yml: what runs on the controller, and the files it writes on an ec2 host -----------------

RELEASE_SPEC = """\
envspec: 1
app: release
environments:
  test:
    region: eu-west-1
    account_id: "333333333333"
services:
  fn:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://release-artifacts/fn.zip
  web:
    type: beanstalk
    platform: "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"
"""


@pytest.mark.slow
def test_deploy_updates_lambda_code_and_beanstalk_version(aws: dict[str, str], tmp_path: Path) -> None:
    spec = tmp_path / "release.yaml"
    spec.write_text(RELEASE_SPEC)
    graph = graphs_for(spec)["test"]
    env = in_account(aws, graph.account_id, graph.region)
    upload_code(graph, env)
    tree = write_tree(graph, tmp_path / "out")
    made = provision(tree, graph, env, tmp_path, "provision")
    assert made.succeeded, made.summary()

    s3 = boto3_client("s3", env)
    new_code = io.BytesIO()
    with zipfile.ZipFile(new_code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'version': 2}\n")
    s3.put_object(Bucket="release-artifacts", Key="fn.zip", Body=new_code.getvalue())
    s3.put_object(Bucket="release-artifacts", Key="web/2.0.zip", Body=b"bundle")
    deploy = run_playbook(
        tree / "deploy.yml", inventory=tree / "inventories" / "test", env=env, cwd=tree, tmp_dir=tmp_path / "deploy",
        extra_vars={"envspec_version": "2.0", "envspec_bundles": {"services.web": "s3://release-artifacts/web/{version}.zip"}},
        extra_args=("--limit", "localhost"),
    )
    TIMINGS.append(("release/test", "deploy", deploy.duration))
    assert deploy.succeeded, deploy.summary()

    import base64
    import hashlib

    code = boto3_client("lambda", env).get_function_configuration(FunctionName="release-test-fn")
    assert code["CodeSha256"] == base64.b64encode(hashlib.sha256(new_code.getvalue()).digest()).decode()
    eb = boto3_client("elasticbeanstalk", env)
    (environment,) = eb.describe_environments(ApplicationName="release-test-web", EnvironmentNames=["release-test-web"])["Environments"]
    assert environment["VersionLabel"] == "2.0"
    (version,) = eb.describe_application_versions(ApplicationName="release-test-web", VersionLabels=["2.0"])["ApplicationVersions"]
    assert version["SourceBundle"] == {"S3Bucket": "release-artifacts", "S3Key": "web/2.0.zip"}

    bad = run_playbook(tree / "deploy.yml", inventory=tree / "inventories" / "test", env=env, cwd=tree,
                       tmp_dir=tmp_path / "deploy-bad", extra_vars={"envspec_version": "1.0; rm -rf /"},
                       extra_args=("--limit", "localhost"))
    assert not bad.succeeded and "Pass the version to release" in bad.failed_tasks[0].msg


def parse_environment_file(text: str) -> dict[str, str]:
    """A systemd EnvironmentFile of `NAME="value"` lines: inside double quotes, a backslash before
    one of \\ " $ ` stands for that character, and line breaks are part of the value."""
    values: dict[str, str] = {}
    i = 0
    while i < len(text):
        if text[i] == "#":
            i = text.index("\n", i) + 1
            continue
        name_end = text.index('="', i)
        name, i = text[i:name_end], name_end + 2
        out = []
        while text[i] != '"':
            if text[i] == "\\" and text[i + 1] in '\\"$`':
                out.append(text[i + 1])
                i += 2
            else:
                out.append(text[i])
                i += 1
        values[name] = "".join(out)
        assert text[i + 1] == "\n", f"garbage after the value of {name}"
        i += 2
    return values


def parse_exec_start(line: str) -> list[str]:
    """systemd's ExecStart: words, double-quoted with C escapes; `%%` is `%` and `$$` is `$`."""
    words, i = [], len("ExecStart=")
    while i < len(line):
        if line[i] == " ":
            i += 1
            continue
        word = []
        if line[i] == '"':
            i += 1
            while line[i] != '"':
                if line[i] == "\\":
                    word.append({"n": "\n", "t": "\t"}.get(line[i + 1], line[i + 1]))
                    i += 2
                else:
                    word.append(line[i])
                    i += 1
            i += 1
        else:
            while i < len(line) and line[i] != " ":
                word.append(line[i])
                i += 1
        words.append("".join(word).replace("%%", "%").replace("$$", "$"))
    return words


@pytest.mark.slow
def test_release_files_keep_every_value_and_secret_exactly(aws: dict[str, str], tmp_path: Path) -> None:
    """deploy.yml's environment file and systemd unit for an ec2 service, rendered by Ansible with
    hostile values and secrets read from the emulator (the hosts themselves cannot be emulated)."""
    graph = graphs_for(REPO / "examples" / "contract.yaml")["staging"]
    start = 'bin/xkit start --name "x y" $HOME %h \\ {{ 7 * 6 }}'
    hostile_env = {k: v for k, v in list(HOSTILE.items())[:-1]}  # all but LONG, to keep the file readable
    api = graph.node("services.api")
    environment = {**api.inputs["environment"], **hostile_env}
    api = dataclasses.replace(api, inputs={**api.inputs, "environment": environment, "release": {
        "artifact": "s3://xkit-releases/api/{version}.tar.gz", "start": start}})
    graph = dataclasses.replace(graph, nodes=tuple(api if n.address == api.address else n for n in graph.nodes))
    env = in_account(aws, graph.account_id, graph.region)
    secret_value = "s3cr3t \"with\" $dollar `tick` \\ {{ 7 * 6 }}\nsecond line"
    sm = boto3_client("secretsmanager", env)
    sm.create_secret(Name="xkit/staging/secret_key_base", SecretString=secret_value)

    # the secret RDS keeps the master password in, with characters a URL must escape
    password = "p%:/@#?&+ =w\"'d"
    db_secret = sm.create_secret(Name="rds!db-0000", SecretString=json.dumps({"username": "app", "password": password}))
    tree = write_tree(graph, tmp_path / "out")
    outputs = {"databases.main": {"host": "db.example.internal", "secret_arn": db_secret["ARN"]},
               "databases.reports": {"host": "reports.example.internal"}, "caches.sessions": {"host": "cache.example.internal"}}
    playbook = tree / "render_release_files.yml"
    playbook.write_text(textwrap.dedent(f"""\
        - name: Render the release files of services.api
          hosts: localhost
          gather_facts: false
          vars_files:
            - roles/ec2/defaults/main.yml
            - roles/ec2/vars/main.yml
          vars:
            ec2_address: services.api
            ec2_inputs: "{{{{ envspec_components['services.api'].inputs }}}}"
            envspec_version: "1.0"
          tasks:
            - name: Read the values the environment file needs, as deploy.yml does
              ansible.builtin.include_tasks: roles/ec2/tasks/deploy_values.yml
            - name: Write the environment file
              ansible.builtin.template:
                src: roles/ec2/templates/env.j2
                dest: {tmp_path}/api.env
                mode: "0600"
              no_log: true
            - name: Write the unit
              ansible.builtin.template:
                src: roles/ec2/templates/unit.j2
                dest: {tmp_path}/api.service
                mode: "0644"
        """))
    result = run_playbook(playbook, inventory=tree / "inventories" / "staging", env=env, cwd=tree,
                          tmp_dir=tmp_path / "render", extra_vars={"envspec_out": outputs})
    assert result.succeeded, result.summary()
    assert "s3cr3t" not in result.stdout + result.stderr and "p%:/" not in result.stdout + result.stderr  # no_log

    env_file = tmp_path / "api.env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    values = parse_environment_file(env_file.read_bytes().decode("utf-8"))  # keep \r
    assert values == {
        "DATABASE_URL": "postgres://app:p%25%3A%2F%40%23%3F%26%2B%20%3Dw%22%27d@db.example.internal:5432/main",
        "SECRET_KEY_BASE": secret_value,
        "UPLOADS_BUCKET": "xkit-staging-uploads",
        "SYNC_URL": "arn:aws:lambda:us-west-2:111111111111:function:xkit-staging-sync-worker",
        "REDIS_URL": "redis://cache.example.internal:6379",
        "JOBS_QUEUE_URL": "https://sqs.us-west-2.amazonaws.com/111111111111/xkit-staging-jobs",
        "REPORTS_URL": "mysql://app@reports.example.internal:3306/reports",
        "PORT": str(api.inputs["port"]),  # the deploy tells the app its port
        **hostile_env,
    }
    url = urllib.parse.urlsplit(values["DATABASE_URL"])  # what a database driver reads from it
    assert (urllib.parse.unquote(url.username or ""), urllib.parse.unquote(url.password or "")) == ("app", password)
    assert (url.hostname, url.port, url.path) == ("db.example.internal", 5432, "/main")
    unit = (tmp_path / "api.service").read_text(encoding="utf-8")
    (exec_start,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert parse_exec_start(exec_start) == ["/bin/sh", "-c", "exec " + start]
    assert "EnvironmentFile=/etc/envspec/xkit-staging-api.env" in unit
    assert "WorkingDirectory=/opt/xkit-staging-api/current" in unit


TRIGGER_SPEC = """\
envspec: 1
app: trig
environments:
  test:
    region: eu-west-1
    account_id: "444444444444"
queues:
  jobs:
    visibility_timeout_s: 60
  other:
    visibility_timeout_s: 60
services:
  fn:
    type: lambda
    runtime: python3.12
    handler: index.handler
    code: s3://trigger-artifacts/fn.zip
    timeout_s: 30
"""


@pytest.mark.slow
def test_a_queue_trigger_is_made_tagged_moved_and_removed(aws: dict[str, str], tmp_path: Path) -> None:
    """The lambda role's queue trigger against the emulator: created with the decided batch size and the
    component's tags (what Terraform finds it by), unchanged on a second run, moved when the spec names
    another queue (the former mapping goes), and gone when the spec drops it."""
    spec = tmp_path / "trigger.yaml"
    env: dict[str, str] = {}

    def run(trigger: str, label: str) -> tuple[ResourceGraph, list[dict[str, Any]]]:
        spec.write_text(TRIGGER_SPEC + trigger)
        graph = graphs_for(spec)["test"]
        if not env:
            env.update(in_account(aws, graph.account_id, graph.region))
            upload_code(graph, env)
        tree = write_tree(graph, tmp_path / label)
        made = provision(tree, graph, env, tmp_path, label)
        assert made.succeeded, made.summary()
        mappings = boto3_client("lambda", env).list_event_source_mappings(FunctionName=_function_arn(env))
        return graph, mappings["EventSourceMappings"]

    graph, (mapping,) = run("    queue: jobs\n    batch_size: 3\n", "first")
    assert mapping["EventSourceArn"] == graph.node("services.fn").inputs["trigger"]["event_source_arn"]
    assert (mapping["BatchSize"], mapping["State"]) == (3, "Enabled")
    (resource,) = [r for r in graph.node("services.fn").resources if r.key == "trigger"]
    assert boto3_client("lambda", env).list_tags(Resource=mapping["EventSourceMappingArn"])["Tags"] == resource.tags
    tagging = boto3_client("resourcegroupstaggingapi", env)
    found = tagging.get_resources(ResourceTypeFilters=["lambda:event-source-mapping"],
                                  TagFilters=[{"Key": k, "Values": [v]} for k, v in resource.lookup.tags.items()])
    assert [r["ResourceARN"].rsplit(":", 1)[1] for r in found["ResourceTagMappingList"]] == [mapping["UUID"]]

    again = provision(write_tree(graph, tmp_path / "again"), graph, env, tmp_path, "again")
    assert again.succeeded and again.changed == 0, again.summary()

    graph, (moved,) = run("    queue: other\n", "moved")
    assert moved["EventSourceArn"].endswith(":trig-test-other") and moved["BatchSize"] == 10
    assert moved["UUID"] != mapping["UUID"]

    _, left = run("", "removed")
    assert left == []


def _function_arn(env: Mapping[str, str]) -> str:
    return str(boto3_client("lambda", env).get_function(FunctionName="trig-test-fn")["Configuration"]["FunctionArn"])
