"""The emulated-AWS harness itself: moto + ansible-playbook + ansible-lint, and that it can fail."""

from __future__ import annotations

import io
import json
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.awsemu.ansible import lint, run_playbook, syntax_check
from tests.awsemu.moto import MotoServer, NotLoopbackError, aws_env, boto3_client, require_loopback, start_moto

# A value that Ansible would template (and run a command for) unless it is marked !unsafe.
UNSAFE_VALUE = "{{ lookup('pipe','id') }} {% raw %}$(id) `id` 'q' \"dq\" \\ é"

BUCKET_PLAYBOOK = """\
- name: Emulated S3
  hosts: localhost
  gather_facts: false
  vars:
    odd_value: !unsafe '{unsafe}'
  tasks:
    - name: Create the bucket with tags
      amazon.aws.s3_bucket:
        name: envspec-harness-bucket
        state: present
        versioning: true
        tags:
          envspec:app: xkit
          envspec:owner: ansible
          odd: "{{{{ odd_value }}}}"
"""

GOOD_PLAYBOOK = """\
- name: Good
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Create a bucket
      amazon.aws.s3_bucket:
        name: good-bucket
        state: present
"""

# Parses, but an unknown module option, a non-boolean and a missing required-together option.
BAD_ARGS_PLAYBOOK = """\
- name: Bad arguments
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Bucket with an unknown option
      amazon.aws.s3_bucket:
        name: bad-bucket
        nonsense_option: 1
    - name: Target group health check without protocol
      community.aws.elb_target_group:
        name: tg
        protocol: HTTP
        port: 80
        vpc_id: vpc-123
        health_check_path: /health
        state: present
"""

BAD_SYNTAX_PLAYBOOK = """\
- name: Bad syntax
  hosts: localhost
  tasks:
    - name: Two modules in one task
      ansible.builtin.debug:
        msg: hi
      ansible.builtin.command: echo hi
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


# A stand-in for a wedged moto_server: it answers the readiness probe but never answers a reset.
WEDGED_SERVER = """\
import http.server, sys, time
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
    def do_POST(self):
        time.sleep(3600)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_a_server_that_does_not_reset_is_replaced(tmp_path: Path) -> None:
    import sys

    server = start_moto(log_dir=tmp_path, command=lambda port: [sys.executable, "-c", WEDGED_SERVER, str(port)])
    try:
        wedged, endpoint = server.process, server.endpoint
        with pytest.warns(UserWarning, match="did not reset .*started a new one"):
            fresh = server.fresh(timeout=1)
        assert fresh == server.endpoint != endpoint
        assert wedged.poll() is not None, "the wedged server is still running"
        assert server.process.poll() is None
    finally:
        server.stop()


def test_aws_env_refuses_non_loopback() -> None:
    for endpoint in ("http://127.0.0.1:5000", "http://localhost:1", "http://[::1]:9"):
        assert require_loopback(endpoint) == endpoint
    for endpoint in ("https://s3.amazonaws.com", "http://10.0.0.1:5000", "http://169.254.169.254", "file:///x"):
        with pytest.raises(NotLoopbackError):
            aws_env(endpoint)
    env = aws_env("http://127.0.0.1:5000", "eu-west-1", base={"AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "t"})
    assert "AWS_PROFILE" not in env and "AWS_SESSION_TOKEN" not in env
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"


@pytest.mark.slow
def test_s3_bucket_created_then_unchanged(aws: dict[str, str], tmp_path: Path) -> None:
    playbook = _write(tmp_path / "bucket.yml", BUCKET_PLAYBOOK.format(unsafe=UNSAFE_VALUE.replace("'", "''")))

    first = run_playbook(playbook, env=aws, cwd=tmp_path)
    assert first.succeeded, first.summary()
    assert first.changed > 0, first.summary()

    second = run_playbook(playbook, env=aws, cwd=tmp_path)
    assert second.succeeded, second.summary()
    assert second.changed == 0, second.summary()
    assert second.stats["localhost"].ok >= 1

    s3 = boto3_client("s3", aws)
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket="envspec-harness-bucket")["TagSet"]}
    assert tags == {"envspec:app": "xkit", "envspec:owner": "ansible", "odd": UNSAFE_VALUE}
    assert s3.get_bucket_versioning(Bucket="envspec-harness-bucket")["Status"] == "Enabled"


@pytest.mark.slow
def test_moto_patches_are_in_effect(aws: dict[str, str]) -> None:
    """The session server runs moto_patches.py; if a moto upgrade moved the patched code, this says so."""
    ec2 = boto3_client("ec2", aws)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    tag_spec = [{"ResourceType": "natgateway", "Tags": [{"Key": "k", "Value": "v"}]}]
    nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=eip, TagSpecifications=tag_spec)["NatGateway"]
    filters = [
        {"Name": "resource-id", "Values": [nat["NatGatewayId"]]},
        {"Name": "resource-type", "Values": ["natgateway"]},
    ]
    assert ec2.describe_tags(Filters=filters)["Tags"], "nat-gateway-tag-resource-type"

    elb = boto3_client("elbv2", aws)
    lb = elb.create_load_balancer(Name="patch-check", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    attrs = {a["Key"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb)["Attributes"]}
    assert {"idle_timeout.timeout_seconds", "routing.http2.enabled"} <= attrs, "alb-default-attributes"

    rds = boto3_client("rds", aws)
    rds.create_db_instance(
        DBInstanceIdentifier="patch-check",
        Engine="postgres",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        StorageType="gp3",
        MasterUsername="patch",
        MasterUserPassword="patch-check-password",
    )
    db = rds.describe_db_instances(DBInstanceIdentifier="patch-check")["DBInstances"][0]
    assert (db.get("StorageThroughput"), db.get("Iops")) == (125, 3000), "rds-gp3-baseline"

    image = ec2.describe_images(Owners=["amazon"])["Images"][0]
    root = {"DeviceName": image["RootDeviceName"], "Ebs": {"Encrypted": True, "VolumeType": "gp3"}}
    launched = ec2.run_instances(ImageId=image["ImageId"], MinCount=1, MaxCount=1, SubnetId=subnets[0], BlockDeviceMappings=[root])
    (mapping,) = launched["Instances"][0]["BlockDeviceMappings"]
    volume = ec2.describe_volumes(VolumeIds=[mapping["Ebs"]["VolumeId"]])["Volumes"][0]
    (from_ami,) = [m["Ebs"] for m in image["BlockDeviceMappings"] if m["DeviceName"] == image["RootDeviceName"]]
    assert (volume["Size"], volume["SnapshotId"], volume["Encrypted"]) == (from_ami["VolumeSize"], from_ami["SnapshotId"], True), (
        "ec2-root-volume-from-ami"
    )

    groups = [ec2.create_security_group(GroupName=f"patch-check-{i}", Description="d", VpcId=vpc)["GroupId"] for i in range(2)]
    pair = {"GroupId": groups[1], "Description": "from the other group"}
    ec2.authorize_security_group_ingress(GroupId=groups[0], IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [pair]}])
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [groups[0]]}])["SecurityGroupRules"]
    (ingress,) = [r for r in rules if not r["IsEgress"]]
    assert ingress.get("Description") == "from the other group", "security-group-rule-description"

    lam, iam = boto3_client("lambda", aws), boto3_client("iam", aws)
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    role = iam.create_role(RoleName="patch-check", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    lam.create_function(FunctionName="patch-check", Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": code.getvalue()})
    got = lam.get_function(FunctionName="patch-check")["Configuration"].get("LoggingConfig")
    assert got == {"LogFormat": "Text", "LogGroup": "/aws/lambda/patch-check"}, "lambda-logging-config"
    lam.update_function_configuration(FunctionName="patch-check", LoggingConfig={"LogGroup": "/envspec/patch-check"})
    got = lam.get_function_configuration(FunctionName="patch-check")["LoggingConfig"]
    assert got == {"LogFormat": "Text", "LogGroup": "/envspec/patch-check"}, "lambda-logging-config"


def test_cache_clusters_describe_their_nodes_and_go_when_deleted(aws: dict[str, str]) -> None:
    """elasticache-cluster-details: nodes with their endpoint, security groups, AWS's defaults; deleted is gone."""
    ec2, cache = boto3_client("ec2", aws), boto3_client("elasticache", aws)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="cache-check", Description="d", VpcId=vpc)["GroupId"]
    cache.create_cache_subnet_group(CacheSubnetGroupName="cache-check", CacheSubnetGroupDescription="d", SubnetIds=[subnet])
    cache.create_cache_cluster(
        CacheClusterId="cache-check", Engine="redis", EngineVersion="7.1", CacheNodeType="cache.t4g.micro",
        NumCacheNodes=1, CacheSubnetGroupName="cache-check", SecurityGroupIds=[group],
    )
    (cluster,) = cache.describe_cache_clusters(CacheClusterId="cache-check", ShowCacheNodeInfo=True)["CacheClusters"]
    (node,) = cluster["CacheNodes"]
    assert node["Endpoint"]["Port"] == 6379 and node["Endpoint"]["Address"].startswith("cache-check.")
    assert cluster["SecurityGroups"] == [{"SecurityGroupId": group, "Status": "active"}]
    assert cluster["CacheSecurityGroups"] == [] and cluster["PreferredAvailabilityZone"] == "us-east-1b"
    assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis7"
    assert (cluster["AutoMinorVersionUpgrade"], cluster["TransitEncryptionEnabled"]) == (True, False)
    cache.delete_cache_cluster(CacheClusterId="cache-check")
    with pytest.raises(ClientError, match="CacheClusterNotFound"):
        cache.describe_cache_clusters(CacheClusterId="cache-check")


def test_target_health_moves_through_initial_and_draining(aws: dict[str, str]) -> None:
    """elbv2-target-health-over-time: `initial` after registering, `draining` for the deregistration delay."""
    ec2, elb = boto3_client("ec2", aws), boto3_client("elbv2", aws)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]["InstanceId"]
    group = elb.create_target_group(Name="health-check", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=group, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "2"}]
    )

    def state() -> str:
        health = elb.describe_target_health(TargetGroupArn=group, Targets=[{"Id": instance}])
        return str(health["TargetHealthDescriptions"][0]["TargetHealth"]["State"])

    elb.register_targets(TargetGroupArn=group, Targets=[{"Id": instance}])
    assert state() == "initial", "elbv2-target-health-over-time"
    time.sleep(2.5)
    assert state() == "healthy"
    elb.deregister_targets(TargetGroupArn=group, Targets=[{"Id": instance}])
    assert state() == "draining", "elbv2-target-health-over-time"
    time.sleep(2.5)
    assert state() == "unused"


def test_sqs_redrive_policy_is_compact_json(aws: dict[str, str]) -> None:
    """sqs-redrive-policy-compact: a queue's RedrivePolicy reads back as compact JSON, as from AWS."""
    sqs = boto3_client("sqs", aws)
    dlq = sqs.create_queue(QueueName="redrive-check-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = f'{{"deadLetterTargetArn":"{arn}","maxReceiveCount":5}}'
    queue = sqs.create_queue(QueueName="redrive-check", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    assert got == policy, "sqs-redrive-policy-compact"

def test_the_tagging_api_lists_tagged_event_source_mappings(aws: dict[str, str]) -> None:
    """tagging-api-lists-event-source-mappings: GetResources finds a Lambda event source mapping by its
    tags, as resource type lambda:event-source-mapping, with the ARN that ends in its UUID."""
    lam, iam, sqs = boto3_client("lambda", aws), boto3_client("iam", aws), boto3_client("sqs", aws)
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    role = iam.create_role(RoleName="esm-check", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    function = lam.create_function(FunctionName="esm-check", Runtime="python3.12", Role=role, Handler="index.handler",
                                   Code={"ZipFile": code.getvalue()})["FunctionArn"]
    url = sqs.create_queue(QueueName="esm-check")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=queue, BatchSize=5)
    arn = mapping["EventSourceMappingArn"]
    assert arn.endswith(f":event-source-mapping:{mapping['UUID']}")
    lam.tag_resource(Resource=arn, Tags={"envspec:component": "services.esm-check"})
    tagging = boto3_client("resourcegroupstaggingapi", aws)
    found = tagging.get_resources(ResourceTypeFilters=["lambda:event-source-mapping"],
                                  TagFilters=[{"Key": "envspec:component", "Values": ["services.esm-check"]}])
    assert [(r["ResourceARN"], r["Tags"]) for r in found["ResourceTagMappingList"]] == [
        (arn, [{"Key": "envspec:component", "Value": "services.esm-check"}])
    ], "tagging-api-lists-event-source-mappings"
    functions = tagging.get_resources(ResourceTypeFilters=["lambda:function"])["ResourceTagMappingList"]
    assert arn not in [r["ResourceARN"] for r in functions]



def test_an_event_source_mapping_on_an_alias_keeps_the_alias(aws: dict[str, str]) -> None:
    """event-source-mapping-on-an-alias: a mapping made for (or moved to) a function's alias answers with
    the alias' ARN, after the alias moved to another version too, and is listed under it."""
    lam, iam, sqs = boto3_client("lambda", aws), boto3_client("iam", aws), boto3_client("sqs", aws)
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    role = iam.create_role(RoleName="alias-check", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    function = lam.create_function(FunctionName="alias-check", Runtime="python3.12", Role=role, Handler="index.handler",
                                   Code={"ZipFile": code.getvalue()}, Publish=True)["FunctionArn"]
    alias = lam.create_alias(FunctionName="alias-check", Name="live", FunctionVersion="1")["AliasArn"]
    assert alias == f"{function}:live"
    queues = [sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName=f"alias-check-{n}")["QueueUrl"],
                                       AttributeNames=["QueueArn"])["Attributes"]["QueueArn"] for n in (1, 2)]
    made = lam.create_event_source_mapping(FunctionName=alias, EventSourceArn=queues[0], BatchSize=5)
    moved = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=queues[1], BatchSize=5)
    lam.update_event_source_mapping(UUID=moved["UUID"], FunctionName=alias)
    lam.update_function_configuration(FunctionName="alias-check", Timeout=5)
    lam.update_alias(FunctionName="alias-check", Name="live", FunctionVersion=lam.publish_version(FunctionName="alias-check")["Version"])
    for mapping in (made, moved):
        assert lam.get_event_source_mapping(UUID=mapping["UUID"])["FunctionArn"] == alias, "event-source-mapping-on-an-alias"
    listed = lam.list_event_source_mappings(FunctionName=alias)["EventSourceMappings"]
    assert sorted(m["UUID"] for m in listed) == sorted([made["UUID"], moved["UUID"]])
    assert lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"] == []


def test_a_function_and_its_alias_have_a_policy_each(aws: dict[str, str]) -> None:
    """lambda-policy-per-qualifier: the same statement id on the function and on its alias are two
    statements of two policies; removing one (with or without `Qualifier`) leaves the other."""
    lam, iam = boto3_client("lambda", aws), boto3_client("iam", aws)
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    role = iam.create_role(RoleName="policy-check", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    function = lam.create_function(FunctionName="policy-check", Runtime="python3.12", Role=role, Handler="index.handler",
                                   Code={"ZipFile": code.getvalue()}, Publish=True)["FunctionArn"]
    lam.create_alias(FunctionName="policy-check", Name="live", FunctionVersion="1")
    grant = {"StatementId": "envspec-schedule", "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com"}
    lam.add_permission(FunctionName="policy-check", **grant)
    lam.add_permission(FunctionName="policy-check", Qualifier="live", **grant)

    def resources(**qualifier: str) -> list[str]:
        policy = json.loads(lam.get_policy(FunctionName="policy-check", **qualifier)["Policy"])
        return [statement["Resource"] for statement in policy["Statement"]]

    assert resources() == [function], "lambda-policy-per-qualifier"
    assert resources(Qualifier="live") == [f"{function}:live"]
    lam.remove_permission(FunctionName="policy-check", StatementId="envspec-schedule")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="policy-check")
    assert resources(Qualifier="live") == [f"{function}:live"]
    lam.remove_permission(FunctionName="policy-check", StatementId="envspec-schedule", Qualifier="live")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="policy-check", Qualifier="live")


def test_publishing_an_unchanged_function_gives_its_latest_version(aws: dict[str, str]) -> None:
    """No patch: moto publishes no version when nothing changed since the latest (AWS's rule, which the
    release relies on for a deploy of the same version to change nothing), a new one after a change, and
    keeps the versions before."""
    lam, iam = boto3_client("lambda", aws), boto3_client("iam", aws)
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    role = iam.create_role(RoleName="publish-check", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    assert lam.create_function(FunctionName="publish-check", Runtime="python3.12", Role=role, Handler="index.handler",
                               Code={"ZipFile": code.getvalue()}, Publish=True)["Version"] == "1"
    assert lam.publish_version(FunctionName="publish-check")["Version"] == "1"
    lam.update_function_configuration(FunctionName="publish-check", Environment={"Variables": {"A": "b"}})
    assert lam.publish_version(FunctionName="publish-check")["Version"] == "2"
    assert lam.publish_version(FunctionName="publish-check")["Version"] == "2"
    versions = lam.list_versions_by_function(FunctionName="publish-check")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    assert lam.get_function_configuration(FunctionName="publish-check", Qualifier="2")["Environment"]["Variables"] == {"A": "b"}

@pytest.mark.slow
def test_rds_managed_master_password_is_the_instances_own(aws: dict[str, str]) -> None:
    """rds-managed-secret-credentials: the managed secret holds the instance's master user and a
    password of its own (moto: "admin" and one constant for every instance)."""
    import json

    rds, sm = boto3_client("rds", aws), boto3_client("secretsmanager", aws)
    values = []
    for name in ("managed-check-1", "managed-check-2"):
        created = rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="postgres",
            DBInstanceClass="db.t4g.micro",
            AllocatedStorage=20,
            MasterUsername=f"user_{name[-1]}",
            ManageMasterUserPassword=True,
        )["DBInstance"]
        values.append(json.loads(sm.get_secret_value(SecretId=created["MasterUserSecret"]["SecretArn"])["SecretString"]))
    assert [v["username"] for v in values] == ["user_1", "user_2"], "rds-managed-secret-credentials"
    assert values[0]["password"] != values[1]["password"] and len(values[0]["password"]) >= 16, "rds-managed-secret-credentials"


def test_every_rds_instance_has_a_resource_id_of_its_own(aws: dict[str, str], moto_server: MotoServer) -> None:
    """rds-instance-resource-id-of-its-own: two instances in one account and region get different
    DbiResourceIds shaped like AWS's, and the `dbi-resource-id` filter (the AWS provider's wait after a
    modify) finds exactly one; a snapshot keeps its instance's id, a re-created instance gets a new one,
    and the same calls on an emptied emulator give the same ids (moto: one constant for every instance)."""
    import re

    def create(rds: Any, name: str, engine: str) -> str:
        created = rds.create_db_instance(DBInstanceIdentifier=name, Engine=engine, DBInstanceClass="db.t4g.micro",
                                         AllocatedStorage=20, MasterUsername="app", MasterUserPassword="resource-id-check")
        return str(created["DBInstance"]["DbiResourceId"])

    def two_instances(env: dict[str, str]) -> tuple[str, str]:
        rds = boto3_client("rds", env)
        return create(rds, "resource-id-pg", "postgres"), create(rds, "resource-id-mysql", "mysql")

    rds = boto3_client("rds", aws)
    first, second = ids = two_instances(aws)
    assert first != second, "rds-instance-resource-id-of-its-own"
    assert all(re.fullmatch(r"db-[A-Z2-7]{26}", i) for i in ids), ids
    for name, resource_id in zip(("resource-id-pg", "resource-id-mysql"), ids):
        found = rds.describe_db_instances(Filters=[{"Name": "dbi-resource-id", "Values": [resource_id]}])["DBInstances"]
        assert [d["DBInstanceIdentifier"] for d in found] == [name], "rds-instance-resource-id-of-its-own"
        assert rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DbiResourceId"] == resource_id

    snapshot = rds.create_db_snapshot(DBInstanceIdentifier="resource-id-pg", DBSnapshotIdentifier="resource-id-snap")["DBSnapshot"]
    assert snapshot["DbiResourceId"] == first
    rds.delete_db_instance(DBInstanceIdentifier="resource-id-pg", SkipFinalSnapshot=True)
    again = create(rds, "resource-id-pg", "postgres")
    assert again not in ids and re.fullmatch(r"db-[A-Z2-7]{26}", again)

    assert two_instances(aws_env(moto_server.fresh())) == ids


@pytest.mark.slow
def test_security_group_rules_with_a_group_peer_keep_their_description(aws: dict[str, str]) -> None:
    """security-group-rule-description: DescribeSecurityGroupRules returns the description of a rule
    whose peer is a group (moto: only of a rule with a CIDR range)."""
    ec2 = boto3_client("ec2", aws)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    group, peer = (ec2.create_security_group(GroupName=n, Description=n, VpcId=vpc)["GroupId"] for n in ("rules-a", "rules-b"))
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": peer, "Description": "From b"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.1.0.0/16", "Description": "From the VPC"}]},
    ])
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    described = {r["FromPort"]: r.get("Description") for r in rules if not r["IsEgress"]}
    assert described == {5432: "From b", 443: "From the VPC"}, "security-group-rule-description"


@pytest.mark.slow
def test_load_balancers_start_with_every_attribute_aws_gives_them(aws: dict[str, str]) -> None:
    """alb-more-default-attributes: keep-alive, connection logs, host header, X-Forwarded-For, zonal shift."""
    ec2, elb = boto3_client("ec2", aws), boto3_client("elbv2", aws)
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.2.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    lb = elb.create_load_balancer(Name="attrs-check", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb)["Attributes"]}
    assert {k: attrs.get(k) for k in ("client_keep_alive.seconds", "routing.http.xff_header_processing.mode",
                                      "zonal_shift.config.enabled")} == {
        "client_keep_alive.seconds": "3600", "routing.http.xff_header_processing.mode": "append",
        "zonal_shift.config.enabled": "false"}, "alb-more-default-attributes"


@pytest.mark.slow
def test_asking_rds_to_manage_a_managed_password_again_keeps_it(aws: dict[str, str]) -> None:
    """rds-manage-master-password-once: ManageMasterUserPassword=True on a managed instance keeps its secret."""
    rds = boto3_client("rds", aws)
    created = rds.create_db_instance(DBInstanceIdentifier="managed-once", Engine="postgres", DBInstanceClass="db.t4g.micro",
                                     AllocatedStorage=20, MasterUsername="app", ManageMasterUserPassword=True)["DBInstance"]
    rds.modify_db_instance(DBInstanceIdentifier="managed-once", ManageMasterUserPassword=True, ApplyImmediately=True)
    after = rds.describe_db_instances(DBInstanceIdentifier="managed-once")["DBInstances"][0]
    assert after["MasterUserSecret"]["SecretArn"] == created["MasterUserSecret"]["SecretArn"], "rds-manage-master-password-once"


@pytest.mark.slow
def test_an_instance_profile_takes_its_role_again_but_never_a_second(aws: dict[str, str]) -> None:
    """instance-profile-role-added-again: the same role again is a no-op (a retried request); another
    role is still refused with LimitExceeded, as AWS refuses it."""
    iam = boto3_client("iam", aws)
    trust = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
    for role in ("profile-role-a", "profile-role-b"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
    iam.create_instance_profile(InstanceProfileName="profile-once")
    iam.add_role_to_instance_profile(InstanceProfileName="profile-once", RoleName="profile-role-a")
    iam.add_role_to_instance_profile(InstanceProfileName="profile-once", RoleName="profile-role-a")
    with pytest.raises(iam.exceptions.LimitExceededException):
        iam.add_role_to_instance_profile(InstanceProfileName="profile-once", RoleName="profile-role-b")
    roles = iam.get_instance_profile(InstanceProfileName="profile-once")["InstanceProfile"]["Roles"]
    assert [role["RoleName"] for role in roles] == ["profile-role-a"], "instance-profile-role-added-again"


@pytest.mark.slow
def test_failing_task_is_reported(aws: dict[str, str], tmp_path: Path) -> None:
    playbook = _write(tmp_path / "fail.yml", BAD_ARGS_PLAYBOOK)
    result = run_playbook(playbook, env=aws, cwd=tmp_path)
    assert result.rc != 0
    assert result.stats["localhost"].failed == 1
    assert "nonsense_option" in result.failed_tasks[0].msg


@pytest.mark.slow
def test_syntax_check_passes_good_and_fails_bad(tmp_path: Path) -> None:
    assert syntax_check(_write(tmp_path / "good.yml", GOOD_PLAYBOOK)).rc == 0
    bad = syntax_check(_write(tmp_path / "bad.yml", BAD_SYNTAX_PLAYBOOK))
    assert bad.rc != 0
    assert "conflicting action statements" in bad.stderr


@pytest.mark.slow
def test_lint_passes_good_and_fails_bad(tmp_path: Path) -> None:
    _write(tmp_path / "good.yml", GOOD_PLAYBOOK)
    _write(tmp_path / "bad.yml", BAD_ARGS_PLAYBOOK)

    good = lint("good.yml", cwd=tmp_path)
    assert good.rc == 0 and not good.findings, good.summary()

    # With ansible-lint's default warn list the experimental `args` rule only warns ...
    relaxed = lint("bad.yml", cwd=tmp_path)
    assert relaxed.rc == 0, relaxed.summary()
    assert {f.rule for f in relaxed.warnings} == {"args[module]"}
    assert len(relaxed.warnings) == 2

    # ... and fails the run once `experimental` is taken off the warn list.
    strict = lint("bad.yml", cwd=tmp_path, warn=("jinja[spacing]", "fqcn[deep]"))
    assert strict.rc == 2, strict.summary()
    errors = sorted(strict.errors, key=lambda f: f.line or 0)
    assert [(f.rule, f.line) for f in errors] == [("args[module]", 5), ("args[module]", 9)], strict.summary()
    assert "nonsense_option" in errors[0].message
    assert "health_check_protocol" in errors[1].message


def test_a_tls_only_bucket_policy_lets_requests_in(aws: dict[str, str]) -> None:
    """policy-secure-transport: the TLS-only statement bootstrap.yml puts on its buckets denies nothing that
    AWS would let in over HTTPS (moto supplies no aws:SecureTransport and denied everything)."""
    import json

    s3 = boto3_client("s3", aws)
    s3.create_bucket(Bucket="tls-only")
    deny_plain_http = {
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::tls-only", "arn:aws:s3:::tls-only/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    s3.put_bucket_policy(Bucket="tls-only", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny_plain_http]}))
    s3.put_object(Bucket="tls-only", Key="state", Body=b"x")
    assert s3.head_object(Bucket="tls-only", Key="state")["ContentLength"] == 1, "policy-secure-transport"
    unconditional = {k: v for k, v in deny_plain_http.items() if k != "Condition"}
    s3.put_bucket_policy(Bucket="tls-only", Policy=json.dumps({"Version": "2012-10-17", "Statement": [unconditional]}))
    with pytest.raises(Exception, match="403|Forbidden|AccessDenied"):
        s3.head_object(Bucket="tls-only", Key="state")
