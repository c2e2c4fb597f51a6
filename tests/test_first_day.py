"""What a new user trips on in the first day (issue 10), beyond the bad-input corpus: the escape
hatch for hand-written files, a hand-written file in the output, the messages of the command line
and its `--help`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SPEC = """\
envspec: 1
app: shop
environments:
  staging: {region: eu-west-1, account_id: "111111111111"}
  production: {region: eu-west-1, account_id: "222222222222"}
buckets:
  uploads: {}
"""


def envspec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "envspec", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(SPEC, encoding="utf-8")
    return tmp_path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ---- the escape hatch ------------------------------------------------------------------------------


def test_hand_written_files_beside_the_spec_are_copied_into_the_output(project: Path) -> None:
    extra = project / "specs" / "shop.extra"
    _write(extra / "terraform" / "dns.tf", 'resource "aws_route53_zone" "main" {\n  name = "shop.example.com"\n}\n')
    _write(extra / "terraform" / "production" / "alarms.tf", "# production only\n")
    _write(extra / "ansible" / "hello.yml", "- name: Say hello\n  ansible.builtin.debug:\n    msg: hi\n")
    done = envspec("compile", "specs", "--out", "build", cwd=project)
    assert done.returncode == 0, done.stderr
    out = project / "build" / "shop"
    for env in ("staging", "production"):
        assert (out / "terraform" / env / "dns.tf").read_text() == (extra / "terraform" / "dns.tf").read_text()
    assert (out / "terraform" / "production" / "alarms.tf").is_file()
    assert not (out / "terraform" / "staging" / "alarms.tf").exists()
    assert (out / "ansible" / "extra" / "hello.yml").read_text() == (extra / "ansible" / "hello.yml").read_text()
    provision = (out / "ansible" / "provision.yml").read_text()
    assert "playbook_dir ~ '/extra/*.yml'" in provision  # provision.yml runs them
    assert envspec("compile", "specs", "--out", "build", "--check", cwd=project).returncode == 0
    # a change to a hand-written file is a change of the output, like a change of the spec
    _write(extra / "terraform" / "dns.tf", "# changed\n")
    assert envspec("compile", "specs", "--out", "build", "--check", cwd=project).returncode == 1
    # one environment recompiled: the other keeps its hand-written files
    assert envspec("compile", "specs", "--out", "build", "--env", "staging", cwd=project).returncode == 0
    assert (out / "terraform" / "staging" / "dns.tf").read_text() == "# changed\n"
    assert (out / "terraform" / "production" / "alarms.tf").is_file()


def test_a_file_the_escape_hatch_would_not_use_is_an_error(project: Path) -> None:
    _write(project / "specs" / "shop.extra" / "terraform" / "prod" / "x.tf", "")
    _write(project / "specs" / "shop.extra" / "notes.md", "")
    _write(project / "specs" / "shop.extra" / "terraform" / "dns.tf", "")
    _write(project / "specs" / "shop.extra" / "terraform" / "staging" / "dns.tf", "")
    done = envspec("compile", "specs", "--out", "build", cwd=project)
    assert done.returncode == 1
    assert ("cannot use: notes.md, terraform/prod/x.tf, terraform/staging/dns.tf (also in terraform/, for every "
            "environment)") in done.stderr
    assert "ENV one of production, staging" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_hand_written_file_cannot_take_a_generated_files_name(project: Path) -> None:
    _write(project / "specs" / "shop.extra" / "terraform" / "main.tf", "# mine\n")
    done = envspec("compile", "specs", "--out", "build", cwd=project)
    assert done.returncode == 1
    assert "shop/terraform/staging/main.tf: a hand-written file (main.tf, beside the spec) has the name of a generated one" in done.stderr


def test_a_hand_written_file_in_the_output_is_not_deleted_without_a_word(project: Path) -> None:
    assert envspec("compile", "specs", "--out", "build", cwd=project).returncode == 0
    mine = project / "build" / "shop" / "terraform" / "staging" / "dns.tf"
    mine.write_text("# written by hand\n", encoding="utf-8")
    done = envspec("compile", "specs", "--out", "build", cwd=project)
    assert done.returncode == 1
    assert "holds files envspec did not write, which the compile would delete: shop/terraform/staging/dns.tf" in done.stderr
    assert "specs/shop.extra" in done.stderr
    assert mine.read_text() == "# written by hand\n"
    # once moved beside the spec, it is copied back in by every compile
    _write(project / "specs" / "shop.extra" / "terraform" / "staging" / "dns.tf", mine.read_text())
    mine.unlink()
    assert envspec("compile", "specs", "--out", "build", cwd=project).returncode == 0
    assert mine.read_text() == "# written by hand\n"


# ---- messages -----------------------------------------------------------------------------------------


def test_an_environment_written_short_gets_a_suggestion(project: Path) -> None:
    done = envspec("compile", "specs", "--out", "build", "--env", "prod", cwd=project)
    assert done.returncode == 1
    assert "no environment 'prod' in the specs (did you mean 'production'?)" in done.stderr


def test_a_folder_of_yml_files_says_so(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yml").write_text(SPEC, encoding="utf-8")
    done = envspec("validate", "specs", cwd=tmp_path)
    assert done.returncode == 1
    assert "specs: no *.yaml files in this folder, only *.yml (shop.yml)" in done.stderr


@pytest.mark.parametrize("args", [["--help"], ["compile", "--help"], ["validate", "--help"], ["schema", "--help"]])
def test_help_is_readable(args: list[str]) -> None:
    done = envspec(*args, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "{PATH}" not in text and "<list[" not in text and "<path>" not in text, text
    assert "...\n" not in text.replace("[ARGS]...\n", "").replace("PATH...\n", ""), text  # no summary cut short
    if args == ["compile", "--help"]:
        assert "Usage: envspec compile [OPTIONS] PATH..." in text
        assert "-o, --out DIR" in text and "-e, --env ENV" in text and "-b, --backend NAME" in text
    if args == ["--help"]:
        assert "Check specs and print their apps, environments, components, kinds" in text


# ---- bucket names ---------------------------------------------------------------------------------------


def test_a_bucket_name_the_spec_chooses_is_the_one_both_tools_use(project: Path) -> None:
    from envspec.core import backend as plugins
    from envspec.core.compiler import build
    from envspec.core.lower import lower
    from envspec.core.resolve import resolve
    from envspec.core.source import parse

    text = SPEC.replace("  uploads: {}\n", "  uploads:\n    name: acme-${app}-${env.name}-uploads\n    owner: terraform\n") + (
        "services:\n  fn:\n    type: lambda\n    runtime: python3.12\n    handler: app.handler\n"
        "    code: s3://acme-code/fn.zip\n    env:\n      UPLOADS: ${buckets.uploads.name}\n"
    )
    (app,) = resolve([parse(text, "shop.yaml")])
    for env in ("staging", "production"):
        graph = lower(app.environments[env])
        node = graph.node("buckets.uploads")
        assert node.name == f"acme-shop-{env}-uploads"
        assert node.inputs["name"] == f"acme-shop-{env}-uploads"
        assert graph.node("services.fn").inputs["environment"]["UPLOADS"] == f"acme-shop-{env}-uploads"
    files = build([app], plugins.load(None))
    terraform = "".join(t for p, t in files.items() if p.parts[:3] == ("shop", "terraform", "staging"))
    assert '"acme-shop-staging-uploads"' in terraform
    ansible = "".join(t for p, t in files.items() if p.parts[:3] == ("shop", "ansible", "inventories"))  # the lambda's
    assert "acme-shop-staging-uploads" in ansible and "acme-shop-production-uploads" in ansible
    assert "shop-staging-uploads" not in ansible.replace("acme-shop-staging-uploads", "")


# ---- the README ------------------------------------------------------------------------------------------


def test_the_readme_error_example_is_what_the_tour_spec_prints(tmp_path: Path) -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = re.search(r"```yaml\n(# specs/shop\.yaml\n.*?)```", readme, re.S)
    printed = re.search(r"```\n(specs/shop\.yaml:.*?\n\d+ errors?\n)```", readme, re.S)
    assert tour and printed
    spec = tour.group(1)
    assert spec.splitlines()[1].startswith("# yaml-language-server: $schema=")  # the modeline advice holds
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(spec, encoding="utf-8")
    assert envspec("validate", "specs/", cwd=tmp_path).returncode == 0
    broken = spec.replace("    instance_type: t3.small\n    count", "    instance_typ: t3.small\n    count")
    broken = broken.replace("${databases.main.url_with_password}", "${databases.mian.url_with_password}")
    (tmp_path / "specs" / "shop.yaml").write_text(broken, encoding="utf-8")
    done = envspec("validate", "specs/", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == printed.group(1)


# ---- the escape hatch on the emulator ---------------------------------------------------------------------


@pytest.mark.slow
def test_hand_written_ansible_tasks_run_last_in_provision(aws: dict[str, str], tmp_path: Path) -> None:
    """provision.yml runs the task files of APP.extra/ansible/ after every component, with the
    components' outputs in `envspec_out` (here: the bucket's name, written to a file)."""
    from tests.awsemu.ansible import run_playbook

    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(
        "envspec: 1\napp: shop\nenvironments:\n  test: {region: us-east-1, account_id: \"123456789012\"}\n"
        "buckets:\n  uploads: {}\n",
        encoding="utf-8",
    )
    marker = tmp_path / "ran.txt"
    _write(tmp_path / "specs" / "shop.extra" / "ansible" / "record.yml",
           "- name: Record that the hand-written task ran, after the bucket\n"
           "  ansible.builtin.copy:\n"
           f"    dest: {marker}\n"
           "    content: \"{{ envspec_out | dict2items | map(attribute='key') | sort | join(',') }}\"\n"
           "    mode: \"0600\"\n")
    done = envspec("compile", "specs", "--out", "build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    tree = tmp_path / "build" / "shop" / "ansible"
    result = run_playbook(tree / "provision.yml", inventory=tree / "inventories" / "test", env=aws, cwd=tree,
                          tmp_dir=tmp_path / "ansible")
    assert result.rc == 0, result.stdout + result.stderr
    assert marker.read_text(encoding="utf-8") == "buckets.uploads"
