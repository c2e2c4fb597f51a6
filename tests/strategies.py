"""Hypothesis strategies shared by the property tests: valid specs of every kind and option, and
mutations of them.

`specs()` draws a valid spec (as plain data) that uses every component kind and every option the
model has: a network with each NAT mode, 1..6 zones, with or without a certificate; secrets in
both stores; buckets with every option; databases of both engines with every field; queues standard
and FIFO, with and without a dead-letter queue; ec2 services
public and private, with a domain, a release and 0..n instances; beanstalk; lambda with and
without a schedule (rate and cron) and in or out of the VPC; per-environment overrides (owner
overrides too); references to every attribute a target has in its configuration, plus `${app}`,
`${env.*}` and `$${`; one to three environments; top-level tags with long and non-ASCII keys.

`mutated()` breaks a valid spec with a few random edits (mostly invalid results); `tweaked()`
changes a few leaves to boundary and hostile values of the same kind (often still valid), so the
backends see odd values rather than only the validator.

Profiles: `dev` (default, modest) and `ci` (`HYPOTHESIS_PROFILE=ci`); `examples(dev, ci)` gives a
test its own counts under the active profile. No example database is written.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import string
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from envspec.core.model.service import SOLUTION_STACK
from envspec.core.secrets import path_shaped, secret_name
from envspec.core.kinds import ATTRIBUTES, KINDS as KIND_REGISTRY
from envspec.core.model.network import UNUSABLE_BLOCKS
from envspec.core.source import _plain

# ---- profiles ------------------------------------------------------------------------------------

settings.register_profile(
    "dev", max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE", "dev")
PROFILE = settings.get_profile(PROFILE_NAME)


def examples(dev: int, ci: int) -> settings:
    """The active profile with a test's own example count."""
    return settings(
        PROFILE,
        max_examples=ci if PROFILE_NAME == "ci" else dev,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        report_multiple_bugs=False,  # shrink one failure, not several at once: much faster
    )


# ---- building blocks -------------------------------------------------------------------------------

PATH = "gen.yaml"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "il-central-1", "ca-west-1"]
KINDS = ("bucket", "database", "cache", "queue", "ec2", "beanstalk", "lambda")

_LOWER = string.ascii_lowercase
_DIGITS = string.digits
_NAME_CHARS = _LOWER + _DIGITS + "-"


def _word(first: str, rest: str, low: int, high: int) -> st.SearchStrategy[str]:
    """One character of `first`, then low..high of `rest` (much cheaper than st.from_regex)."""
    return st.builds(str.__add__, st.sampled_from(first), st.text(rest, min_size=low, max_size=high))


names = _word(_LOWER, _NAME_CHARS, 0, 10)
long_names = _word(_LOWER, _NAME_CHARS, 25, 30)  # past every AWS name limit
env_names = _word(_LOWER, _NAME_CHARS, 0, 8)
# Names AWS Lambda takes too (two characters at least); none that says it holds a secret (a
# literal value under such a name is refused, tests/bad/literal-password.yaml).
env_var_names = _word(string.ascii_uppercase, string.ascii_uppercase + _DIGITS + "_", 1, 10).filter(
    lambda n: not n.startswith(("AWS_", "LAMBDA_")) and not secret_name(n) and n != "PORT"  # an ec2 service's PORT is its `port`
)
secret_names = _word(_LOWER, _LOWER + _DIGITS + "_-", 0, 10)
account_ids = st.integers(0, 10**12 - 1).map(lambda n: f"{n:012d}")
owners = st.sampled_from(["ansible", "terraform"])
text = st.text(alphabet=string.ascii_letters + string.digits + " -_/:.,", max_size=20)

# Characters a spec value may hold: no C0 controls but tab, LF and CR; no DEL or C1 controls (the
# loader rejects them, tests/test_hostile_strings.py checks that); no surrogates or non-characters.
_FORBIDDEN = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])
_value_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters=_FORBIDDEN + "\ufffe\uffff")
# Text that is hard on every layer: template and YAML syntax, quotes, escapes, line breaks.
_NASTY = ['"', "'", "\\", "\n", "\r\n", "\t", "${", "$${", "%{", "%%{", "{{", "}}", "{%", "%}", "{#", "#}",
          ": ", " #", "*", "&", "!", "%", "@", "`", "|", ">", "- ", "? ", "\u2028", "\ufeff", "é", "日本", "🚀", "\u202e"]
hostile_text = st.lists(st.one_of(st.sampled_from(_NASTY), st.text(_value_chars, max_size=4)), max_size=8).map("".join)
# Tag keys in the model's alphabet (`\w` is any Unicode word character; a few stand for all), up to
# 128 characters: past 100 the Ansible backend writes them as explicit (`? `) YAML keys.
_TAG_KEY_CHARS = string.ascii_letters + _DIGITS + "_ .:/=+-@" + "éßΩж日本"
tag_keys = st.one_of(
    _word(_LOWER, _NAME_CHARS, 0, 12),
    st.text(_TAG_KEY_CHARS, min_size=1, max_size=128),
    st.text(_TAG_KEY_CHARS, min_size=100, max_size=128),
).filter(lambda k: not k.lower().startswith(("aws:", "envspec:", "elasticbeanstalk:")))  # Beanstalk's, too


def literal(value: str) -> str:
    """How to write `value` in a component field or env value, where `$${` stands for `${`."""
    return value.replace("${", "$${")


# ---- valid specs --------------------------------------------------------------------------------------
# Strategies are built once, here: building them inside a draw costs more than drawing from them.

# A load balancer takes a certificate of its own region and account (envspec.core.limits): the spec says so
# with `${env.region}` and `${env.account_id}`.
certificate_arns = st.uuids().map(lambda uuid: f"arn:aws:acm:${{env.region}}:${{env.account_id}}:certificate/{uuid}")


# Names that make AWS names AWS takes, as the README's "AWS names" says: no name ends with '-' or holds
# '--' (RDS and ElastiCache refuse both, a bucket or load balancer name ends with a letter or digit); an
# app does not start with what S3, EC2, Elastic Load Balancing or SSM reserve; a component does not end
# with a suffix S3 reserves (with no '--' and no '.', only `-s3alias` is left). A Beanstalk service's
# APP-ENV-NAME must fit 40 characters (`specs` makes longer ones another kind).
APP_PREFIXES_RESERVED = ("sg-", "internal-", "sthree-", "amzn-s3-demo-", "aws", "ssm")


def aws_safe(name: str, least: int = 1) -> str:
    name = re.sub(r"-{2,}", "-", name).rstrip("-")
    return name + "x" * (least - len(name))


def _safe_app(name: str) -> str:
    name = aws_safe(name, 2)
    return "x" + name[:20] if name.startswith(APP_PREFIXES_RESERVED) else name


def _safe_component(name: str) -> str:
    name = aws_safe(name)
    return name[:-len("-s3alias")] + "-s3" if name.endswith("-s3alias") else name


BEANSTALK_ENVIRONMENT_MAX = 40
_apps = st.one_of(_word(_LOWER, _NAME_CHARS, 1, 12), _word(_LOWER, _NAME_CHARS, 18, 20)).map(_safe_app)
_env_list = st.lists(st.one_of(env_names, _word(_LOWER, _NAME_CHARS, 12, 15)).map(aws_safe), min_size=1, max_size=3,
                     unique=True)
_component_names = st.lists(st.one_of(names, long_names).map(_safe_component), min_size=0, max_size=9, unique=True)
_secret_list = st.lists(secret_names, max_size=3, unique=True)
# Tag values take the same characters as keys (AWS's rule), 0..256 of them.
_tags = st.dictionaries(tag_keys, st.text(_TAG_KEY_CHARS, max_size=256), max_size=3)
_literal_text = st.one_of(text, hostile_text.map(literal))
_nonempty_literal = hostile_text.map(literal).filter(bool)
# Hostile text within the rules AWS (or systemd) sets on a field.
_one_line = hostile_text.filter(lambda t: bool(t) and not re.search(r"[\x00-\x1f\x7f]", t)).map(literal)
_handlers = hostile_text.map(lambda t: re.sub(r"\s", "", t)[:128]).filter(bool).map(literal)
_platforms = hostile_text.filter(lambda t: re.fullmatch(SOLUTION_STACK, t) is not None).map(literal)
_nat = st.sampled_from(["none", "single", "per_az"])
_stores = st.sampled_from(["secretsmanager", "ssm"])

_network_options = st.fixed_dictionaries({}, optional={
    "availability_zones": st.integers(2, 6), "nat_gateway": _nat, "certificate_arn": certificate_arns,
})
_network_overrides = st.fixed_dictionaries({}, optional={
    "nat_gateway": _nat, "availability_zones": st.integers(2, 6), "certificate_arn": certificate_arns, "owner": owners,
})
_secret_options = st.fixed_dictionaries({}, optional={"store": _stores, "description": _literal_text})
_secret_overrides = st.fixed_dictionaries({"owner": owners}, optional={"store": _stores, "description": text})
_bucket = st.fixed_dictionaries({}, optional={
    "versioning": st.booleans(), "public": st.booleans(), "expire_after_days": st.integers(1, 36500),
})
_queue = st.fixed_dictionaries({}, optional={
    "fifo": st.booleans(), "visibility_timeout_s": st.integers(0, 43200), "retention_days": st.integers(1, 14),
})
_dead_letter = st.fixed_dictionaries({"max_receive_count": st.integers(1, 1000)}, optional={
    "dead_letter": st.one_of(st.just(True), st.fixed_dictionaries({}, optional={"retention_days": st.integers(1, 14)})),
})
# Versions of majors RDS creates, per engine (an override of `engine` takes one of its versions too).
DATABASE_VERSIONS = {"postgres": ["16.4", "15", "17.2", "11.22"], "mysql": ["8.0.39", "8.4", "5.7.44"]}
_database = st.fixed_dictionaries(
    {
        "engine": st.sampled_from(["postgres", "mysql"]),
        "instance_class": st.sampled_from(["db.t4g.medium", "db.r6g.large", "db.m7g.2xlarge"]),
    },
    optional={
        "storage_gb": st.integers(20, 65536),
        "multi_az": st.booleans(),
        "backup_retention_days": st.integers(0, 35),
        "deletion_protection": st.booleans(),
        "database_name": _word(string.ascii_letters, string.ascii_letters + _DIGITS + "_", 0, 62),
        "username": _word(string.ascii_letters, string.ascii_letters + _DIGITS + "_", 0, 15).filter(
            lambda u: u.lower() != "rdsadmin"),
    },
)
_cache = st.fixed_dictionaries(
    {
        "node_type": st.sampled_from(["cache.t4g.micro", "cache.r7g.large", "cache.m7g.xlarge"]),
        "engine_version": st.sampled_from(["7.1", "6.2", "5.0.6"]),
    },
    optional={"nodes": st.just(1)},
)
_amis = st.sampled_from([8, 17]).flatmap(lambda n: st.text("0123456789abcdef", min_size=n, max_size=n)).map("ami-".__add__)
_ec2 = st.fixed_dictionaries(
    {"type": st.just("ec2"), "ami": _amis, "instance_type": st.sampled_from(["t3.small", "m7g.xlarge", "c6i.large"])},
    optional={
        "count": st.integers(0, 6),
        "port": st.integers(1, 65535),
        "public": st.booleans(),
        "health_check": st.text("".join(map(chr, range(0x21, 0x7F))), max_size=20).map(lambda p: literal("/" + p)),
    },
)
_domains = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(_word(_LOWER + _DIGITS, _NAME_CHARS, 0, 8).map(lambda w: w.rstrip("-") or "x"), min_size=1, max_size=3),
    st.text(_LOWER, min_size=2, max_size=6),
)
_releases = st.fixed_dictionaries({
    "artifact": st.sampled_from(["s3://${app}-releases/{version}.tar.gz", "s3://b/x/{version}.tgz"]),
    "start": _one_line,
})
_beanstalk = st.fixed_dictionaries(
    {"type": st.just("beanstalk"),
     "platform": st.one_of(st.just("64bit Amazon Linux 2023 v6.1.0 running Node.js 20"), _platforms)},
    optional={"instance_type": st.just("t3.large")},
)
_bounds = st.integers(1, 3).flatmap(lambda low: st.fixed_dictionaries({
    "min_instances": st.just(low), "max_instances": st.integers(low, 6)}))
_lambda = st.fixed_dictionaries(
    {"type": st.just("lambda"),
     "runtime": st.sampled_from(["python3.12", "nodejs20.x", "java21", "provided.al2023"]),
     "handler": st.one_of(st.just("app.handler"), _handlers),
     "code": st.sampled_from(["s3://${app}-artifacts/${env.name}.zip", "s3://bucket-1/a/b.zip"])},
    optional={
        "memory_mb": st.integers(128, 10240),
        "timeout_s": st.integers(1, 900),
        "schedule": st.sampled_from(["rate(1 minute)", "rate(12 hours)", "cron(0 12 * * ? *)", "cron(*/5 * * * ? *)"]),
    },
)
_env_var_list = st.lists(env_var_names, max_size=5, unique=True)
_plain_env_values = st.builds(
    str.__add__,
    st.sampled_from(["${app}", "${env.region}", "${env.name}", "${env.account_id}", "$${literal}", ""]),
    _literal_text,
)
# Overrides: only changes that keep every reference valid in every environment; `public` and
# `vpc` may be switched on, never off (an `url` or `security_group_id` reference needs them).
_OVERRIDABLE: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "bucket": {"versioning": st.booleans(), "public": st.booleans(), "expire_after_days": st.integers(1, 400)},
    "queue": {"visibility_timeout_s": st.integers(0, 900), "retention_days": st.integers(1, 14)},
    "database": {"storage_gb": st.integers(20, 900), "multi_az": st.booleans(), "engine": st.sampled_from(["postgres", "mysql"]),
                 "instance_class": st.just("db.r6g.large"), "deletion_protection": st.booleans(),
                 "backup_retention_days": st.integers(0, 35)},
    "cache": {"node_type": st.sampled_from(["cache.t4g.small", "cache.r7g.large"]), "engine_version": st.just("7.1")},
    "ec2": {"count": st.integers(0, 9), "instance_type": st.sampled_from(["t3.large", "m7g.xlarge"]),
            "public": st.just(True), "port": st.integers(1, 65535),
            "release": st.fixed_dictionaries({"start": _one_line})},
    "beanstalk": {"instance_type": st.just("t3.large"), "platform": _platforms},
    "lambda": {"memory_mb": st.integers(128, 2048), "env": st.just({"EXTRA": "x ${env.name}"}),
               "handler": _handlers, "schedule": st.just("rate(5 minutes)"), "vpc": st.just(True)},
}


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid spec with components of every kind, every option, references and overrides."""
    spec: dict[str, Any] = {"envspec": 1, "app": draw(_apps)}
    if draw(st.booleans()):
        spec["owner"] = draw(owners)
    if draw(st.booleans()):
        spec["description"] = draw(st.one_of(text, hostile_text))
    if draw(st.integers(0, 3)) == 0:
        spec["tags"] = draw(_tags)
    envs = draw(_env_list)
    spec["environments"] = {e: {"region": draw(st.sampled_from(REGIONS)), "account_id": draw(account_ids)} for e in envs}
    taken = draw(_component_names)
    kinds = [draw(st.sampled_from(KINDS)) for _ in taken]
    longest = len(spec["app"]) + max(len(e) for e in envs) + 2
    kinds = ["lambda" if k == "beanstalk" and longest + len(n) > BEANSTALK_ENVIRONMENT_MAX else k for k, n in zip(kinds, taken)]
    secrets = draw(_secret_list)
    # Decide on the network first, so that services can reference it; ec2 services, databases and caches
    # need it (and lambda functions with `vpc: true`).
    has_network = "ec2" in kinds or "database" in kinds or "cache" in kinds or draw(st.booleans())
    targets: list[tuple[str, str, dict[str, Any]]] = []  # (address, kind, component) later services may reference
    if has_network:
        spec["network"] = _network(draw, envs)
        targets.append(("network", "network", spec["network"]))
    if secrets:
        spec["secrets"] = {s: _secret(draw, envs) for s in secrets}
        targets += [(f"secrets.{s}", "secret", spec["secrets"][s]) for s in secrets]
    for name, kind in zip(taken, kinds):
        component = _component(draw, kind, targets, has_network, name)
        if kind == "queue" and f"{name}-dlq" not in taken and draw(st.booleans()):
            component.update(draw(_dead_letter))  # a queue `NAME-dlq` would take the dead-letter queue's name
        if draw(st.booleans()):
            component["owner"] = draw(owners)
        overrides = _overrides(draw, kind, envs, component, has_network)
        if overrides:
            component["overrides"] = overrides
        section = {"bucket": "buckets", "database": "databases", "cache": "caches", "queue": "queues"}.get(kind, "services")
        spec.setdefault(section, {})[name] = component
        targets.append((f"{section}.{name}", kind, component))
    return spec


def _network(draw: st.DrawFn, envs: list[str]) -> dict[str, Any]:
    # At most /23: a /24's public subnets are /28, too small for a load balancer (tests/bad/alb-subnets-too-small.yaml),
    # and any service may be public. No block that is no host's (multicast, reserved, loopback, ...).
    prefix = draw(st.integers(16, 23))
    address = ipaddress.IPv4Address(draw(st.integers(0, 2**32 - 1)))
    block = ipaddress.IPv4Network((address, prefix), strict=False)
    if any(block.overlaps(unusable) for unusable, _ in UNUSABLE_BLOCKS):
        block = ipaddress.IPv4Network((int(block.network_address) % 2**24 + 10 * 2**24, prefix))
    network: dict[str, Any] = {"cidr": str(block)}
    network.update(draw(_network_options))
    overrides = {env: draw(_network_overrides) for env in draw(st.lists(st.sampled_from(envs), unique=True))}
    if any(overrides.values()):
        network["overrides"] = {e: o for e, o in overrides.items() if o}
    return network


def _secret(draw: st.DrawFn, envs: list[str]) -> dict[str, Any]:
    secret = draw(_secret_options)
    if draw(st.integers(0, 3)) == 0:
        secret["overrides"] = {draw(st.sampled_from(envs)): draw(_secret_overrides)}
    return secret


def _component(draw: st.DrawFn, kind: str, targets: list[tuple[str, str, dict[str, Any]]], has_network: bool,
               name: str) -> dict[str, Any]:
    if kind == "bucket":
        return draw(_bucket)
    if kind == "database":
        database = draw(_database)
        return {**database, "version": draw(st.sampled_from(DATABASE_VERSIONS[database["engine"]]))}
    if kind == "cache":
        return draw(_cache)
    if kind == "queue":
        return draw(_queue)
    service: dict[str, Any]
    if kind == "ec2":
        service = draw(_ec2)
        # every ec2 service has a domain of its own: an override may make any of them public, and
        # two public services without one are an error (tests/bad/two-public-services-without-domain.yaml)
        service["domain"] = f"{name}x.{draw(_domains)}"
        if draw(st.booleans()):
            service["release"] = draw(_releases)
    elif kind == "beanstalk":
        service = draw(_beanstalk)
        if draw(st.booleans()):
            service.update(draw(_bounds))
    else:
        service = draw(_lambda)
        if has_network and draw(st.booleans()):
            service["vpc"] = True
    env: dict[str, str] = {}
    for var in draw(_env_var_list):
        if targets and draw(st.integers(0, 3)) > 0:
            address, target, component = draw(st.sampled_from(targets))
            attribute = draw(st.sampled_from(available_attributes(target, component, kind, service.get("vpc", kind != "lambda"))))
            reference = f"${{{address}}}" if attribute is None else f"${{{address}.{attribute}}}"
            env[var] = draw(_literal_text) + reference + draw(text)
        else:
            env[var] = draw(_plain_env_values)
    if env:
        service["env"] = env
    return service


def available_attributes(kind: str, component: dict[str, Any], user: str, user_in_vpc: bool = True) -> list[str | None]:
    """Every attribute a reference from a `user` service may name for this component as written
    (None: `${secrets.X}`); an address inside the VPC (a database's host) only from a user in the VPC."""
    attributes: list[str | None] = [a for a in ATTRIBUTES[kind] if a != "value"]  # type: ignore[index]
    if kind == "secret":
        attributes.append(None)
    if kind == "ec2" and not component.get("public"):
        attributes.remove("url")
    if kind == "lambda" and not component.get("vpc"):
        attributes.remove("security_group_id")
    if kind == "database" and user != "ec2":
        attributes.remove("url_with_password")  # a password inside a URL only on an ec2 host
    if not user_in_vpc:
        attributes = [a for a in attributes if a is None or not KIND_REGISTRY[kind].attribute(a).private]
    return attributes


def _overrides(draw: st.DrawFn, kind: str, envs: list[str], component: dict[str, Any], has_network: bool) -> dict[str, Any]:
    fields = sorted(_OVERRIDABLE[kind])
    if kind == "ec2" and "release" not in component:
        fields.remove("release")  # a start command without an artifact is invalid
    if kind == "lambda" and not has_network:
        fields.remove("vpc")
    overrides: dict[str, Any] = {}
    for env in draw(st.lists(st.sampled_from(envs), unique=True, max_size=len(envs))):
        chosen = draw(st.lists(st.sampled_from(fields), unique=True, min_size=1))
        overrides[env] = {f: draw(_OVERRIDABLE[kind][f]) for f in chosen}
        if "engine" in overrides[env]:
            overrides[env]["version"] = draw(st.sampled_from(DATABASE_VERSIONS[overrides[env]["engine"]]))
        if kind == "beanstalk" and draw(st.booleans()):
            overrides[env].update(draw(_bounds))
        if draw(st.booleans()):
            overrides[env]["owner"] = draw(owners)
    return overrides


# ---- writing specs --------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes shared objects out in full (envspec rejects anchors and aliases) and quotes every
    string that envspec, which reads YAML 1.2, would not read back as that string (PyYAML writes
    YAML 1.1: it leaves `1e3` plain, which YAML 1.2 reads as a number)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    plain = _plain(data) if data else None
    style = None if isinstance(plain, str) and plain == data else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def dump(spec: Any) -> str:
    return yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


# ---- broken specs -------------------------------------------------------------------------------------

garbage = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
    st.text(max_size=12), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["${", "${nope.x}", "$${", "${services.x.arn}", "yes", "012", "1_000", "ec2", "lambda",
                     "10.0.0.0/8", "ami-1", "s3://", "${env.region}", "\x00", "\t", "production"]),
)


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A valid spec with a few random edits: delete, replace, insert, retype."""
    spec: Any = draw(specs())
    for _ in range(draw(st.integers(1, 4))):
        spec = _mutate(draw, spec)
    return spec


def _mutate(draw: st.DrawFn, node: Any) -> Any:
    if isinstance(node, dict) and node and draw(st.integers(0, 3)) > 0:
        key = draw(st.sampled_from(list(node)))
        action = draw(st.sampled_from(["descend", "descend", "delete", "replace", "insert", "rename"]))
        copy = dict(node)
        if action == "descend":
            copy[key] = _mutate(draw, node[key])
        elif action == "delete":
            del copy[key]
        elif action == "replace":
            copy[key] = draw(garbage)
        elif action == "insert":
            copy[draw(st.one_of(st.text(max_size=8), st.sampled_from(["type", "overrides", "env", "owner"])))] = draw(
                garbage
            )
        else:
            copy[key + draw(st.sampled_from(["_", "s", "x"]))] = copy.pop(key)
        return copy
    if isinstance(node, list) and node:
        index = draw(st.integers(0, len(node) - 1))
        return [*node[:index], _mutate(draw, node[index]), *node[index + 1:]]
    return draw(garbage)


# Same-kind replacements at and around every bound the model has, and hostile text.
_INT_EDGES = [-1, 0, 1, 2, 3, 6, 7, 15, 16, 19, 20, 24, 25, 35, 36, 100, 101, 127, 128, 129, 900, 901,
              10240, 10241, 36500, 36501, 65535, 65536, 2**31, 2**63]
_STRING_EDGES = ["", " ", "x" * 4096, "x" * 4097, "é" * 257, "${app}", "${env.account_id}", "$${}", "${", "}",
                 "s3://b/k", "s3://", "cron(x)", "rate(0 minutes)", "/", "ami-0123abcd", "db.t4g.medium",
                 "terraform", "ansible", "none", "per_az", "ssm", "mysql", "10.0.0.0/24", "10.0.0.0/25"]


@st.composite
def tweaked(draw: st.DrawFn) -> Any:
    """A valid spec with a few leaves replaced by boundary or hostile values of the same kind."""
    spec: Any = draw(specs())
    for _ in range(draw(st.integers(1, 3))):
        spec = _tweak(draw, spec)
    return spec


def _tweak(draw: st.DrawFn, node: Any) -> Any:
    if isinstance(node, dict):
        if not node:
            return node
        key = draw(st.sampled_from(list(node)))
        return {**node, key: _tweak(draw, node[key])}
    if isinstance(node, list):
        if not node:
            return node
        index = draw(st.integers(0, len(node) - 1))
        return [*node[:index], _tweak(draw, node[index]), *node[index + 1:]]
    if isinstance(node, bool):
        return not node
    if isinstance(node, int):
        return draw(st.sampled_from(_INT_EDGES))
    if isinstance(node, str):
        return draw(st.one_of(st.sampled_from(_STRING_EDGES), hostile_text, st.builds(lambda a, b: node + a + b, hostile_text, text)))
    return node


@st.composite
def garbled(draw: st.DrawFn) -> str:
    """The text of a valid spec with a few characters inserted, replaced or cut anywhere."""
    text = dump(draw(specs()))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        junk = draw(
            st.one_of(
                st.text(max_size=6),
                st.sampled_from(["\t", ":", " ", "\n ", "- ", "&a ", "*a", "<<: ", "!x ", "---\n", "{", "]", "'", '"',
                                 "\x00", "${", "#", "? ", "|\n", "\ufeff"]),
            )
        )
        cut = draw(st.integers(0, 3))
        text = text[:at] + junk + text[at + cut:]
    return text


# ---- secrets written in a spec (tests/test_secret_shapes.py) --------------------------------------
# One strategy per format of envspec.core.secrets.TOKEN_FORMATS, keyed by its name: tokens of the
# documented shape (random, so never a real one).

_ALNUM = string.ascii_letters + _DIGITS
_UPPER_DIGITS = string.ascii_uppercase + _DIGITS
_B64URL = _ALNUM + "-_"
# What a password in a URL or a connection string may hold here: no separator of its syntax, no `$`.
_PASSWORD_CHARS = _ALNUM + "!*()~.-_"


def _fixed(chars: str, size: int) -> st.SearchStrategy[str]:
    return st.text(chars, min_size=size, max_size=size)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(alg: str, subject: str, signature: bytes) -> str:
    header = _b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"sub": subject, "iat": 1700000000}).encode())
    return f"{header}.{claims}.{_b64url(signature)}"


def _aws_secret_key(data: bytes) -> str:
    return base64.b64encode(data).decode()  # 30 bytes: 40 characters of A-Z a-z 0-9 + /


# A password holds a letter or a digit (one of punctuation alone is not taken for one).
_passwords = st.builds("{}{}{}".format, st.text(_PASSWORD_CHARS, max_size=12), st.sampled_from(_ALNUM),
                       st.text(_PASSWORD_CHARS, max_size=12))
secret_tokens: dict[str, st.SearchStrategy[str]] = {
    "stripe": st.builds("{}k_{}_{}".format, st.sampled_from("sr"), st.sampled_from(["live", "test"]),
                        st.text(_ALNUM, min_size=24, max_size=99)),
    "github": st.builds(str.__add__, st.sampled_from(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]), _fixed(_ALNUM, 36)),
    "github_pat": st.builds("github_pat_{}_{}".format, _fixed(_ALNUM, 22), _fixed(_ALNUM, 59)),
    "slack": st.one_of(
        st.builds("{}-{}-{}-{}".format, st.sampled_from(["xoxb", "xoxp", "xoxe", "xoxa", "xoxr", "xoxs", "xoxo"]),
                  st.integers(10**9, 10**13), st.integers(10**9, 10**13), _fixed(_ALNUM, 24)),
        st.builds("xapp-1-A{}-{}-{}".format, _fixed(_UPPER_DIGITS, 10), st.integers(10**12, 10**13),
                  _fixed("0123456789abcdef", 64)),
    ),
    "slack_webhook": st.builds("https://hooks.slack.com/services/T{}/B{}/{}".format, _fixed(_UPPER_DIGITS, 8),
                               _fixed(_UPPER_DIGITS, 10), _fixed(_ALNUM, 24)),
    "google": st.builds(str.__add__, st.just("AIza"), _fixed(_B64URL, 35)),
    "jwt": st.builds(_jwt, st.sampled_from(["HS256", "RS256", "ES256"]), st.text(_ALNUM, max_size=20),
                     st.binary(min_size=32, max_size=64)),
    "aws_key_id": st.builds(str.__add__, st.sampled_from(["AKIA", "ASIA"]), _fixed(_UPPER_DIGITS, 16)),
    # Random keys, less the rare one that happens to lack a class or to read as a path of words.
    "aws_secret_key": st.binary(min_size=30, max_size=30).map(_aws_secret_key).filter(
        lambda k: bool(re.search("[A-Z]", k) and re.search("[a-z]", k) and re.search("[0-9]", k))
        and not path_shaped(k)
    ),
    "pem_private_key": st.builds(lambda kind, body: f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----",
                                 st.sampled_from(["", "RSA ", "EC ", "ENCRYPTED ", "OPENSSH "]),
                                 st.text(_ALNUM + "+/", min_size=4, max_size=64)),
    "pgp_private_key": st.builds("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n-----END PGP PRIVATE KEY BLOCK-----".format,
                                 st.text(_ALNUM + "+/", min_size=4, max_size=64)),
    "url_userinfo": st.builds("{}://{}:{}@".format, st.sampled_from(["postgres", "postgresql", "mysql", "redis", "amqp", "https"]),
                              st.text(_ALNUM, max_size=12), _passwords),
    "libpq_password": st.builds("{}password={}".format, st.sampled_from(["", "user=app ", "host=db port=5432 ", "ssl"]),
                                _passwords),
    "url_query_password": st.builds("https://api.example.com/v1{}password={}".format, st.sampled_from(["?", "?user=app&"]),
                                    _passwords),
}


# References of every kind a value may hold, and separators: a value of nothing else writes no secret.
references = st.sampled_from([
    "${app}", "${env.name}", "${env.region}", "${env.account_id}", "${secrets.db}", "${secrets.stripe_key}",
    "${databases.main.host}", "${databases.main.password}", "${databases.main.url_with_password}",
    "${caches.sessions.url}", "${buckets.uploads.name}", "${services.api.url}", "${network.vpc_id}",
])
separators = st.text(" -_/:.,;@=+|#?&%*!~()[]<>'\"", max_size=3)
