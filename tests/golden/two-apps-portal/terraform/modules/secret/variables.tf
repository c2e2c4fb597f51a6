variable "name" {
  description = "Name of the secret (Secrets Manager) or of the parameter (SSM, a path starting with `/`), for example `xkit/staging/secret_key_base`."
  type        = string

  validation {
    condition     = length(var.name) > 0 && length(var.name) <= 512
    error_message = "The name must be 1 to 512 characters long."
  }
}

variable "store" {
  description = "Where the value lives: `secretsmanager` (a Secrets Manager secret) or `ssm` (an SSM Parameter Store SecureString)."
  type        = string
  default     = "secretsmanager"

  validation {
    condition     = contains(["secretsmanager", "ssm"], var.store)
    error_message = "The store must be secretsmanager or ssm."
  }
}

variable "description" {
  description = "What the secret is for, shown in the AWS console."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the secret or parameter; it adds its own `Name`."
  type        = map(string)
  default     = {}
}
