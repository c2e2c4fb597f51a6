"""The per-kind bindings of the Terraform backend, one module per kind, each defining `BINDING`.

Loaded by kind name (`envspec_terraform.binding.binding`); modules whose name starts with `_` hold
pieces that several bindings share and are not bindings themselves.
"""
