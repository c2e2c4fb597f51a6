variable "function_name" {
  description = "Name of the function (and of its `Name` tag), for example `xkit-staging-sync-worker`."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "A function name is 1 to 64 letters, digits, hyphens and underscores."
  }
}

variable "runtime" {
  description = "Lambda runtime, for example `nodejs20.x` or `python3.12`."
  type        = string
}

variable "handler" {
  description = "Entry point, for example `index.handler`."
  type        = string
}

variable "s3_bucket" {
  description = "Bucket of the deployment zip the function is created from. Later code updates are releases (deploy.yml), not Terraform changes."
  type        = string
}

variable "s3_key" {
  description = "Key of the deployment zip in `s3_bucket`; `{version}` in it is replaced by `release_version`."
  type        = string
}

variable "release_version" {
  description = "The version being released, which a function whose `s3_key` has `{version}` is created from (null: none; such a function must exist already)."
  type        = string
  default     = null
}

variable "alias" {
  description = "Name of the alias each release moves to the version it publishes; the schedule, the queue trigger and references invoke it."
  type        = string
  default     = "live"
}

variable "memory_size" {
  description = "Memory in MB (128 to 10240)."
  type        = number
  default     = 128

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds (1 to 900)."
  type        = number
  default     = 3

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "role_name" {
  description = "Name of the function's execution role (its inline policy is `envspec-references`, as with Ansible)."
  type        = string
}

variable "managed_policy_arns" {
  description = "Managed policies attached to the execution role (basic execution; VPC access when in a VPC)."
  type        = list(string)
  default     = []
}

variable "policy_statements" {
  description = "Allow statements of the role's inline policy, from the function's references: `sid`, `actions`, `resources`."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "log_group_name" {
  description = "Log group of the function, `/aws/lambda/FUNCTION`."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep the function's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the retention periods CloudWatch Logs accepts."
  }
}

variable "schedule" {
  description = "Run on a schedule (null: no schedule): an EventBridge rule `rule_name` with `expression`, such as `rate(5 minutes)` or `cron(0 12 * * ? *)`."
  type = object({
    rule_name  = string
    expression = string
  })
  default = null
}

variable "trigger" {
  description = "Run on the messages of an SQS queue (null: no trigger): an event source mapping from `event_source_arn`, with `batch_size` (1 to 10), `maximum_batching_window_in_seconds`, `function_response_types` and `enabled` as the envspec core decided them."
  type = object({
    event_source_arn                   = string
    batch_size                         = number
    maximum_batching_window_in_seconds = number
    function_response_types            = list(string)
    enabled                            = bool
  })
  default = null
}

variable "vpc" {
  description = "Run in the app's private subnets (null: outside any VPC): `vpc_id`, `subnet_ids`, and `security_group_name`, the function's own security group."
  type = object({
    vpc_id              = string
    subnet_ids          = list(string)
    security_group_name = string
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

variable "environment" {
  description = "Environment variables of the function. A referenced secret appears as its ARN; the code reads the value at run time."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for every resource; each adds its own `Name`."
  type        = map(string)
  default     = {}
}
