"""`network`: the app's VPC."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from envspec.core.model.common import Component


# Blocks that are no host's (RFC 6890, RFC 5771), refused as a VPC block: AWS refuses the multicast and
# reserved ones (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html); loopback,
# link-local (where AWS's own instance metadata and DNS answer) and 'this network' could never route.
UNUSABLE_BLOCKS = (
    (ipaddress.IPv4Network("0.0.0.0/8"), "'this network'"),
    (ipaddress.IPv4Network("127.0.0.0/8"), "loopback"),
    (ipaddress.IPv4Network("169.254.0.0/16"), "link-local"),
    (ipaddress.IPv4Network("224.0.0.0/4"), "multicast"),
    (ipaddress.IPv4Network("240.0.0.0/4"), "reserved for future use"),
)


class Network(Component):
    """The app's VPC: public and private subnets in each availability zone, an internet gateway and NAT."""

    cidr: str = Field(
        description="IPv4 CIDR block of the VPC, between /16 and /24, for example `10.20.0.0/16`; not a "
        "multicast, reserved, loopback or link-local block. It is split into 16 subnets (a /16 into /20s, a "
        "/24 into /28s): one public and one private per availability zone. A load balancer (a public service, "
        "a beanstalk service) needs public subnets of at least /27, so a VPC of at least /23.",
        json_schema_extra={"examples": ["10.20.0.0/16"]},
    )
    availability_zones: int = Field(
        default=2, ge=1, le=6, description="How many availability zones the subnets span (1..6)."
    )
    nat_gateway: Literal["none", "single", "per_az"] = Field(
        default="single",
        description="NAT for the private subnets: `none` (no outbound internet), `single` (one NAT "
        "gateway, cheapest) or `per_az` (one per availability zone, survives a zone outage).",
    )

    certificate_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$",
        description="ACM certificate for the app's shared load balancer (created when a service has "
        "`public: true`). With it the load balancer serves HTTPS on 443 and redirects 80 to 443; "
        "without it, it serves plain HTTP on 80. A load balancer takes a certificate of its own region and "
        "account only: write `arn:aws:acm:${env.region}:${env.account_id}:certificate/ID`, or set it per "
        "environment under `overrides`.",
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"not a valid IPv4 CIDR block: {exc}") from None
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"a VPC block must be between /16 and /24, got /{net.prefixlen}")
        for block, what in UNUSABLE_BLOCKS:
            if net.overlaps(block):
                raise ValueError(
                    f"{value} is in {block}, {what}: AWS refuses it as a VPC block; use a private range "
                    "(10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"
                )
        return value
