# An Elastic Beanstalk application and a load-balanced environment: its instance role and
# profile, a security group of its own on the instances (the identity databases grant access
# to), Auto Scaling bounds, IMDSv2 only, and the application's environment properties.

locals {
  # Descriptions, policy and statement names are the ones the Ansible role uses: an adopted
  # resource then matches (a security group's description cannot change without replacing it).
  component   = lookup(var.tags, "envspec:component", var.environment_name)
  policy_name = "envspec-references"
  app         = lookup(var.tags, "envspec:app", var.application_name)
  env         = lookup(var.tags, "envspec:env", var.environment_name)

  in_vpc    = var.vpc_id != null
  databases = { for access in local.database_access : access.database => access }

  settings = concat(
    [
      { namespace = "aws:elasticbeanstalk:environment", name = "EnvironmentType", value = "LoadBalanced" },
      { namespace = "aws:elasticbeanstalk:environment", name = "LoadBalancerType", value = "application" },
      { namespace = "aws:ec2:instances", name = "InstanceTypes", value = var.instance_type },
      { namespace = "aws:autoscaling:asg", name = "MinSize", value = tostring(var.min_instances) },
      { namespace = "aws:autoscaling:asg", name = "MaxSize", value = tostring(var.max_instances) },
      { namespace = "aws:autoscaling:launchconfiguration", name = "IamInstanceProfile", value = aws_iam_instance_profile.this.name },
      { namespace = "aws:autoscaling:launchconfiguration", name = "SecurityGroups", value = aws_security_group.this.id },
      { namespace = "aws:autoscaling:launchconfiguration", name = "DisableIMDSv1", value = "true" },
      { namespace = "aws:autoscaling:launchconfiguration", name = "RootVolumeType", value = "gp3" },
    ],
    local.in_vpc ? [
      { namespace = "aws:ec2:vpc", name = "VPCId", value = var.vpc_id },
      { namespace = "aws:ec2:vpc", name = "Subnets", value = join(",", var.subnet_ids) },
      { namespace = "aws:ec2:vpc", name = "ELBSubnets", value = join(",", var.lb_subnet_ids) },
      { namespace = "aws:ec2:vpc", name = "ELBScheme", value = "public" },
      { namespace = "aws:ec2:vpc", name = "AssociatePublicIpAddress", value = "false" },
    ] : [],
    [
      for name, value in var.environment :
      { namespace = "aws:elasticbeanstalk:application:environment", name = name, value = value }
    ],
  )
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
      Principal = { Service = "ec2.amazonaws.com" }
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
  name = var.instance_profile_name
  role = aws_iam_role.this.name

  tags = merge(var.tags, { Name = var.instance_profile_name })
}

################################################################################
# Security group
################################################################################

resource "aws_security_group" "this" {
  name        = var.security_group_name
  description = "Instances of ${local.component}"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.security_group_name })
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs"
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
  description                  = "From ${local.component}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_egress_rule" "database" {
  for_each = local.databases

  security_group_id            = aws_security_group.this.id
  description                  = "To ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group_id
}

################################################################################
# Application and environment
################################################################################

resource "aws_elastic_beanstalk_application" "this" {
  name        = var.application_name
  description = "${local.component} of ${local.app} (${local.env})"

  tags = var.tags # no Name: see the environment below
}

resource "aws_elastic_beanstalk_environment" "this" {
  name                = var.environment_name
  application         = aws_elastic_beanstalk_application.this.name
  solution_stack_name = var.solution_stack_name
  tier                = "WebServer"

  dynamic "setting" {
    for_each = local.settings

    content {
      namespace = setting.value.namespace
      name      = setting.value.name
      value     = setting.value.value
    }
  }

  # No Name tag: Elastic Beanstalk sets its own on environments, and the AWS provider ignores the Name
  # key of Beanstalk applications and environments when it reads them (a change on every plan).
  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.max_instances >= var.min_instances
      error_message = "max_instances must be at least min_instances."
    }
  }
}
