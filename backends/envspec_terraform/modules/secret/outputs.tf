output "arn" {
  description = "ARN of the secret or parameter; grant `secretsmanager:GetSecretValue` (or `ssm:GetParameter`) on it to read the value."
  value       = var.store == "secretsmanager" ? one(aws_secretsmanager_secret.this[*].arn) : one(aws_ssm_parameter.this[*].arn)
}

output "name" {
  description = "Name of the secret or parameter."
  value       = var.name
}
