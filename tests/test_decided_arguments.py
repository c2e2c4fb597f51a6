"""Arguments either tool would default differently are decided in the lowering and rendered by both.

The proof against real AWS behaviour is the provider's plan after a move (issue "Prove
coexistence"); this holds the rendering: the value the core decided reaches the Terraform module
call, the module's resource, the Ansible inventory and the role's module arguments.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePosixPath
from typing import Any

import hcl2
import yaml

from envspec.core.ir import Node, ResourceGraph
from envspec_ansible import AnsibleBackend
from envspec_terraform import TerraformBackend
from tests.graphs import REPO, graphs_for

DATABASE = {  # lowering input -> (aws_db_instance argument, amazon.aws.rds_instance argument)
    "storage_type": ("storage_type", "storage_type"),
    "iam_database_authentication_enabled": ("iam_database_authentication_enabled", "enable_iam_database_authentication"),
    "skip_final_snapshot": ("skip_final_snapshot", "skip_final_snapshot"),
    "final_snapshot_identifier": ("final_snapshot_identifier", "final_db_snapshot_identifier"),
    "auto_minor_version_upgrade": ("auto_minor_version_upgrade", "auto_minor_version_upgrade"),
}
MODULES = REPO / "backends" / "envspec_terraform" / "modules"
ROLES = REPO / "backends" / "envspec_ansible" / "files" / "roles"
MODULE = MODULES / "database" / "main.tf"
ROLE = ROLES / "database" / "tasks" / "main.yml"
SUBNETS = ("public_subnets", "private_subnets")


def owned_by(graph: ResourceGraph, owner: str) -> ResourceGraph:
    return dataclasses.replace(graph, nodes=tuple(dataclasses.replace(n, owner=owner, history=()) for n in graph.nodes))


def inventory_inputs(graph: ResourceGraph, node: Node) -> dict[str, Any]:
    """The component's inputs as Ansible reads them from the generated inventory (`!unsafe` and all)."""
    from ansible._internal._yaml._loader import AnsibleLoader
    from ansible.template import trust_as_template

    text = AnsibleBackend().emit(graph)[PurePosixPath(f"ansible/inventories/{graph.env}/group_vars/all/components.yml")]
    components = AnsibleLoader(trust_as_template(text)).get_single_data()
    inputs: dict[str, Any] = components["envspec_components"][node.address]["inputs"]
    return inputs


def test_the_lowering_decides_each_database_argument() -> None:
    graph = graphs_for(REPO / "examples" / "ec2-database.yaml")["staging"]
    (db,) = [n for n in graph.nodes if n.kind == "database"]
    name = next(r.name for r in db.resources if r.type == "aws_db_instance")
    assert {k: db.inputs[k] for k in DATABASE} == {
        "storage_type": "gp3",
        "iam_database_authentication_enabled": True,
        "skip_final_snapshot": False,
        "final_snapshot_identifier": f"{name}-final",
        "auto_minor_version_upgrade": True,
    }


def test_terraform_renders_what_the_lowering_decided() -> None:
    graph = owned_by(graphs_for(REPO / "examples" / "ec2-database.yaml")["staging"], "terraform")
    (db,) = [n for n in graph.nodes if n.kind == "database"]
    main = TerraformBackend().emit(graph)[PurePosixPath("terraform/staging/main.tf")]
    calls = [body for block in hcl2.loads(main)["module"] for body in block.values()]
    (call,) = [c for c in calls if '"./../modules/database"' in str(c.get("source")) or "modules/database" in str(c.get("source"))]
    resource = hcl2.loads(MODULE.read_text())["resource"]
    (instance,) = [b['"aws_db_instance"']['"this"'] if '"aws_db_instance"' in b else b["aws_db_instance"]["this"] for b in resource if '"aws_db_instance"' in b or "aws_db_instance" in b]
    for key, (tf_arg, _) in DATABASE.items():
        value = db.inputs[key]
        rendered = call[key]
        assert rendered == (f'"{value}"' if isinstance(value, str) else value), key
        assert instance[tf_arg] == f"${{var.{key}}}", f"the module must take {tf_arg} from var.{key}, not a default of its own"


def test_ansible_renders_what_the_lowering_decided() -> None:
    graph = owned_by(graphs_for(REPO / "examples" / "ec2-database.yaml")["staging"], "ansible")
    (db,) = [n for n in graph.nodes if n.kind == "database"]
    inputs = inventory_inputs(graph, db)
    tasks = yaml.safe_load(ROLE.read_text())
    (create,) = [t for t in tasks if "amazon.aws.rds_instance" in t and t["amazon.aws.rds_instance"].get("state", "present") == "present" and "db_instance_identifier" in t["amazon.aws.rds_instance"]]
    arguments = create["amazon.aws.rds_instance"]
    for key, (_, module_arg) in DATABASE.items():
        assert inputs[key] == db.inputs[key], key
        assert arguments[module_arg] == f"{{{{ database_inputs.{key} }}}}", f"rds_instance must take {module_arg} from the lowering's {key}"


def network_of(owner: str) -> tuple[ResourceGraph, Node]:
    graph = owned_by(graphs_for(REPO / "examples" / "contract.yaml")["staging"], owner)
    (network,) = [n for n in graph.nodes if n.kind == "network"]
    return graph, network


def module_resources(kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    """{(type, label): body} of a module's resources, with python-hcl2's quoting taken off the keys."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for block in hcl2.loads((MODULES / kind / "main.tf").read_text())["resource"]:
        for type_, bodies in block.items():
            for label, body in bodies.items():
                found[(type_.strip('"'), label.strip('"'))] = body
    return found


def test_the_lowering_decides_each_network_argument() -> None:
    _, network = network_of("ansible")
    subnets = [s for key in SUBNETS for s in network.inputs[key]]
    assert subnets and {s["map_public_ip_on_launch"] for s in subnets} == {False}
    assert network.inputs["load_balancer"]["drop_invalid_header_fields"] is True


def test_terraform_renders_the_network_arguments_the_lowering_decided() -> None:
    graph, network = network_of("terraform")
    main = TerraformBackend().emit(graph)[PurePosixPath("terraform/staging/main.tf")]
    calls = [body for block in hcl2.loads(main)["module"] for body in block.values()]
    (call,) = [c for c in calls if "modules/network" in str(c.get("source"))]
    for key in SUBNETS:
        assert [s["map_public_ip_on_launch"] for s in call[key]] == [s["map_public_ip_on_launch"] for s in network.inputs[key]]
    assert call["load_balancer"]["drop_invalid_header_fields"] is network.inputs["load_balancer"]["drop_invalid_header_fields"]
    resources = module_resources("network")
    for label in ("public", "private"):
        assert resources[("aws_subnet", label)]["map_public_ip_on_launch"] == "${each.value.map_public_ip_on_launch}", label
    assert resources[("aws_lb", "this")]["drop_invalid_header_fields"] == "${var.load_balancer.drop_invalid_header_fields}"


def test_ansible_renders_the_network_arguments_the_lowering_decided() -> None:
    graph, network = network_of("ansible")
    inputs = inventory_inputs(graph, network)
    assert {k: inputs[k] for k in (*SUBNETS, "load_balancer")} == {k: network.inputs[k] for k in (*SUBNETS, "load_balancer")}
    tasks = yaml.safe_load((ROLES / "network" / "tasks" / "main.yml").read_text())
    subnet_tasks = {t["loop"]: t["amazon.aws.ec2_vpc_subnet"] for t in tasks if "amazon.aws.ec2_vpc_subnet" in t}
    assert set(subnet_tasks) == {f"{{{{ network_inputs.{key} }}}}" for key in SUBNETS}
    for arguments in subnet_tasks.values():
        assert arguments["map_public"] == "{{ item.map_public_ip_on_launch }}"
    (lb,) = [t["amazon.aws.elb_application_lb"] for t in tasks if "amazon.aws.elb_application_lb" in t]
    assert lb["http_drop_invalid_header_fields"] == "{{ network_inputs.load_balancer.drop_invalid_header_fields }}"


TARGET_GROUP = {  # lowering input (in load_balancer) -> (aws_lb_target_group argument path, community.aws.elb_target_group argument)
    "health_check_interval": ("health_check.interval", "health_check_interval"),
    "health_check_timeout": ("health_check.timeout", "health_check_timeout"),
    "healthy_threshold": ("health_check.healthy_threshold", "healthy_threshold_count"),
    "unhealthy_threshold": ("health_check.unhealthy_threshold", "unhealthy_threshold_count"),
    "deregistration_delay": ("deregistration_delay", "deregistration_delay_timeout"),
}


def test_the_target_group_arguments_are_decided_in_the_lowering_and_rendered_by_both() -> None:
    graph = graphs_for(REPO / "examples" / "contract.yaml")["staging"]
    api = graph.node("services.api")
    decided = {k: api.inputs["load_balancer"][k] for k in TARGET_GROUP}
    assert decided == {"health_check_interval": 15, "health_check_timeout": 5, "healthy_threshold": 2,
                       "unhealthy_threshold": 3, "deregistration_delay": 30}
    group = module_resources("ec2")[("aws_lb_target_group", "this")]
    tasks = yaml.safe_load((ROLES / "ec2" / "tasks" / "main.yml").read_text())
    (role,) = [t["community.aws.elb_target_group"] for t in tasks if "community.aws.elb_target_group" in t]
    for key, (tf_path, module_arg) in TARGET_GROUP.items():
        body: Any = group
        for part in tf_path.split("."):
            body = body[part][0] if isinstance(body[part], list) else body[part]
        assert body == f"${{var.load_balancer.{key}}}", key
        assert role[module_arg] == f"{{{{ ec2_inputs.load_balancer.{key} }}}}", key
    rendered = inventory_inputs(owned_by(graph, "ansible"), api)["load_balancer"]
    assert {k: rendered[k] for k in TARGET_GROUP} == decided


def test_the_bucket_policy_and_expiry_are_decided_in_the_lowering_and_rendered_by_both() -> None:
    graph = graphs_for(REPO / "examples" / "contract.yaml")["staging"]
    bucket = graph.node("buckets.uploads")
    policy, lifecycle = bucket.inputs["policy"], bucket.inputs["expiry"]
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]  # contract's bucket is private
    assert lifecycle == {"rule_id": "envspec-expire", "expiration_days": 365, "noncurrent_version_expiration_days": 365,
                         "abort_incomplete_multipart_upload_days": 7}
    resources = module_resources("bucket")
    assert resources[("aws_s3_bucket_policy", "this")]["policy"] == "${jsonencode(var.policy)}"
    rule = resources[("aws_s3_bucket_lifecycle_configuration", "this")]["rule"][0]
    assert rule["id"] == "${var.expiry.rule_id}"
    assert rule["expiration"][0]["days"] == "${var.expiry.expiration_days}"
    tasks = yaml.safe_load((ROLES / "bucket" / "tasks" / "main.yml").read_text())
    (create,) = [t["amazon.aws.s3_bucket"] for t in tasks if "amazon.aws.s3_bucket" in t]
    assert create["policy"] == "{{ bucket_inputs.policy }}"
    inputs = inventory_inputs(owned_by(graph, "ansible"), bucket)
    assert (inputs["policy"], inputs["expiry"]) == (policy, lifecycle)


CACHE = {  # lowering input -> aws_elasticache_cluster argument; community.aws.elasticache sends none of them
    "snapshot_retention_limit": "snapshot_retention_limit",
    "auto_minor_version_upgrade": "auto_minor_version_upgrade",
    "apply_immediately": "apply_immediately",
}


def test_the_lowering_decides_each_cache_argument_and_both_tools_hold_to_it() -> None:
    """Terraform sends what the lowering decided; community.aws.elasticache cannot send these, so the
    core decides AWS's defaults (what the module leaves), and the role checks the cluster has them."""
    graph = owned_by(graphs_for(REPO / "examples" / "contract.yaml")["staging"], "terraform")
    (cache,) = [n for n in graph.nodes if n.kind == "cache"]
    assert {k: cache.inputs[k] for k in CACHE} == {
        "snapshot_retention_limit": 0, "auto_minor_version_upgrade": True, "apply_immediately": True,
    }
    assert cache.inputs["port"] == 6379
    (cluster,) = [b for (type_, _), b in module_resources("cache").items() if type_ == "aws_elasticache_cluster"]
    for key, tf_arg in CACHE.items():
        assert cluster[tf_arg] == f"${{var.{key}}}", f"the module must take {tf_arg} from var.{key}"
    role = (ROLES / "cache" / "tasks" / "main.yml").read_text()
    for key in ("snapshot_retention_limit", "auto_minor_version_upgrade"):
        assert f"cache_inputs.{key}" in role, f"the role must check the cluster's {key} against the lowering's"


TRIGGER = {  # lowering input (in trigger) -> (aws_lambda_event_source_mapping argument, amazon.aws.lambda_event source_params)
    "event_source_arn": ("event_source_arn", "source_arn"),
    "batch_size": ("batch_size", "batch_size"),
    "maximum_batching_window_in_seconds": ("maximum_batching_window_in_seconds", "maximum_batching_window_in_seconds"),
    "function_response_types": ("function_response_types", "function_response_types"),
    "enabled": ("enabled", "enabled"),
}


def test_the_queue_trigger_arguments_are_decided_in_the_lowering_and_rendered_by_both() -> None:
    """What AWS, the provider and amazon.aws.lambda_event could each default differently (a batching
    window, which lambda_event sets to 1 for batches over 10; partial batch responses; enabled) is
    decided once; each tool takes every argument from the lowering."""
    graph = graphs_for(REPO / "examples" / "contract.yaml")["staging"]
    worker = graph.node("services.sync-worker")
    assert worker.inputs["trigger"] == {
        "event_source_arn": "arn:aws:sqs:us-west-2:111111111111:xkit-staging-jobs",
        "batch_size": 5,
        "maximum_batching_window_in_seconds": 0,
        "function_response_types": [],
        "enabled": True,
    }
    mapping = module_resources("lambda")[("aws_lambda_event_source_mapping", "this")]
    for key, (tf_arg, _) in TRIGGER.items():
        assert mapping[tf_arg] == f"${{var.trigger.{key}}}", f"the module must take {tf_arg} from var.trigger.{key}"
    # both tools point the mapping at the function's alias (the released version)
    assert mapping["function_name"] == "${aws_lambda_alias.this.arn}"
    main = TerraformBackend().emit(owned_by(graph, "terraform"))[PurePosixPath("terraform/staging/main.tf")]
    calls = [body for block in hcl2.loads(main)["module"] for body in block.values()]
    (call,) = [c for c in calls if c.get("function_name") == '"xkit-staging-sync-worker"']
    assert {k: call["trigger"][k] for k in TRIGGER} == {
        k: (f'"{v}"' if isinstance(v, str) else v) for k, v in worker.inputs["trigger"].items()
    }
    tasks = yaml.safe_load((ROLES / "lambda" / "tasks" / "main.yml").read_text())
    (create,) = [t["amazon.aws.lambda_event"] for t in tasks
                 if t.get("amazon.aws.lambda_event", {}).get("state") == "present"]
    assert create["event_source"] == "sqs" and create["function_name"] == "{{ lambda_alias_arn }}"
    for key, (_, module_arg) in TRIGGER.items():
        assert create["source_params"][module_arg] == f"{{{{ lambda_inputs.trigger.{key} }}}}", key
    assert inventory_inputs(owned_by(graph, "ansible"), worker)["trigger"] == worker.inputs["trigger"]
