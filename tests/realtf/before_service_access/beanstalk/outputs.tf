output "url" {
  description = "URL of the environment (its CNAME, over HTTP)."
  value       = "http://${aws_elastic_beanstalk_environment.this.cname}"
}

output "security_group_id" {
  description = "ID of the security group on the environment's instances."
  value       = aws_security_group.this.id
}

output "cname" {
  description = "CNAME of the environment."
  value       = aws_elastic_beanstalk_environment.this.cname
}

output "environment_id" {
  description = "ID of the Elastic Beanstalk environment (`e-...`)."
  value       = aws_elastic_beanstalk_environment.this.id
}

output "role_arn" {
  description = "ARN of the instances' IAM role."
  value       = aws_iam_role.this.arn
}
