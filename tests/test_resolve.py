"""envspec.core.resolve: overrides, owners, interpolation, references, cycles and cross-file rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from envspec.core.errors import SpecError
from envspec.core.model import BeanstalkService, Database, Ec2Service, LambdaService
from envspec.core.resolve import resolve, resolve_document
from envspec.core.resolved import Interpolated, Reference, ResolvedApp
from envspec.core.source import parse, read

ROOT = Path(__file__).resolve().parent.parent

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


def spec(body: str, header: str = HEADER) -> str:
    return header + textwrap.dedent(body)


def ok(body: str, header: str = HEADER) -> ResolvedApp:
    return resolve_document(parse(spec(body, header), "s.yaml"))


def problems(body: str, header: str = HEADER) -> list[str]:
    with pytest.raises(SpecError) as caught:
        ok(body, header)
    return [str(d) for d in caught.value.diagnostics]


LAMBDA = """\
    type: lambda
    runtime: nodejs20.x
    handler: index.handler
    code: s3://demo-artifacts/fn.zip
"""


# ---- the contract's example -----------------------------------------------------------------------


def test_the_contract_example_resolves() -> None:
    [app] = resolve([read(ROOT / "examples" / "contract.yaml")])
    assert app.spec.app == "xkit"
    assert list(app.environments) == ["staging", "production"]
    staging, production = app.environments["staging"], app.environments["production"]
    assert staging.region == "us-west-2" and production.account_id == "222222222222"
    assert staging.tags == {"cost-center": "platform"}
    assert list(staging.components) == [
        "network",
        "secrets.secret_key_base",
        "secrets.hubspot_client_secret",
        "buckets.uploads",
        "databases.main",
        "databases.reports",
        "caches.sessions",
        "queues.jobs",
        "queues.events",
        "services.api",
        "services.dashboard",
        "services.sync-worker",
    ]
    kinds = {a: c.kind for a, c in staging.components.items()}
    assert kinds["network"] == "network" and kinds["services.api"] == "ec2"
    assert kinds["services.dashboard"] == "beanstalk" and kinds["services.sync-worker"] == "lambda"
    assert staging.components["network"].owner == "terraform"
    assert staging.components["databases.main"].owner == "ansible"

    api = staging.components["services.api"]
    assert api.name == "api"
    assert api.env["DATABASE_URL"] == Interpolated((Reference("databases.main", "url_with_password"),))
    assert api.env["SECRET_KEY_BASE"].references == (Reference("secrets.secret_key_base", "value"),)
    assert api.references == (
        Reference("buckets.uploads", "name"),
        Reference("caches.sessions", "url"),
        Reference("databases.main", "url_with_password"),
        Reference("databases.reports", "url"),
        Reference("queues.jobs", "url"),
        Reference("secrets.secret_key_base", "value"),
        Reference("services.sync-worker", "arn"),
    )
    assert staging.components["buckets.uploads"].env == {}
    assert staging.components["buckets.uploads"].references == ()

    main_staging = staging.components["databases.main"].model
    main_production = production.components["databases.main"].model
    assert isinstance(main_staging, Database) and isinstance(main_production, Database)
    assert (main_staging.instance_class, main_staging.storage_gb, main_staging.multi_az) == ("db.t4g.medium", 50, False)
    assert (main_production.instance_class, main_production.storage_gb, main_production.multi_az) == (
        "db.r6g.large", 200, True,
    )
    assert main_production.overrides == {}  # applied, not carried along
    assert app.spec.databases["main"].overrides["production"]["storage_gb"] == 200


def test_every_example_and_spec_resolves() -> None:
    files = sorted((ROOT / "examples").rglob("*.yaml")) + sorted((ROOT / "specs").glob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        [app] = resolve([read(path)])
        assert app.environments


# ---- overrides and owners ----------------------------------------------------------------------------


def test_overrides_deep_merge_mappings_and_replace_scalars() -> None:
    app = ok(
        """\
        network:
          cidr: 10.0.0.0/16
        services:
          api:
            type: ec2
            ami: ami-0123456789abcdef0
            instance_type: t3.small
            release:
              artifact: s3://r/api/{version}.tgz
              start: bin/api
            env:
              A: "1"
              B: "2"
            overrides:
              production:
                count: 3
                release:
                  start: bin/api start
                env:
                  B: "two"
                  C: "3"
        """
    )
    staging = app.environments["staging"].components["services.api"]
    production = app.environments["production"].components["services.api"]
    assert isinstance(staging.model, Ec2Service) and isinstance(production.model, Ec2Service)
    assert staging.model.count == 1 and production.model.count == 3
    assert production.model.release is not None
    assert production.model.release.artifact == "s3://r/api/{version}.tgz"
    assert production.model.release.start == "bin/api start"
    assert {k: v.literal for k, v in production.env.items()} == {"A": "1", "B": "two", "C": "3"}
    assert list(production.env) == ["A", "B", "C"]
    assert {k: v.literal for k, v in staging.env.items()} == {"A": "1", "B": "2"}


def test_owner_comes_from_the_component_its_override_or_the_spec_default() -> None:
    app = ok(
        """\
        owner: terraform
        buckets:
          a: {}
          b:
            owner: ansible
          c:
            overrides:
              production:
                owner: ansible
        """
    )
    owners = {
        env: {a: c.owner for a, c in resolved.components.items()} for env, resolved in app.environments.items()
    }
    assert owners == {
        "staging": {"buckets.a": "terraform", "buckets.b": "ansible", "buckets.c": "terraform"},
        "production": {"buckets.a": "terraform", "buckets.b": "ansible", "buckets.c": "ansible"},
    }


def test_default_owner_is_ansible() -> None:
    app = ok("buckets:\n  a: {}\n")
    assert app.environments["staging"].components["buckets.a"].owner == "ansible"


def test_override_for_an_undeclared_environment() -> None:
    assert problems("buckets:\n  a:\n    overrides:\n      prodution:\n        versioning: true\n") == [
        "s.yaml:13:7: buckets.a.overrides.prodution: override for undeclared environment 'prodution' "
        "(did you mean 'production'?)"
    ]


def test_errors_in_an_override_point_into_the_override() -> None:
    assert problems(
        """\
        databases:
          main:
            engine: postgres
            version: "16.4"
            instance_class: db.t4g.medium
            overrides:
              production:
                storage_gb: 10
                instanse_class: db.r6g.large
        network:
          cidr: 10.0.0.0/16
        """
    ) == [
        "s.yaml:17:21: databases.main.overrides.production.storage_gb: must be at least 20, found 10",
        "s.yaml:18:9: databases.main.overrides.production.instanse_class: unknown field "
        "(did you mean 'instance_class'?)",
    ]


def test_a_rule_broken_by_an_override_points_at_the_override() -> None:
    assert problems(
        """\
        services:
          site:
            type: beanstalk
            platform: Node.js 20
            max_instances: 2
            overrides:
              staging:
                min_instances: 3
        """
    ) == ["s.yaml:16:7: services.site.overrides.staging: max_instances (2) is less than min_instances (3)"]


def test_the_component_as_written_must_be_valid_too() -> None:
    # every environment fills in instance_class, but the component itself lacks it
    assert problems(
        """\
        databases:
          main:
            engine: postgres
            version: "16.4"
            overrides:
              staging: {instance_class: db.t4g.small}
              production: {instance_class: db.r6g.large}
        network:
          cidr: 10.0.0.0/16
        """
    ) == ["s.yaml:11:3: databases.main: missing required field 'instance_class' (for example db.t4g.medium)"]


def test_type_cannot_be_overridden_and_overrides_do_not_nest() -> None:
    assert problems(
        "services:\n  fn:\n" + LAMBDA + "    overrides:\n      staging:\n        type: ec2\n"
        "        overrides: {}\n"
    ) == [
        "s.yaml:18:9: services.fn.overrides.staging.type: `type` cannot be overridden",
        "s.yaml:19:9: services.fn.overrides.staging.overrides: overrides cannot be nested",
    ]


# ---- interpolation -----------------------------------------------------------------------------------


def test_app_and_env_are_substituted_in_component_fields_and_env_values() -> None:
    app = ok(
        "services:\n  fn:\n" + LAMBDA.replace("s3://demo-artifacts/fn.zip", "s3://${app}-${env.name}/fn.zip")
        + "    env:\n      WHERE: ${app}/${env.name}/${env.region}/${env.account_id}\n"
        "      LITERAL: costs $$5 and $${not.a.reference}\n"
    )
    staging = app.environments["staging"].components["services.fn"]
    production = app.environments["production"].components["services.fn"]
    assert isinstance(staging.model, LambdaService) and isinstance(production.model, LambdaService)
    assert staging.model.code == "s3://demo-staging/fn.zip"
    assert production.model.code == "s3://demo-production/fn.zip"
    assert staging.env["WHERE"].literal == "demo/staging/us-west-2/111111111111"
    assert production.env["WHERE"].literal == "demo/production/eu-west-1/222222222222"
    assert staging.env["LITERAL"] == Interpolated(("costs $$5 and ${not.a.reference}",))
    assert app.spec.services["fn"].code == "s3://demo-staging/fn.zip"  # as written, for the first environment


def test_references_mixed_with_text() -> None:
    body = (
        'databases:\n  main:\n    engine: postgres\n    version: "16.4"\n    instance_class: db.t4g.medium\n'
        "network:\n  cidr: 10.0.0.0/16\n"
        "services:\n  fn:\n" + LAMBDA + "    vpc: true\n    env:\n"  # in the VPC: a database's host is private
        '      DSN: "host=${databases.main.host} port=${databases.main.port} vpc=${network.vpc_id}"\n'
        '      EMPTY: ""\n'
    )
    fn = ok(body).environments["staging"].components["services.fn"]
    assert fn.env["DSN"].parts == (
        "host=", Reference("databases.main", "host"), " port=", Reference("databases.main", "port"), " vpc=",
        Reference("network", "vpc_id"),
    )
    assert fn.env["DSN"].literal is None
    assert fn.env["EMPTY"].parts == () and fn.env["EMPTY"].literal == ""
    assert fn.references == (
        Reference("databases.main", "host"), Reference("databases.main", "port"), Reference("network", "vpc_id"),
    )


def test_the_model_keeps_env_values_as_written() -> None:
    app = ok("services:\n  fn:\n" + LAMBDA + "    env:\n      AV: ${app}-$${x}\n")
    fn = app.environments["staging"].components["services.fn"]
    assert fn.model.env == {"AV": "${app}-$${x}"}
    assert fn.env["AV"].literal == "demo-${x}"


@pytest.mark.parametrize(
    ("value", "column", "message"),
    [
        ("x ${app", 12, "unterminated reference: '${' without a closing '}' (write $${ for a literal ${)"),
        ("x ${}", 12, "empty reference ${} (references look like ${databases.main.url})"),
        ("${a b}", 10, "invalid reference ${a b} (references look like ${databases.main.url})"),
        ("${env.zone}", 10, "unknown reference ${env.zone} (did you mean 'env.name'?)"),
        ("${buket.b.name}", 10, "unknown reference ${buket.b.name} (did you mean 'buckets.b'?)"),
        ("${buckets.c.name}", 10, "unknown reference ${buckets.c.name} (did you mean 'buckets.b'?)"),
        ("${buckets.b.nme}", 10, "unknown attribute ${buckets.b.nme} (did you mean 'name'?)"),
        ("${buckets.b.zzz}", 10, "unknown attribute ${buckets.b.zzz} (buckets.b has name, arn)"),
        ("${buckets.b}", 10, "${buckets.b} needs an attribute (one of name, arn)"),
        ("${buckets.b.name.x}", 10, "unknown reference ${buckets.b.name.x} (did you mean 'buckets.b'?)"),
        ("${network.vpc_id}", 10, "unknown reference ${network.vpc_id}"),
        ("${services.fn.arn}", 10, "services.fn references itself in ${services.fn.arn}"),
        ("'a ${buckets.b.nope}'", 13, "unknown attribute ${buckets.b.nope} (buckets.b has name, arn)"),
    ],
)
def test_reference_errors_point_at_the_reference(value: str, column: int, message: str) -> None:
    # line 19 is `      XV: VALUE`: the value starts in column 11 (the columns above are of `X: VALUE`)
    body = "buckets:\n  b: {}\nservices:\n  fn:\n" + LAMBDA + f"    env:\n      XV: {value}\n"
    assert problems(body) == [f"s.yaml:19:{column + 1}: services.fn.env.XV: {message}"]


def test_column_of_a_reference_in_quoted_and_block_scalars() -> None:
    body = "services:\n  fn:\n" + LAMBDA + '    env:\n      X: "a\\tb ${nope}"\n      Y: |\n        ${nope}\n'
    assert problems(body) == [
        "s.yaml:17:16: services.fn.env.X: unknown reference ${nope}",  # the escape \t is two columns
        "s.yaml:18:10: services.fn.env.Y: unknown reference ${nope}",  # block scalar: its own position
    ]


def test_component_references_only_in_env_values() -> None:
    body = "buckets:\n  b: {}\nservices:\n  fn:\n" + LAMBDA + "    handler: ${buckets.b.name}\n"
    body = body.replace("    handler: index.handler\n", "", 1)
    assert problems(body) == [
        "s.yaml:17:14: services.fn.handler: component reference ${buckets.b.name} is only allowed in `env` values"
    ]


def test_attributes_that_depend_on_the_configuration() -> None:
    body = (
        "network:\n  cidr: 10.0.0.0/16\n"
        "services:\n"
        "  web:\n    type: ec2\n    ami: ami-0123456789abcdef0\n    instance_type: t3.small\n"
        "  inner:\n" + LAMBDA + "  outer:\n" + LAMBDA + "    env:\n"
        "      WEB: ${services.web.url}\n"
        "      SG: ${services.inner.security_group_id}\n"
        "      WEB_SG: ${services.web.security_group_id}\n"
    )
    assert problems(body) == [
        "s.yaml:28:12: services.outer.env.WEB: ${services.web.url} is not available: services.web is not public "
        "(set `public: true` on services.web)",
        "s.yaml:29:11: services.outer.env.SG: ${services.inner.security_group_id} is not available: "
        "services.inner does not run in the VPC (set `vpc: true` on services.inner)",
    ]
    fixed = body.replace("instance_type: t3.small\n", "instance_type: t3.small\n    public: true\n")
    fixed = fixed.replace("  outer:\n", "    vpc: true\n  outer:\n")
    app = ok(fixed)
    assert app.environments["staging"].components["services.outer"].references == (
        Reference("services.inner", "security_group_id"),
        Reference("services.web", "security_group_id"),
        Reference("services.web", "url"),
    )


def test_a_problem_inside_an_override_is_not_prefixed() -> None:
    body = (
        "buckets:\n  b: {}\n"
        "services:\n"
        "  fn:\n" + LAMBDA + "    env:\n      XV: ${buckets.b.name}\n"
        "    overrides:\n      production:\n        env:\n          XV: ${buckets.b.nam}\n"
        "  gn:\n" + LAMBDA + "    env:\n      YV: ${buckets.b.nam}\n"
    )
    assert problems(body) == [
        "s.yaml:23:15: services.fn.overrides.production.env.XV: unknown attribute ${buckets.b.nam} "
        "(did you mean 'name'?)",
        "s.yaml:30:11: services.gn.env.YV: unknown attribute ${buckets.b.nam} (did you mean 'name'?)",
    ]
    app = ok(body.replace("${buckets.b.nam}", "${buckets.b.arn}"))
    assert app.environments["production"].components["services.fn"].references == (Reference("buckets.b", "arn"),)
    assert app.environments["staging"].components["services.fn"].references == (Reference("buckets.b", "name"),)


def test_a_problem_in_some_environments_only_says_which() -> None:
    body = (
        "network:\n  cidr: 10.0.0.0/16\n"
        "services:\n"
        "  web:\n    type: ec2\n    ami: ami-0123456789abcdef0\n    instance_type: t3.small\n    public: true\n"
        "    overrides:\n      staging:\n        public: false\n"
        "  fn:\n" + LAMBDA + "    env:\n      URL: ${services.web.url}\n"
    )
    assert problems(body) == [
        "s.yaml:27:12: services.fn.env.URL: in staging: ${services.web.url} is not available: services.web is not "
        "public (set `public: true` on services.web)"
    ]


def test_reference_cycles_are_reported_once_at_a_reference() -> None:
    body = "services:\n"
    for name, other in (("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")):
        body += f"  {name}:\n" + LAMBDA + f"    env:\n      NEXT: ${{services.{other}.arn}}\n"
    assert problems(body) == [
        "s.yaml:17:13: services.a.env.NEXT: reference cycle: services.a -> services.b -> services.c -> services.a"
    ]


def test_two_services_referencing_each_other() -> None:
    body = "services:\n"
    for name, other in (("x", "y"), ("y", "x")):
        body += f"  {name}:\n" + LAMBDA + f"    env:\n      PEER: ${{services.{other}.name}}\n"
    assert problems(body) == ["s.yaml:17:13: services.x.env.PEER: reference cycle: services.x -> services.y -> services.x"]


# ---- cross rules and several files ---------------------------------------------------------------------


def test_ec2_and_lambda_in_a_vpc_need_the_network_beanstalk_does_not() -> None:
    body = (
        "services:\n"
        "  web:\n    type: ec2\n    ami: ami-0123456789abcdef0\n    instance_type: t3.small\n"
        "  site:\n    type: beanstalk\n    platform: Node.js 20\n"
        "  fn:\n" + LAMBDA + "    vpc: true\n"
    )
    assert problems(body) == [
        "s.yaml:12:11: services.web.type: an ec2 service needs the app's `network` (add a top-level `network`)",
        "s.yaml:23:10: services.fn.vpc: a lambda function with `vpc: true` needs the app's `network` "
        "(add a top-level `network`)",
    ]


def test_beanstalk_without_network() -> None:
    app = ok("services:\n  site:\n    type: beanstalk\n    platform: Node.js 20\n")
    assert isinstance(app.environments["staging"].components["services.site"].model, BeanstalkService)


def test_two_files_with_the_same_app() -> None:
    first = parse(spec("buckets:\n  a: {}\n"), "one.yaml")
    second = parse(spec("buckets:\n  b: {}\n"), "two.yaml")
    with pytest.raises(SpecError) as caught:
        resolve([first, second])
    assert [str(d) for d in caught.value.diagnostics] == [
        "two.yaml:2:6: app: app 'demo' is already defined in one.yaml; each app has one file"
    ]
    other = parse(spec("buckets:\n  b: {}\n").replace("app: demo", "app: other"), "two.yaml")
    assert [a.spec.app for a in resolve([first, other])] == ["demo", "other"]


def test_errors_of_every_file_and_environment_are_collected_and_not_repeated() -> None:
    bad_one = parse(spec("buckets:\n  a:\n    versioning: maybe\n"), "one.yaml")
    bad_two = parse(spec("services:\n  fn:\n" + LAMBDA + "    memory_mb: 1\n").replace("demo", "other"), "two.yaml")
    with pytest.raises(SpecError) as caught:
        resolve([bad_one, bad_two])
    assert [str(d) for d in caught.value.diagnostics] == [
        "one.yaml:12:17: buckets.a.versioning: expected true or false, found a string ('maybe')",
        "two.yaml:16:16: services.fn.memory_mb: must be at least 128, found 1",
    ]


def test_resolved_output_is_immutable() -> None:
    app = ok("buckets:\n  a: {}\n")
    with pytest.raises(AttributeError):
        app.environments["staging"].env = "x"  # type: ignore[misc]
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        app.environments["staging"].components["buckets.a"].model.versioning = True  # type: ignore[misc]


def test_two_apps_deriving_one_aws_name_in_one_account_are_refused_at_the_later_one() -> None:
    shop = parse('envspec: 1\napp: shop\nenvironments:\n  prod-eu: {region: eu-west-1, account_id: "111111111111"}\n'
                 "buckets:\n  api: {}\n", "shop.yaml")
    other = parse('envspec: 1\napp: shop-prod\nenvironments:\n  eu: {region: eu-west-1, account_id: "111111111111"}\n'
                  "queues:\n  api: {}\n", "shop-prod.yaml")
    with pytest.raises(SpecError) as raised:
        resolve([shop, other])
    assert [str(d) for d in raised.value.diagnostics] == [
        "shop-prod.yaml:6:3: queues.api: its AWS name in eu, 'shop-prod-eu-api', is also that of buckets.api in prod-eu "
        "(app shop), in the same account (111111111111): they would be one AWS object (rename one of them, or an environment)"
    ]
    # in two accounts, the same names are fine
    apart = parse('envspec: 1\napp: shop-prod\nenvironments:\n  eu: {region: eu-west-1, account_id: "222222222222"}\n'
                  "queues:\n  api: {}\n", "shop-prod.yaml")
    assert len(resolve([shop, apart])) == 2


def test_a_secret_and_a_bucket_of_one_name_do_not_collide() -> None:
    """A secret's AWS names are paths (APP/ENV/NAME), not joined with `-`: no collision with a bucket."""
    spec = parse('envspec: 1\napp: a0\nenvironments:\n  a: {region: us-east-1, account_id: "000000000000"}\n'
                 "secrets:\n  a: {}\nbuckets:\n  a: {}\n", "a.yaml")
    (app,) = resolve([spec])
    assert set(app.environments["a"].components) == {"secrets.a", "buckets.a"}
