"""Property tests: generated valid specs of every kind validate; mutated ones fail cleanly.

"Cleanly" means: success, or a SpecError whose every diagnostic names the file and a real line
and column. Never another exception.

The default profile keeps the example counts modest; `HYPOTHESIS_PROFILE=ci` runs many more.
No example database is written (the checkout stays clean).
"""

from __future__ import annotations

import os
import string
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envspec.errors import SpecError
from envspec.resolve import resolve
from envspec.resolved import ATTRIBUTES
from envspec.source import parse

settings.register_profile(
    "dev", max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=600, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

PATH = "gen.yaml"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]

names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
env_names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
env_var_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not n.startswith(("AWS_", "LAMBDA_", "_"))
)
owners = st.sampled_from(["ansible", "terraform"])
text = st.text(alphabet=string.ascii_letters + string.digits + " -_/:.,", max_size=20)


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid spec with components of every kind, references and overrides."""
    spec: dict[str, Any] = {"envspec": 1, "app": draw(st.from_regex(r"[a-z][a-z0-9-]{1,12}", fullmatch=True))}
    if draw(st.booleans()):
        spec["owner"] = draw(owners)
    if draw(st.booleans()):
        spec["description"] = draw(text)
    envs = draw(st.lists(env_names, min_size=1, max_size=3, unique=True))
    spec["environments"] = {
        e: {"region": draw(st.sampled_from(REGIONS)), "account_id": draw(st.from_regex(r"[0-9]{12}", fullmatch=True))}
        for e in envs
    }
    taken = draw(st.lists(names, min_size=0, max_size=9, unique=True))
    kinds = draw(st.lists(st.sampled_from(["bucket", "database", "ec2", "beanstalk", "lambda"]),
                          min_size=len(taken), max_size=len(taken)))
    secrets = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True), max_size=3, unique=True))
    needs_network = False
    targets: list[tuple[str, str]] = []  # (address, kind) that later services may reference
    if secrets:
        spec["secrets"] = {s: draw(st.sampled_from([{}, {"store": "ssm"}, {"description": "d"}])) for s in secrets}
        targets += [(f"secrets.{s}", "secret") for s in secrets]
    for name, kind in zip(taken, kinds):
        component = _component(draw, kind, targets)
        if kind == "ec2" or component.get("vpc"):
            needs_network = True
        if draw(st.booleans()):
            component["owner"] = draw(owners)
        overrides = _overrides(draw, kind, envs)
        if overrides:
            component["overrides"] = overrides
        section = {"bucket": "buckets", "database": "databases"}.get(kind, "services")
        spec.setdefault(section, {})[name] = component
        targets.append((f"{section}.{name}", kind))
    if needs_network or draw(st.booleans()):
        spec["network"] = {"cidr": f"10.{draw(st.integers(0, 255))}.0.0/16",
                           "availability_zones": draw(st.integers(1, 6)),
                           "nat_gateway": draw(st.sampled_from(["none", "single", "per_az"]))}
        targets.append(("network", "network"))
    return spec


def _component(draw: st.DrawFn, kind: str, targets: list[tuple[str, str]]) -> dict[str, Any]:
    if kind == "bucket":
        return {"versioning": draw(st.booleans()), "expire_after_days": draw(st.integers(1, 400))}
    if kind == "database":
        return {"engine": draw(st.sampled_from(["postgres", "mysql"])), "version": "16.4",
                "instance_class": "db.t4g.medium", "storage_gb": draw(st.integers(20, 500))}
    service: dict[str, Any]
    if kind == "ec2":
        service = {"type": "ec2", "ami": "ami-0123456789abcdef0", "instance_type": "t3.small",
                   "count": draw(st.integers(0, 5)), "public": draw(st.booleans()), "health_check": "/healthz"}
    elif kind == "beanstalk":
        low = draw(st.integers(1, 3))
        service = {"type": "beanstalk", "platform": "Node.js 20", "min_instances": low,
                   "max_instances": draw(st.integers(low, 6))}
    else:
        service = {"type": "lambda", "runtime": "python3.12", "handler": "app.handler",
                   "code": "s3://${app}-artifacts/${env.name}.zip", "vpc": draw(st.booleans())}
        if draw(st.booleans()):
            service["schedule"] = "rate(5 minutes)"
    env: dict[str, str] = {}
    for var in draw(st.lists(env_var_names, max_size=4, unique=True)):
        if targets and draw(st.booleans()):
            address, target = draw(st.sampled_from(targets))
            attributes = [a for a in ATTRIBUTES[target] if _available(target, a)]
            env[var] = f"{draw(text)}${{{address}.{draw(st.sampled_from(attributes))}}}"
        else:
            env[var] = draw(st.sampled_from(["${app}", "${env.region}", "$${literal}", ""])) + draw(text)
    if env:
        service["env"] = env
    return service


def _available(kind: str, attribute: str) -> bool:
    # only attributes every configuration has (public and vpc are drawn independently)
    return not ((kind == "ec2" and attribute == "url") or (kind == "lambda" and attribute == "security_group_id"))


def _overrides(draw: st.DrawFn, kind: str, envs: list[str]) -> dict[str, Any]:
    choices = {
        "bucket": {"versioning": st.booleans()},
        "database": {"storage_gb": st.integers(20, 900), "multi_az": st.booleans()},
        "ec2": {"count": st.integers(0, 9), "instance_type": st.sampled_from(["t3.large", "m7g.xlarge"])},
        "beanstalk": {"instance_type": st.sampled_from(["t3.large"])},
        "lambda": {"memory_mb": st.integers(128, 2048), "env": st.just({"EXTRA": "x"})},
    }[kind]
    overrides: dict[str, Any] = {}
    for env in draw(st.lists(st.sampled_from(envs), unique=True, max_size=len(envs))):
        fields = draw(st.lists(st.sampled_from(sorted(choices)), unique=True, min_size=1))
        overrides[env] = {f: draw(choices[f]) for f in fields}
        if draw(st.booleans()):
            overrides[env]["owner"] = draw(owners)
    return overrides


class _Dumper(yaml.SafeDumper):
    """Writes shared objects out in full: envspec rejects anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(spec: Any) -> str:
    return yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def check(text: str) -> None:
    """Resolve `text`; anything but success or a positioned SpecError fails the test."""
    line_count = text.count("\n") + 2
    try:
        document = parse(text, PATH)
        resolve([document])
    except SpecError as exc:
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert d.file == PATH
            assert 1 <= d.line <= line_count, d
            assert d.col >= 1, d
            assert d.message
            assert "Traceback" not in str(d)


@PROFILE
@given(specs())
def test_generated_specs_validate(spec: dict[str, Any]) -> None:
    [app] = resolve([parse(dump(spec), PATH)])
    assert list(app.environments) == list(spec["environments"])
    for env in app.environments.values():
        expected = ({"network"} if "network" in spec else set()) | {
            f"{section}.{name}" for section in ("secrets", "buckets", "databases", "services")
            for name in spec.get(section, {})
        }
        assert set(env.components) == expected
        for component in env.components.values():
            assert component.owner in ("ansible", "terraform")
            for reference in component.references:
                assert reference.address in env.components


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


@PROFILE
@given(mutated())
def test_mutated_specs_fail_cleanly(spec: Any) -> None:
    check(dump(spec))


@PROFILE
@given(specs(), st.data())
def test_garbage_text_fails_cleanly(spec: dict[str, Any], data: st.DataObject) -> None:
    text = dump(spec)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        junk = data.draw(
            st.one_of(
                st.text(max_size=6),
                st.sampled_from(["\t", ":", " ", "\n ", "- ", "&a ", "*a", "<<: ", "!x ", "---\n", "{", "]", "'", '"',
                                 "\x00", "${", "#", "? ", "|\n", "\ufeff"]),
            )
        )
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + junk + text[at + cut:]
    check(text)
