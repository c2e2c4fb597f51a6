"""The names AWS accepts, per resource type: every name the lowering derives is checked against them.

A derived name (`APP-ENV-NAME`, a kind's own, the state and transfer buckets) is made of the app's,
the environment's and the component's names, each valid alone, and the lowering's fixed parts; joined,
they may still break a rule of the resource type: app `shop-` gives the RDS identifier
`shop--staging-main` (two hyphens), a component `uploads-s3alias` a bucket name with a suffix S3
keeps for access points, app `sg-shop` security group names that start with `sg-` (EC2's prefix of
group ids), a Beanstalk service a 41-character environment name. AWS refuses each at apply time;
`check` finds them at validate time.

`RULES` is the table, one entry per resource type the kinds emit (`Resource.type`), each from AWS's
documentation (its `url`; the API references' text is also in botocore's models, which ship it). Names
the lowering shortens (`envspec.core.names.joined_name`: a prefix and a 6-character hash) are checked
as shortened: that is the name AWS sees.

A broken rule is reported where the fix is: at `app` when the app's name causes it (once, however
many components and environments derive such names), at the environment's key when the environment's
name does, else at the component (at its `name` field for a bucket named in the spec), with the
derived name in the hint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from envspec.core.checks import Finding

if TYPE_CHECKING:
    from envspec.core.ir import ResourceGraph
    from envspec.core.resolved import ResolvedComponent, ResolvedEnv


@dataclass(frozen=True)
class NameRule:
    """What AWS accepts as the name of one resource type."""

    what: str                      # "RDS DB instance identifier": the name's name, in words
    url: str                       # where AWS documents the rule
    max_len: int
    min_len: int = 1
    chars: str = ""                # the characters allowed, a regex class body ("" = no rule)
    chars_words: str = ""
    first: str = ""                # the first character, a regex class body ("" = no rule)
    first_words: str = ""
    last: str = ""                 # the last character, likewise
    last_words: str = ""
    double_hyphen: bool = True     # False: `--` is refused
    # Reserved parts of a name, and who reserves them for what.
    prefixes: Mapping[str, str] = field(default_factory=dict)
    suffixes: Mapping[str, str] = field(default_factory=dict)
    prefixes_ignore_case: bool = False  # and, for a path (`/a/b`), of its first level (SSM's rule)
    # Other shapes refused anywhere in the name: (regex, why).
    refused: tuple[tuple[str, str], ...] = ()


ALNUM_HYPHEN = "a-zA-Z0-9-"
LETTER = "a-zA-Z"
LETTER_OR_DIGIT = "a-zA-Z0-9"
# The Name tag of the objects named by it alone (a VPC, a subnet, an instance...): AWS's tag rule.
TAG_RULE_URL = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions"
TAG_CHARS = r"\w .:/=+\-@"


def _name_tag(what: str) -> NameRule:
    return NameRule(f"{what} (its Name tag)", TAG_RULE_URL, 256, chars=TAG_CHARS,
                    chars_words="a tag value takes letters, digits, spaces and _ . : / = + - @")


S3 = NameRule(
    "S3 bucket name",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    63, min_len=3,
    chars="a-z0-9.-", chars_words="a bucket name takes lowercase letters, digits, '.' and '-'",
    first="a-z0-9", first_words="a bucket name starts with a lowercase letter or a digit",
    last="a-z0-9", last_words="a bucket name ends with a lowercase letter or a digit",
    prefixes={"xn--": "S3 reserves", "sthree-": "S3 reserves", "amzn-s3-demo-": "S3 reserves"},
    suffixes={"-s3alias": "S3 reserves for access point aliases", "--ol-s3": "S3 reserves for Object Lambda "
              "access point aliases", ".mrap": "S3 reserves for Multi-Region Access Points",
              "--x-s3": "S3 reserves for directory buckets", "--table-s3": "S3 reserves for table buckets"},
    refused=((r"\.\.|\.-|-\.", "S3 refuses"), (r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$", "S3 refuses an IP address as")),
)
SECURITY_GROUP = NameRule(
    "security group name",
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
    255, chars=r"a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*",
    chars_words="a security group name takes letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
    prefixes={"sg-": "EC2 reserves for security group ids"},
)
LOAD_BALANCER = NameRule(
    "load balancer name",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
    32, chars=ALNUM_HYPHEN, chars_words="a load balancer name takes letters, digits and '-'",
    first=LETTER_OR_DIGIT, first_words="a load balancer name starts with a letter or digit",
    last=LETTER_OR_DIGIT, last_words="a load balancer name ends with a letter or digit",
    prefixes={"internal-": "Elastic Load Balancing reserves for the DNS names of internal load balancers"},
)
TARGET_GROUP = NameRule(
    "target group name",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
    32, chars=ALNUM_HYPHEN, chars_words="a target group name takes letters, digits and '-'",
    first=LETTER_OR_DIGIT, first_words="a target group name starts with a letter or digit",
    last=LETTER_OR_DIGIT, last_words="a target group name ends with a letter or digit",
)
IAM_CHARS = r"\w+=,.@-"
IAM_CHARS_WORDS = "IAM names take letters, digits and _+=,.@-"
RDS_IDENTIFIER = NameRule(
    "RDS DB instance identifier",
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    63, chars=ALNUM_HYPHEN, chars_words="an RDS identifier takes letters, digits and '-'",
    first=LETTER, first_words="an RDS identifier starts with a letter",
    last=LETTER_OR_DIGIT, last_words="an RDS identifier does not end with '-'",
    double_hyphen=False,
)
# ElastiCache's API reference now allows 50 characters; the lowering shortens cluster ids to 40
# (`envspec.core.kinds.cache.CLUSTER_ID_MAX`), the limit of every provider version it supports.
CACHE_CLUSTER = NameRule(
    "ElastiCache cluster id",
    "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheCluster.html",
    40, chars=ALNUM_HYPHEN, chars_words="a cluster id takes letters, digits and '-'",
    first=LETTER, first_words="a cluster id starts with a letter",
    last=LETTER_OR_DIGIT, last_words="a cluster id does not end with '-'",
    double_hyphen=False,
)
BEANSTALK_ENVIRONMENT = NameRule(
    "Elastic Beanstalk environment name",
    "https://docs.aws.amazon.com/elasticbeanstalk/latest/api/API_CreateEnvironment.html",
    40, min_len=4, chars=ALNUM_HYPHEN, chars_words="an environment name takes letters, digits and '-'",
    first=LETTER_OR_DIGIT, first_words="an environment name does not start with '-'",
    last=LETTER_OR_DIGIT, last_words="an environment name does not end with '-'",
)

RULES: Mapping[str, NameRule] = {
    "aws_s3_bucket": S3,
    "aws_security_group": SECURITY_GROUP,
    "aws_lb": LOAD_BALANCER,
    "aws_lb_target_group": TARGET_GROUP,
    "aws_db_instance": RDS_IDENTIFIER,
    "aws_db_subnet_group": NameRule(
        "DB subnet group name", "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html",
        255, chars=r"a-zA-Z0-9._ -", chars_words="a DB subnet group name takes letters, digits, spaces and . _ -",
        first=LETTER, first_words="a DB subnet group name starts with a letter",
    ),
    "aws_elasticache_cluster": CACHE_CLUSTER,
    "aws_elasticache_subnet_group": NameRule(
        "cache subnet group name",
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html",
        255, chars=ALNUM_HYPHEN, chars_words="a cache subnet group name takes letters, digits and '-'",
    ),
    "aws_elastic_beanstalk_environment": BEANSTALK_ENVIRONMENT,
    "aws_elastic_beanstalk_application": NameRule(
        "Elastic Beanstalk application name",
        "https://docs.aws.amazon.com/elasticbeanstalk/latest/api/API_CreateApplication.html", 100,
    ),
    "aws_iam_role": NameRule(
        "IAM role name", "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
        64, chars=IAM_CHARS, chars_words=IAM_CHARS_WORDS,
    ),
    "aws_iam_instance_profile": NameRule(
        "IAM instance profile name",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html",
        128, chars=IAM_CHARS, chars_words=IAM_CHARS_WORDS,
    ),
    "aws_lambda_function": NameRule(
        "Lambda function name", "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
        64, chars=r"a-zA-Z0-9_-", chars_words="a function name takes letters, digits, '-' and '_'",
    ),
    "aws_cloudwatch_log_group": NameRule(
        "log group name", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
        512, chars=r"a-zA-Z0-9._/#-", chars_words="a log group name takes letters, digits and . _ / # -",
    ),
    "aws_cloudwatch_event_rule": NameRule(
        "EventBridge rule name", "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
        64, chars=r"a-zA-Z0-9._-", chars_words="a rule name takes letters, digits and . _ -",
    ),
    "aws_sqs_queue": NameRule(
        "SQS queue name", "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
        80, chars=r"a-zA-Z0-9_.-", chars_words="a queue name takes letters, digits, '-' and '_' (and '.fifo' at the end)",
        refused=((r"\.(?!fifo$)", "SQS allows '.' only in the '.fifo' suffix, so it refuses"),),
    ),
    "aws_secretsmanager_secret": NameRule(
        "Secrets Manager secret name",
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
        512, chars=r"a-zA-Z0-9/_+=.@-", chars_words="a secret name takes letters, digits and /_+=.@-",
    ),
    "aws_ssm_parameter": NameRule(
        "SSM parameter name", "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
        1011 - len("arn:aws:ssm:ap-southeast-5:111122223333:parameter/"), chars=r"a-zA-Z0-9_./-",
        chars_words="a parameter name takes letters, digits and _ . - /",
        prefixes={"aws": "SSM reserves (in any case)", "ssm": "SSM reserves (in any case)"},
        prefixes_ignore_case=True,
    ),
    **{
        type_: _name_tag(what) for type_, what in {
            "aws_vpc": "VPC", "aws_subnet": "subnet", "aws_internet_gateway": "internet gateway",
            "aws_eip": "Elastic IP", "aws_nat_gateway": "NAT gateway", "aws_route_table": "route table",
            "aws_instance": "EC2 instance", "aws_lb_listener_rule": "listener rule",
            "aws_lambda_event_source_mapping": "event source mapping",
        }.items()
    },
}


class Break(NamedTuple):
    """A rule a name breaks: in words for "the name would ...", how to mend it ("a name that ..."),
    and which characters of the name cause it (start, end; None: the whole name)."""

    rule: str
    fix: str
    at: tuple[int, int] | None


def breaks(rule: NameRule, name: str) -> list[Break]:
    """Every rule of `rule` that `name` breaks (empty: AWS accepts it)."""
    found: list[Break] = []
    if len(name) > rule.max_len or len(name) < rule.min_len:
        found.append(Break(
            f"be {len(name)} characters long, and AWS allows {rule.min_len} to {rule.max_len}",
            f"is shorter by {len(name) - rule.max_len}" if len(name) > rule.max_len else "is longer",
            None,
        ))
    if rule.chars and (bad := re.search(f"[^{rule.chars}]", name)):
        found.append(Break(f"contain {bad.group()!r}: {rule.chars_words}", f"has no {bad.group()!r}", bad.span()))
    if rule.first and name and not re.match(f"[{rule.first}]", name):
        found.append(Break(f"start with {name[0]!r}: {rule.first_words}", f"does not start with {name[0]!r}", (0, 1)))
    if rule.last and name and not re.match(f"[{rule.last}]", name[-1]):
        found.append(Break(f"end with {name[-1]!r}: {rule.last_words}", f"does not end with {name[-1]!r}", _last(name)))
    if not rule.double_hyphen and (at := name.find("--")) >= 0:
        found.append(Break("contain '--', which AWS refuses in this name", "has no '--' and does not end with '-'", (at, at + 2)))
    found.extend(_reserved(rule, name))
    return found


def _reserved(rule: NameRule, name: str) -> Iterator[Break]:
    # A hierarchical SSM name's rule is its first level's: `/ssm-x/...` starts with `ssm` as `ssm-x` does.
    skip = 1 if rule.prefixes_ignore_case and name.startswith("/") else 0
    written = name[skip:].lower() if rule.prefixes_ignore_case else name
    for prefix, why in rule.prefixes.items():
        if written.startswith(prefix):
            yield Break(f"start with {name[skip:skip + len(prefix)]!r}, which {why}", f"does not start with {prefix!r}",
                        (skip, skip + len(prefix)))
    for suffix, why in rule.suffixes.items():
        if name.endswith(suffix):
            yield Break(f"end with {suffix!r}, which {why}", f"does not end with {suffix!r}", _last(name))
    for pattern, why in rule.refused:
        if bad := re.search(pattern, name):
            yield Break(f"contain {bad.group()!r}, which {why} in a name", f"has no {bad.group()!r}", bad.span())


def _last(name: str) -> tuple[int, int]:
    """The span of a name's last character: a suffix is the last part's (or the lowering's)."""
    return (len(name) - 1, len(name))


# ---- the check ----------------------------------------------------------------------------------


def check(graph: ResourceGraph, env: ResolvedEnv) -> Iterable[Finding]:
    """A finding for each rule a derived name breaks, at the part of the spec that causes it (each
    once per environment: an app's name breaks the rule of every component's security group alike)."""
    found: dict[tuple[str, str, tuple[str | int, ...]], Finding] = {}
    for finding in _findings(graph, env):
        found.setdefault((finding.address, finding.message, finding.field), finding)
    return list(found.values())


def _findings(graph: ResourceGraph, env: ResolvedEnv) -> Iterator[Finding]:
    for bucket, whose in ((graph.state_bucket, "the Terraform state bucket's"),
                          (graph.transfer_bucket, "the Ansible file-transfer bucket's")):
        for broken in breaks(S3, bucket):
            yield _blamed(env, None, "aws_s3_bucket", S3, bucket, broken, whose=whose)
    for node in graph.nodes:
        component = env.components.get(node.address)
        for resource in node.resources:
            rule = RULES.get(resource.type)
            if rule is None:  # a type of a new kind: tests/test_aws_names.py asks every type to be here
                continue
            for broken in breaks(rule, resource.name):
                yield _blamed(env, component, resource.type, rule, resource.name, broken)


def _blamed(env: ResolvedEnv, component: ResolvedComponent | None, type_: str, rule: NameRule, name: str,
            broken: Break, whose: str = "") -> Finding:
    """The finding of one broken rule, at what causes it: the app's name, the environment's, the
    component's (or a bucket's own `name`), or, for a rule of the whole name, the component."""
    part = _cause(env, component, name, broken.at)
    if component is None and part not in ("app", "env"):
        part = "app"  # the graph's own buckets are derived from the app and environment only
    what = f"{rule.what} ({type_})"
    if part == "app":
        return Finding("app", f"app name {env.app!r} makes {whose or 'every'} {what} {broken.rule}",
                       f"rename the app to one that {broken.fix}; {name!r} is derived from it")
    if part == "env":
        return Finding(f"environments.{env.env}",
                       f"environment name {env.env!r} makes {whose or 'every'} {what} {broken.rule}",
                       f"rename the environment to one that {broken.fix}; {name!r} is derived from it")
    assert component is not None
    if part == "field":
        return Finding(component.address, f"its {what} {name!r} would {broken.rule}",
                       f"choose a name that {broken.fix}", field=("name",))
    if part == "component":
        return Finding(component.address, f"component name {component.name!r} makes its {what} {broken.rule}",
                       f"rename {component.address} to one that {broken.fix}; {name!r} is derived from it")
    return Finding(component.address, f"its {what} {name!r} would {broken.rule}", _whole_hint(env, component, rule, name))


def _whole_hint(env: ResolvedEnv, component: ResolvedComponent, rule: NameRule, name: str) -> str:
    if len(name) > rule.max_len:
        return (f"shorten the app ({len(env.app)} characters), environment ({len(env.env)}) or component name "
                f"({len(component.name)}) by {len(name) - rule.max_len} in all: {name!r} is derived from them")
    return f"rename {component.address}, the environment or the app: {name!r} is derived from them"


def _cause(env: ResolvedEnv, component: ResolvedComponent | None, name: str, at: tuple[int, int] | None) -> str | None:
    """Which name written in the spec holds the characters `at` of a derived name (the first that
    does): "app", "env", "component" or "field" (a bucket's own `name`); None for a rule of the whole
    name, or characters only the lowering adds."""
    if at is None:
        return None
    if component is not None and getattr(component.model, "name", None) == name:
        return "field"
    start = 0
    for part, written in (("app", env.app), ("env", env.env), ("component", component.name if component else "")):
        found = name.find(written, start) if written else -1
        if found < 0:
            continue
        if found < at[1] and at[0] < found + len(written):
            return part
        start = found + len(written)
    return None
