variable "name" {
  description = "Base name of the service, for example `xkit-staging-api`: the `Name` of its listener rule."
  type        = string
}

variable "ami" {
  description = "AMI of the instances, for example `ami-0123456789abcdef0`."
  type        = string

  validation {
    condition     = can(regex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$", var.ami))
    error_message = "An AMI id looks like ami-0123456789abcdef0."
  }
}

variable "instance_type" {
  description = "EC2 instance type, for example `t3.small`."
  type        = string
}

variable "instances" {
  description = "Names of the instances (their `Name` tags), one instance each, spread over `subnet_ids` in order."
  type        = list(string)
  default     = []

  validation {
    condition     = length(distinct(var.instances)) == length(var.instances)
    error_message = "Instance names must be unique."
  }
}

variable "port" {
  description = "TCP port the service listens on; null for a service that serves no HTTP (then it cannot be public)."
  type        = number
  default     = null

  validation {
    condition     = var.port == null ? true : var.port >= 1 && var.port <= 65535
    error_message = "The port must be between 1 and 65535."
  }
}

variable "health_check" {
  description = "HTTP path that the load balancer probes, for example `/healthz`."
  type        = string
  default     = "/"

  validation {
    condition     = startswith(var.health_check, "/")
    error_message = "The health check path must start with /."
  }
}

variable "vpc_id" {
  description = "VPC of the service's security group and target group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the instances are spread over."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "At least one subnet is needed."
  }
}

variable "security_group_name" {
  description = "Name of the instances' security group."
  type        = string
}

variable "role_name" {
  description = "Name of the instances' IAM role (its inline policy is `envspec-references`, as with Ansible)."
  type        = string
}

variable "instance_profile_name" {
  description = "Name of the instance profile that carries the role."
  type        = string
}

variable "managed_policy_arns" {
  description = "Managed policies attached to the role, for example AmazonSSMManagedInstanceCore (the deploy reaches the hosts through SSM)."
  type        = list(string)
  default     = []
}

variable "policy_statements" {
  description = "Allow statements of the role's inline policy, from the service's references: `sid`, `actions`, `resources`."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "security_group_rules" {
  description = "The security group rules, as envspec decided them: for each, a `name` (unique among the rules of its `direction`, `ingress` or `egress`: the key of its resource instance), the group it is on (`security_group_id`; null: the service's own group), `ip_protocol`, `from_port`, `to_port`, its peer (`cidr_ipv4`, or `referenced_security_group_id`; both null: the service's own group) and its `description`."
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

variable "load_balancer" {
  description = "Put the service behind the app's shared load balancer (null: not public): a target group `target_group_name` (its health check every `health_check_interval` seconds, timing out after `health_check_timeout`, `healthy_threshold` and `unhealthy_threshold` checks in a row; `deregistration_delay` seconds of draining), a rule on `listener_arn` with `priority` that matches `host` (null: every path)."
  type = object({
    target_group_name     = string
    listener_arn          = string
    priority              = number
    host                  = string
    health_check_interval = number
    health_check_timeout  = number
    healthy_threshold     = number
    unhealthy_threshold   = number
    deregistration_delay  = number
  })
  default = null

  validation {
    condition     = var.load_balancer == null ? true : var.load_balancer.priority >= 1 && var.load_balancer.priority <= 50000
    error_message = "A listener rule priority is between 1 and 50000."
  }
}

variable "environment" {
  description = "The service's environment variables. Not used here: the deploy (Ansible) writes them, secrets included, to each host's environment file at release time."
  type        = map(string)
  default     = null
}

variable "release" {
  description = "What a deploy ships (`artifact`, `start`). Not used here: releases are always deployed by Ansible."
  type = object({
    artifact = string
    start    = string
  })
  default = null
}

variable "deploy" {
  description = "How a deploy rolls releases out (`max_unavailable`, `keep_releases`). Not used here: releases are always deployed by Ansible."
  type = object({
    max_unavailable = number
    keep_releases   = number
  })
  default = null
}

variable "tags" {
  description = "Tags for every resource; each adds its own `Name`."
  type        = map(string)
  default     = {}
}
