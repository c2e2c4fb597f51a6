# A Redis cache cluster of one node in the private subnets, with its subnet group and its security
# group (services that reference the cache add their ingress rules to it).

locals {
  # Descriptions are the ones the Ansible role uses: an adopted resource then matches (a security
  # group's description cannot change without replacing it).
  component = lookup(var.tags, "envspec:component", var.cluster_id)
}

resource "aws_elasticache_subnet_group" "this" {
  name        = var.subnet_group_name
  description = "Private subnets of ${local.component}"
  subnet_ids  = var.subnet_ids

  tags = merge(var.tags, { Name = var.subnet_group_name })
}

resource "aws_security_group" "this" {
  name        = var.security_group_name
  description = "Cache ${local.component}"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.security_group_name })
}

resource "aws_elasticache_cluster" "this" {
  cluster_id      = var.cluster_id
  engine          = "redis"
  engine_version  = var.engine_version
  node_type       = var.node_type
  num_cache_nodes = var.num_cache_nodes
  port            = var.port

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [aws_security_group.this.id]

  snapshot_retention_limit   = var.snapshot_retention_limit
  auto_minor_version_upgrade = var.auto_minor_version_upgrade
  apply_immediately          = var.apply_immediately

  tags = merge(var.tags, { Name = var.cluster_id })
}
