"""Run the recon playbooks in order against one fresh moto server, each twice; print timings and idempotence.

    .venv/bin/python -m tests.awsemu.recon.run_recon [-v] [--plain] [--endpoint=URL] [PLAYBOOK_GLOB ...]

--plain runs stock moto_server instead of the patched one (tests/awsemu/moto_patches.py).

Not a test (the recon results are written up in tests/awsemu/RECON.md); kept to re-run the recon after upgrades.
"""

from __future__ import annotations

import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import yaml

from tests.awsemu.ansible import run_playbook
from tests.awsemu.moto import aws_env, boto3_client, start_moto

HERE = Path(__file__).parent


def prepare(env: dict[str, str]) -> None:
    """What the recon playbooks expect to exist already (no Ansible module can request an ACM certificate)."""
    acm = boto3_client("acm", env)
    if not acm.list_certificates()["CertificateSummaryList"]:
        acm.request_certificate(DomainName="xkit.example.com", SubjectAlternativeNames=["*.xkit.example.com"])


def _odd_value() -> str:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
    return str(yaml.load((HERE / "vars.yml").read_text(), Loader=Loader)["odd_value"])


def verify(env: dict[str, str], outputs: str) -> list[str]:
    """Check with boto3 what the playbooks left behind; return the problems."""
    odd = _odd_value()
    problems: list[str] = []

    def check(what: str, ok: bool) -> None:
        print(f"    verify {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            problems.append(what)

    def tagmap(tags: list[dict[str, str]] | None) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in tags or []}

    ec2 = boto3_client("ec2", env)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:envspec:component", "Values": ["networks.main"]}])["Vpcs"][0]
    check("VPC tag byte for byte", tagmap(vpc.get("Tags"))["odd"] == odd)
    instances = [
        i
        for r in ec2.describe_instances(Filters=[{"Name": "tag:envspec:component", "Values": ["services.web"]}])["Reservations"]
        for i in r["Instances"]
    ]
    check("EC2 tag byte for byte", all(tagmap(i.get("Tags"))["odd"] == odd for i in instances))
    check("EC2 IMDSv2 required", all(i["MetadataOptions"]["HttpTokens"] == "required" for i in instances))
    vol_ids = [m["Ebs"]["VolumeId"] for i in instances for m in i["BlockDeviceMappings"]]
    vols = ec2.describe_volumes(VolumeIds=vol_ids)["Volumes"]
    check(f"EC2 root volumes encrypted ({len(vols)})", bool(vols) and all(v["Encrypted"] for v in vols))

    iam = boto3_client("iam", env)
    role = iam.get_role(RoleName="xkit-staging-web")["Role"]
    check("IAM role tag byte for byte", tagmap(role.get("Tags"))["odd"] == odd)

    elb = boto3_client("elbv2", env)
    lb = elb.describe_load_balancers(Names=["xkit-staging-web"])["LoadBalancers"][0]
    tg = elb.describe_target_groups(Names=["xkit-staging-web"])["TargetGroups"][0]
    tags = {d["ResourceArn"]: tagmap(d["Tags"]) for d in elb.describe_tags(ResourceArns=[lb["LoadBalancerArn"], tg["TargetGroupArn"]])["TagDescriptions"]}
    check("ALB and target group tags byte for byte", all(t["odd"] == odd for t in tags.values()))
    attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
    check("ALB idle timeout 120", attrs.get("idle_timeout.timeout_seconds") == "120")

    rds = boto3_client("rds", env)
    db = rds.describe_db_instances(DBInstanceIdentifier="xkit-staging-main")["DBInstances"][0]
    check("RDS storage encrypted, gp3", db["StorageEncrypted"] and db["StorageType"] == "gp3")
    check("RDS tag byte for byte", tagmap(db.get("TagList"))["odd"] == odd)
    sm = boto3_client("secretsmanager", env)
    secret_id = "xkit/staging/databases/main/master"
    versions = sm.list_secret_version_ids(SecretId=secret_id)["Versions"]
    check("DB secret written once (one version)", len(versions) == 1)
    password = json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])["password"]
    check("DB password never printed by ansible", password not in outputs)
    check("secret tag byte for byte", tagmap(sm.describe_secret(SecretId=secret_id).get("Tags"))["odd"] == odd)

    s3 = boto3_client("s3", env)
    bucket = "xkit-staging-uploads"
    check("S3 tag byte for byte", tagmap(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])["odd"] == odd)
    enc = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    check("S3 AES256", enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256")
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    check("S3 public access block all true", all(pab.values()))
    check("S3 lifecycle rules", len(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]) == 2)

    ssm = boto3_client("ssm", env)
    check("SSM value byte for byte", ssm.get_parameter(Name="/xkit/staging/web/ODD")["Parameter"]["Value"] == odd)

    lam = boto3_client("lambda", env)
    fn = lam.get_function(FunctionName="xkit-staging-report")
    check("Lambda env var byte for byte", fn["Configuration"]["Environment"]["Variables"]["ODD"] == odd)
    check("Lambda tag byte for byte", fn["Tags"]["odd"] == odd)
    logs = boto3_client("logs", env)
    lg_tags = logs.list_tags_log_group(logGroupName="/aws/lambda/xkit-staging-report")["tags"]
    check("log group tag byte for byte", lg_tags["odd"] == odd)
    events = boto3_client("events", env)
    targets = events.list_targets_by_rule(Rule="xkit-staging-report-schedule")["Targets"]
    check("schedule targets the unqualified function ARN", targets[0]["Arn"] == fn["Configuration"]["FunctionArn"])
    return problems


def main(argv: list[str]) -> int:
    flags = {a for a in argv if a.startswith("-")}
    patterns = [a for a in argv if not a.startswith("-")]
    playbooks = sorted(p for p in HERE.glob("[0-9]*.yml"))
    if patterns:
        playbooks = [p for p in playbooks if any(p.match(pat) for pat in patterns)]
    bad = 0
    outputs: list[str] = []
    endpoint = next((a.split("=", 1)[1] for a in flags if a.startswith("--endpoint=")), None)
    with tempfile.TemporaryDirectory(prefix="recon-") as tmp, ExitStack() as stack:
        if endpoint is None:  # a fresh server; --endpoint=URL reuses a running one (and its state)
            endpoint = stack.enter_context(start_moto(patched="--plain" not in flags, log_dir=Path(tmp))).endpoint
        env = aws_env(endpoint)
        prepare(env)
        for playbook in playbooks:
            runs = []
            for attempt in (1, 2):
                result = run_playbook(playbook, env=env, cwd=HERE, tmp_dir=Path(tmp) / f"{playbook.stem}-{attempt}")
                runs.append(result)
                outputs += [result.stdout, result.stderr]
                if not result.succeeded:
                    break
            line = " | ".join(
                f"run{i + 1}: rc={r.rc} changed={r.changed} failed={r.failed} {r.duration:.1f}s"
                for i, r in enumerate(runs)
            )
            print(f"{playbook.name}: {line}")
            for i, r in enumerate(runs):
                slow = [f"{t.task} {t.duration:.1f}s" for t in r.tasks if t.duration >= 2]
                if slow:
                    print(f"    run{i + 1} slow tasks: " + "; ".join(slow))
            last = runs[-1]
            if len(runs) == 2 and "-v" in flags:
                for t in last.changed_tasks:
                    print(f"    run2 changed {t.task}: {json.dumps(dict(t.result), default=str)[:3000]}")
            if not last.succeeded or (len(runs) == 2 and last.changed):
                bad += 1
                print("    " + last.summary().replace("\n", "\n    "))
        if not patterns:
            bad += len(verify(env, "\n".join(outputs)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
