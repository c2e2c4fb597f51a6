"""The real `terraform` binary and the real hashicorp/aws provider, offline.

No registry is reachable from CI machines, so the provider comes from a filesystem mirror (the
folder that holds `registry.terraform.io/hashicorp/aws/<version>/<os_arch>/`). It is found, in
this order, through `ENVSPEC_TF_PROVIDER_MIRROR` (the Makefile's `test` target sets it from a
search of the machine when unset) or Terraform's own implied mirror folders
(`~/.terraform.d/plugins`, `~/.local/share/terraform/plugins`, `/usr/local/share/terraform/plugins`,
`/usr/share/terraform/plugins`). Where `terraform` or the provider is missing, `RealTerraform.find()`
raises with what is missing and how to point at it: the tests using it fail, they never skip.

A CLI config of our own (`TF_CLI_CONFIG_FILE`) installs the provider from the mirror and shares one
plugin cache, so each root's `init` links the provider instead of copying its ~700 MB.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.realtf.plan import PlanReport

__all__ = ["MissingTool", "PlanReport", "RealTerraform", "find_mirror"]

PROVIDER = "registry.terraform.io/hashicorp/aws"
MIRROR_VARIABLE = "ENVSPEC_TF_PROVIDER_MIRROR"
IMPLIED_MIRRORS = (
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)


class MissingTool(RuntimeError):
    """terraform or the AWS provider cannot be found: says what and how to fix it."""


def _is_real_binary(path: Path) -> bool:
    """The provider itself is an ELF executable; tests/tfcheck's stand-in is a script."""
    try:
        with path.open("rb") as file:
            return file.read(4) == b"\x7fELF"
    except OSError:
        return False


def _has_provider(mirror: Path) -> bool:
    return any(_is_real_binary(p) for p in (mirror / PROVIDER).glob("*/*/terraform-provider-aws_v*"))


def find_mirror() -> Path:
    configured = os.environ.get(MIRROR_VARIABLE)
    candidates = [Path(configured)] if configured else [Path(p).expanduser() for p in IMPLIED_MIRRORS]
    for mirror in candidates:
        if _has_provider(mirror):
            return mirror
    where = f"{MIRROR_VARIABLE}={configured}" if configured else f"{MIRROR_VARIABLE} (unset) and {', '.join(IMPLIED_MIRRORS)}"
    raise MissingTool(
        f"the hashicorp/aws provider (a real binary, not tests/tfcheck's stand-in) is not in {where}: set {MIRROR_VARIABLE} to the folder above "
        f"{PROVIDER.split('/')[0]}/ of a filesystem mirror (`make test` searches the machine for "
        "terraform-provider-aws_v* and sets it)"
    )


@dataclass(frozen=True)
class RealTerraform:
    binary: Path
    mirror: Path
    home: Path  # CLI config and plugin cache of this test session

    @classmethod
    def find(cls, home: Path) -> RealTerraform:
        binary = shutil.which("terraform")
        if binary is None:
            raise MissingTool(
                "terraform is not on PATH: install Terraform >= 1.7 (https://developer.hashicorp.com/terraform/install)"
            )
        mirror = find_mirror()
        home.mkdir(parents=True, exist_ok=True)
        (home / "plugin-cache").mkdir(exist_ok=True)
        (home / "terraformrc").write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["{PROVIDER}"]\n  }}\n'
            f'  direct {{\n    exclude = ["{PROVIDER}"]\n  }}\n'
            "}\n"
            f'plugin_cache_dir = "{home / "plugin-cache"}"\n',
            encoding="utf-8",
        )
        return cls(Path(binary), mirror, home)

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """This process's environment without its TF_* variables, then `extra`, then the harness's own
        CLI config. `extra` is often a whole environment built from this one (`aws_env`): the TF_*
        variables it merely inherited are dropped with the rest; those it sets itself (TF_LOG, say) stay."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update({k: v for k, v in (extra or {}).items() if not (k.startswith("TF_") and os.environ.get(k) == v)})
        env.update(
            TF_CLI_CONFIG_FILE=str(self.home / "terraformrc"),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
        )
        return env

    def run(self, root: Path, *args: str, extra_env: Mapping[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            cwd=root,
            env=self.env(extra_env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def init(self, root: Path, *, backend: bool = False, extra_env: Mapping[str, str] | None = None) -> None:
        """`terraform init`; with `backend`, the root's own backend (S3) through `extra_env`
        (see `tests.realtf.emulated.terraform_env` for the emulator), else no backend (`-backend=false`)."""
        args: Sequence[str] = ("init", "-input=false", "-no-color", *(("-reconfigure",) if backend else ("-backend=false",)))
        if backend and extra_env and "AWS_ENDPOINT_URL" in extra_env:
            # an emulator on 127.0.0.1:PORT has no bucket.HOST names: address the state bucket path-style
            # (the backend has no environment variable for it); the root's backend.tf is otherwise as generated
            args = (*args, "-backend-config=use_path_style=true")
        result = self.run(root, *args, extra_env=extra_env)
        assert result.returncode == 0, f"terraform init failed in {root}:\n{result.stdout}\n{result.stderr}"

    def plan(self, root: Path, env: Mapping[str, str]) -> PlanReport:
        """`terraform plan -out`, then `terraform show -json` of that plan, read into a `PlanReport`."""
        result = self.run(root, "plan", "-input=false", "-no-color", "-out=envspec.tfplan", extra_env=env)
        assert result.returncode == 0, f"terraform plan failed in {root}:\n{result.stdout}\n{result.stderr}"
        shown = self.run(root, "show", "-json", "-no-color", "envspec.tfplan", extra_env=env)
        assert shown.returncode == 0, f"terraform show -json failed in {root}:\n{shown.stderr}"
        return PlanReport.of(json.loads(shown.stdout))

    def apply(self, root: Path, env: Mapping[str, str]) -> str:
        """`terraform apply -auto-approve`; fails the test with Terraform's output if it fails. Returns stdout."""
        result = self.run(root, "apply", "-input=false", "-no-color", "-auto-approve", extra_env=env, timeout=1800)
        assert result.returncode == 0, f"terraform apply failed in {root}:\n{result.stdout[-20000:]}\n{result.stderr}"
        return result.stdout

    def plan_is_empty(self, root: Path, env: Mapping[str, str]) -> bool:
        """`terraform plan -detailed-exitcode`: True for exit 0 (no changes), False for 2; a failure (1) fails the test."""
        result = self.run(root, "plan", "-input=false", "-no-color", "-detailed-exitcode", extra_env=env)
        assert result.returncode in (0, 2), f"terraform plan failed in {root}:\n{result.stdout}\n{result.stderr}"
        return result.returncode == 0

    def version_of_provider(self, root: Path) -> str:
        lock = (root / ".terraform.lock.hcl").read_text()
        for line in lock.splitlines():
            if line.strip().startswith("version"):
                return line.split("=", 1)[1].strip().strip('"')
        raise AssertionError(f"no provider version in {root / '.terraform.lock.hcl'}")
