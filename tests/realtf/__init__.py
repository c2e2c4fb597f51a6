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

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update(
            TF_CLI_CONFIG_FILE=str(self.home / "terraformrc"),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
            **(extra or {}),
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

    def init(self, root: Path, *, backend: bool = False) -> None:
        args: Sequence[str] = ("init", "-input=false", "-no-color", *(() if backend else ("-backend=false",)))
        result = self.run(root, *args)
        assert result.returncode == 0, f"terraform init failed in {root}:\n{result.stdout}\n{result.stderr}"

    def version_of_provider(self, root: Path) -> str:
        lock = (root / ".terraform.lock.hcl").read_text()
        for line in lock.splitlines():
            if line.strip().startswith("version"):
                return line.split("=", 1)[1].strip().strip('"')
        raise AssertionError(f"no provider version in {root / '.terraform.lock.hcl'}")
