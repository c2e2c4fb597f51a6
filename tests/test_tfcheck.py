"""The offline Terraform harness itself: schema recovery, the stand-in provider, and that every
check can fail."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.tfcheck import (
    TerraformError,
    ensure_schema,
    fmt_check,
    plan,
    planned_addresses,
    planned_imports,
    planned_values,
    trivy_scan,
    validate,
)
from tests.tfcheck.cache import write_atomic
from tests.tfcheck.provider import data_fills, os_arch
from tests.tfcheck.schema import convert
from tests.tfcheck.terraform import staged

TERRAFORM_BLOCK = """\
terraform {
  backend "s3" {
    bucket = "envspec-state"
    key    = "app/terraform.tfstate"
    region = "us-east-1"
  }
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = {
      managed_by = "envspec"
    }
  }
}
"""

GOOD_ROOT = {
    "roots/app/main.tf": TERRAFORM_BLOCK
    + """
data "aws_caller_identity" "current" {}

module "logs" {
  source = "../../modules/bucket"
  name   = "app-logs-${data.aws_caller_identity.current.account_id}"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name = "app-vpc"
  }
}

resource "aws_s3_bucket" "data" {
  bucket = "app-data"
  tags = {
    Name = "app-data"
  }
}

import {
  to = aws_s3_bucket.data
  id = "app-data"
}

output "logs_arn" {
  value = module.logs.arn
}
""",
    "modules/bucket/main.tf": """\
variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
""",
}


def write_tree(base: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return base


def snapshot(base: Path) -> dict[str, str]:
    return {str(p.relative_to(base)): p.read_text() for p in sorted(base.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------
# Fast: the converter on a hand-written assembly, staging, platform name.

R = "@cdktf/provider-aws"
LINK = "{@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/thing#%s Thing#%s}"


def _prop(name: str, tf_name: str, type_: dict, optional: bool = True, block: bool = False) -> dict:
    docs = (
        {"summary": f"{tf_name} block.", "remarks": "Docs at Terraform Registry: " + LINK % (tf_name, tf_name)}
        if block
        else {"summary": "Docs at Terraform Registry: " + LINK % (tf_name, tf_name) + "."}
    )
    return {"name": name, "type": type_, "optional": optional, "docs": docs}


TINY_ASSEMBLY = {
    "types": {
        f"{R}.thing.Thing": {
            "kind": "class",
            "base": "cdktf.TerraformResource",
            "fqn": f"{R}.thing.Thing",
            "docs": {
                "summary": "Represents a {@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/thing aws_thing}."
            },
            "initializer": {
                "parameters": [{"name": "scope"}, {"name": "id"}, {"name": "config", "type": {"fqn": f"{R}.thing.ThingConfig"}}]
            },
            "properties": [
                {"name": "tfResourceType", "static": True, "type": {"primitive": "string"}},
                {"name": "arn", "type": {"primitive": "string"}},
                {"name": "enabled", "type": {"fqn": "cdktf.IResolvable"}},
                {"name": "secret", "type": {"fqn": f"{R}.thing.ThingSecretList"}},
                {"name": "name", "type": {"primitive": "string"}},
                {"name": "nameInput", "type": {"primitive": "string"}},
            ],
        },
        f"{R}.thing.ThingConfig": {
            "kind": "interface",
            "datatype": True,
            "interfaces": ["cdktf.TerraformMetaArguments"],
            "properties": [
                _prop("id", "id", {"primitive": "string"}),
                _prop("name", "name", {"primitive": "string"}, optional=False),
                _prop("tags", "tags", {"collection": {"kind": "map", "elementtype": {"primitive": "string"}}}),
                _prop("rule", "rule", {"fqn": f"{R}.thing.ThingRule"}, optional=False, block=True),
                _prop(
                    "ingress",
                    "ingress",
                    {
                        "union": {
                            "types": [
                                {"fqn": "cdktf.IResolvable"},
                                {"collection": {"kind": "array", "elementtype": {"fqn": f"{R}.thing.ThingRule"}}},
                            ]
                        }
                    },
                ),
                _prop("address1", "address_1", {"primitive": "number"}),
            ],
        },
        f"{R}.thing.ThingRule": {
            "kind": "interface",
            "datatype": True,
            "properties": [_prop("port", "port", {"primitive": "number"}, optional=False)],
        },
        f"{R}.thing.ThingRuleOutputReference": {
            "kind": "class",
            "base": "cdktf.ComplexObject",
            "properties": [
                {"name": "port", "type": {"primitive": "number"}},
                {"name": "ruleId", "type": {"primitive": "string"}},
                {"name": "internalValue", "type": {"fqn": f"{R}.thing.ThingRule"}},
            ],
        },
        f"{R}.thing.ThingSecret": {"kind": "interface", "datatype": True},
        f"{R}.thing.ThingSecretList": {
            "kind": "class",
            "base": "cdktf.ComplexList",
            "methods": [{"name": "get", "returns": {"type": {"fqn": f"{R}.thing.ThingSecretOutputReference"}}}],
        },
        f"{R}.thing.ThingSecretOutputReference": {
            "kind": "class",
            "base": "cdktf.ComplexObject",
            "properties": [{"name": "secretArn", "type": {"primitive": "string"}}],
        },
    }
}


def test_convert_reads_arguments_blocks_and_computed_attributes() -> None:
    thing = convert(TINY_ASSEMBLY)["resource_schemas"]["aws_thing"]["block"]
    attrs, blocks = thing["attributes"], thing["block_types"]
    assert attrs["name"] == {"type": "string", "required": True}
    assert attrs["tags"] == {"type": ["map", "string"], "optional": True, "computed": True}
    assert attrs["address_1"]["type"] == "number"  # the Terraform name comes from the registry link
    assert attrs["arn"] == {"type": "string", "computed": True}
    assert attrs["enabled"] == {"type": "bool", "computed": True}
    assert attrs["secret"] == {"type": ["list", ["object", {"secret_arn": "string"}]], "computed": True}
    assert "name_input" not in attrs and "tf_resource_type" not in attrs
    # An SDKv2 resource (it has an optional id): a struct list argument is an attribute of objects.
    assert attrs["ingress"]["type"] == ["list", ["object", {"port": "number", "rule_id": "string"}]]
    assert blocks["rule"]["max_items"] == 1 and blocks["rule"]["min_items"] == 1
    assert blocks["rule"]["block"]["attributes"]["port"] == {"type": "number", "required": True}
    assert blocks["rule"]["block"]["attributes"]["rule_id"] == {"type": "string", "computed": True}


def test_convert_uses_nested_attributes_for_plugin_framework_resources() -> None:
    assembly = {"types": {k: dict(v) for k, v in TINY_ASSEMBLY["types"].items()}}
    config = assembly["types"][f"{R}.thing.ThingConfig"]
    config["properties"] = [p for p in config["properties"] if p["name"] != "id"]  # framework: no optional id
    attrs = convert(assembly)["resource_schemas"]["aws_thing"]["block"]["attributes"]
    assert attrs["ingress"]["nested_type"]["nesting_mode"] == "list"
    assert attrs["ingress"]["nested_type"]["attributes"]["port"] == {"type": "number", "required": True}


def test_staged_copies_root_and_the_modules_it_uses(tmp_path: Path) -> None:
    write_tree(tmp_path, GOOD_ROOT)
    write_tree(tmp_path, {"unrelated/big.txt": "x", "roots/app/.terraform.lock.hcl": "# pinned elsewhere\n"})
    with staged(tmp_path / "roots" / "app") as copy:
        assert copy.name == "app" and (copy / "main.tf").exists()
        assert (copy / "../../modules/bucket/main.tf").resolve().exists()
        assert not (copy / ".terraform.lock.hcl").exists()
        top = copy.parent.parent
        assert sorted(p.name for p in top.iterdir()) == ["modules", "roots", "unrelated"]
    assert not copy.exists()


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.json"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]


def test_os_arch_names_a_terraform_platform() -> None:
    os_name, arch = os_arch().split("_")
    assert os_name in {"linux", "darwin"} and arch in {"amd64", "arm64", "386"}


def test_data_fills_per_type_and_per_instance() -> None:
    values = {
        "aws_security_group": {"description": "any", "@by": {"tags.Name": {"api": {"id": "sg-1"}}}},
        "aws_vpc_security_group_rule": {"@by": {"security_group_rule_id": {"sgr-1": {"from_port": 443}}}},
    }
    assert data_fills("aws_vpc", {}, values) == {"id": "tfcheck-aws_vpc"}
    api = {"tags": {"Name": "api"}}
    assert data_fills("aws_security_group", api, values) == {"id": "sg-1", "description": "any"}
    assert data_fills("aws_security_group", {"tags": {"Name": "db"}}, values)["id"] == "tfcheck-aws_security_group"
    assert data_fills("aws_security_group", {"tags": None}, values)["id"] == "tfcheck-aws_security_group"
    rule = data_fills("aws_vpc_security_group_rule", {"security_group_rule_id": "sgr-1"}, values)
    assert rule == {"id": "tfcheck-aws_vpc_security_group_rule", "from_port": 443}


# ---------------------------------------------------------------------------------------------
# Slow: the real schema, real Terraform, real Trivy.


@pytest.mark.slow
def test_schema_comes_from_the_installed_provider_package() -> None:
    schema = ensure_schema()
    assert (schema.package_version, schema.provider_version) == ("21.22.1", "6.25.0")
    assert schema.resources > 1500 and schema.data_sources > 600
    aws = schema.provider()
    bucket = aws["resource_schemas"]["aws_s3_bucket"]["block"]
    assert bucket["attributes"]["bucket"]["optional"] and bucket["attributes"]["arn"]["computed"]
    assert bucket["block_types"]["versioning"]["max_items"] == 1
    assert aws["resource_schemas"]["aws_db_instance"]["block"]["attributes"]["instance_class"]["required"]
    assert "region" in aws["provider"]["block"]["attributes"] and "alias" not in aws["provider"]["block"]["attributes"]
    assert "aws_caller_identity" in aws["data_source_schemas"]


@pytest.mark.slow
def test_correct_root_with_module_and_import_validates(tmp_path: Path) -> None:
    write_tree(tmp_path, GOOD_ROOT)
    before = snapshot(tmp_path)
    result = validate(tmp_path / "roots" / "app")
    result.assert_valid()
    assert result.diagnostics == []
    assert snapshot(tmp_path) == before  # nothing (.terraform, lock file) written into the checked tree


@pytest.mark.slow
def test_unknown_argument_fails_with_a_suggestion(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket_prefx = "app-"\n}\n'})
    result = validate(tmp_path)
    assert not result.valid
    [error] = result.errors
    assert error["summary"] == "Unsupported argument"
    assert 'Did you mean "bucket_prefix"?' in error["detail"]
    assert error["range"]["filename"] == "main.tf" and error["range"]["start"]["line"] == 2
    with pytest.raises(AssertionError, match="Unsupported argument"):
        result.assert_valid()


@pytest.mark.slow
def test_missing_required_argument_and_block_fail(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"main.tf": """\
            resource "aws_db_instance" "db" {
              engine = "postgres"
            }

            resource "aws_s3_bucket_versioning" "v" {
              bucket = "app-data"
            }
            """},
    )
    result = validate(tmp_path)
    summaries = sorted(e["summary"] for e in result.errors)
    assert summaries == ["Insufficient versioning_configuration blocks", "Missing required argument"]
    assert any('"instance_class" is required' in m for m in result.messages)


@pytest.mark.slow
def test_type_and_reference_mistakes_fail(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"main.tf": """\
            resource "aws_db_instance" "db" {
              instance_class              = "db.t4g.micro"
              manage_master_user_password = true
            }

            resource "aws_security_group" "web" {
              ingress = [{ from_port = 443, to_port = 443, protocol = "tcp", cidr_blocks = ["10.0.0.0/8"] }]
            }

            resource "aws_not_a_thing" "x" {}

            output "secret" {
              value = aws_db_instance.db.master_user_secret.secret_arn
            }
            """},
    )
    messages = "\n".join(validate(tmp_path).messages)
    assert 'attributes "description", "ipv6_cidr_blocks"' in messages  # attribute-as-blocks need every field
    assert "Invalid resource type" in messages
    assert "Can't access attributes on a list of objects" in messages


@pytest.mark.slow
def test_provider_version_constraint_must_accept_the_stand_in(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tf": TERRAFORM_BLOCK.replace("~> 6.0", "~> 5.0")})
    result = validate(tmp_path)
    assert not result.valid
    assert result.errors[0]["summary"] == "terraform init failed"
    assert "no available releases match the given constraints ~> 5.0" in result.errors[0]["detail"]


@pytest.mark.slow
def test_plan_lists_addresses_names_tags_and_imports(tmp_path: Path) -> None:
    write_tree(tmp_path, GOOD_ROOT)
    before = snapshot(tmp_path)
    result = plan(tmp_path / "roots" / "app")
    assert planned_addresses(result) == {
        "aws_s3_bucket.data": ["update"],  # imported: the stand-in's imported state is empty
        "aws_vpc.main": ["create"],
        "module.logs.aws_s3_bucket.this": ["create"],
        "module.logs.aws_s3_bucket_versioning.this": ["create"],
    }
    assert planned_imports(result) == {"aws_s3_bucket.data": "app-data"}
    vpc = planned_values(result, "aws_vpc.main")
    assert vpc["cidr_block"] == "10.0.0.0/16"
    assert vpc["tags_all"] == {"Name": "app-vpc", "managed_by": "envspec"}  # default_tags merged
    assert planned_values(result, "module.logs.aws_s3_bucket.this")["bucket"] == "app-logs-123456789012"
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_plan_fails_on_an_import_without_configuration(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tf": 'import {\n  to = aws_s3_bucket.missing\n  id = "x"\n}\n'})
    with pytest.raises(TerraformError, match="Configuration for import target does not exist"):
        plan(tmp_path)


@pytest.mark.slow
def test_plan_takes_variables_and_data_source_values(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"main.tf": """\
            variable "env" {
              type = string
            }

            data "aws_vpc" "shared" {
              id = "vpc-123"
            }

            resource "aws_subnet" "a" {
              vpc_id     = data.aws_vpc.shared.id
              cidr_block = cidrsubnet(data.aws_vpc.shared.cidr_block, 8, 1)
              tags = {
                Name = "${var.env}-a"
              }
            }
            """},
    )
    result = plan(tmp_path, variables={"env": "prod"}, data={"aws_vpc": {"cidr_block": "10.1.0.0/16"}})
    subnet = planned_values(result, "aws_subnet.a")
    assert (subnet["vpc_id"], subnet["cidr_block"], subnet["tags"]) == ("vpc-123", "10.1.1.0/24", {"Name": "prod-a"})


@pytest.mark.slow
def test_fmt_check_flags_only_unformatted_files(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "good/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket        = "x"\n  force_destroy = true\n}\n',
            "bad/ok.tf": 'variable "x" {\n  default = 1\n}\n',
            "bad/nested/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  force_destroy= true\n}\n',
            "broken/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket =\n',
        },
    )
    before = snapshot(tmp_path)
    assert fmt_check(tmp_path / "good") == []
    [problem] = fmt_check(tmp_path / "bad")
    assert problem.startswith("nested/main.tf\n")
    assert "\n-  force_destroy= true\n" in problem and "\n+  force_destroy = true\n" in problem
    [broken] = fmt_check(tmp_path / "broken")
    assert "syntax error" in broken and "main.tf line 2" in broken
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_trivy_reports_a_world_open_ssh_port_as_data(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "bad/main.tf": """\
            resource "aws_security_group" "ssh" {
              name        = "ssh"
              description = "SSH from anywhere"
              ingress {
                description = "ssh"
                from_port   = 22
                to_port     = 22
                protocol    = "tcp"
                cidr_blocks = ["0.0.0.0/0"]
              }
            }
            """,
            "good/main.tf": """\
            resource "aws_security_group" "ssh" {
              name        = "ssh"
              description = "SSH from the office"
              ingress {
                description = "ssh"
                from_port   = 22
                to_port     = 22
                protocol    = "tcp"
                cidr_blocks = ["10.20.0.0/16"]
              }
            }
            """,
        },
    )
    findings = trivy_scan(tmp_path / "bad", severities=["HIGH", "CRITICAL"])
    ssh = [f for f in findings if f["id"] == "AVD-AWS-0107"]
    assert ssh and ssh[0]["severity"] == "HIGH"
    assert ssh[0]["resource"] == "aws_security_group.ssh" and ssh[0]["file"] == "main.tf" and ssh[0]["start_line"] == 9
    assert not [f for f in trivy_scan(tmp_path / "good", severities=["HIGH", "CRITICAL"]) if f["id"] == "AVD-AWS-0107"]
