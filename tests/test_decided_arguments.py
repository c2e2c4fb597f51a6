"""Arguments either tool would default differently are decided in the lowering and rendered by both.

The proof against real AWS behaviour is the provider's plan after a move (issue "Prove
coexistence"); this holds the rendering: the value the core decided reaches the Terraform module
call, the module's resource, the Ansible inventory and the role's module arguments.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePosixPath

import hcl2
import yaml

from envspec.graph import ResourceGraph
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
MODULE = REPO / "backends" / "envspec_terraform" / "modules" / "database" / "main.tf"
ROLE = REPO / "backends" / "envspec_ansible" / "files" / "roles" / "database" / "tasks" / "main.yml"


def owned_by(graph: ResourceGraph, owner: str) -> ResourceGraph:
    return dataclasses.replace(graph, nodes=tuple(dataclasses.replace(n, owner=owner, history=()) for n in graph.nodes))


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
    files = AnsibleBackend().emit(graph)
    from ansible._internal._yaml._loader import AnsibleLoader  # read as Ansible reads it (`!unsafe` and all)
    from ansible.template import trust_as_template

    text = files[PurePosixPath("ansible/inventories/staging/group_vars/all/components.yml")]
    components = AnsibleLoader(trust_as_template(text)).get_single_data()
    inputs = components["envspec_components"][db.address]["inputs"]
    tasks = yaml.safe_load(ROLE.read_text())
    (create,) = [t for t in tasks if "amazon.aws.rds_instance" in t and t["amazon.aws.rds_instance"].get("state", "present") == "present" and "db_instance_identifier" in t["amazon.aws.rds_instance"]]
    arguments = create["amazon.aws.rds_instance"]
    for key, (_, module_arg) in DATABASE.items():
        assert inputs[key] == db.inputs[key], key
        assert arguments[module_arg] == f"{{{{ database_inputs.{key} }}}}", f"rds_instance must take {module_arg} from the lowering's {key}"
