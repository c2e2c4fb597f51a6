"""Checks of what the lowering derives: rules AWS enforces only when a tool applies the result.

Some of what AWS refuses cannot be seen in one field of the spec: a name derived from the app, the
environment and the component; an inline policy assembled from every reference a service makes;
the rules that land on one security group from every component that reaches it. These checks run
on the IR (`envspec.core.ir`), right after resolution, so `envspec validate` reports them as it
reports a typo: at the file, line and column of the component (or of the field, or of its override
for that environment, when the finding names one), never at apply time.

A check is a function `(graph, env) -> Iterable[Finding]`; `CHECKS` lists them. Each lives beside
the rules it knows (`envspec.core.aws_names`: the names of each AWS resource type;
`envspec.core.limits`: AWS's other limits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from envspec.core.errors import Diagnostic
from envspec.core.source import DataPath, Document, format_path

if TYPE_CHECKING:
    from envspec.core.ir import ResourceGraph
    from envspec.core.resolved import ResolvedApp, ResolvedEnv


@dataclass(frozen=True)
class Finding:
    """One problem with what a component lowers to, in one environment."""

    address: str                  # the component: "network", "services.api", ...
    message: str                  # what AWS would refuse, and why
    hint: str | None = None       # what to change
    field: DataPath = ()          # the field of the component it concerns, if one does
    at: DataPath = ()             # a path from the spec's top, when a top-level field decides it (`tags`)


Check = Callable[["ResourceGraph", "ResolvedEnv"], Iterable[Finding]]


# The modules of the checks (each has `check(graph, env)`), in the order their findings are reported.
# By name: they import `Finding` from here, and an import of them here would be a cycle.
CHECK_MODULES: tuple[str, ...] = ("envspec.core.aws_names", "envspec.core.limits")


def _checks() -> Sequence[Check]:
    import importlib

    return [importlib.import_module(module).check for module in CHECK_MODULES]


def lowered_problems(apps: Sequence[ResolvedApp], documents: Iterable[Document]) -> list[Diagnostic]:
    """Lower every environment of every app and run the checks: a diagnostic per finding, at its
    place in the spec, environments in spec order (one finding met in several environments is
    reported once, naming them)."""
    from envspec.core.lower import lower

    checks = _checks()
    by_source = {document.path: document for document in documents}
    found: dict[tuple[str, str, DataPath, str], list[str]] = {}  # (source, address, field, message) -> envs
    hints: dict[tuple[str, str, DataPath, str], str | None] = {}
    places: dict[tuple[str, str, DataPath, str], DataPath] = {}
    for app in apps:
        for env in app.environments.values():
            graph = lower(env)
            for check in checks:
                for finding in check(graph, env):
                    key = (app.source, finding.address, finding.field, finding.message)
                    envs = found.setdefault(key, [])
                    if env.env not in envs:  # one finding met twice in an environment names it once
                        envs.append(env.env)
                    hints.setdefault(key, finding.hint)
                    places.setdefault(key, finding.at)
    problems = []
    for (source, address, field, message), envs in found.items():
        document = by_source.get(source)
        if document is None:
            continue
        at = places[(source, address, field, message)]
        path = at if at and document.span(at) is not None else _place(document, address, field, envs)
        pos = document.key_position(path)
        app_envs = _environments_of(apps, source)
        where = "" if len(app_envs) == len(envs) else f" (in {', '.join(envs)})"
        problems.append(Diagnostic(document.path, pos.line, pos.col, format_path(path), message + where,
                                   hints[(source, address, field, message)]))
    return problems


def _environments_of(apps: Sequence[ResolvedApp], source: str) -> list[str]:
    return next((list(app.environments) for app in apps if app.source == source), [])


def _place(document: Document, address: str, field: DataPath, envs: Sequence[str]) -> DataPath:
    """The most precise path of the spec that says what a finding concerns: the field's override
    for the (first) environment, else the field, else the component."""
    component: DataPath = tuple(address.split(".", 1))
    if field:
        override = (*component, "overrides", envs[0], *field)
        if document.span(override) is not None:
            return override
        if document.span((*component, *field)) is not None:
            return (*component, *field)
    return component
