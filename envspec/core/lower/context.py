"""What lowering one environment needs to know about all of it: names, tags, identity, references.

A kind's module (`envspec/core/kinds/`) lowers its components with a :class:`LoweringContext`;
`envspec.core.lower.lower()` makes one per environment and dispatches through the registry. The names
several modules need (state bucket, transfer bucket, the shortening rule) are in `envspec.core.names`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from envspec.core.names import joined_name, statement_id
from envspec.core.ir import Attr, Interp, Lookup, Resource, SecretValue, SecurityGroup, SecurityGroupRule, Value
from envspec.core.kinds.base import ANYWHERE, NetworkAccess
from envspec.core.resolved import Interpolated, Reference, ResolvedComponent, ResolvedEnv

if TYPE_CHECKING:
    from envspec.core.kinds.base import ComponentKind
    from envspec.core.model import Network

# Resource types that get no Name tag from either tool (see `LoweringContext.resource`).
NO_NAME_TAG = frozenset({"aws_elastic_beanstalk_application", "aws_elastic_beanstalk_environment"})


class LoweringContext:
    """One environment being lowered: what each kind's functions ask of the others."""

    def __init__(self, env: ResolvedEnv, kinds: Mapping[str, ComponentKind]) -> None:
        self.env = env
        self.kinds = kinds
        self.components = env.components
        self.prefix = f"{env.app}-{env.env}"

    # ---- names, tags, identity -------------------------------------------------------------

    def base_name(self, component: ResolvedComponent) -> str:
        """The component's base AWS name: APP-ENV-NAME unless its kind decides otherwise."""
        own = self.kinds[component.kind].base_name
        return own(self, component) if own is not None else joined_name(self.prefix, component.name)

    def tags(self, component: ResolvedComponent) -> dict[str, str]:
        tags = dict(self.env.tags)
        tags.update(
            {
                "envspec:app": self.env.app,
                "envspec:env": self.env.env,
                "envspec:component": component.address,
                "envspec:owner": component.owner,
            }
        )
        return dict(sorted(tags.items()))

    def lookup(self, component: ResolvedComponent, name: str, *, name_tag: bool = True) -> Lookup:
        return Lookup(
            tags={
                **({"Name": name} if name_tag else {}),
                "envspec:app": self.env.app,
                "envspec:component": component.address,
                "envspec:env": self.env.env,
            }
        )

    def resource(
        self,
        component: ResolvedComponent,
        key: str,
        type_: str,
        name: str,
        *,
        import_id: str | None = None,
        by_tags: bool = False,
    ) -> Resource:
        tags = dict(self.tags(component))
        # Elastic Beanstalk tags an environment with its own Name (a tag no one can set or change), and
        # the AWS provider hides the Name key of Beanstalk applications and environments when it reads
        # them: a Name tag in the configuration would be a change on every plan. Neither tool sets one.
        name_tag = type_ not in NO_NAME_TAG
        if name_tag:
            tags["Name"] = name
        return Resource(
            key=key,
            type=type_,
            name=name,
            tags=dict(sorted(tags.items())),
            import_id=import_id,
            lookup=self.lookup(component, name, name_tag=name_tag) if by_tags else None,
        )

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return ":".join(
            ["arn", "aws", service, self.env.region if region else "", self.env.account_id if account else "", resource]
        )

    # ---- references --------------------------------------------------------------------------

    def value_of(self, ref: Reference, user: ResolvedComponent) -> Value:
        """What `${ref}` becomes for `user`: a literal when the core knows it, else deferred."""
        target = self.components[ref.address]
        value = self.kinds[target.kind].value
        return value(self, ref, target, user) if value is not None else Attr(target.address, ref.attribute)

    def interpolate(self, value: Interpolated, user: ResolvedComponent) -> Value:
        parts: list[Any] = []
        for part in value.parts:
            lowered = self.value_of(part, user) if isinstance(part, Reference) else part
            if isinstance(lowered, Interp):
                parts.extend(lowered.parts)
            else:
                parts.append(lowered)
        merged: list[Any] = []
        for part in parts:  # join adjacent literal text
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        if not merged:
            return ""
        if len(merged) == 1 and not isinstance(merged[0], SecretValue):
            return merged[0]
        return Interp(tuple(merged))

    def environment(self, component: ResolvedComponent) -> dict[str, Value]:
        return {key: self.interpolate(value, component) for key, value in component.env.items()}

    def permissions(
        self, component: ResolvedComponent, *implied: Reference,
    ) -> tuple[list[dict[str, Any]], list[NetworkAccess]]:
        """(IAM policy statements, network access) its references grant, each once, in reference
        order; `implied` are references the spec makes without writing them (a lambda's trigger queue)."""
        statements: list[dict[str, Any]] = []
        access: list[NetworkAccess] = []
        for ref in (*component.references, *implied):
            target = self.components[ref.address]
            grants = self.kinds[target.kind].grants
            if grants is None:
                continue
            granted = grants(self, ref, target, component)
            statements += [s for s in granted.statements if s not in statements]
            reached = {a.target for a in access}
            access += [a for a in granted.access if a.target not in reached]
        return statements, access

    @staticmethod
    def service_rules(
        own: SecurityGroup, https: str, access: Sequence[NetworkAccess], *ingress: SecurityGroupRule,
    ) -> tuple[SecurityGroupRule, ...]:
        """The rules of a service's own group (ec2, beanstalk, lambda in the VPC): HTTPS out to anywhere
        (AWS APIs, package mirrors; described `https`), the service's own `ingress` rules, then for each
        component it may reach (by address) the ingress on that component's group from this one (the
        target's module has no rules of its own: its users add them) and the egress from this one to it."""
        reached = sorted(access, key=lambda a: a.target)
        return (
            SecurityGroupRule("https", own, "egress", "tcp", 443, 443, ANYWHERE, https),
            *ingress,
            *(SecurityGroupRule(a.target, a.group, "ingress", "tcp", a.port, a.port, own, f"From {own.address}")
              for a in reached),
            *(SecurityGroupRule(a.target, own, "egress", "tcp", a.port, a.port, a.group, f"To {a.target}")
              for a in reached),
        )

    def dependencies(self, component: ResolvedComponent, *extra: str) -> tuple[str, ...]:
        deps = {ref.address for ref in component.references} | set(extra)
        deps.discard(component.address)
        return tuple(sorted(d for d in deps if d in self.components))

    @staticmethod
    def statement_id(target: ResolvedComponent) -> str:
        """The prefix of the sids of the statements a reference to `target` grants: `BucketsAssets`."""
        return statement_id(target.address)

    # ---- the app's network -----------------------------------------------------------------------

    def in_vpc(self, component: ResolvedComponent) -> bool:
        """Whether the component's compute runs in the app's VPC (and so can reach its databases)."""
        in_vpc = self.kinds[component.kind].in_vpc
        return in_vpc is not None and in_vpc(self, component)

    def network_model(self) -> Network | None:
        network = self.components.get("network")
        return network.model if network is not None else None  # type: ignore[return-value]

    @cached_property
    def public_services(self) -> tuple[str, ...]:
        """The services behind the app's load balancer, in spec order."""
        return tuple(
            c.address for c in self.components.values() if c.kind == "ec2" and getattr(c.model, "public", False)
        )
