variable "identifier" {
  description = "RDS instance identifier (and its `Name` tag), for example `xkit-staging-main`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.identifier)) && !endswith(var.identifier, "-") && !strcontains(var.identifier, "--")
    error_message = "An RDS identifier is 1 to 63 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "engine" {
  description = "Database engine: `postgres` or `mysql`."
  type        = string

  validation {
    condition     = contains(["postgres", "mysql"], var.engine)
    error_message = "The engine must be postgres or mysql."
  }
}

variable "engine_version" {
  description = "Engine version, for example `16.4`."
  type        = string
}

variable "instance_class" {
  description = "Instance class, for example `db.t4g.medium`."
  type        = string

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "An RDS instance class starts with db., for example db.t4g.medium."
  }
}

variable "allocated_storage" {
  description = "Allocated storage in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536
    error_message = "allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "multi_az" {
  description = "Keep a standby in another availability zone."
  type        = bool
  default     = false
}

variable "backup_retention_period" {
  description = "Days of automated backups (0 to 35)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 0 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be between 0 and 35 days."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the database until this is turned off."
  type        = bool
  default     = true
}

variable "db_name" {
  description = "Name of the database created in the instance."
  type        = string
}

variable "username" {
  description = "Master user name. Its password is generated and rotated by RDS and kept in Secrets Manager only (output `secret_arn`)."
  type        = string
}

variable "port" {
  description = "Port the database listens on."
  type        = number
}

variable "subnet_group_name" {
  description = "Name of the DB subnet group."
  type        = string
}

variable "security_group_name" {
  description = "Name of the database's security group. Services that may reach the database add ingress rules to it (their modules create them)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the DB subnet group (at least two availability zones)."
  type        = list(string)
}

variable "tags" {
  description = "Tags for every resource; each adds its own `Name`."
  type        = map(string)
  default     = {}
}

variable "storage_type" {
  description = "Storage type (decided by envspec: gp3)."
  type        = string
}

variable "iam_database_authentication_enabled" {
  description = "Allow IAM database authentication."
  type        = bool
}

variable "skip_final_snapshot" {
  description = "Skip the final snapshot on deletion."
  type        = bool
}

variable "final_snapshot_identifier" {
  description = "Name of the final snapshot taken on deletion."
  type        = string
}

variable "auto_minor_version_upgrade" {
  description = "Apply minor engine upgrades in the maintenance window."
  type        = bool
}
