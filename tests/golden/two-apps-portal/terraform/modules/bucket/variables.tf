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

variable "policy" {
  description = "The bucket policy document (`Version`, `Statement`), as the envspec core decided it: TLS only, and public reads when `public`."
  type        = any
}

variable "expiry" {
  description = "The expiry rule, or null for none: `rule_id`, `expiration_days` (objects are deleted this many days after they are written), `noncurrent_version_expiration_days`, `abort_incomplete_multipart_upload_days`."
  type = object({
    rule_id                                = string
    expiration_days                        = number
    noncurrent_version_expiration_days     = number
    abort_incomplete_multipart_upload_days = number
  })
  default = null

  validation {
    condition     = var.expiry == null ? true : var.expiry.expiration_days >= 1
    error_message = "expiry.expiration_days must be at least 1."
  }
}

variable "tags" {
  description = "Tags for the bucket; it adds its own `Name`."
  type        = map(string)
  default     = {}
}
