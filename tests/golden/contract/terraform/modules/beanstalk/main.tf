# An Elastic Beanstalk application and a load-balanced environment: its instance role and
# profile, a security group of its own on the instances (the identity databases grant access
# to), Auto Scaling bounds, IMDSv2 only, and the application's environment properties.

locals {
  # Descriptions are the ones the Ansible role uses: an adopted resource then matches (a security
  # group's description cannot change without replacing it).
  component = lookup(var.tags, "envspec:component", var.environment_name)
  app       = lookup(var.tags, "envspec:app", var.application_name)
  env       = lookup(var.tags, "envspec:env", var.environment_name)

  in_vpc = var.vpc_id != null

  settings = concat(
    [
      { namespace = "aws:elasticbeanstalk:environment", name = "EnvironmentType", value = "LoadBalanced" },
      { namespace = "aws:elasticbeanstalk:environment", name = "LoadBalancerType", value = "application" },
      { namespace = "aws:ec2:instances", name = "InstanceTypes", value = var.instance_type },
      { namespace = "aws:autoscaling:asg", name = "MinSize", value = tostring(var.min_instances) },
      { namespace = "aws:autoscaling:asg", name = "MaxSize", value = tostring(var.max_instances) },
      { namespace = "aws:autoscaling:launchconfiguration", name = "IamInstanceProfile", value = module.access.instance_profile_name },
      { namespace = "aws:autoscaling:launchconfiguration", name = "SecurityGroups", value = module.access.security_group_id },
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
    [for s in var.deployment_settings : { namespace = s.namespace, name = s.option_name, value = s.value }],
    [
      for name, value in var.environment :
      { namespace = "aws:elasticbeanstalk:application:environment", name = name, value = value }
    ],
  )
}

################################################################################
# Role, instance profile and security group (modules/service_access)
################################################################################

module "access" {
  source = "../service_access"

  role_name             = var.role_name
  assume_role_service   = "ec2.amazonaws.com"
  managed_policy_arns   = var.managed_policy_arns
  policy_statements     = var.policy_statements
  instance_profile_name = var.instance_profile_name
  security_group = {
    name        = var.security_group_name
    description = "Instances of ${local.component}"
    vpc_id      = var.vpc_id
  }
  security_group_rules = var.security_group_rules
  tags                 = var.tags
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

  # No version_label: releases are the deploy's (`envspec deploy --version`), and the provider keeps
  # whatever version the environment runs when the argument is unset (it is optional and computed).

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

################################################################################
# Moved into modules/service_access (state from before it existed)
################################################################################

moved {
  from = aws_iam_role.this
  to   = module.access.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy_attachment.this
  to   = module.access.aws_iam_role_policy_attachment.this
}

moved {
  from = aws_iam_role_policy.this
  to   = module.access.aws_iam_role_policy.this
}

moved {
  from = aws_iam_instance_profile.this
  to   = module.access.aws_iam_instance_profile.this[0]
}

moved {
  from = aws_security_group.this
  to   = module.access.aws_security_group.this[0]
}

moved {
  from = aws_vpc_security_group_egress_rule.https
  to   = module.access.aws_vpc_security_group_egress_rule.https[0]
}

moved {
  from = aws_vpc_security_group_ingress_rule.database
  to   = module.access.aws_vpc_security_group_ingress_rule.database
}

moved {
  from = aws_vpc_security_group_egress_rule.database
  to   = module.access.aws_vpc_security_group_egress_rule.database
}
