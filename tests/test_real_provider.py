"""Generated Terraform through the real `terraform` and the real hashicorp/aws provider (5.100 here).

The offline 6.25 schema checks (test_tfcheck) hold the output to 6.x; these hold it to the 5.100
provider binary itself, so `required_providers` (>= 5.100, < 7.0) is true on both ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envspec.cli import run
from tests.graphs import EXAMPLES, REPO
from tests.realtf import RealTerraform
from tests.realtf.emulated import all_terraform

SPECS = [*EXAMPLES, REPO / "specs" / "xkit.yaml"]


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_env_root_validates_with_the_real_5_100_provider(spec: Path, tmp_path: Path, terraform: RealTerraform) -> None:
    copy = all_terraform(spec, tmp_path)
    out = tmp_path / "build"
    assert run(["compile", str(copy), "--out", str(out), "--backend", "terraform"]) == 0
    roots = sorted(p.parent for p in out.glob("*/terraform/*/providers.tf"))
    assert roots, f"no env root compiled from {spec}"
    for root in roots:
        assert "module " in (root / "main.tf").read_text(), f"{root}: no module call: the spec copy is not all-Terraform"
        terraform.init(root)
        assert terraform.version_of_provider(root).startswith("5.100."), "the mirror's provider was not the one installed"
        result = terraform.run(root, "validate", "-no-color")
        assert result.returncode == 0, f"terraform validate failed in {root.relative_to(out)}:\n{result.stdout}{result.stderr}"
