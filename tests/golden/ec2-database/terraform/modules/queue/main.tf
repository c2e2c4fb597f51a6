# An SQS queue, encrypted at rest with SQS-managed keys (SSE-SQS), standard or FIFO, with an
# optional dead-letter queue that receives a message after `dead_letter.max_receive_count` receives.
# Every attribute either tool could default differently is an input, decided by the envspec core.

resource "aws_sqs_queue" "dead_letter" {
  count = var.dead_letter == null ? 0 : 1

  name                        = var.dead_letter.name
  fifo_queue                  = var.fifo
  content_based_deduplication = var.fifo ? var.content_based_deduplication : null
  deduplication_scope         = var.fifo ? var.deduplication_scope : null
  fifo_throughput_limit       = var.fifo ? var.fifo_throughput_limit : null
  visibility_timeout_seconds  = var.visibility_timeout_seconds
  message_retention_seconds   = var.dead_letter.message_retention_seconds
  max_message_size            = var.max_message_size
  delay_seconds               = var.delay_seconds
  receive_wait_time_seconds   = var.receive_wait_time_seconds
  sqs_managed_sse_enabled     = var.sqs_managed_sse_enabled

  tags = merge(var.tags, { Name = var.dead_letter.name })
}

resource "aws_sqs_queue" "this" {
  name                        = var.name
  fifo_queue                  = var.fifo
  content_based_deduplication = var.fifo ? var.content_based_deduplication : null
  deduplication_scope         = var.fifo ? var.deduplication_scope : null
  fifo_throughput_limit       = var.fifo ? var.fifo_throughput_limit : null
  visibility_timeout_seconds  = var.visibility_timeout_seconds
  message_retention_seconds   = var.message_retention_seconds
  max_message_size            = var.max_message_size
  delay_seconds               = var.delay_seconds
  receive_wait_time_seconds   = var.receive_wait_time_seconds
  sqs_managed_sse_enabled     = var.sqs_managed_sse_enabled
  redrive_policy              = var.dead_letter == null ? null : jsonencode(var.dead_letter.redrive_policy)

  tags = merge(var.tags, { Name = var.name })

  # The redrive policy names the dead-letter queue by its ARN, which the core knows in advance;
  # SQS refuses it until that queue exists.
  depends_on = [aws_sqs_queue.dead_letter]
}
