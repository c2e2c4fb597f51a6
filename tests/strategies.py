"""Hypothesis strategies shared by the property tests: valid specs of every kind and option, and
mutations of them.

`specs()` draws a valid spec (as plain data) that uses every component kind and every option the
model has: a network with each NAT mode, 1..6 zones, with or without a certificate; secrets in
both stores; buckets with every option; databases of both engines with every field; ec2 services
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

import functools
import ipaddress
import os
import string
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from envspec.source import _plain

# ---- profiles ------------------------------------------------------------------------------------

settings.register_profile(
    "dev", max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=600, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
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
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-gov-west-1", "il-central-1"]
KINDS = ("bucket", "database", "ec2", "beanstalk", "lambda")

names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
long_names = st.from_regex(r"[a-z][a-z0-9-]{25,30}", fullmatch=True)  # past every AWS name limit
env_names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
env_var_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not n.startswith(("AWS_", "LAMBDA_", "_"))
)
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
# Tag keys: the model's own alphabet (`\w` is any Unicode word character), up to 128 characters.
tag_keys = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True),
    st.from_regex(r"[\w .:/=+\-@]{1,128}", fullmatch=True),
    st.from_regex(r"[\w .:/=+\-@]{100,128}", fullmatch=True),
).filter(lambda k: not k.lower().startswith(("aws:", "envspec:")) and _model_accepts_tag_key(k))


def _model_accepts_tag_key(key: str) -> bool:
    # Python's `\w` (hypothesis) is wider than the model's (Rust regex): '²' is one, not the other.
    from pydantic import ValidationError

    try:
        _tag_key_adapter().validate_python(key)
    except ValidationError:
        return False
    return True


@functools.cache
def _tag_key_adapter() -> Any:
    from pydantic import TypeAdapter

    from envspec.model.spec import TagKey

    return TypeAdapter(TagKey)


def literal(value: str) -> str:
    """How to write `value` in a component field or env value, where `$${` stands for `${`."""
    return value.replace("${", "$${")


# ---- valid specs --------------------------------------------------------------------------------------


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid spec with components of every kind, every option, references and overrides."""
    spec: dict[str, Any] = {"envspec": 1, "app": draw(st.one_of(
        st.from_regex(r"[a-z][a-z0-9-]{1,12}", fullmatch=True), st.from_regex(r"[a-z][a-z0-9-]{18,20}", fullmatch=True)
    ))}
    if draw(st.booleans()):
        spec["owner"] = draw(owners)
    if draw(st.booleans()):
        spec["description"] = draw(st.one_of(text, hostile_text))
    if draw(st.integers(0, 3)) == 0:
        spec["tags"] = draw(st.dictionaries(tag_keys, st.one_of(text, hostile_text.map(lambda t: t[:256])), max_size=3))
    envs = draw(st.lists(st.one_of(env_names, st.from_regex(r"[a-z][a-z0-9-]{12,15}", fullmatch=True)),
                         min_size=1, max_size=3, unique=True))
    spec["environments"] = {
        e: {"region": draw(st.sampled_from(REGIONS)), "account_id": draw(st.from_regex(r"[0-9]{12}", fullmatch=True))}
        for e in envs
    }
    taken = draw(st.lists(st.one_of(names, long_names), min_size=0, max_size=9, unique=True))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=len(taken), max_size=len(taken)))
    secrets = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True), max_size=3, unique=True))
    # Decide on the network first, so that services can reference it. A database needs one too
    # (RDS runs in its private subnets; see test_a_database_without_a_network_fails_cleanly).
    has_network = "ec2" in kinds or "database" in kinds or draw(st.booleans())
    targets: list[tuple[str, str, dict[str, Any]]] = []  # (address, kind, component) later services may reference
    if has_network:
        spec["network"] = _network(draw, envs)
        targets.append(("network", "network", spec["network"]))
    if secrets:
        spec["secrets"] = {s: _secret(draw, envs) for s in secrets}
        targets += [(f"secrets.{s}", "secret", spec["secrets"][s]) for s in secrets]
    for name, kind in zip(taken, kinds):
        component = _component(draw, kind, targets, has_network)
        if draw(st.booleans()):
            component["owner"] = draw(owners)
        overrides = _overrides(draw, kind, envs, component, has_network)
        if overrides:
            component["overrides"] = overrides
        section = {"bucket": "buckets", "database": "databases"}.get(kind, "services")
        spec.setdefault(section, {})[name] = component
        targets.append((f"{section}.{name}", kind, component))
    return spec


def _network(draw: st.DrawFn, envs: list[str]) -> dict[str, Any]:
    prefix = draw(st.integers(16, 24))
    address = ipaddress.IPv4Address(draw(st.integers(0, 2**32 - 1)))
    network: dict[str, Any] = {"cidr": str(ipaddress.IPv4Network((address, prefix), strict=False))}
    if draw(st.booleans()):
        network["availability_zones"] = draw(st.integers(1, 6))
    if draw(st.booleans()):
        network["nat_gateway"] = draw(st.sampled_from(["none", "single", "per_az"]))
    if draw(st.booleans()):
        network["certificate_arn"] = draw(certificate_arns)
    overrides = {}
    for env in draw(st.lists(st.sampled_from(envs), unique=True)):
        overrides[env] = draw(st.fixed_dictionaries({}, optional={
            "nat_gateway": st.sampled_from(["none", "single", "per_az"]),
            "availability_zones": st.integers(1, 6),
            "certificate_arn": certificate_arns,
            "owner": owners,
        }))
    if any(overrides.values()):
        network["overrides"] = {e: o for e, o in overrides.items() if o}
    return network


certificate_arns = st.builds(
    lambda region, account, uuid: f"arn:aws:acm:{region}:{account}:certificate/{uuid}",
    st.sampled_from(REGIONS), st.from_regex(r"[0-9]{12}", fullmatch=True), st.uuids().map(str),
)


def _secret(draw: st.DrawFn, envs: list[str]) -> dict[str, Any]:
    secret = draw(st.fixed_dictionaries({}, optional={
        "store": st.sampled_from(["secretsmanager", "ssm"]),
        "description": st.one_of(text, hostile_text.map(literal)),
    }))
    if draw(st.integers(0, 3)) == 0:
        env = draw(st.sampled_from(envs))
        secret["overrides"] = {env: draw(st.fixed_dictionaries({"owner": owners}, optional={
            "store": st.sampled_from(["secretsmanager", "ssm"]), "description": text,
        }))}
    return secret


def _component(draw: st.DrawFn, kind: str, targets: list[tuple[str, str, dict[str, Any]]], has_network: bool) -> dict[str, Any]:
    if kind == "bucket":
        return draw(st.fixed_dictionaries({}, optional={
            "versioning": st.booleans(), "public": st.booleans(), "expire_after_days": st.integers(1, 36500),
        }))
    if kind == "database":
        database: dict[str, Any] = {
            "engine": draw(st.sampled_from(["postgres", "mysql"])),
            "version": draw(st.sampled_from(["16.4", "8.0.39", "15", "17.2"])),
            "instance_class": draw(st.sampled_from(["db.t4g.medium", "db.r6g.large", "db.m7g.2xlarge"])),
        }
        database.update(draw(st.fixed_dictionaries({}, optional={
            "storage_gb": st.integers(20, 65536),
            "multi_az": st.booleans(),
            "backup_retention_days": st.integers(0, 35),
            "deletion_protection": st.booleans(),
            "database_name": st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,62}", fullmatch=True),
            "username": st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,15}", fullmatch=True).filter(lambda u: u.lower() != "rdsadmin"),
        })))
        return database
    service: dict[str, Any]
    if kind == "ec2":
        service = {"type": "ec2", "ami": draw(st.from_regex(r"ami-([0-9a-f]{8}|[0-9a-f]{17})", fullmatch=True)),
                   "instance_type": draw(st.sampled_from(["t3.small", "m7g.xlarge", "c6i.large"]))}
        service.update(draw(st.fixed_dictionaries({}, optional={
            "count": st.integers(0, 6),
            "port": st.integers(1, 65535),
            "public": st.booleans(),
            "health_check": st.from_regex(r"/[\x21-\x7e]{0,20}", fullmatch=True).map(literal),
        })))
        if service.get("public") and draw(st.booleans()):
            service["domain"] = draw(st.from_regex(r"([a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\.){1,3}[a-z]{2,6}", fullmatch=True))
        if draw(st.booleans()):
            service["release"] = {
                "artifact": draw(st.sampled_from(["s3://${app}-releases/{version}.tar.gz", "s3://b/x/{version}.tgz"])),
                "start": draw(st.one_of(text, hostile_text.map(literal))),
            }
    elif kind == "beanstalk":
        low = draw(st.integers(1, 3))
        service = {"type": "beanstalk", "platform": draw(st.one_of(
            st.just("64bit Amazon Linux 2023 v6.1.0 running Node.js 20"), hostile_text.map(literal).filter(bool)))}
        service.update({"min_instances": low, "max_instances": draw(st.integers(low, 6))} if draw(st.booleans()) else {})
        if draw(st.booleans()):
            service["instance_type"] = "t3.large"
    else:
        service = {"type": "lambda", "runtime": draw(st.sampled_from(["python3.12", "nodejs20.x", "java21", "provided.al2023"])),
                   "handler": draw(st.one_of(st.just("app.handler"), hostile_text.map(literal).filter(bool))),
                   "code": draw(st.sampled_from(["s3://${app}-artifacts/${env.name}.zip", "s3://bucket-1/a/b.zip"]))}
        service.update(draw(st.fixed_dictionaries({}, optional={
            "memory_mb": st.integers(128, 10240),
            "timeout_s": st.integers(1, 900),
            "schedule": st.sampled_from(["rate(1 minute)", "rate(12 hours)", "cron(0 12 * * ? *)", "cron(*/5 * * * ? *)"]),
        })))
        if has_network and draw(st.booleans()):
            service["vpc"] = True
    env: dict[str, str] = {}
    for var in draw(st.lists(env_var_names, max_size=5, unique=True)):
        choice = draw(st.integers(0, 3))
        if targets and choice > 0:
            address, target, component = draw(st.sampled_from(targets))
            attribute = draw(st.sampled_from(available_attributes(target, component)))
            reference = f"${{{address}}}" if attribute is None else f"${{{address}.{attribute}}}"
            env[var] = draw(st.one_of(text, hostile_text.map(literal))) + reference + draw(text)
        else:
            env[var] = draw(st.sampled_from(["${app}", "${env.region}", "${env.name}", "${env.account_id}", "$${literal}", ""])) + draw(
                st.one_of(text, hostile_text.map(literal)))
    if env:
        service["env"] = env
    return service


def available_attributes(kind: str, component: dict[str, Any]) -> list[str | None]:
    """Every attribute a reference may name for this component as written (None: `${secrets.X}`)."""
    from envspec.resolved import ATTRIBUTES

    attributes: list[str | None] = [a for a in ATTRIBUTES[kind] if a != "value"]
    if kind == "secret":
        attributes.append(None)
    if kind == "ec2" and not component.get("public"):
        attributes.remove("url")
    if kind == "lambda" and not component.get("vpc"):
        attributes.remove("security_group_id")
    return attributes


def _overrides(draw: st.DrawFn, kind: str, envs: list[str], component: dict[str, Any], has_network: bool) -> dict[str, Any]:
    # Only changes that keep every reference valid in every environment: `public` and `vpc` may be
    # switched on, never off (an `url` or `security_group_id` reference needs them).
    choices: dict[str, st.SearchStrategy[Any]] = {
        "bucket": {"versioning": st.booleans(), "public": st.booleans(), "expire_after_days": st.integers(1, 400)},
        "database": {"storage_gb": st.integers(20, 900), "multi_az": st.booleans(), "engine": st.sampled_from(["postgres", "mysql"]),
                     "instance_class": st.just("db.r6g.large"), "deletion_protection": st.booleans(),
                     "backup_retention_days": st.integers(0, 35)},
        "ec2": {"count": st.integers(0, 9), "instance_type": st.sampled_from(["t3.large", "m7g.xlarge"]),
                "public": st.just(True), "port": st.integers(1, 65535),
                "release": st.fixed_dictionaries({"start": hostile_text.map(literal)})},
        "beanstalk": {"instance_type": st.sampled_from(["t3.large"]), "platform": hostile_text.map(literal).filter(bool)},
        "lambda": {"memory_mb": st.integers(128, 2048), "env": st.just({"EXTRA": "x ${env.name}"}),
                   "handler": hostile_text.map(literal).filter(bool), "schedule": st.just("rate(5 minutes)"),
                   **({"vpc": st.just(True)} if has_network else {})},
    }[kind]  # type: ignore[assignment]
    if kind == "ec2" and "release" not in component:
        choices = {k: v for k, v in choices.items() if k != "release"}  # a start without an artifact is invalid
    overrides: dict[str, Any] = {}
    for env in draw(st.lists(st.sampled_from(envs), unique=True, max_size=len(envs))):
        fields = draw(st.lists(st.sampled_from(sorted(choices)), unique=True, min_size=1))
        overrides[env] = {f: draw(choices[f]) for f in fields}
        if kind == "beanstalk" and draw(st.booleans()):
            low = draw(st.integers(1, 4))
            overrides[env].update({"min_instances": low, "max_instances": draw(st.integers(low, 8))})
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
