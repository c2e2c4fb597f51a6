variable "name" {
  description = "Name of the bucket, for example `xkit-staging-uploads`."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "A bucket name is 3 to 63 lowercase letters, digits, dots and hyphens."
  }
}

variable "versioning" {
  description = "Keep every version of every object."
  type        = bool
  default     = false
}

variable "public" {
  description = "Allow anyone to read the objects (`s3:GetObject`). Off by default: the bucket then blocks all public access."
  type        = bool
  default     = false
}

variable "expire_after_days" {
  description = "Delete objects this many days after they are written (null: keep them). With versioning, noncurrent versions expire after the same number of days."
  type        = number
  default     = null

  validation {
    condition     = var.expire_after_days == null ? true : var.expire_after_days >= 1
    error_message = "expire_after_days must be at least 1."
  }
}

variable "tags" {
  description = "Tags for the bucket; it adds its own `Name`."
  type        = map(string)
  default     = {}
}
