"""Resolution: one parsed spec file -> a ResolvedApp with one ResolvedEnv per environment.

For every environment, each component's `overrides[ENV]` is deep-merged over it (mappings merge
recursively; scalars and lists replace), `${app}` and `${env.name|region|account_id}` are
substituted in its string fields, and the result is validated as a whole. Owners are fixed (the
component's own, possibly overridden, else the spec's default). Every `${...}` in `env` values is
parsed into an :class:`~envspec.core.resolved.Interpolated`; component references are checked: the
address must exist, the attribute must be one the component has in this configuration (an ec2
`url` needs `public: true`, a lambda `security_group_id` needs `vpc: true`), a service may not
reference itself and services may not reference each other in a cycle.

Rules beyond the model:

* A component as written (before overrides) must itself be valid; `ResolvedApp.spec` is that
  spec, with `${app}`/`${env.*}` substituted for the first environment. Per-environment values
  live in `ResolvedEnv.components`, whose models have their overrides applied (`overrides` is
  empty there) and whose `env` holds the values as written: use `ResolvedComponent.env`.
* `type` cannot be overridden, and overrides do not nest.
* Component references (`${services.api.url}`) are allowed in `env` values only; `${app}` and
  `${env.*}` in any string field of a component. Top-level fields (`description`, `tags`) are
  taken literally.
* ec2 services, databases, and lambda functions with `vpc: true`, need the app's `network`.

Every problem of every file and environment is collected and raised once, in one SpecError.
A problem that shows up in some environments only says so ("in production: ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import ValidationError

from envspec.core.errors import MAX_HINTED, Diagnostic, SpecError, did_you_mean
from envspec.core.model import Spec
from envspec.core.model.common import ENV_NAME
from envspec.core.kinds import ATTRIBUTES, KINDS, KindCheck, SECTION_KIND, SECTIONS as KIND_SECTIONS, SERVICE_KINDS
from envspec.core.resolved import Interpolated, Kind, Reference, ResolvedApp, ResolvedComponent, ResolvedEnv
from envspec.core.source import DataPath, Document, format_path

SECTIONS = tuple(s for s in KIND_SECTIONS if s != "network")  # the sections of named components
ENV_ATTRIBUTES = ("name", "region", "account_id")

_DOLLAR = re.compile(r"\$\$\{|\$\{")
_EXPRESSION = re.compile(r"[A-Za-z0-9_.-]+")
_ENV_NAME = re.compile(ENV_NAME)
_LOOKS_LIKE = "references look like ${databases.main.url}"


def resolve(documents: Iterable[Document]) -> list[ResolvedApp]:
    """Resolve every document (one app each). Raises one SpecError with the problems of all,
    derived AWS names that collide in one account included (`envspec.core.collisions`), and what
    AWS would refuse in what the lowering derives (`envspec.core.checks`)."""
    from envspec.core.checks import lowered_problems
    from envspec.core.collisions import collisions

    documents = list(documents)
    apps: list[ResolvedApp] = []
    problems: list[Diagnostic] = []
    first_of: dict[str, Document] = {}
    for document in documents:
        name = document.data.get("app")
        if isinstance(name, str):
            if name in first_of:
                pos = document.value_position(("app",))
                problems.append(
                    Diagnostic(document.path, pos.line, pos.col, "app",
                               f"app '{name}' is already defined in {first_of[name].path}; each app has one file")
                )
            else:
                first_of[name] = document
        try:
            apps.append(resolve_document(document))
        except SpecError as exc:
            problems.extend(exc.diagnostics)
    if problems or (problems := collisions(apps, documents)) or (problems := lowered_problems(apps, documents)):
        raise SpecError(problems)
    return apps


def resolve_document(document: Document) -> ResolvedApp:
    """Resolve one spec file. Raises SpecError with every problem in it."""
    return _Resolver(document).run()


# ---- internals ----------------------------------------------------------------------------------


class _Env(NamedTuple):
    name: str
    region: str
    account_id: str


class _Found(NamedTuple):
    """A component reference inside an `env` value, and where it is written."""

    reference: Reference
    text: str  # as written, e.g. "${databases.main.url}"
    path: DataPath  # the env value's path in the view
    offset: int  # of the "$" in the value


class _View:
    """The document as one environment sees it: overrides merged, `${app}`/`${env.*}` substituted."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.origins: dict[DataPath, DataPath] = {}  # view path -> document path, for merged values
        self.env: dict[str, dict[str, Interpolated]] = {}  # by address
        self.found: dict[str, list[_Found]] = {}  # by address
        self.poisoned: set[DataPath] = set()  # values whose `${...}` are reported as broken

    def origin(self, path: DataPath) -> DataPath:
        for cut in range(len(path), 0, -1):
            mapped = self.origins.get(path[:cut])
            if mapped is not None:
                return mapped + path[cut:]
        return path


class _Resolver:
    def __init__(self, document: Document) -> None:
        self.document = document
        data = document.data
        self.app = data["app"] if isinstance(data.get("app"), str) else "app"
        self.envs = _environments(data.get("environments"))
        self.components = list(_components(data))
        self.addresses = [address for address, *_ in self.components]
        # every diagnostic, with the environments it was found in (None: not environment-specific)
        self.found: dict[Diagnostic, set[str | None]] = {}
        self.base_errors: set[Diagnostic] = set()  # model errors of the spec as written
        self.interpolation = _Interpolation(self)

    @property
    def suggesting(self) -> bool:
        """Whether a hint is still worth its work: a file with hundreds of problems gets them reported, not guessed at."""
        return len(self.found) < MAX_HINTED

    def report(self, diagnostic: Diagnostic, env: str | None) -> None:
        self.found.setdefault(diagnostic, set()).add(env)

    def error_at(self, path: DataPath, message: str, hint: str | None = None, *, env: str | None = None,
                 key: bool = False) -> None:
        """An error at the key (or value) of `path`, a document path."""
        pos = self.document.key_position(path) if key else self.document.value_position(path)
        self.report(Diagnostic(self.document.path, pos.line, pos.col, format_path(path), message, hint), env)

    def run(self) -> ResolvedApp:
        self.check_overrides()
        first = next(iter(self.envs.values()), _Env("env", "us-east-1", "000000000000"))
        spec = self.validate(self.view(first, keep_overrides=True), None)
        resolved: dict[str, ResolvedEnv] = {}
        bucket_names: dict[str, tuple[str, str]] = {}  # chosen S3 name -> (environment, bucket) that has it
        checks = _Checks(self)
        for env in self.envs.values():
            view = self.view(env, keep_overrides=False)
            env_spec = self.validate(view, env.name)
            checks.check_view(view, env.name)
            checks.check_bucket_names(view, env.name, bucket_names)
            if env_spec is not None:
                resolved[env.name] = self.resolved_env(env_spec, view, env)
        problems = self.finish()
        if problems:
            raise SpecError(problems)
        if spec is None:  # pragma: no cover - every failed validation reports something
            raise AssertionError(f"{self.document.path}: the spec failed validation without a diagnostic")
        return ResolvedApp(spec=spec, source=self.document.path, environments=resolved)

    def finish(self) -> list[Diagnostic]:
        everywhere = set(self.envs)
        problems: list[Diagnostic] = []
        for diagnostic, envs in self.found.items():
            if None in envs or envs >= everywhere:
                problems.append(diagnostic)
                continue
            names = [name for name in self.envs if name in envs]
            if len(names) == 1 and f".overrides.{names[0]}." in f".{diagnostic.address}.":
                problems.append(diagnostic)
                continue
            prefix = f"in {', '.join(names)}: "
            problems.append(
                Diagnostic(diagnostic.file, diagnostic.line, diagnostic.col, diagnostic.address,
                           prefix + diagnostic.message, diagnostic.hint)
            )
        return problems

    # ---- overrides ---------------------------------------------------------------------------

    def check_overrides(self) -> None:
        for _address, _name, path, raw in self.components:
            overrides = raw.get("overrides")
            if not isinstance(overrides, dict):
                continue
            for env_name, override in overrides.items():
                where = (*path, "overrides", env_name)
                if env_name not in self.envs and _ENV_NAME.fullmatch(env_name):
                    hint = did_you_mean(env_name, self.envs) or (
                        f"declared: {', '.join(self.envs)}" if self.envs else "no environments are declared"
                    )
                    self.error_at(where, f"override for undeclared environment '{env_name}'", hint, key=True)
                if isinstance(override, dict):
                    if "type" in override:
                        self.error_at((*where, "type"), "`type` cannot be overridden", key=True)
                    if "overrides" in override:
                        self.error_at((*where, "overrides"), "overrides cannot be nested", key=True)

    # ---- views -------------------------------------------------------------------------------

    def view(self, env: _Env, *, keep_overrides: bool) -> _View:
        view = _View(dict(self.document.data))
        copied: set[str] = set()
        for address, _name, path, raw in self.components:
            component = {k: v for k, v in raw.items() if k != "overrides"}
            overrides = raw.get("overrides")
            if not keep_overrides and isinstance(overrides, dict) and isinstance(overrides.get(env.name), dict):
                override = {k: v for k, v in overrides[env.name].items() if k not in ("type", "overrides")}
                component = _merge(component, override, path, (*path, "overrides", env.name), view.origins)
            component = {
                k: v if k == "env" else self.interpolation.substitute(v, (*path, k), view, env)
                for k, v in component.items()
            }
            if path[0] == "services" and isinstance(component.get("env"), dict):
                self.interpolation.parse_env(address, path, component["env"], view, env)
            if keep_overrides and "overrides" in raw:
                component["overrides"] = overrides
            section = path[0]
            if len(path) == 1:
                view.data[section] = component
            else:
                if section not in copied:
                    view.data[section] = dict(view.data[section])
                    copied.add(section)
                view.data[section][path[1]] = component
        return view

    def error_in(self, view: _View, path: DataPath, offset: int, message: str, hint: str | None, env: str) -> None:
        """An error at character `offset` of the string at `path` (a view path)."""
        view.poisoned.add(path)
        doc_path = view.origin(path)
        pos = self.document.locate(doc_path, offset)
        self.report(Diagnostic(self.document.path, pos.line, pos.col, format_path(doc_path), message, hint), env)

    # ---- validation and checks ---------------------------------------------------------------

    def validate(self, view: _View, env: str | None) -> Spec | None:
        """Validate a view with the model; report its errors (None for the as-written view)."""
        try:
            return Spec.model_validate(view.data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        from envspec.core.validate import explain  # only a spec with errors needs it: keeps a cold `validate` short

        for error in errors:
            explained = explain(error, Spec, self.document, origin=view.origin, suggest=self.suggesting)
            if explained.path in view.poisoned:
                continue  # a broken `${...}` in this value is already reported
            diagnostic = explained.diagnostic
            if env is None:
                self.base_errors.add(diagnostic)
            elif explained.kind in ("value_error", "assertion_error") and diagnostic not in self.base_errors:
                diagnostic = self.blame_override(diagnostic, explained.path, env)
            self.report(diagnostic, env)
        return None

    def blame_override(self, diagnostic: Diagnostic, path: DataPath, env: str) -> Diagnostic:
        """A rule of a component (e.g. min <= max) that only breaks once `env`'s override is
        merged: point at that override rather than at a line the override did not touch."""
        for _address, _name, component, raw in self.components:
            if path[: len(component)] != component:
                continue
            overrides = raw.get("overrides")
            where = (*component, "overrides", env)
            if not (isinstance(overrides, dict) and isinstance(overrides.get(env), dict)):
                return diagnostic
            if f".{format_path(where)}." in f".{diagnostic.address}.":
                return diagnostic  # already inside the override
            pos = self.document.key_position(where)
            return Diagnostic(
                diagnostic.file, pos.line, pos.col, format_path(where), diagnostic.message, diagnostic.hint
            )
        return diagnostic

    # ---- output ------------------------------------------------------------------------------

    def resolved_env(self, spec: Spec, view: _View, env: _Env) -> ResolvedEnv:
        components: dict[str, ResolvedComponent] = {}

        def add(address: str, name: str, kind: Kind, model: Any) -> None:
            found = view.found.get(address, [])
            references = sorted({f.reference for f in found}, key=lambda r: (r.address, r.attribute))
            components[address] = ResolvedComponent(
                address=address,
                name=name,
                kind=kind,
                owner=model.owner or spec.owner,
                model=model,
                env=dict(view.env.get(address, {})),
                references=tuple(references),
            )

        if spec.network is not None:
            add("network", "network", "network", spec.network)
        for section in SECTIONS:
            for name, model in getattr(spec, section).items():
                add(f"{section}.{name}", name, model.type if section == "services" else SECTION_KIND[section], model)
        return ResolvedEnv(
            app=spec.app,
            env=env.name,
            region=env.region,
            account_id=env.account_id,
            tags=dict(spec.tags),
            components=components,
            source=self.document.path,
        )


class _Interpolation:
    """`${...}` in a spec's strings: `${app}` and `${env.*}` replaced, `$${` unescaped, component
    references found (in services' `env` only) and every syntax error reported at its column."""

    def __init__(self, resolver: _Resolver) -> None:
        self.resolver = resolver

    def substitute(self, value: Any, path: DataPath, view: _View, env: _Env) -> Any:
        if isinstance(value, str):
            if "${" not in value:
                return value
            parts = self.interpolate(value, path, view, env)
            for part in parts:
                if isinstance(part, _Found):
                    self.resolver.error_in(view, path, part.offset,
                                  f"component reference {part.text} is only allowed in `env` values", None, env.name)
            return "".join(p if isinstance(p, str) else p.text for p in parts)
        if isinstance(value, dict):
            return {k: self.substitute(v, (*path, k), view, env) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v, (*path, i), view, env) for i, v in enumerate(value)]
        return value

    def parse_env(self, address: str, path: DataPath, values: dict[str, Any], view: _View, env: _Env) -> None:
        interpolated: dict[str, Interpolated] = {}
        found: list[_Found] = []
        for name, value in values.items():
            if not isinstance(value, str):
                continue  # the model reports it
            parts = self.interpolate(value, (*path, "env", name), view, env)
            merged: list[str | Reference] = []
            for part in parts:
                if isinstance(part, _Found):
                    found.append(part)
                    merged.append(part.reference)
                elif part:
                    if merged and isinstance(merged[-1], str):
                        merged[-1] += part
                    else:
                        merged.append(part)
            interpolated[name] = Interpolated(tuple(merged))
        view.env[address] = interpolated
        view.found[address] = found

    def interpolate(self, text: str, path: DataPath, view: _View, env: _Env) -> list[str | _Found]:
        """Split a string into literal text and component references; `${app}`, `${env.*}` and
        `$${` are replaced; syntax errors are reported at their column."""
        parts: list[str | _Found] = []
        index = 0
        while True:
            match = _DOLLAR.search(text, index)
            if match is None:
                parts.append(text[index:])
                return parts
            parts.append(text[index : match.start()])
            if match.group() == "$${":
                parts.append("${")
                index = match.end()
                continue
            start = match.start()
            close = text.find("}", match.end())
            if close < 0:
                self.resolver.error_in(view, path, start, "unterminated reference: '${' without a closing '}'",
                              "write $${ for a literal ${", env.name)
                parts.append(text[start:])
                return parts
            expression = text[match.end() : close]
            written = text[start : close + 1]
            index = close + 1
            if not expression:
                self.resolver.error_in(view, path, start, "empty reference ${}", _LOOKS_LIKE, env.name)
                continue
            if not _EXPRESSION.fullmatch(expression):
                self.resolver.error_in(view, path, start, f"invalid reference {written}", _LOOKS_LIKE, env.name)
                continue
            segments = expression.split(".")
            head = segments[0]
            if expression == "app":
                parts.append(self.resolver.app)
            elif head == "env":
                if len(segments) == 2 and segments[1] in ENV_ATTRIBUTES:
                    parts.append(getattr(env, segments[1]))
                else:
                    choices = [f"env.{a}" for a in ENV_ATTRIBUTES]
                    hint = did_you_mean(expression, choices) or "expected ${env.name}, ${env.region} or ${env.account_id}"
                    self.resolver.error_in(view, path, start, f"unknown reference {written}", hint, env.name)
            elif head == "network" and len(segments) <= 2:
                reference = Reference("network", segments[1] if len(segments) == 2 else "")
                parts.append(_Found(reference, written, path, start))
            elif head in SECTIONS and 2 <= len(segments) <= 3:
                address = f"{head}.{segments[1]}"
                attribute = segments[2] if len(segments) == 3 else ("value" if head == "secrets" else "")
                parts.append(_Found(Reference(address, attribute), written, path, start))
            elif len(segments) >= 3 and segments[1] in (*SECTIONS, "network") and head not in SECTIONS:
                self.resolver.error_in(view, path, start,
                              f"{written} looks like a reference to another app ('{head}'): cross-app references "
                              "are not supported",
                              "pass the value in as a literal, or share it through a secret both apps reference",
                              env.name)
            else:
                candidates = [*self.resolver.addresses, "app", *(f"env.{a}" for a in ENV_ATTRIBUTES)]
                guess = ".".join(segments[:2]) if head not in ("app", "env") else expression
                hint = did_you_mean(guess, candidates) if self.resolver.suggesting else None
                self.resolver.error_in(view, path, start, f"unknown reference {written}", hint, env.name)


class _Checks:
    """The rules across fields and components, on one environment's merged (possibly invalid) data:
    each kind's own checks, references, cycles, and S3's global names."""

    def __init__(self, resolver: _Resolver) -> None:
        self.resolver = resolver

    def check_view(self, view: _View, env: str) -> None:
        """References, cycles and the network rule, on the (possibly invalid) merged data."""
        kinds: dict[str, tuple[Kind | None, dict[str, Any]]] = {}
        for address, _name, path, _raw in self.resolver.components:
            component = _get(view.data, path)
            if not isinstance(component, dict):
                continue
            if path[0] == "services":
                kind = component.get("type")
                kinds[address] = (kind if isinstance(kind, str) and kind in SERVICE_KINDS else None, component)
            else:
                kinds[address] = (SECTION_KIND[path[0]], component)
        self.check_kinds(kinds, view, env)
        edges: dict[str, list[_Found]] = {}
        for address, (kind, component) in kinds.items():
            for found in view.found.get(address, []):
                if self.check_reference(found, address, kinds, view, env):
                    if found.reference.address.startswith("services."):
                        edges.setdefault(address, []).append(found)
        self.check_cycles(edges, view, env)

    def check_bucket_names(self, view: _View, env: str, seen: dict[str, tuple[str, str]]) -> None:
        """S3 names are global: a name the spec chooses must differ between buckets and environments."""
        buckets = view.data.get("buckets")
        if not isinstance(buckets, dict):
            return
        for name, bucket in buckets.items():
            chosen = bucket.get("name") if isinstance(bucket, dict) else None
            if not isinstance(chosen, str):
                continue
            first = seen.setdefault(chosen, (env, name))
            if first != (env, name):
                self.resolver.error_at(view.origin(("buckets", name, "name")),
                              f"bucket name {chosen!r} is also buckets.{first[1]}'s in {first[0]}: S3 bucket names "
                              "are global", "put ${env.name} in it, or set it per environment under `overrides`",
                              env=env)

    def check_kinds(self, kinds: Mapping[str, tuple[Kind | None, dict[str, Any]]], view: _View, env: str) -> None:
        """Each kind's own cross-field checks: across its components first, then of each."""
        spec = KindCheck(view.data, lambda path, message, hint: self.resolver.error_at(view.origin(path), message, hint, env=env))
        by_kind: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for address, (kind, component) in kinds.items():
            if kind is not None:
                by_kind.setdefault(kind, []).append((address, component))
        for name, kind_ in KINDS.items():
            if kind_.check_all is not None and name in by_kind:
                kind_.check_all(spec, by_kind[name])
        for address, (kind, component) in kinds.items():
            check = KINDS[kind].check if kind is not None else None
            if check is not None:
                check(spec, address, component)

    def check_reference(self, found: _Found, owner: str, kinds: Mapping[str, tuple[Kind | None, dict[str, Any]]],
                        view: _View, env: str) -> bool:
        reference = found.reference
        target = kinds.get(reference.address)

        def error(message: str, hint: str | None = None) -> bool:
            self.resolver.error_in(view, found.path, found.offset, message, hint, env)
            return False

        if target is None:
            section = reference.address.split(".", 1)[0]
            candidates = [a for a in kinds if a.split(".", 1)[0] == section]
            hint = did_you_mean(reference.address, candidates) if self.resolver.suggesting else None
            return error(f"unknown reference {found.text}", hint)
        kind, component = target
        if kind is None:
            return False  # a service with a bad `type`: reported by the model
        attributes = ATTRIBUTES[kind]
        if not reference.attribute:
            return error(f"{found.text} needs an attribute", f"one of {', '.join(attributes)}")
        if reference.attribute not in attributes:
            hint = did_you_mean(reference.attribute, attributes) or f"{reference.address} has {', '.join(attributes)}"
            return error(f"unknown attribute {found.text}", hint)
        if reference.address == owner:
            return error(f"{owner} references itself in {found.text}")
        attribute = KINDS[kind].attribute(reference.attribute)
        assert attribute is not None
        if attribute.requires is not None and not _truthy(component.get(attribute.requires[0])):
            field, reason = attribute.requires
            return error(f"{found.text} is not available: {reference.address} {reason}",
                         f"set `{field}: true` on {reference.address}")
        user_kind = kinds[owner][0] if owner in kinds else None
        if attribute.users is not None and user_kind is not None and user_kind not in attribute.users:
            words = {"user": user_kind, "target": reference.address}
            return error(f"{found.text} is {attribute.refused.format(**words)}", attribute.hint.format(**words) or None)
        if attribute.private and user_kind is not None and owner in kinds:
            outside = KINDS[user_kind].outside_vpc
            hint = outside(view.data, kinds[owner][1]) if outside else None
            if hint is not None:
                return error(f"{found.text} is an address inside the app's VPC, and {owner} does not run in the VPC: "
                             f"it could never connect ({reference.address} has no public endpoint)",
                             f"{hint}, so that it runs in the app's private subnets and may reach it")
        return True

    def check_cycles(self, edges: Mapping[str, list[_Found]], view: _View, env: str) -> None:
        order = {address: i for i, address in enumerate(self.resolver.addresses)}.__getitem__  # not list.index: O(n) each
        graph = {a: sorted({f.reference.address for f in refs}, key=order) for a, refs in edges.items()}
        for component in _strongly_connected(graph, self.resolver.addresses):
            if len(component) < 2:
                continue
            start = min(component, key=order)
            cycle = _cycle_through(start, graph, set(component))
            found = next(f for f in edges[start] if f.reference.address == cycle[1])
            self.resolver.error_in(view, found.path, found.offset, f"reference cycle: {' -> '.join(cycle)}", None, env)


def _environments(raw: Any) -> dict[str, _Env]:
    envs: dict[str, _Env] = {}
    if isinstance(raw, dict):
        for name, body in raw.items():
            body = body if isinstance(body, dict) else {}
            region = body.get("region")
            account = body.get("account_id")
            envs[name] = _Env(
                name, region if isinstance(region, str) else "", account if isinstance(account, str) else ""
            )
    return envs


def _components(data: Mapping[str, Any]) -> Iterator[tuple[str, str, DataPath, dict[str, Any]]]:
    """(address, name, path, raw mapping) of every component written as a mapping, in order."""
    if isinstance(data.get("network"), dict):
        yield "network", "network", ("network",), data["network"]
    for section in SECTIONS:
        entries = data.get(section)
        if isinstance(entries, dict):
            for name, raw in entries.items():
                if isinstance(raw, dict):
                    yield f"{section}.{name}", name, (section, name), raw


def _merge(base: dict[str, Any], override: dict[str, Any], path: DataPath, source: DataPath,
           origins: dict[DataPath, DataPath]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, (*path, key), (*source, key), origins)
        else:
            merged[key] = value
            origins[(*path, key)] = (*source, key)
    return merged


def _get(data: Any, path: DataPath) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _truthy(value: Any) -> bool:
    """The way the (strict) model reads a boolean field: only `true` is true."""
    return value is True


def _strongly_connected(graph: Mapping[str, Sequence[str]], order: Sequence[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; nodes visited in `order`."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    for root in order:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph.get(node, ())
            if child < len(successors):
                work.append((node, child + 1))
                nxt = successors[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                result.append(members)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _cycle_through(start: str, graph: Mapping[str, Sequence[str]], members: set[str]) -> list[str]:
    """A shortest cycle start -> ... -> start inside one strongly connected component."""
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for nxt in graph.get(node, ()):
            if nxt not in members:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    raise AssertionError("no cycle in a strongly connected component")  # pragma: no cover
