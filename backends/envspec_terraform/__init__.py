"""The Terraform backend of envspec: a module per component kind and a root per environment.

`TerraformBackend().emit(graph)` returns, relative to the app's output folder:

* `terraform/modules/<kind>/{main,variables,outputs,versions}.tf` for every kind: hand-written
  modules (in `modules/` beside this file), identical for every environment and app, each with
  its binding (`bindings/<kind>.py`: what the roots need to know about that module);
* `terraform/modules/<shared>/...` for each of `SHARED_MODULES`: submodules that kinds' modules
  call (`service_access`: the IAM role and security group of ec2, beanstalk and lambda);
* `terraform/<env>/{backend,providers,main,lookups,imports,removed,outputs}.tf`: the root of the
  graph's environment (see :mod:`envspec_terraform.roots`).

Pure and deterministic: the same graph always gives the same bytes, with no time, host or
absolute path in them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import PurePosixPath

from envspec.core.errors import BackendError
from envspec.core.ir import ResourceGraph

from . import steps
from .hcl import HclError
from .names import KINDS, UnmappedResource
from .binding import RenderError
from .roots import render_root

__all__ = ["TerraformBackend", "module_files"]

MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf")
# Submodules that the kinds' modules call (`source = "../<name>"`), not kinds themselves.
SHARED_MODULES = ("service_access",)
ROOT = PurePosixPath("terraform")


@cache
def module_files() -> Mapping[PurePosixPath, str]:
    """The hand-written modules, by path relative to the app's output folder."""
    package = resources.files(__name__) / "modules"
    files: dict[PurePosixPath, str] = {}
    for folder in (*KINDS, *SHARED_MODULES):
        for name in MODULE_FILES:
            text = (package / folder / name).read_text(encoding="utf-8")
            files[ROOT / "modules" / folder / name] = text
    return files


class TerraformBackend:
    """Renders a ResourceGraph as Terraform: shared modules and the environment's root."""

    name = "terraform"
    # The Deployer half (envspec.core.backend): the commands a deploy runs with this backend's tool.
    owner = "terraform"
    tool = steps.TERRAFORM
    install_hint = steps.INSTALL_HINT
    prepare = staticmethod(steps.prepare)
    provision = staticmethod(steps.provision)
    release = staticmethod(steps.release)

    def emit(self, graph: ResourceGraph) -> dict[PurePosixPath, str]:
        files = dict(module_files())
        try:
            root = render_root(graph)
        except (RenderError, HclError, UnmappedResource) as exc:
            raise BackendError(f"terraform backend, {graph.app}/{graph.env}: {exc}") from exc
        for name, text in root.items():
            files[ROOT / graph.env / name] = text
        return dict(sorted(files.items()))
