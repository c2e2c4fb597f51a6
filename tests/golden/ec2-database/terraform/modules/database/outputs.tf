output "host" {
  description = "Host name of the database endpoint."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database endpoint."
  value       = aws_db_instance.this.port
}

output "security_group_id" {
  description = "ID of the database's security group; services add their ingress rules to it."
  value       = aws_security_group.this.id
}

output "secret_arn" {
  description = "ARN of the Secrets Manager secret that RDS keeps the master user name and password in (the instance's MasterUserSecret, whichever tool created it)."
  value       = try(aws_db_instance.this.master_user_secret[0].secret_arn, null)
}

output "arn" {
  description = "ARN of the RDS instance."
  value       = aws_db_instance.this.arn
}

output "identifier" {
  description = "Identifier of the RDS instance."
  value       = aws_db_instance.this.identifier
}
