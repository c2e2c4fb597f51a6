"""What a component kind is: everything the core needs to know about it, in one value.

Each kind is one module of this package (`network.py`, `bucket.py`, ...) that defines `KIND`, a
:class:`ComponentKind`; `envspec.core.kinds.KINDS` lists them. The section lists, the attribute tables,
the dispatch of lowering and the backends' per-kind bindings are all derived from that list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from envspec.core.ir import SecurityGroup, SecurityGroupRule

if TYPE_CHECKING:  # the kinds' functions take these; importing them here would be a cycle
    from envspec.core.ir import Resource, Value
    from envspec.core.lower.context import LoweringContext
    from envspec.core.resolved import Reference, ResolvedComponent


@dataclass(frozen=True)
class Attribute:
    """An attribute a reference may name: `${SECTION.NAME.ATTRIBUTE}`."""

    name: str
    # The target's boolean field that must be true for the attribute to exist, and what to say when it
    # is not: ("public", "is not public") -> "... is not available: services.web is not public".
    requires: tuple[str, str] | None = None
    # The kinds of component that may reference it (None: any), and why the others may not.
    users: frozenset[str] | None = None
    refused: str = ""
    hint: str = ""
    # An address inside the app's VPC (a database's host): useless to a user that runs outside it.
    private: bool = False


class LoweredComponent(NamedTuple):
    """A component lowered: its module's variables / role's arguments, its AWS objects in creation
    order, the addresses it needs first, and the security group rules its module / role creates."""

    inputs: dict[str, Value]
    resources: list[Resource]
    depends_on: tuple[str, ...]
    rules: tuple[SecurityGroupRule, ...] = ()


ANYWHERE = "0.0.0.0/0"  # a rule's CIDR peer: the whole IPv4 internet


class NetworkAccess(NamedTuple):
    """A component the user may reach over the network (a database, a cache): its address, its
    security group and its TCP port. The lowering makes it two security group rules (`LoweringContext.
    service_rules`): ingress on the target's group from the user's, egress from the user's to it."""

    target: str
    group: SecurityGroup
    port: int


class Grants(NamedTuple):
    """What a reference lets its user do: IAM statements (`sid`, `actions`, `resources`) and network
    access. Statements with the same `sid` and access to the same target are granted once."""

    statements: list[dict[str, Any]]
    access: list[NetworkAccess]


NO_GRANTS = Grants([], [])

# The functions a kind module gives (see ComponentKind).
Lower = Callable[["LoweringContext", "ResolvedComponent"], LoweredComponent]
ValueOf = Callable[["LoweringContext", "Reference", "ResolvedComponent", "ResolvedComponent"], "Value"]
Grant = Callable[["LoweringContext", "Reference", "ResolvedComponent", "ResolvedComponent"], Grants]
Name = Callable[["LoweringContext", "ResolvedComponent"], str]
InVpc = Callable[["LoweringContext", "ResolvedComponent"], bool]
Check = Callable[["KindCheck", str, Mapping[str, Any]], None]
CheckAll = Callable[["KindCheck", Sequence[tuple[str, Mapping[str, Any]]]], None]
# (the spec's data, a component's data) -> None when the component runs in the app's VPC, else what
# would put it there, in words (both may be invalid: type-check every value).
OutsideVpc = Callable[[Mapping[str, Any], Mapping[str, Any]], "str | None"]


class KindCheck:
    """What a kind's cross-field check sees of the spec (the merged data of one environment, which
    may be invalid: every value must be type-checked before use) and how it reports."""

    def __init__(self, data: Mapping[str, Any], report: Callable[[tuple[str | int, ...], str, str | None], None]) -> None:
        self.data = data
        self._report = report

    @property
    def network(self) -> Mapping[str, Any] | None:
        network = self.data.get("network")
        return network if isinstance(network, dict) else None

    def availability_zones(self) -> int | None:
        """The network's zone count as the spec says it (2 when unset), None when there is no valid one."""
        network = self.network
        zones = network.get("availability_zones", 2) if network is not None else None
        return zones if isinstance(zones, int) and not isinstance(zones, bool) else None

    def error(self, path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        """Report at `path` (from the spec's top: ("services", "web", "public"))."""
        self._report(path, message, hint)


@dataclass(frozen=True)
class ComponentKind:
    name: str                                  # "bucket": the node's kind, the module's and the role's name
    section: str                               # "buckets": where it is in a spec ("network" is a single one)
    model: type                                # the pydantic model of one component
    attributes: tuple[Attribute, ...]          # what a reference to it may name, in the order errors list them
    # The AWS-assigned values it exposes: its Terraform module's outputs and its Ansible role's facts,
    # the only values a reference may leave deferred (graph.Attr).
    outputs: tuple[str, ...] = ()
    list_outputs: frozenset[str] = field(default_factory=frozenset)  # outputs that are lists (subnet ids)
    service: bool = False                      # a service: `type` under `services`, environment, permissions
    lower: Lower | None = None                 # the component -> inputs, resources, dependencies
    value: ValueOf | None = None               # what `${ref}` to it becomes for a user (a literal or deferred)
    grants: Grant | None = None                # what a reference to it lets the user do
    base_name: Name | None = None              # its base AWS name, when not APP-ENV-NAME
    in_vpc: InVpc | None = None                # whether it runs in the app's VPC (services)
    outside_vpc: OutsideVpc | None = None      # the same, on the spec as written, for checking references
    check: Check | None = None                 # cross-field checks of one component on the spec data
    check_all: CheckAll | None = None          # checks across all the app's components of this kind
    # What each statement `grants` makes allows, by the suffix of its sid after the target's prefix, in
    # words (`envspec graph` labels its edges with them): {"Read": "read secret"}.
    grant_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def attribute_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes)

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)
