"""The resource graph: the intermediate representation every backend renders.

`lower.lower(resolved_env)` builds one :class:`ResourceGraph` per environment. It is where identity
is decided, once: every AWS resource's name, tags and import id, every security group rule
(:class:`SecurityGroupRule`, with the canonical key adoption matches by), and every input a component's
Terraform module or Ansible role receives. Backends only decide syntax.

Values in `Node.inputs` are JSON-like (str, int, bool, None, lists, dicts with str keys) plus two
kinds of deferred value that only exist once another component has been provisioned:

* :class:`Attr` — a *dynamic attribute* of a node, one of its kind's `outputs` (see `envspec.core.kinds`);
* :class:`Interp` — a string made of literal text and `Attr` parts.

Everything a reference names that the core can know in advance (bucket names and ARNs, database
names and ports, Lambda ARNs, ...) is already a literal here; only genuinely AWS-assigned values
(VPC ids, host names, secret ARNs with their random suffix, security group ids) stay deferred.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

Owner = Literal["ansible", "terraform"]
OWNERS: tuple[Owner, ...] = ("ansible", "terraform")
Kind = str  # a component kind: one of envspec.core.kinds.KINDS (the registry; the IR imports nothing)


@dataclass(frozen=True, order=True)
class Attr:
    """A dynamic attribute of another node: `Attr("databases.main", "host")`."""

    address: str
    attribute: str


@dataclass(frozen=True)
class Interp:
    """A string of literal text and dynamic attributes, e.g. `postgres://app@` + host + `:5432/main`."""

    parts: tuple[str | Attr | SecretValue, ...]


@dataclass(frozen=True)
class SecretValue:
    """The value of a secret, fetched at deploy time by Ansible (ec2 services only); never rendered.

    A database's password is one too: `name` is then the ARN of the secret RDS keeps it in (an
    Attr, known once the database exists), `key` the field of that JSON secret, and `url_encoded`
    says the value goes inside a URL (percent-encoded, `/` included)."""

    address: str          # "secrets.NAME" or "databases.NAME"
    name: str | Attr      # the secret's AWS name, or its ARN
    store: Literal["secretsmanager", "ssm"]
    key: str | None = None
    url_encoded: bool = False


Value = Any  # JSON-like | Attr | Interp | SecretValue (see module docstring)


@dataclass(frozen=True)
class Lookup:
    """How to find a resource whose id AWS assigns: filter by these tags (all must match)."""

    tags: Mapping[str, str]


@dataclass(frozen=True)
class Resource:
    """One named, tagged AWS object that a component's module or role manages.

    `type` uses the AWS provider's resource type names (`aws_vpc`, `aws_db_instance`, ...) as
    neutral names for AWS object kinds. `import_id` is the id Terraform imports it by when the
    core can derive it from names (a bucket name, a role name, a DB identifier, an ARN built from
    account, region and name); otherwise `lookup` says how to find it.
    """

    key: str              # stable within its node: "vpc", "public-1", "instance-2"
    type: str
    name: str
    tags: Mapping[str, str]
    import_id: str | None = None
    lookup: Lookup | None = None


@dataclass(frozen=True, order=True)
class SecurityGroup:
    """A security group: the component that has it, the key of its `aws_security_group` resource in
    that node, and the output of that node that gives its id once it exists."""

    address: str          # "databases.main"
    resource: str         # "sg", "lb-sg"
    attribute: str        # "security_group_id", "lb_security_group_id"

    @property
    def name(self) -> str:
        """The group by name, as canonical keys write it: `databases.main/sg`."""
        return f"{self.address}/{self.resource}"

    @property
    def id(self) -> Attr:
        return Attr(self.address, self.attribute)


@dataclass(frozen=True)
class SecurityGroupRule:
    """One security group rule a component's module or role creates, decided once by the lowering.

    The rule is on `group` (the component's own group, or another's: a service adds the ingress on a
    database's group) and lets traffic in from (`ingress`) or out to (`egress`) its `peer`: a group,
    or a CIDR block. AWS gives a rule an id nothing can derive and Ansible's rules carry no tags, so
    a rule is known by what it allows: its :attr:`key`.
    """

    name: str             # stable within its node's rules of one direction: "https", "from-lb", "databases.main"
    group: SecurityGroup
    direction: Literal["ingress", "egress"]
    protocol: str         # "tcp"
    from_port: int
    to_port: int
    peer: SecurityGroup | str
    description: str

    @property
    def key(self) -> str:
        """The canonical key: `services.api/sg ingress tcp 4000 4000 network/lb-sg` (group, direction,
        protocol, ports, peer; groups by name, a CIDR as itself). Terraform's adoption builds the same
        string from what AWS reports; the description is not part of it."""
        peer = self.peer.name if isinstance(self.peer, SecurityGroup) else self.peer
        return " ".join([self.group.name, self.direction, self.protocol, str(self.from_port), str(self.to_port), peer])

    def groups(self) -> tuple[SecurityGroup, ...]:
        """The groups the rule names: the one it is on, then its peer when that is a group."""
        return (self.group, self.peer) if isinstance(self.peer, SecurityGroup) else (self.group,)


@dataclass(frozen=True)
class Node:
    """A component lowered for one environment."""

    address: str          # "network", "secrets.x", "buckets.x", "databases.x", "services.x"
    kind: Kind
    owner: Owner
    name: str             # the component's base AWS name, e.g. "xkit-staging-main"
    tags: Mapping[str, str]            # envspec:* tags + the spec's tags, sorted by key
    inputs: Mapping[str, Value]        # the module's variables / the role's arguments
    resources: tuple[Resource, ...]    # what its module or role creates, in creation order
    depends_on: tuple[str, ...]        # addresses this node needs first (sorted)
    history: tuple[Owner, ...] = ()    # owners it had in earlier compiles (from APP.history.json beside the spec):
                                       # terraform-owned with "ansible" in history -> import blocks;
                                       # ansible-owned with "terraform" in history -> removed blocks
    # Every security group rule its module or role creates, in order (none without a group of its own).
    security_group_rules: tuple[SecurityGroupRule, ...] = ()

    @property
    def adopted(self) -> bool:
        """Terraform must import this node's resources: Ansible created them."""
        return self.owner == "terraform" and "ansible" in self.history

    @property
    def released(self) -> bool:
        """Terraform must forget (never destroy) this node: Ansible owns it now."""
        return self.owner == "ansible" and "terraform" in self.history

    def own_group(self, group: SecurityGroup) -> bool:
        """Whether `group` is this node's own (its module or role creates it)."""
        return group.address == self.address

    def needs(self) -> tuple[Attr, ...]:
        """Every dynamic attribute of another node this node needs: those in its inputs, then the ids
        of the other components' groups its rules name."""
        groups = [g.id for r in self.security_group_rules for g in r.groups() if not self.own_group(g)]
        return (*attrs_in(self.inputs), *dict.fromkeys(groups))


@dataclass(frozen=True)
class ResourceGraph:
    """Every node of one app in one environment, in dependency order."""

    app: str
    env: str
    region: str
    account_id: str
    source: str
    nodes: tuple[Node, ...]
    # Where either tool keeps what it needs between runs, named by the lowering (`envspec.core.names`):
    # Terraform's state (bucket and key) and the bucket Ansible's Systems Manager connection moves files through.
    state_bucket: str = ""
    state_key: str = ""
    transfer_bucket: str = ""

    def node(self, address: str) -> Node:
        """The node of `address` (KeyError if none), in constant time: backends ask once per reference."""
        return self._by_address[address]

    @cached_property
    def _by_address(self) -> Mapping[str, Node]:
        by_address: dict[str, Node] = {}
        for node in self.nodes:
            by_address.setdefault(node.address, node)
        return by_address

    def owned_by(self, owner: Owner) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.owner == owner)


def attrs_in(value: Value) -> tuple[Attr, ...]:
    """Every Attr inside a value, in order of appearance."""
    found: list[Attr] = []

    def walk(v: Value) -> None:
        if isinstance(v, Attr):
            found.append(v)
        elif isinstance(v, SecretValue):
            walk(v.name)
        elif isinstance(v, Interp):
            for part in v.parts:
                walk(part)
        elif isinstance(v, Mapping):
            for item in v.values():
                walk(item)
        elif isinstance(v, (list, tuple)):
            for item in v:
                walk(item)

    walk(value)
    return tuple(found)
