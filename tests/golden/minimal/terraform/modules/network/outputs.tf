output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, in the order of `public_subnets`."
  value       = [for s in var.public_subnets : aws_subnet.public[s.name].id]
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, in the order of `private_subnets`."
  value       = [for s in var.private_subnets : aws_subnet.private[s.name].id]
}

output "lb_arn" {
  description = "ARN of the shared load balancer (null without one)."
  value       = one(aws_lb.this[*].arn)
}

output "lb_dns_name" {
  description = "DNS name of the shared load balancer (null without one)."
  value       = one(aws_lb.this[*].dns_name)
}

output "lb_zone_id" {
  description = "Route 53 zone ID of the shared load balancer, for alias records (null without one)."
  value       = one(aws_lb.this[*].zone_id)
}

output "lb_security_group_id" {
  description = "ID of the shared load balancer's security group (null without one)."
  value       = one(aws_security_group.lb[*].id)
}

output "lb_listener_arn" {
  description = "ARN of the listener that services attach their rules to: HTTPS on 443 with a certificate, else HTTP on 80 (null without a load balancer)."
  value       = local.https ? one(aws_lb_listener.https[*].arn) : one(aws_lb_listener.http[*].arn)
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways (the private subnets' outbound address)."
  value       = [for n in var.nat_gateways : aws_eip.nat[n.name].public_ip]
}
