# A Lambda function from a zip in S3: its execution role, log group with retention, its alias (what
# everything invokes), optional schedule (EventBridge rule, target and invoke permission), optional SQS
# trigger (an event source mapping), and optional VPC placement with its own security group and access
# to the databases it references.
#
# Releases are the deploy's (`envspec deploy ENV --version V`, deploy.yml): it updates the code,
# publishes a version and moves the alias to it. This module uses the code's location only to create
# the function, and publishes a version on every change it makes, which the alias follows: a change
# of configuration (an environment variable) reaches what the alias runs, and a release leaves
# nothing for the next plan to change (the provider reads `version` as the latest published one).

locals {
  # Descriptions and statement names are the ones the Ansible role uses: an adopted resource
  # then matches (a security group's description cannot change without replacing it).
  component    = lookup(var.tags, "envspec:component", var.function_name)
  statement_id = "envspec-schedule"
  target_id    = "function"
}

################################################################################
# Execution role and, in a VPC, security group (modules/service_access)
################################################################################

module "access" {
  source = "../service_access"

  role_name           = var.role_name
  assume_role_service = "lambda.amazonaws.com"
  managed_policy_arns = var.managed_policy_arns
  policy_statements   = var.policy_statements
  security_group = var.vpc == null ? null : {
    name        = var.vpc.security_group_name
    description = "Lambda function ${local.component}"
    vpc_id      = var.vpc.vpc_id
  }
  security_group_rules = var.security_group_rules
  tags                 = var.tags
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
# Function
################################################################################

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  role          = module.access.role_arn
  runtime       = var.runtime
  handler       = var.handler
  s3_bucket     = var.s3_bucket
  s3_key        = var.release_version == null ? var.s3_key : replace(var.s3_key, "{version}", var.release_version)
  memory_size   = var.memory_size
  timeout       = var.timeout
  publish       = true

  dynamic "environment" {
    for_each = length(var.environment) > 0 ? [var.environment] : []

    content {
      variables = environment.value
    }
  }

  dynamic "vpc_config" {
    for_each = var.vpc == null ? [] : [var.vpc]

    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = [module.access.security_group_id]
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = merge(var.tags, { Name = var.function_name })

  # The role's policies are attached first (module.access), so the function can use them at once.
  depends_on = [module.access, aws_cloudwatch_log_group.this]

  lifecycle {
    # Where the code came from matters only when the function is created: releases update the code.
    ignore_changes = [s3_bucket, s3_key]
  }
}

# What everything invokes: the version the last release (or change) published.
resource "aws_lambda_alias" "this" {
  name             = var.alias
  description      = "The released version of ${local.component}"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
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
  arn       = aws_lambda_alias.this.arn
}

resource "aws_lambda_permission" "schedule" {
  count = var.schedule == null ? 0 : 1

  statement_id  = local.statement_id
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.this.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[0].arn

  lifecycle {
    # A permission of the function itself (state from before the alias) is replaced by the alias'
    # one: the new one first, so that the schedule can invoke the function throughout.
    create_before_destroy = true
  }
}

################################################################################
# Queue trigger
################################################################################

# Tagged like the function: Terraform finds it by these tags (through the tagging API) when it
# adopts a function Ansible created, since its import id is the UUID AWS assigned.
resource "aws_lambda_event_source_mapping" "this" {
  count = var.trigger == null ? 0 : 1

  event_source_arn                   = var.trigger.event_source_arn
  function_name                      = aws_lambda_alias.this.arn
  batch_size                         = var.trigger.batch_size
  maximum_batching_window_in_seconds = var.trigger.maximum_batching_window_in_seconds
  function_response_types            = var.trigger.function_response_types
  enabled                            = var.trigger.enabled

  tags = merge(var.tags, { Name = var.function_name })

  # The role must be allowed to receive from the queue before Lambda checks it.
  depends_on = [module.access]
}

################################################################################
# Moved into modules/service_access (state from before it existed)
################################################################################

moved {
  from = aws_iam_role.this
  to   = module.access.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy_attachment.this
  to   = module.access.aws_iam_role_policy_attachment.this
}

moved {
  from = aws_iam_role_policy.this
  to   = module.access.aws_iam_role_policy.this
}

moved {
  from = aws_security_group.this
  to   = module.access.aws_security_group.this
}

moved {
  from = aws_vpc_security_group_egress_rule.https
  to   = module.access.aws_vpc_security_group_egress_rule.https
}

moved {
  from = aws_vpc_security_group_ingress_rule.database
  to   = module.access.aws_vpc_security_group_ingress_rule.database
}

moved {
  from = aws_vpc_security_group_egress_rule.database
  to   = module.access.aws_vpc_security_group_egress_rule.database
}
