# What every service (ec2, beanstalk, lambda) has around its compute: an IAM role that a service
# principal assumes, its managed policies and inline policy, optionally an instance profile, and
# optionally a security group of its own with the rules envspec decided (HTTPS egress, access to the
# databases and caches the service references, and the caller's own: ec2's ingress from the load
# balancer). Called by modules/ec2, modules/beanstalk and modules/lambda as `module "access"`.

locals {
  # The inline policy's name is the one the Ansible roles use: an adopted policy then matches.
  policy_name = "envspec-references"

  group = var.security_group != null
  # The rules by name, per direction: each is one resource instance (with a group only).
  ingress = { for rule in var.security_group_rules : rule.name => rule if local.group && rule.direction == "ingress" }
  egress  = { for rule in var.security_group_rules : rule.name => rule if local.group && rule.direction == "egress" }
}

################################################################################
# IAM
################################################################################

resource "aws_iam_role" "this" {
  name = var.role_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = var.assume_role_service }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = merge(var.tags, { Name = var.role_name })
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = toset(var.managed_policy_arns)

  role       = aws_iam_role.this.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "this" {
  count = length(var.policy_statements) > 0 ? 1 : 0

  name = local.policy_name
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for statement in var.policy_statements : {
      Sid      = statement.sid
      Effect   = "Allow"
      Action   = statement.actions
      Resource = statement.resources
    }]
  })
}

resource "aws_iam_instance_profile" "this" {
  count = var.instance_profile_name == null ? 0 : 1

  name = var.instance_profile_name
  role = aws_iam_role.this.name

  tags = merge(var.tags, { Name = var.instance_profile_name })
}

################################################################################
# Security group
################################################################################

resource "aws_security_group" "this" {
  count = local.group ? 1 : 0

  name        = var.security_group.name
  description = var.security_group.description
  vpc_id      = var.security_group.vpc_id

  tags = merge(var.tags, { Name = var.security_group.name })
}

# The rules: separate resources, never inline, so that both tools can add rules to a group the
# other owns (a service's ingress on a database's group). A rule with no group is on this one; a
# rule with neither a CIDR nor a peer group lets this group's members in or out.
resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress

  security_group_id            = coalesce(each.value.security_group_id, aws_security_group.this[0].id)
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.cidr_ipv4 == null ? coalesce(each.value.referenced_security_group_id, aws_security_group.this[0].id) : null
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = local.egress

  security_group_id            = coalesce(each.value.security_group_id, aws_security_group.this[0].id)
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.cidr_ipv4 == null ? coalesce(each.value.referenced_security_group_id, aws_security_group.this[0].id) : null
}

################################################################################
# Moved: the rules had a resource each before envspec decided them (state from before)
################################################################################

moved {
  from = aws_vpc_security_group_egress_rule.https[0]
  to   = aws_vpc_security_group_egress_rule.this["https"]
}

# The rules of database (and cache) access were keyed by the target's address, as they are now.
moved {
  from = aws_vpc_security_group_ingress_rule.database
  to   = aws_vpc_security_group_ingress_rule.this
}

moved {
  from = aws_vpc_security_group_egress_rule.database
  to   = aws_vpc_security_group_egress_rule.this
}
