"""One set of rules: the command line and an editor with the JSON Schema agree on what is valid.

The whole bad-input corpus (tests/bad/) goes through both: the CLI rejects every case (tests/
test_bad_inputs.py checks its exact messages), and the exported schema, run with `jsonschema`,
rejects every case whose problem is one of type or shape. The cases the schema cannot catch are
listed here by name, each with the reason (a rule across fields, a reference, a check of the
whole app); the test fails if a listed case starts being caught by the schema (the list would be
stale) or if an unlisted one is not (the schema would be too lax). Cases the YAML reader refuses
(duplicate keys, tabs, bad UTF-8...) never reach either.

The good side: every example and spec validates with both (tests/test_schema.py), and so do a
few values the strict model must take as written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from envspec.core.errors import SpecError
from envspec.core.resolve import resolve
from envspec.core.schema import render
from envspec.core.source import load, parse

TESTS = Path(__file__).resolve().parent
CASES = sorted((TESTS / "bad").glob("*.yaml"))

# Rejected by the command line only, and why the schema cannot say it.
CLI_ONLY = {
    # references and the app as a whole
    "component-reference-outside-env": "component references are checked against the app's components",
    "invalid-reference-syntax": "the syntax inside `${...}` of a free-text env value",
    "reference-cycle": "a cycle among references",
    "reference-needs-attribute": "a reference's attribute",
    "self-reference": "a reference to the service itself",
    "unavailable-url": "an attribute that exists only with `public: true` elsewhere",
    "unknown-attribute": "a reference's attribute",
    "unknown-env-reference": "the name inside `${env.*}`",
    "unknown-reference": "a reference to a component that does not exist",
    "unterminated-interpolation": "the syntax inside `${...}` of a free-text env value",
    "name-shared-across-sections": "names unique across sections",
    "cross-app-reference": "a reference (to another app)",
    "bucket-name-in-two-environments": "one name in two environments (S3 names are global)",
    "database-without-network": "a database needs the top-level `network`",
    "ec2-without-network": "an ec2 service needs the top-level `network`",
    "lambda-vpc-without-network": "`vpc: true` needs the top-level `network`",
    "lambda-trigger-queue": "a lambda's `queue` names an entry under `queues`, whose visibility timeout must cover the function's",
    "lambda-security-group-without-vpc": "an attribute that exists only with `vpc: true`",
    "alb-in-one-zone": "a public service and network.availability_zones",
    "database-in-one-zone": "a database and network.availability_zones",
    "lambda-environment-over-4-kb": "the total size of all of a function's variables",
    "database-password-url-in-lambda": "an attribute that depends on the kind of the service that references it",
    "two-public-services-without-domain": "two services' `public` and `domain`",
    "same-domain-twice": "two services' `domain`",
    # rules across fields of one component, or of a component and its overrides
    "override-undeclared-environment": "an override's environment must be declared under `environments`",
    "override-breaks-component": "the component merged with its override breaks a rule across fields",
    "problem-in-one-environment": "the component merged with one environment's override",
    "rollout-takes-every-host": "`deploy.max_unavailable` against `count`, after one environment's override",
    "ssm-description-too-long": "the limit depends on `store`",
    "not-secret-names-unknown-variable": "`not_secret` names must be `env` names",
    "cron-without-question-mark": None,  # caught by the schema's pattern too: see below
    # a value's meaning, not its shape
    "literal-stripe-key": "a secret-looking literal value (free text to the schema)",
    "literal-password": "a literal value under a secret-looking name",
    "literal-aws-secret-key": "a secret-looking literal value",
    "literal-github-token-in-override": "a secret-looking literal value",
    "cidr-host-bits": "host bits set in a CIDR block",
    "cidr-too-large": "a CIDR block's size",
    "bad-cidr": "a CIDR block's address",
    "reserved-lambda-variable": "names AWS Lambda reserves",
    "reserved-tag": "the `aws:` and `envspec:` tag prefixes (case-insensitive)",
    "name-tag": "the `Name` tag key, which envspec sets",
    "names-collide-across-environments": "the AWS names derived in every environment of every app in one account",
    "region-in-another-partition": "a region's partition (the schema's pattern names regions, not partitions)",
    # the AWS names derived from the app's, the environment's and the component's names together
    "aws-name-app-ends-with-hyphen": "an RDS identifier derived from the app's and the component's names",
    "aws-name-component-ends-with-hyphen": "names derived from the app's, environment's and component's names",
    "aws-name-bucket-reserved-suffix": "a bucket name derived from the app's, environment's and component's names",
    "aws-name-bucket-reserved-prefix": "a bucket name derived from the app's name and others",
    "aws-name-bucket-sthree-prefix": "a bucket name derived from the app's name and others",
    "aws-name-security-group-prefix": "a security group name derived from the app's name and others",
    "aws-name-load-balancer-internal": "a load balancer name derived from the app's and environment's names",
    "aws-name-environment-ends-with-hyphen": "a load balancer name derived from the app's and environment's names",
    "aws-name-beanstalk-over-40": "the length of a name derived from the app's, environment's and component's names",
    "aws-name-ssm-parameter-prefix": "an SSM parameter name derived from the app's name, for a secret with `store: ssm`",
    # values AWS's own lists hold (botocore's models, AWS's release calendars): too many, or changing
    # with each botocore, to be the schema's enums
    "unknown-instance-type": "EC2's instance types (botocore's list of about 1,400)",
    "deprecated-lambda-runtime": "Lambda's runtimes (botocore's list) less the deprecated ones",
    "postgres-end-of-life": "the major versions RDS creates, per engine",
    "mysql-with-a-postgres-version": "the major versions RDS creates, per engine; the Redis versions of ElastiCache",
    # AWS's limits at apply time (issue 22, item 8)
    "multicast-cidr": "a CIDR block's address range",
    "reserved-cidr": "a CIDR block's address range",
    "cron-out-of-range": "a cron field's values (the schema's pattern checks the six fields' shape only)",
    "cron-day-of-week-out-of-range": "a cron field's values (the schema's pattern checks the six fields' shape only)",
    "env-port-differs-from-port": "`env.PORT` and `port`",
    "lambda-outside-vpc-references-database-host": "an attribute that a service outside the VPC could never connect to",
    "certificate-of-another-region-or-account": "a certificate ARN and the environment's region and account",
    "alb-subnets-too-small": "the subnets the network's split gives a load balancer",
    "inline-policy-over-10-kb": "the size of the policy a service's references make",
    "sixty-one-rules-on-one-security-group": "the rules every component lands on one security group",
    "beanstalk-properties-over-4-kb": "the total size of a Beanstalk environment's properties",
    "beanstalk-reserved-tag": "the spec's tags on a Beanstalk environment",
}
CLI_ONLY = {name: why for name, why in CLI_ONLY.items() if why is not None}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(render()))


def _data(path: Path) -> dict[str, Any] | None:
    """The YAML data of a case, or None when the YAML reader itself refuses the file."""
    try:
        (document,) = load([path])
    except SpecError:
        return None
    return document.data


def test_every_listed_case_exists() -> None:
    names = {p.stem for p in CASES}
    assert set(CLI_ONLY) <= names, set(CLI_ONLY) - names


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_the_schema_rejects_what_the_cli_rejects_for_type_or_shape(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    with pytest.raises(SpecError):  # the command line rejects every case
        resolve(load([path]))
    data = _data(path)
    if data is None:
        return  # the YAML reader refuses it: neither the model nor the schema ever sees data
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # jsonschema's messages repr the value: a 4,400-digit integer needs it
    try:
        errors = [e.message for e in validator.iter_errors(data)]
    finally:
        sys.set_int_max_str_digits(limit)
    if path.stem in CLI_ONLY:
        assert errors == [], f"{path.stem} is listed as CLI-only ({CLI_ONLY[path.stem]}) but the schema rejects it"
    else:
        assert errors, f"{path.stem}: the command line rejects it, the schema accepts it"


STRICT = """\
envspec: 1
app: demo
environments:
  staging: {region: us-west-2, account_id: "111111111111"}
network: {cidr: 10.0.0.0/16}
buckets:
  uploads: {versioning: VERSIONING}
"""


@pytest.mark.parametrize(
    ("written", "valid"),
    [("true", True), ("false", True), ("yes", False), ("'true'", False), ("1", False), ("'1'", False), ("on", False)],
)
def test_both_read_a_boolean_the_same_way(written: str, valid: bool, validator: jsonschema.Draft202012Validator) -> None:
    document = parse(STRICT.replace("VERSIONING", written), "strict.yaml")
    schema_ok = not list(validator.iter_errors(document.data))
    try:
        resolve([document])
        cli_ok = True
    except SpecError:
        cli_ok = False
    assert (cli_ok, schema_ok) == (valid, valid)


@pytest.mark.parametrize(
    ("written", "valid"), [("3000", True), ("3000.0", True), ("'3000'", False), ("3000.5", False), ("true", False)]
)
def test_both_read_an_integer_the_same_way(written: str, valid: bool, validator: jsonschema.Draft202012Validator) -> None:
    text = STRICT.replace("buckets:\n  uploads: {versioning: VERSIONING}\n", "") + (
        "services:\n  web:\n    type: ec2\n    ami: ami-0123456789abcdef0\n    instance_type: t3.small\n"
        f"    port: {written}\n"
    )
    document = parse(text, "strict.yaml")
    schema_ok = not list(validator.iter_errors(document.data))
    try:
        resolve([document])
        cli_ok = True
    except SpecError:
        cli_ok = False
    assert (cli_ok, schema_ok) == (valid, valid)
