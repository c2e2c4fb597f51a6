output "security_group_id" {
  description = "ID of the function's security group (null outside a VPC)."
  value       = module.access.security_group_id
}

output "arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "alias_arn" {
  description = "ARN of the function's alias (a qualified ARN): what invokes the released version."
  value       = aws_lambda_alias.this.arn
}

output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "invoke_arn" {
  description = "ARN for invoking the function from API Gateway."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = module.access.role_arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "trigger_uuid" {
  description = "UUID of the queue trigger's event source mapping (null without a trigger)."
  value       = one(aws_lambda_event_source_mapping.this[*].uuid)
}
