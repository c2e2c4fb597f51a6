# What every service (ec2, beanstalk, lambda) has around its compute: an IAM role that a service
# principal assumes, its managed policies and inline policy, optionally an instance profile, and
# optionally a security group of its own with HTTPS egress and access to the databases the service
# references. Called by modules/ec2, modules/beanstalk and modules/lambda as `module "access"`.

locals {
  # The inline policy's name is the one the Ansible roles use: an adopted policy then matches.
  policy_name = "envspec-references"

  group     = var.security_group != null
  databases = local.group ? { for access in var.database_access : access.database => access } : {}
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

resource "aws_vpc_security_group_egress_rule" "https" {
  count = local.group ? 1 : 0

  security_group_id = aws_security_group.this[0].id
  description       = var.security_group.https_description
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# Access to a database: ingress on the database's group (which may belong to the other tool:
# rules are separate resources, never inline, so both can add them) and egress on this one.
resource "aws_vpc_security_group_ingress_rule" "database" {
  for_each = local.databases

  security_group_id            = each.value.security_group_id
  description                  = "From ${var.component}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.this[0].id
}

resource "aws_vpc_security_group_egress_rule" "database" {
  for_each = local.databases

  security_group_id            = aws_security_group.this[0].id
  description                  = "To ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group_id
}
