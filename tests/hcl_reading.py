"""Reading generated HCL back: python-hcl2 with the one escape it cannot read, and a string's value."""

from __future__ import annotations

import re
from typing import Any

import hcl2

_HCL_ESCAPED_TEMPLATE = re.compile(r"\$\$\{|%%\{")


def parse_hcl(text: str) -> Any:
    """python-hcl2's reading of `text`.

    python-hcl2 8.x cannot read an escaped `$${` or `%%{` that no `}` closes within the string (nor
    one right after `\\"`); Terraform can (tests/test_hcl_escape.py checks such strings with real
    Terraform). Only for that case: when the text fails to parse but parses once those escapes are
    neutralised (`$${` -> `$_{`), everything else about it has been checked, and that reading is
    returned. Any other failure is raised."""
    try:
        return hcl2.loads(text)
    except Exception:
        neutral = _HCL_ESCAPED_TEMPLATE.sub(lambda m: m.group()[0] + "_{", text)
        if neutral == text:
            raise
        try:
            return hcl2.loads(neutral)
        except Exception:
            pass
        raise


def template_value(raw: str) -> str:
    """A string as python-hcl2 returns it (escapes resolved, template syntax kept) -> its value.
    `$${` and `%%{` are literal text; any other `${` or `%{` would be an interpolation: a failure."""
    out, i = [], 0
    while i < len(raw):
        if raw.startswith(("$${", "%%{"), i):
            out.append(raw[i + 1 : i + 3])
            i += 3
        elif raw.startswith(("${", "%{"), i):
            raise AssertionError(f"interpolation in {raw!r}")
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)
