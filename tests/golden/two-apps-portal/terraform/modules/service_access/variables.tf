variable "component" {
  description = "The service's component address, for example `services.api`: the descriptions of its database rules (`From services.api`)."
  type        = string
}

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
  description = "The service's own security group (null: none, as for a Lambda function outside any VPC): `name`, `description` (it cannot change without replacing the group), `vpc_id` (null: the account's default VPC), and the `https_description` of its HTTPS egress rule."
  type = object({
    name              = string
    description       = string
    vpc_id            = string
    https_description = string
  })
  default = null
}

variable "database_access" {
  description = "Databases the service may reach (with a security group only): an ingress rule on each database's security group (`security_group_id`) from the service's group, and egress to it, on `port`. `database` is the database's component address."
  type = list(object({
    database          = string
    security_group_id = string
    port              = number
  }))
  default = []
}

variable "tags" {
  description = "Tags for every resource; each adds its own `Name`."
  type        = map(string)
  default     = {}
}
