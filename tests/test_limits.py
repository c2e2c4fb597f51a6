"""AWS's apply-time limits, refused at validate time (issue 22, item 8).

The cron grammar (`envspec.core.model.schedule`) by properties: every expression built from the
grammar AWS documents validates, every field out of its range is refused at the schedule's
position. The checks of what the lowering derives (`envspec.core.limits`) at their boundaries:
the limit itself passes, one more is refused. The rules written in the models and the resolver
have their cases in tests/bad/ (test_bad_inputs.py) and a boundary here.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envspec.core import limits
from envspec.core.errors import SpecError
from envspec.core.ir import Attr, Interp, Node, Resource, ResourceGraph, SecurityGroup, SecurityGroupRule
from envspec.core.lower import lower
from envspec.core.model.schedule import CRON_FIELDS, DAYS, MONTHS, CronField, schedule_problem
from envspec.core.resolve import resolve
from envspec.core.resolved import ResolvedApp
from envspec.core.source import parse
from tests.strategies import examples

HEADER = """\
envspec: 1
app: demo
environments:
  staging:
    region: us-west-2
    account_id: "111111111111"
  production:
    region: eu-west-1
    account_id: "222222222222"
"""
LAMBDA = "type: lambda, runtime: python3.12, handler: index.handler, code: s3://demo-artifacts/fn.zip"
EC2 = "type: ec2, ami: ami-0123456789abcdef0, instance_type: t3.small"
DATABASE = "engine: postgres, version: '16.4', instance_class: db.t4g.medium"


def app(body: str) -> ResolvedApp:
    [resolved] = resolve([parse(HEADER + body, "s.yaml")])
    return resolved


def problems(body: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        app(body)
    return [str(d) for d in caught.value.diagnostics]


def node(address: str, kind: str, inputs: dict, resources: tuple[Resource, ...] = ()) -> Node:
    return Node(address, kind, "ansible", address.replace(".", "-"), {}, inputs, resources, ())


def graph(*nodes: Node) -> ResourceGraph:
    return ResourceGraph("demo", "staging", "us-west-2", "111111111111", "s.yaml", nodes)


def group(address: str) -> Resource:
    return Resource("sg", "aws_security_group", address, {})


# ---- the cron grammar ----------------------------------------------------------------------------------


def _value(field: CronField) -> st.SearchStrategy[str]:
    numbers = st.integers(field.low, field.high).map(str)
    return st.one_of(numbers, st.sampled_from(field.names).map(str.lower), st.sampled_from(field.names)) if field.names else numbers


def _item(field: CronField) -> st.SearchStrategy[str]:
    value = _value(field)
    base = st.one_of(st.just("*"), value, st.tuples(value, value).map("-".join))
    step = st.one_of(st.just(""), st.integers(1, field.most_step).map(lambda n: f"/{n}"))
    return st.tuples(base, step).map("".join)


def _field(field: CronField) -> st.SearchStrategy[str]:
    plain = st.lists(_item(field), min_size=1, max_size=3).map(",".join)
    if field.name == "day-of-month":
        return st.one_of(plain, st.sampled_from(["L", "LW"]), st.integers(1, 31).map(lambda n: f"{n}W"))
    if field.name == "day-of-week":
        return st.one_of(plain, st.just("L"), _value(field).map(lambda d: f"{d}L"),
                         st.tuples(_value(field), st.integers(1, 5)).map(lambda t: f"{t[0]}#{t[1]}"))
    return plain


@st.composite
def crons(draw: st.DrawFn) -> str:
    """A cron expression AWS accepts: any field as the grammar allows, `?` in exactly one of the days."""
    fields = [draw(_field(field)) for field in CRON_FIELDS]
    fields[draw(st.sampled_from([2, 4]))] = "?"
    return f"cron({' '.join(fields)})"


COLUMN = len("  nightly: {" + LAMBDA + ", schedule: ") + 1  # where the value starts


def _schedule_spec(schedule: str) -> str:
    return f"services:\n  nightly: {{{LAMBDA}, schedule: '{schedule}'}}\n"


@examples(dev=60, ci=600)
@given(crons())
def test_every_cron_expression_of_the_grammar_validates(expression: str) -> None:
    assert schedule_problem(expression) is None
    app(_schedule_spec(expression))


@examples(dev=60, ci=600)
@given(crons(), st.data())
def test_a_cron_field_out_of_range_is_refused_at_the_schedule(expression: str, data: st.DataObject) -> None:
    fields = expression[5:-1].split(" ")
    index = data.draw(st.sampled_from([i for i, f in enumerate(fields) if f != "?"]))
    field = CRON_FIELDS[index]
    above = st.integers(field.high + 1, field.high + 500)
    below = st.integers(max(0, field.low - 100), field.low - 1) if field.low > 0 else above
    wrong = data.draw(st.one_of(above, below))
    fields[index] = str(wrong)
    bad = f"cron({' '.join(fields)})"
    [line] = problems(_schedule_spec(bad))  # a SpecError: never another exception (exit 3)
    assert line.startswith(f"s.yaml:11:{COLUMN}: services.nightly.schedule: invalid schedule '{bad}': "), line
    assert f"the {field.name} field '{wrong}' is out of range: {field.name} are {field.values}" in line


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("cron(0 12 * * ? *)", None),
        ("cron(0/15 * ? * MON-FRI *)", None),
        ("cron(0 8 1W * ? 2030)", None),
        ("cron(0 8 ? JAN-MAR 6#3 *)", None),
        ("cron(0 8 ? * 6L *)", None),
        ("cron(59 23 L DEC ? 2199)", None),
        ("cron(60 * * * ? *)", "the minutes field '60' is out of range: minutes are 0-59"),
        ("cron(0 24 * * ? *)", "the hours field '24' is out of range: hours are 0-23"),
        ("cron(0 0 0 * ? *)", "the day-of-month field '0' is out of range: day-of-month are 1-31"),
        ("cron(0 0 * 13 ? *)", "the month field '13' is out of range: month are 1-12 or JAN-DEC"),
        ("cron(0 0 * JAM ? *)", "the month field 'JAM' is not valid: month are 1-12 or JAN-DEC"),
        ("cron(0 0 ? * 0 *)", "the day-of-week field '0' is out of range: day-of-week are 1-7 or SUN-SAT"),
        ("cron(0 0 * * ? 1969)", "the year field '1969' is out of range: year are 1970-2199"),
        ("cron(0 0 * * ? 2200)", "the year field '2200' is out of range: year are 1970-2199"),
        ("cron(0/60 * * * ? *)", "the minutes field '0/60' has a step of 60: minutes take steps of 1-59"),
        ("cron(? 0 * * ? *)", "the minutes field '?' cannot be `?`: only day-of-month or day-of-week can"),
        ("cron(0 0 ? * 2#6 *)", "the day-of-week field '2#6' takes N#K with N 1-7 or SUN-SAT and K 1-5"),
        ("cron(0 0 32W * ? *)", "the day-of-month field '32W' takes NW with N 1-31"),
        ("cron(0 0 L * 2 *)", "exactly one of day-of-month and day-of-week must be `?`"),
        ("cron(0 0 ? * ? *)", "exactly one of day-of-month and day-of-week must be `?`"),
        ("cron(*-5 0 * * ? *)", "the minutes field '*-5' is not valid: `*` cannot start a range"),
        ("rate(1 minutes)", "EventBridge wants rate(1 minute)"),
    ],
)
def test_cron_and_rate_as_aws_documents_them(expression: str, problem: str | None) -> None:
    found = schedule_problem(expression)
    assert found == problem if problem is None else (found is not None and found.startswith(problem)), found


def test_names_of_months_and_days_are_the_grammar_s() -> None:
    assert CRON_FIELDS[3].names == MONTHS and len(MONTHS) == 12
    assert CRON_FIELDS[4].names == DAYS and len(DAYS) == 7


# ---- what the lowering derives ----------------------------------------------------------------------------


def test_an_inline_policy_of_10240_characters_passes_and_one_more_is_refused() -> None:
    statement = {"sid": "S", "actions": ["s3:GetObject"], "resources": ["x"]}
    base = len(limits.policy_document([statement]))
    fits = {**statement, "resources": ["x" * (1 + limits.ROLE_INLINE_POLICY_CHARS - base)]}
    assert len(limits.policy_document([fits])) == limits.ROLE_INLINE_POLICY_CHARS
    assert not list(limits.inline_policy(node("services.a", "lambda", {"policy_statements": [fits]})))
    over = {**statement, "resources": [fits["resources"][0] + "x"]}
    [finding] = limits.inline_policy(node("services.a", "lambda", {"policy_statements": [over]}))
    assert "takes at least 10,241 characters" in finding.message and finding.field == ("env",)


def test_the_policy_is_counted_as_the_backends_write_it_without_whitespace() -> None:
    statements = [{"sid": "BucketsA", "actions": ["s3:GetObject", "s3:PutObject"],
                   "resources": ["arn:aws:s3:::a", Attr("databases.main", "secret_arn")]}]
    document = json.loads(limits.policy_document(statements))
    assert document == {"Version": "2012-10-17", "Statement": [
        {"Sid": "BucketsA", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::a", ""]}]}
    assert " " not in limits.policy_document(statements)


def _reaching(service: str, databases: list[str]) -> Node:
    """A service with the rules the lowering gives one that reaches `databases`: HTTPS out, and per
    database an ingress on its group and an egress on the service's."""
    own = SecurityGroup(service, "sg", "security_group_id")
    rules = [SecurityGroupRule("https", own, "egress", "tcp", 443, 443, "0.0.0.0/0", "HTTPS")]
    for address in databases:
        theirs = SecurityGroup(address, "sg", "security_group_id")
        rules += [SecurityGroupRule(address, theirs, "ingress", "tcp", 5432, 5432, own, f"From {service}"),
                  SecurityGroupRule(address, own, "egress", "tcp", 5432, 5432, theirs, f"To {address}")]
    return dataclasses.replace(node(service, "lambda", {}, (group(service),)), security_group_rules=tuple(rules))


def test_sixty_rules_on_a_group_pass_and_sixty_one_are_refused_inbound_and_outbound() -> None:
    database = node("databases.main", "database", {}, (group("databases.main"),))
    users = [_reaching(f"services.s{i}", ["databases.main"]) for i in range(61)]
    assert not list(limits.security_group_rules(graph(database, *users[:60])))
    [finding] = limits.security_group_rules(graph(database, *users))
    assert finding.address == "databases.main" and finding.message.startswith("61 inbound rules")

    databases = [node(f"databases.d{i}", "database", {}, (group(f"databases.d{i}"),)) for i in range(60)]
    addresses = [d.address for d in databases]
    # HTTPS and 59 databases: 60 outbound rules; HTTPS and 60: 61
    assert not list(limits.security_group_rules(graph(*databases, _reaching("services.s", addresses[:59]))))
    [finding] = limits.security_group_rules(graph(*databases, _reaching("services.s", addresses)))
    assert finding.address == "services.s" and finding.message.startswith("61 outbound rules")


@pytest.mark.parametrize("user", ["public ec2", "beanstalk", "private ec2"])
@pytest.mark.parametrize("prefix", range(16, 25))
def test_a_load_balancer_needs_subnets_of_at_least_27(prefix: int, user: str) -> None:
    service = {"public ec2": f"{{{EC2}, public: true}}", "private ec2": f"{{{EC2}}}",
               "beanstalk": "{type: beanstalk, platform: 64bit Amazon Linux 2023 v6.1.0 running Node.js 20}"}[user]
    body = f"network:\n  cidr: 10.20.0.0/{prefix}\nservices:\n  web: {service}\n"
    if prefix <= 23 or user == "private ec2":
        app(body)
        return
    [line] = problems(body)
    assert line.startswith(f"s.yaml:11:3: network.cidr: the public subnets are /{prefix + 4} (the /{prefix} VPC split in 16)")
    assert ("the app's load balancer" if user == "public ec2" else "services.web") in line
    assert line.endswith("(use a VPC block of /23 or larger)")


def test_beanstalk_properties_count_key_equals_value_up_to_4096_bytes() -> None:
    environment = {"A": "é" * 1000, "B": Interp(("x" * 2091, Attr("databases.main", "host")))}
    # A=(2 + 2,000 bytes) + B=(2 + 2,091) = 4,095; the host is not known: it counts as nothing
    assert not list(limits.beanstalk_properties(node("services.b", "beanstalk", {"environment": environment})))
    environment["C"] = ""  # "C=": 2 more bytes
    [finding] = limits.beanstalk_properties(node("services.b", "beanstalk", {"environment": environment}))
    assert "at least 4,097 bytes" in finding.message and finding.field == ("env",)


@pytest.mark.parametrize("key", ["Name", "aws:x", "elasticbeanstalk:team", "ElasticBeanstalk:Team"])
def test_reserved_tags_on_a_beanstalk_environment(key: str) -> None:
    resource = Resource("environment", "aws_elastic_beanstalk_environment", "e", {key: "v", "team": "a"})
    [finding] = limits.beanstalk_tags(node("services.b", "beanstalk", {}, (resource,)))
    assert finding.at == ("tags", key)
    other = Resource("bucket", "aws_s3_bucket", "b", {key: "v"})
    assert not list(limits.beanstalk_tags(node("buckets.b", "bucket", {}, (other,))))


def test_a_certificate_of_each_environment_s_region_and_account_passes() -> None:
    arn = "arn:aws:acm:${env.region}:${env.account_id}:certificate/0e3f5b7a-1111-2222-3333-444455556666"
    resolved = app(f"network:\n  cidr: 10.20.0.0/16\n  certificate_arn: {arn}\nservices:\n  web: {{{EC2}, public: true}}\n")
    for env in resolved.environments.values():
        assert not list(limits.certificate(env))
        assert not list(limits.check(lower(env), env))


def test_a_certificate_of_another_partition_is_refused() -> None:
    arn = "arn:aws-cn:acm:us-west-2:111111111111:certificate/0e3f5b7a-1111-2222-3333-444455556666"
    staging, production = sorted(problems(f"network:\n  cidr: 10.20.0.0/16\n  certificate_arn: {arn}\n"), key=len)
    assert staging.startswith("s.yaml:12:3: network.certificate_arn: the certificate is in partition aws-cn, not aws: ")
    assert staging.endswith("(in staging) (write arn:aws:acm:${env.region}:${env.account_id}:certificate/ID, or set it "
                            "per environment under `overrides`)")
    assert "partition aws-cn, not aws, region us-west-2, not eu-west-1, account 111111111111, not 222222222222" in production


# ---- rules of the kinds and the resolver ---------------------------------------------------------------------


def test_env_port_equal_to_port_or_on_a_worker_passes_and_an_override_that_splits_them_is_refused() -> None:
    net = "network:\n  cidr: 10.20.0.0/16\n"
    app(net + f"services:\n  api: {{{EC2}, port: 4000, env: {{PORT: '4000'}}}}\n")
    app(net + f"services:\n  worker: {{{EC2}, port: null, env: {{PORT: '9000'}}}}\n")
    api = f"  api: {{{EC2}, port: 4000, env: {{PORT: '4000'}}, overrides: {{production: {{port: 5000}}}}}}"
    [line] = problems(net + f"services:\n{api}\n")
    column = api.index("'4000'") + 1  # at the value of PORT
    assert line.startswith(f"s.yaml:13:{column}: services.api.env.PORT: in production: PORT is '4000' but the service's `port` is 5000")


def test_a_private_address_needs_a_user_in_the_vpc() -> None:
    body = (f"network:\n  cidr: 10.20.0.0/16\ndatabases:\n  main: {{{DATABASE}}}\n"
            f"services:\n  fn: {{{LAMBDA}, VPC env: {{DB: '${{databases.main.host}}', NAME: '${{databases.main.name}}'}}}}\n")
    app(body.replace("VPC", "vpc: true,"))
    [line] = problems(body.replace("VPC ", "overrides: {production: {vpc: true}}, "))
    assert line.startswith("s.yaml:15:"), line
    assert ": services.fn.env.DB: in staging: ${databases.main.host} is an address inside the app's VPC, and services.fn " in line
