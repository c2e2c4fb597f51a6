output "security_group_id" {
  description = "ID of the function's security group (null outside a VPC)."
  value       = one(aws_security_group.this[*].id)
}

output "arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
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
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "trigger_uuid" {
  description = "UUID of the queue trigger's event source mapping (null without a trigger)."
  value       = one(aws_lambda_event_source_mapping.this[*].uuid)
}
