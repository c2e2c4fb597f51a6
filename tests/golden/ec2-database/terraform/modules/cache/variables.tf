variable "cluster_id" {
  description = "ElastiCache cluster id (and its `Name` tag), for example `xkit-staging-sessions`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.cluster_id)) && !endswith(var.cluster_id, "-") && !strcontains(var.cluster_id, "--")
    error_message = "An ElastiCache cluster id is 1 to 40 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "engine_version" {
  description = "Redis version, for example `7.1`."
  type        = string
}

variable "node_type" {
  description = "Node type, for example `cache.t4g.micro`."
  type        = string

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "An ElastiCache node type starts with cache., for example cache.t4g.micro."
  }
}

variable "num_cache_nodes" {
  description = "Number of cache nodes (a Redis cluster has one)."
  type        = number

  validation {
    condition     = var.num_cache_nodes == 1
    error_message = "A Redis cache cluster has exactly one node."
  }
}

variable "port" {
  description = "Port the cache listens on."
  type        = number
}

variable "subnet_group_name" {
  description = "Name of the cache subnet group."
  type        = string
}

variable "security_group_name" {
  description = "Name of the cache's security group. Services that may reach the cache add ingress rules to it (their modules create them)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cache's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the cache subnet group."
  type        = list(string)
}

variable "snapshot_retention_limit" {
  description = "Days of automatic snapshots (0: none)."
  type        = number
}

variable "auto_minor_version_upgrade" {
  description = "Apply minor engine upgrades in the maintenance window."
  type        = bool
}

variable "apply_immediately" {
  description = "Apply changes at once rather than in the next maintenance window."
  type        = bool
}

variable "tags" {
  description = "Tags for every resource; each adds its own `Name`."
  type        = map(string)
  default     = {}
}
