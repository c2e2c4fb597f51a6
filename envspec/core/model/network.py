"""`network`: the app's VPC."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from envspec.core.model.common import Component


class Network(Component):
    """The app's VPC: public and private subnets in each availability zone, an internet gateway and NAT."""

    cidr: str = Field(
        description="IPv4 CIDR block of the VPC, between /16 and /24, for example `10.20.0.0/16`. "
        "It is split into one public and one private subnet per availability zone.",
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
        "without it, it serves plain HTTP on 80.",
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
        return value
