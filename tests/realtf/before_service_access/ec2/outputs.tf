output "security_group_id" {
  description = "ID of the instances' security group."
  value       = aws_security_group.this.id
}

output "role_arn" {
  description = "ARN of the instances' IAM role."
  value       = aws_iam_role.this.arn
}

output "instance_ids" {
  description = "IDs of the instances, by name."
  value       = { for name, instance in aws_instance.this : name => instance.id }
}

output "private_ips" {
  description = "Private IP addresses of the instances, by name."
  value       = { for name, instance in aws_instance.this : name => instance.private_ip }
}

output "target_group_arn" {
  description = "ARN of the target group (null unless public); the deploy drains and re-registers hosts in it."
  value       = one(aws_lb_target_group.this[*].arn)
}
