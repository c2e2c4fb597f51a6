output "role_arn" {
  description = "ARN of the IAM role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the IAM role."
  value       = aws_iam_role.this.name
}

output "instance_profile_name" {
  description = "Name of the instance profile (null without one)."
  value       = one(aws_iam_instance_profile.this[*].name)
}

output "security_group_id" {
  description = "ID of the service's security group (null without one)."
  value       = one(aws_security_group.this[*].id)
}
