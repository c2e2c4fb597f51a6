variable "name" {
  description = "Name of the queue, for example `xkit-staging-jobs` (a FIFO queue's ends in `.fifo`)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,75}(\\.fifo)?$", var.name)) && length(var.name) <= 80
    error_message = "A queue name is 1 to 80 letters, digits, hyphens and underscores (a FIFO queue's ends in .fifo)."
  }
}

variable "fifo" {
  description = "A FIFO queue (exactly-once, ordered within a message group); its name ends in `.fifo`. Set at creation only."
  type        = bool
  default     = false
}

variable "content_based_deduplication" {
  description = "FIFO queues: deduplicate messages by a hash of their body. Ignored for standard queues."
  type        = bool
  default     = false
}

variable "deduplication_scope" {
  description = "FIFO queues: `queue` or `messageGroup`. Ignored for standard queues."
  type        = string
  default     = "queue"
}

variable "fifo_throughput_limit" {
  description = "FIFO queues: `perQueue` or `perMessageGroupId`. Ignored for standard queues."
  type        = string
  default     = "perQueue"
}

variable "visibility_timeout_seconds" {
  description = "Seconds a received message stays hidden from other consumers (0..43200)."
  type        = number
  default     = 30
}

variable "message_retention_seconds" {
  description = "Seconds a message is kept (60..1209600)."
  type        = number
  default     = 345600
}

variable "max_message_size" {
  description = "Largest message accepted, in bytes."
  type        = number
  default     = 262144
}

variable "delay_seconds" {
  description = "Seconds every new message is hidden before its first delivery (0..900)."
  type        = number
  default     = 0
}

variable "receive_wait_time_seconds" {
  description = "Seconds a receive waits for a message to arrive (0..20; 0 is short polling)."
  type        = number
  default     = 0
}

variable "sqs_managed_sse_enabled" {
  description = "Encrypt messages at rest with SQS-managed keys (SSE-SQS)."
  type        = bool
  default     = true
}

variable "dead_letter" {
  description = "The dead-letter queue, or null for none: its `name`, `message_retention_seconds`, and the `redrive_policy` of the queue (`deadLetterTargetArn`, `maxReceiveCount`), as the envspec core decided them."
  type = object({
    name                      = string
    message_retention_seconds = number
    redrive_policy            = any
  })
  default = null
}

variable "tags" {
  description = "Tags for the queues; each adds its own `Name`."
  type        = map(string)
  default     = {}
}
