variable "application_name" {
  description = "Name of the Elastic Beanstalk application, for example `xkit-staging-dashboard`."
  type        = string
}

variable "environment_name" {
  description = "Name of the Elastic Beanstalk environment (4 to 40 characters)."
  type        = string

  validation {
    condition     = length(var.environment_name) >= 4 && length(var.environment_name) <= 40
    error_message = "An Elastic Beanstalk environment name is 4 to 40 characters long."
  }
}

variable "solution_stack_name" {
  description = "Solution stack, for example `64bit Amazon Linux 2023 v6.1.0 running Node.js 20`."
  type        = string
}

variable "deployment_settings" {
  description = "How releases roll out: the `aws:elasticbeanstalk:command` option settings (DeploymentPolicy, BatchSizeType, BatchSize)."
  type = list(object({
    namespace   = string
    option_name = string
    value       = string
  }))
  default = []
}

variable "release" {
  description = "S3 URL of the source bundle a deploy releases (`{version}` in it). Not used here: releases are the deploy's, and this module leaves the environment's version label alone."
  type        = string
  default     = null
}

variable "instance_type" {
  description = "EC2 instance type of the environment, for example `t3.small`."
  type        = string
}

variable "min_instances" {
  description = "Auto Scaling minimum."
  type        = number
  default     = 1

  validation {
    condition     = var.min_instances >= 1
    error_message = "min_instances must be at least 1."
  }
}

variable "max_instances" {
  description = "Auto Scaling maximum (at least `min_instances`)."
  type        = number
  default     = 2
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
  description = "Managed policies attached to the role, for example AWSElasticBeanstalkWebTier."
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

variable "security_group_name" {
  description = "Name of the security group added to the environment's instances (the identity other components grant access to)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the environment (null: the account's default VPC)."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Subnets of the instances (null with `vpc_id` null)."
  type        = list(string)
  default     = null
}

variable "lb_subnet_ids" {
  description = "Subnets of the environment's load balancer (null with `vpc_id` null)."
  type        = list(string)
  default     = null
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

variable "environment" {
  description = "Environment properties of the application. A referenced secret appears as its ARN; the code reads the value at run time."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for every resource; each adds its own `Name`."
  type        = map(string)
  default     = {}
}
