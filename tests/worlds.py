"""Worlds on the emulator: Ansible trees written, provisioned and read back, shared by the slow tests.

- `CASES`: every environment of every spec under examples/ and specs/; `SPEC_AMIS`, the AMIs they
  launch (the emulator describes them: tests/awsemu/moto_extensions.py).
- `write_tree`, `provision`, `provision_twice`: the Ansible backend's output, run against the emulator
  (`variant` first creates, as Ansible, what another tool owns and an Ansible-owned component reads).
- `Emulator`: what exists in one account and region, by IR resource type; `check_against_graph` compares
  it with the graph.
- `parse_environment_file`, `parse_exec_start`: what an ec2 host's release files say.
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from envspec.core.ir import Node, ResourceGraph
from envspec_ansible import AnsibleBackend, provision_lookups
from tests.awsemu.ansible import ANSIBLE_PLAYBOOK, Result, ansible_env, run_playbook
from tests.awsemu.moto import boto3_client, in_account
from tests.graphs import EXAMPLES, REPO, SPECS, graphs_for

# (world, step, seconds) of every provision.yml run, printed at the end of the modules that provision.
TIMINGS: list[tuple[str, str, float]] = []


# ---- graphs and trees -------------------------------------------------------------------------------


def case_name(path: Path) -> str:
    top = REPO / "examples" if path.is_relative_to(REPO / "examples") else path.parent
    return "-".join(path.relative_to(top).with_suffix("").parts)


CASES = [(case_name(p), p, env) for p in [*EXAMPLES, *SPECS] for env in graphs_for(p)]
# The AMIs the ec2 services of every case launch: the emulator has them (tests/awsemu/moto_extensions.py).
# The one case tests/test_real_harness.py applies with the real provider; tests/test_real_apply.py applies the others.
HARNESS_CASE = ("minimal", REPO / "examples" / "minimal.yaml", "dev")
SPEC_AMIS = tuple(sorted({str(n.inputs["ami"]) for _, spec, env in CASES for n in graphs_for(spec)[env].nodes if n.kind == "ec2"}))


def shape(graph: ResourceGraph) -> tuple[Any, ...]:
    """What decides which tasks provision.yml runs for `graph`, without the values they run with: each
    component's address, kind and owner, the types of its resources, and its inputs with every scalar
    replaced by its type and every list by the set of its items' shapes (two hosts or four, one NAT
    gateway or three: the same tasks in the same loops). Environments of one spec usually differ in
    values only (sizes, counts, names); one whose shape differs (a bucket with an expiry rule in
    production only, say) takes other paths through the roles."""

    def of(value: Any) -> Any:
        if isinstance(value, Mapping):
            return tuple(sorted((str(k), of(v)) for k, v in value.items()))
        if isinstance(value, (list, tuple)):
            return ("list", tuple(sorted({repr(of(v)) for v in value})))
        return type(value).__name__

    return tuple(
        (n.address, n.kind, n.owner, tuple(sorted({r.type for r in n.resources})), of(dict(n.inputs)))
        for n in graph.nodes
    )


def distinct_shapes(cases: list[tuple[str, Path, str]]) -> list[tuple[str, Path, str]]:
    """The cases to provision: of the environments of one spec that have the same `shape`, the first."""
    seen: set[tuple[Path, tuple[Any, ...]]] = set()
    out = []
    for case, spec, env in cases:
        key = (spec, shape(graphs_for(spec)[env]))
        if key not in seen:
            seen.add(key)
            out.append((case, spec, env))
    return out


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


def provision(
    tree: Path, graph: ResourceGraph, env: Mapping[str, str], tmp: Path, label: str, strategy: str | None = None
) -> Result:
    result = run_playbook(
        tree / "provision.yml",
        inventory=tree / "inventories" / graph.env,
        env=env,
        cwd=tree,
        tmp_dir=tmp / f"ansible-{label}",
        strategy=strategy,
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


def tag_dict(items: Any) -> dict[str, str]:
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
            tags = tag_dict(item.get("Tags"))
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
        return {g["GroupName"]: tag_dict(g.get("Tags")) for g in groups if g["GroupName"] != "default"}

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
        return {r["RoleName"]: tag_dict(iam.list_role_tags(RoleName=r["RoleName"])["Tags"]) for r in roles}

    def _profiles(self) -> dict[str, dict[str, str]]:
        iam = self.client("iam")
        profiles = iam.list_instance_profiles()["InstanceProfiles"]
        # moto has no ListInstanceProfileTags; GetInstanceProfile returns the tags too
        return {
            p["InstanceProfileName"]: tag_dict(iam.get_instance_profile(InstanceProfileName=p["InstanceProfileName"])["InstanceProfile"].get("Tags"))
            for p in profiles
        }

    def _secrets(self) -> dict[str, dict[str, str]]:
        # A secret another AWS service owns (OwningService: RDS's for a managed master password)
        # is that service's, not the app's.
        secrets = self.client("secretsmanager").list_secrets()["SecretList"]
        return {s["Name"]: tag_dict(s.get("Tags")) for s in secrets if not s.get("OwningService")}

    def _parameters(self) -> dict[str, dict[str, str]]:
        ssm = self.client("ssm")
        return {
            p["Name"]: tag_dict(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=p["Name"])["TagList"])
            for p in ssm.describe_parameters()["Parameters"]
        }

    def _buckets(self) -> dict[str, dict[str, str]]:
        s3 = self.client("s3")
        out = {}
        for bucket in s3.list_buckets()["Buckets"]:
            try:
                out[bucket["Name"]] = tag_dict(s3.get_bucket_tagging(Bucket=bucket["Name"])["TagSet"])
            except s3.exceptions.ClientError:
                out[bucket["Name"]] = {}
        return out

    def _queues(self) -> dict[str, dict[str, str]]:
        sqs = self.client("sqs")
        urls = sqs.list_queues().get("QueueUrls", [])
        return {url.rsplit("/", 1)[1]: tag_dict(sqs.list_queue_tags(QueueUrl=url).get("Tags")) for url in urls}

    def _db_subnet_groups(self) -> dict[str, dict[str, str]]:
        rds = self.client("rds")
        groups = rds.describe_db_subnet_groups()["DBSubnetGroups"]
        return {
            g["DBSubnetGroupName"]: tag_dict(rds.list_tags_for_resource(ResourceName=g["DBSubnetGroupArn"])["TagList"])
            for g in groups if g["DBSubnetGroupName"] != "default"
        }

    def _db_instances(self) -> dict[str, dict[str, str]]:
        instances = self.client("rds").describe_db_instances()["DBInstances"]
        return {i["DBInstanceIdentifier"]: tag_dict(i.get("TagList")) for i in instances}

    def _cache_subnet_groups(self) -> dict[str, dict[str, str]]:
        cache = self.client("elasticache")
        groups = cache.describe_cache_subnet_groups()["CacheSubnetGroups"]
        return {g["CacheSubnetGroupName"]: tag_dict(cache.list_tags_for_resource(ResourceName=g["ARN"])["TagList"]) for g in groups}

    def _cache_clusters(self) -> dict[str, dict[str, str]]:
        cache = self.client("elasticache")
        clusters = cache.describe_cache_clusters()["CacheClusters"]
        return {c["CacheClusterId"]: tag_dict(cache.list_tags_for_resource(ResourceName=c["ARN"])["TagList"]) for c in clusters}

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
        return {r["Name"]: tag_dict(events.list_tags_for_resource(ResourceARN=r["Arn"])["Tags"]) for r in rules}

    def _eb_apps(self) -> dict[str, dict[str, str]]:
        eb = self.client("elasticbeanstalk")
        apps = eb.describe_applications()["Applications"]
        return {a["ApplicationName"]: tag_dict(eb.list_tags_for_resource(ResourceArn=a["ApplicationArn"])["ResourceTags"]) for a in apps}

    def _eb_envs(self) -> dict[str, dict[str, str]]:
        eb = self.client("elasticbeanstalk")
        envs = eb.describe_environments()["Environments"]
        return {e["EnvironmentName"]: tag_dict(eb.list_tags_for_resource(ResourceArn=e["EnvironmentArn"])["ResourceTags"]) for e in envs}


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


def provision_twice(aws: Mapping[str, str], graph: ResourceGraph, tmp: Path, strategy: str | None = None) -> Run:
    """Provision `graph` (after its `variant`), then again: the second run must change nothing.
    `strategy`: Ansible's, the suite's unless given (tests/awsemu/ansible.py)."""
    env = in_account(aws, graph.account_id, graph.region)
    import_certificates(graph, env)
    fixtures = {"aws_s3_bucket": upload_code(graph, env)}
    provisioned = [n for n in graph.nodes if n.owner == "ansible"]
    before = variant(graph)
    if before is not None:
        made = provision(write_tree(before, tmp / "variant"), before, env, tmp, "variant", strategy)
        assert made.succeeded, made.summary()
        provisioned += [n for n in before.nodes if graph.node(n.address).owner != "ansible"]
    tree = write_tree(graph, tmp / "out")
    first = provision(tree, graph, env, tmp, "first run", strategy)
    assert first.succeeded, first.summary()
    second = provision(tree, graph, env, tmp, "second run", strategy)
    assert second.succeeded, second.summary()
    assert second.changed == 0, "the second run changed something:\n" + second.summary() + "".join(
        f"\n{t.task}: {json.dumps(dict(t.result), default=str)[:3000]}" for t in second.changed_tasks
    )
    return Run(graph, env, tree, first, second, provisioned, fixtures)


# ---- files an ec2 host gets ------------------------------------------------------------------------


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
