"""AWS's naming rules for every name the lowering derives (envspec.core.aws_names), and the values
AWS's SDK lists offline (envspec.core.aws_values): instance types, Lambda runtimes.

The bad-input corpus (tests/bad/aws-name-*, unknown-instance-type, deprecated-lambda-runtime,
postgres-end-of-life, mysql-with-a-postgres-version) holds each case of issue 22 with its exact
message and position; here: the table's coverage, each rule on its own, and two properties: specs
whose names follow the README's rules derive only names AWS takes (checked against a second,
independent writing of the main rules), and a name that breaks a rule is refused at its line.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envspec.core import aws_names, aws_values
from envspec.core.aws_names import RULES, breaks
from envspec.core.errors import SpecError
from envspec.core.lower import lower
from envspec.core.model import Cache, Database
from envspec.core.resolve import resolve
from envspec.core.source import load, parse
from tests.strategies import APP_PREFIXES_RESERVED, PATH, dump, examples, specs

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted([*(ROOT / "specs").glob("*.yaml"), *(ROOT / "examples").glob("*.yaml")])

# ---- the table ------------------------------------------------------------------------------------


def test_every_resource_type_a_kind_can_emit_has_a_rule() -> None:
    source = "".join(p.read_text() for p in sorted((ROOT / "envspec/core/kinds").glob("*.py")))
    emitted = set(re.findall(r'"(aws_[a-z0-9_]+)"', source))
    assert len(emitted) >= 20
    assert emitted <= set(RULES), sorted(emitted - set(RULES))


def test_every_type_lowered_from_the_specs_and_examples_has_a_rule() -> None:
    types = set()
    for app in (a for spec in SPECS for a in resolve(load([spec]))):  # one at a time: two files share an app name
        for env in app.environments.values():
            types |= {resource.type for node in lower(env).nodes for resource in node.resources}
    assert len(types) >= 20 and types <= set(RULES), sorted(types - set(RULES))


def test_every_rule_cites_aws_documentation() -> None:
    for type_, rule in RULES.items():
        assert rule.url.startswith("https://docs.aws.amazon.com/"), type_
        assert rule.max_len >= rule.min_len >= 1, type_


REFUSED = [
    ("aws_db_instance", "shop--staging-main", "contain '--'"),
    ("aws_db_instance", "shop-staging-main-", "end with '-'"),
    ("aws_db_instance", "1shop-staging-main", "start with '1'"),
    ("aws_db_instance", "a" * 64, "64 characters"),
    ("aws_elasticache_cluster", "shop-staging-sessions-", "end with '-'"),
    ("aws_elasticache_cluster", "a" * 41, "41 characters"),
    ("aws_s3_bucket", "shop-staging-x-s3alias", "'-s3alias'"),
    ("aws_s3_bucket", "shop-staging-x--ol-s3", "'--ol-s3'"),
    ("aws_s3_bucket", "shop-staging-x--x-s3", "'--x-s3'"),
    ("aws_s3_bucket", "shop-staging-x--table-s3", "'--table-s3'"),
    ("aws_s3_bucket", "xn--shop-staging-x", "'xn--'"),
    ("aws_s3_bucket", "sthree-shop", "'sthree-'"),
    ("aws_s3_bucket", "amzn-s3-demo-shop", "'amzn-s3-demo-'"),
    ("aws_s3_bucket", "shop-", "end with '-'"),
    ("aws_s3_bucket", "shop..x", "'..'"),
    ("aws_s3_bucket", "192.168.1.1", "IP address"),
    ("aws_s3_bucket", "Shop", "contain 'S'"),
    ("aws_s3_bucket", "ab", "2 characters"),
    ("aws_security_group", "sg-shop-staging-api", "'sg-'"),
    ("aws_lb", "internal-x-staging", "'internal-'"),
    ("aws_lb", "shop-prod-", "end with '-'"),
    ("aws_lb", "a" * 33, "33 characters"),
    ("aws_lb_target_group", "shop-prod-api-", "end with '-'"),
    ("aws_elastic_beanstalk_environment", "shop-production-customer-dashboard-front", None),
    ("aws_elastic_beanstalk_environment", "shop-production-customer-dashboard-fronte", "41 characters"),
    ("aws_elastic_beanstalk_environment", "abc", "3 characters"),
    ("aws_iam_role", "a" * 65, "65 characters"),
    ("aws_lambda_function", "a" * 65, "65 characters"),
    ("aws_lambda_function", "a.b", "contain '.'"),
    ("aws_sqs_queue", "a" * 76 + ".fifo", "81 characters"),
    ("aws_sqs_queue", "a.b-dlq", "'.'"),
    ("aws_sqs_queue", "a-dlq.fifo", None),
    ("aws_ssm_parameter", "/ssm-tools/staging/key", "'ssm'"),
    ("aws_ssm_parameter", "/AWS-tools/staging/key", "'AWS'"),
    ("aws_ssm_parameter", "/tools/staging/key", None),
    ("aws_secretsmanager_secret", "tools/staging/key_1", None),
    ("aws_cloudwatch_event_rule", "a" * 65, "65 characters"),
    ("aws_vpc", "x" * 257, "257 characters"),
]


@pytest.mark.parametrize(("type_", "name", "broken"), REFUSED, ids=[f"{t}:{n[:30]}" for t, n, _ in REFUSED])
def test_each_rule(type_: str, name: str, broken: str | None) -> None:
    found = [b.rule for b in breaks(RULES[type_], name)]
    if broken is None:
        assert found == []
    else:
        assert any(broken in rule for rule in found), found


# ---- properties -------------------------------------------------------------------------------------

# The main rules written a second time, from the AWS documentation, as one expression each: what the
# table says in parts must come to the same.
ORACLES = {
    "aws_db_instance": r"(?!.*--)[a-zA-Z][a-zA-Z0-9-]{0,62}(?<!-)",
    "aws_elasticache_cluster": r"(?!.*--)[a-zA-Z][a-zA-Z0-9-]{0,39}(?<!-)",
    "aws_s3_bucket": r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?<!-s3alias)(?<!--ol-s3)",
    "aws_security_group": r"(?!sg-)[a-zA-Z0-9 ._:/()#,@\[\]+=&;{}!$*-]{1,255}",
    "aws_lb": r"(?!internal-)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?",
    "aws_lb_target_group": r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?",
    "aws_elastic_beanstalk_environment": r"[a-zA-Z0-9][a-zA-Z0-9-]{2,38}[a-zA-Z0-9]",
    "aws_iam_role": r"[\w+=,.@-]{1,64}",
    "aws_lambda_function": r"[a-zA-Z0-9_-]{1,64}",
    "aws_sqs_queue": r"[a-zA-Z0-9_-]{1,80}|[a-zA-Z0-9_-]{1,75}\.fifo",
}


@examples(dev=15, ci=150)
@given(specs())
def test_names_that_follow_the_readme_derive_only_names_aws_takes(spec: dict) -> None:
    [app] = resolve([parse(dump(spec), PATH)])  # the check passes: no false alarm
    for env in app.environments.values():
        graph = lower(env)
        named = [(r.type, r.name) for node in graph.nodes for r in node.resources]
        named += [("aws_s3_bucket", graph.state_bucket), ("aws_s3_bucket", graph.transfer_bucket)]
        for type_, name in named:
            assert breaks(RULES[type_], name) == [], (type_, name)
            if type_ in ORACLES:
                assert re.fullmatch(ORACLES[type_], name), (type_, name)


BROKEN_TEMPLATE = """\
envspec: 1
app: {app}
environments:
  staging: {{region: us-west-2, account_id: "111111111111"}}
  {env}: {{region: us-west-2, account_id: "222222222222"}}
network:
  cidr: 10.20.0.0/16
databases:
  {database}: {{engine: postgres, version: "16.4", instance_class: db.t4g.medium}}
buckets:
  {bucket}: {{}}
secrets:
  key: {{store: ssm}}
services:
  api: {{type: ec2, ami: ami-0123456789abcdef0, instance_type: t3.small, public: true, domain: api.example.com}}
"""
LINES = {"app": 2, "env": 5, "database": 9, "bucket": 11}
_word = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6).map(lambda w: "q" + w)
# (which name, how it breaks a rule): each gives a name the model takes and a derived name AWS refuses
_breakers = st.one_of(
    st.tuples(st.just("app"), _word.map(lambda w: w + "-")),
    st.tuples(st.just("app"), st.tuples(st.sampled_from([*APP_PREFIXES_RESERVED, "xn--"]), _word).map("".join)),
    st.tuples(st.just("env"), _word.map(lambda w: w + "-")),
    st.tuples(st.just("env"), st.tuples(_word, _word).map("--".join)),
    st.tuples(st.just("database"), _word.map(lambda w: w + "-")),
    st.tuples(st.just("database"), st.tuples(_word, _word).map("--".join)),
    st.tuples(st.just("bucket"), _word.map(lambda w: w + "-")),
    st.tuples(st.just("bucket"), st.tuples(_word, st.sampled_from(["-s3alias", "--ol-s3", "--x-s3", "--table-s3"]))
              .map("".join)),
)


@examples(dev=25, ci=300)
@given(_breakers)
def test_a_name_that_breaks_a_rule_is_refused_at_its_line(breaker: tuple[str, str]) -> None:
    which, name = breaker
    names = {"app": "shop", "env": "production", "database": "main", "bucket": "uploads", which: name}
    text = BROKEN_TEMPLATE.format(**names)
    with pytest.raises(SpecError) as caught:  # a SpecError is exit 1; anything else would be exit 3
        resolve([parse(text, PATH)])
    diagnostics = caught.value.diagnostics
    assert all(d.file == PATH and 1 <= d.line <= text.count("\n") and d.col >= 1 for d in diagnostics)
    assert LINES[which] in {d.line for d in diagnostics}, [str(d) for d in diagnostics]
    assert any(repr(name) in d.message for d in diagnostics if d.line == LINES[which])


# ---- botocore's lists --------------------------------------------------------------------------------


@pytest.mark.parametrize(("service", "shape"), [("ec2", "InstanceType"), ("lambda", "Runtime")])
def test_the_streamed_enumeration_is_the_whole_models(service: str, shape: str) -> None:
    whole = json.loads(gzip.decompress(aws_values._model_path(service).read_bytes()))["shapes"][shape]["enum"]
    assert aws_values._enum(service, shape) == tuple(whole)
    assert len(whole) > (1000 if service == "ec2" else 20)


def test_an_unknown_instance_type_gets_the_closest() -> None:
    assert aws_values.instance_type_problem("t3.medium") is None
    assert aws_values.instance_type_problem("t3.mediun") == ("unknown EC2 instance type 't3.mediun'",
                                                            "did you mean 't3.medium'?")


def test_the_deprecated_runtimes_are_lambdas_and_their_replacements_supported() -> None:
    runtimes = aws_values._enum("lambda", "Runtime")
    assert set(aws_values.DEPRECATED_RUNTIMES) <= set(runtimes)
    for old, new in aws_values.DEPRECATED_RUNTIMES.items():
        assert new in runtimes and aws_values.runtime_problem(new) is None, (old, new)
        assert aws_values.runtime_problem(old) == (
            f"Lambda runtime {old!r} is deprecated: AWS no longer creates functions with it", f"use {new}")
    for current in ("nodejs20.x", "nodejs22.x", "python3.12", "python3.13", "java21", "provided.al2023"):
        assert aws_values.runtime_problem(current) is None


def test_the_models_are_read_only_for_a_spec_that_has_such_fields(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from envspec.core.resolve import resolve\n"
        "from envspec.core.source import parse\n"
        "resolve([parse(open(sys.argv[1]).read(), 'x.yaml')])\n"
        "print('envspec.core.aws_values' in sys.modules)\n"
    )
    def run(spec: Path) -> str:
        return subprocess.run([sys.executable, "-c", code, str(spec)], capture_output=True, text=True, cwd=ROOT,
                              check=True).stdout.strip()

    without = tmp_path / "buckets.yaml"
    without.write_text('envspec: 1\napp: shop\nenvironments:\n  staging: {region: us-west-2, account_id: "111111111111"}\n'
                       "buckets:\n  uploads: {}\ndatabases: {}\n")
    assert run(without) == "False"
    assert run(ROOT / "specs/xkit.yaml") == "True"


# ---- engine versions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("engine", "version", "ok"), [
    ("postgres", "16.4", True), ("postgres", "17", True), ("postgres", "11.22", True), ("postgres", "9.6", False),
    ("postgres", "9.6.24", False), ("postgres", "10.21", False), ("postgres", "8.0.40", False),
    ("mysql", "8.0.40", True), ("mysql", "8.4.3", True), ("mysql", "5.7.44", True), ("mysql", "16.4", False),
    ("mysql", "8", False), ("mysql", "5.6.51", False),
])
def test_database_versions_rds_creates(engine: str, version: str, ok: bool) -> None:
    data = {"engine": engine, "version": version, "instance_class": "db.t4g.medium"}
    if ok:
        Database.model_validate(data)
    else:
        with pytest.raises(ValueError, match="RDS does not create"):
            Database.model_validate(data)


@pytest.mark.parametrize(("version", "ok"), [("7.1", True), ("6.2", True), ("5.0.6", True), ("7.2", False),
                                              ("16.4", False), ("6.1", False)])
def test_cache_versions_elasticache_creates(version: str, ok: bool) -> None:
    data = {"node_type": "cache.t4g.micro", "engine_version": version}
    if ok:
        Cache.model_validate(data)
    else:
        with pytest.raises(ValueError, match="ElastiCache does not create"):
            Cache.model_validate(data)


def test_the_check_is_registered() -> None:
    from envspec.core.checks import CHECK_MODULES

    assert aws_names.__name__ in CHECK_MODULES
