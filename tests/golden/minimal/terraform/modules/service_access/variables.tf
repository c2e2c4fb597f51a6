variable "role_name" {
  description = "Name of the service's IAM role (its inline policy is `envspec-references`, as with Ansible)."
  type        = string
}

variable "assume_role_service" {
  description = "The service principal that assumes the role: `ec2.amazonaws.com` (instances, Elastic Beanstalk) or `lambda.amazonaws.com`."
  type        = string
}

variable "managed_policy_arns" {
  description = "Managed policies attached to the role."
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

variable "instance_profile_name" {
  description = "Name of the instance profile that carries the role (null: no instance profile, as for a Lambda function)."
  type        = string
  default     = null
}

variable "security_group" {
  description = "The service's own security group (null: none, as for a Lambda function outside any VPC): `name`, `description` (it cannot change without replacing the group), `vpc_id` (null: the account's default VPC)."
  type = object({
    name        = string
    description = string
    vpc_id      = string
  })
  default = null
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

variable "tags" {
  description = "Tags for every resource; each adds its own `Name`."
  type        = map(string)
  default     = {}
}
