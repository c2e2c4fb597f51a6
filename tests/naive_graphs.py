"""TEMPORARY stand-in for the real resolver (being written): no overrides, first env only.
Use tests/graphs.py:graphs_for once envspec.resolve exists. Will be deleted."""
import re
from pathlib import Path

import yaml

from envspec.lower import lower
from envspec.model import Spec
from envspec.resolved import Interpolated, Reference, ResolvedComponent, ResolvedEnv

REF = re.compile(r"\$\{([^}]*)\}")


def _interp(s):
    parts = []
    pos = 0
    for m in REF.finditer(s):
        parts.append(s[pos:m.start()])
        a = m.group(1).split(".")
        if a[0] == "secrets" and len(a) == 2:
            a.append("value")
        parts.append(Reference(".".join(a[:-1]) if a[0] != "network" else "network", a[-1]))
        pos = m.end()
    parts.append(s[pos:])
    return Interpolated(tuple(p for p in parts if p != ""))


def naive_graphs(path):
    spec = Spec.model_validate(yaml.safe_load(Path(path).read_text()))
    out = {}
    for env_name, env in spec.environments.items():
        comps = {}
        if spec.network:
            comps["network"] = ResolvedComponent("network", "network", "network", spec.network.owner or spec.owner, spec.network, {}, ())
        for sec, kind in [("secrets", "secret"), ("buckets", "bucket"), ("databases", "database"), ("services", None)]:
            for n, m in getattr(spec, sec).items():
                envmap = {k: _interp(v) for k, v in getattr(m, "env", {}).items()}
                refs = tuple(sorted({r for v in envmap.values() for r in v.references}, key=lambda r: (r.address, r.attribute)))
                comps[f"{sec}.{n}"] = ResolvedComponent(f"{sec}.{n}", n, kind or m.type, m.owner or spec.owner, m, envmap, refs)
        out[env_name] = lower(ResolvedEnv(spec.app, env_name, env.region, env.account_id, spec.tags, comps, str(path)))
    return out
