# A Lambda function from a zip in S3: its execution role, log group with retention, optional
# schedule (EventBridge rule, target and invoke permission), optional SQS trigger (an event source
# mapping), and optional VPC placement with its own security group and access to the databases it
# references.

locals {
  # Descriptions, policy and statement names are the ones the Ansible role uses: an adopted
  # resource then matches (a security group's description cannot change without replacing it).
  component    = lookup(var.tags, "envspec:component", var.function_name)
  policy_name  = "envspec-references"
  statement_id = "envspec-schedule"
  target_id    = "function"

  in_vpc    = var.vpc != null
  databases = local.in_vpc ? { for access in local.database_access : access.database => access } : {}
}

################################################################################
# IAM
################################################################################

resource "aws_iam_role" "this" {
  name = var.role_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = merge(var.tags, { Name = var.role_name })
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = toset(var.managed_policy_arns)

  role       = aws_iam_role.this.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "this" {
  count = length(var.policy_statements) > 0 ? 1 : 0

  name = local.policy_name
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for statement in var.policy_statements : {
      Sid      = statement.sid
      Effect   = "Allow"
      Action   = statement.actions
      Resource = statement.resources
    }]
  })
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days

  tags = merge(var.tags, { Name = var.log_group_name })
}

################################################################################
# Network
################################################################################

resource "aws_security_group" "this" {
  count = local.in_vpc ? 1 : 0

  name        = var.vpc.security_group_name
  description = "Lambda function ${local.component}"
  vpc_id      = var.vpc.vpc_id

  tags = merge(var.tags, { Name = var.vpc.security_group_name })
}

resource "aws_vpc_security_group_egress_rule" "https" {
  count = local.in_vpc ? 1 : 0

  security_group_id = aws_security_group.this[0].id
  description       = "HTTPS to AWS APIs, through the NAT gateway"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# Access to a database: ingress on the database's group (which may belong to the other tool:
# rules are separate resources, never inline, so both can add them) and egress on this one.
resource "aws_vpc_security_group_ingress_rule" "database" {
  for_each = local.databases

  security_group_id            = each.value.security_group_id
  description                  = "From ${local.component}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.this[0].id
}

resource "aws_vpc_security_group_egress_rule" "database" {
  for_each = local.databases

  security_group_id            = aws_security_group.this[0].id
  description                  = "To ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group_id
}

################################################################################
# Function
################################################################################

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  role          = aws_iam_role.this.arn
  runtime       = var.runtime
  handler       = var.handler
  s3_bucket     = var.s3_bucket
  s3_key        = var.s3_key
  memory_size   = var.memory_size
  timeout       = var.timeout

  dynamic "environment" {
    for_each = length(var.environment) > 0 ? [var.environment] : []

    content {
      variables = environment.value
    }
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [var.vpc] : []

    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = [aws_security_group.this[0].id]
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = merge(var.tags, { Name = var.function_name })

  depends_on = [aws_iam_role_policy_attachment.this, aws_cloudwatch_log_group.this]
}

################################################################################
# Schedule
################################################################################

resource "aws_cloudwatch_event_rule" "this" {
  count = var.schedule == null ? 0 : 1

  name                = var.schedule.rule_name
  description         = "Runs ${local.component}"
  schedule_expression = var.schedule.expression

  tags = merge(var.tags, { Name = var.schedule.rule_name })
}

resource "aws_cloudwatch_event_target" "this" {
  count = var.schedule == null ? 0 : 1

  rule      = aws_cloudwatch_event_rule.this[0].name
  target_id = local.target_id
  arn       = aws_lambda_function.this.arn
}

resource "aws_lambda_permission" "schedule" {
  count = var.schedule == null ? 0 : 1

  statement_id  = local.statement_id
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[0].arn
}

################################################################################
# Queue trigger
################################################################################

# Tagged like the function: Terraform finds it by these tags (through the tagging API) when it
# adopts a function Ansible created, since its import id is the UUID AWS assigned.
resource "aws_lambda_event_source_mapping" "this" {
  count = var.trigger == null ? 0 : 1

  event_source_arn                   = var.trigger.event_source_arn
  function_name                      = aws_lambda_function.this.arn
  batch_size                         = var.trigger.batch_size
  maximum_batching_window_in_seconds = var.trigger.maximum_batching_window_in_seconds
  function_response_types            = var.trigger.function_response_types
  enabled                            = var.trigger.enabled

  tags = merge(var.tags, { Name = var.function_name })

  # The role must be allowed to receive from the queue before Lambda checks it.
  depends_on = [aws_iam_role_policy.this]
}
