variable "name" {
  description = "Name of the VPC and its internet gateway (the `Name` tag), for example `xkit-staging`."
  type        = string

  validation {
    condition     = length(var.name) > 0 && length(var.name) <= 255
    error_message = "The name must be 1 to 255 characters long."
  }
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC, for example `10.20.0.0/16`."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.cidr))
    error_message = "The cidr must be an IPv4 CIDR block such as 10.20.0.0/16."
  }
}

variable "public_subnets" {
  description = "Public subnets, one per availability zone: `name` (the `Name` tag), `cidr`, `az_index`, the index of the zone in the region's available zones, and `map_public_ip_on_launch`."
  type = list(object({
    name                    = string
    cidr                    = string
    az_index                = number
    map_public_ip_on_launch = bool
  }))

  validation {
    condition     = length(var.public_subnets) > 0 && alltrue([for s in var.public_subnets : can(cidrnetmask(s.cidr)) && s.az_index >= 0])
    error_message = "At least one public subnet is needed; each needs an IPv4 CIDR block and a non-negative az_index."
  }
}

variable "private_subnets" {
  description = "Private subnets, one per availability zone: `name` (the `Name` tag), `cidr`, `az_index`, the index of the zone in the region's available zones, and `map_public_ip_on_launch`."
  type = list(object({
    name                    = string
    cidr                    = string
    az_index                = number
    map_public_ip_on_launch = bool
  }))

  validation {
    condition     = alltrue([for s in var.private_subnets : can(cidrnetmask(s.cidr)) && s.az_index >= 0])
    error_message = "Each private subnet needs an IPv4 CIDR block and a non-negative az_index."
  }
}

variable "nat_gateways" {
  description = "NAT gateways (each with its Elastic IP of the same name): `name` and `public_subnet_index`, the public subnet it sits in. Empty for no outbound internet from the private subnets."
  type = list(object({
    name                = string
    public_subnet_index = number
  }))
  default = []
}

variable "public_route_table_name" {
  description = "Name of the route table of the public subnets (default route to the internet gateway)."
  type        = string
}

variable "private_route_tables" {
  description = "One route table per private subnet: `name`, `private_subnet_index`, and `nat_index`, the NAT gateway of its default route (null: no default route)."
  type = list(object({
    name                 = string
    private_subnet_index = number
    nat_index            = number
  }))
  default = []
}

variable "load_balancer" {
  description = "The app's shared, internet-facing application load balancer, or null for none: `name`, `security_group_name`, `certificate_arn` (HTTPS on 443 with a redirect from 80; null: plain HTTP on 80), and `drop_invalid_header_fields`."
  type = object({
    name                       = string
    security_group_name        = string
    certificate_arn            = string
    drop_invalid_header_fields = bool
  })
  default = null

  validation {
    condition     = var.load_balancer == null ? true : length(var.load_balancer.name) <= 32
    error_message = "A load balancer name is at most 32 characters long."
  }
}

variable "security_group_rules" {
  description = "The load balancer group's rules, as envspec decided them: for each, a `name` (unique among the rules of its `direction`, `ingress` or `egress`: the key of its resource instance), the group it is on (`security_group_id`; null: the load balancer's), `ip_protocol`, `from_port`, `to_port`, its peer (`cidr_ipv4`, or `referenced_security_group_id`; both null: the load balancer's group) and its `description`."
  type = list(object({
    name                         = string
    direction                    = string
    security_group_id            = string
    ip_protocol                  = string
    from_port                    = number
    to_port                      = number
    cidr_ipv4                    = string
    referenced_security_group_id = string
    description                  = string
  }))
  default = []

  validation {
    condition     = alltrue([for rule in var.security_group_rules : contains(["ingress", "egress"], rule.direction)])
    error_message = "A rule's direction is ingress or egress."
  }
}

variable "tags" {
  description = "Tags for every resource; each resource adds its own `Name`."
  type        = map(string)
  default     = {}
}
