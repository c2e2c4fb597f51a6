"""The output of resolution: one frozen view of the app per environment.

`resolve.resolve(documents)` produces a :class:`ResolvedApp` per spec file; `lower.lower()` consumes one
:class:`ResolvedEnv` at a time. Everything here is immutable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from envspec.core.ir import Kind, Owner
from envspec.core.model import Spec
from envspec.core.model.common import Component


@dataclass(frozen=True)
class Reference:
    """`${ADDRESS.ATTRIBUTE}` inside a string, e.g. address `databases.main`, attribute `url`.

    `${app}` and `${env.*}` never appear here: resolution replaces them by their values.
    """

    address: str
    attribute: str


@dataclass(frozen=True)
class Interpolated:
    """A string value split into literal text and references. `$${` is already unescaped to `${`."""

    parts: tuple[str | Reference, ...]

    @property
    def references(self) -> tuple[Reference, ...]:
        return tuple(p for p in self.parts if isinstance(p, Reference))

    @property
    def literal(self) -> str | None:
        """The plain string when there is no reference, else None."""
        if self.references:
            return None
        return "".join(p for p in self.parts if isinstance(p, str))


@dataclass(frozen=True)
class ResolvedComponent:
    address: str                               # "network", "secrets.x", "buckets.x", "databases.x", "services.x"
    name: str                                  # the key in its section ("network" for the network)
    kind: Kind
    owner: Owner                               # after overrides and the spec default
    model: Component                           # merged with this environment's overrides, validated;
                                               # `${app}`/`${env.*}` substituted in its string fields
    env: Mapping[str, Interpolated]            # services only (empty otherwise), in spec order
    references: tuple[Reference, ...]          # every distinct component reference it makes, sorted


@dataclass(frozen=True)
class ResolvedEnv:
    app: str
    env: str
    region: str
    account_id: str
    tags: Mapping[str, str]                    # the spec's extra tags
    components: Mapping[str, ResolvedComponent]  # by address, in a fixed order: network, secrets,
                                               # buckets, databases, services; spec order within a section
    source: str                                # the spec file, as given on the command line


@dataclass(frozen=True)
class ResolvedApp:
    spec: Spec
    source: str
    environments: Mapping[str, ResolvedEnv]    # in spec order


def check_declared(apps: Iterable[ResolvedApp], envs: Iterable[str]) -> None:
    """Refuse an environment (`--env`) that no spec declares: the one message every command gives."""
    from envspec.core.errors import UsageError, did_you_mean_name

    declared = sorted({env for app in apps for env in app.environments})
    for env in envs:
        if env not in declared:
            hint = did_you_mean_name(env, declared)
            raise UsageError(
                f"no environment '{env}' in the specs" + (f" ({hint})" if hint else "")
                + f"; declared: {', '.join(declared)}"
            )
