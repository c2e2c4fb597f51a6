output "host" {
  description = "Host name of the cache node's endpoint."
  value       = aws_elasticache_cluster.this.cache_nodes[0].address
}

output "security_group_id" {
  description = "ID of the cache's security group; services add their ingress rules to it."
  value       = aws_security_group.this.id
}

output "cluster_id" {
  description = "ID of the cache cluster."
  value       = aws_elasticache_cluster.this.cluster_id
}
