# An ec2 service: instances from an AMI in the private subnets (IMDSv2 only, encrypted root
# volumes), reached through SSM; its security group (with the rules envspec decided: HTTPS out,
# the databases it references and, when public, the port from the load balancer), IAM role and
# instance profile; and, when public, a target group and a listener rule on the
# app's shared load balancer. Releases are deployed by Ansible, never by Terraform.

locals {
  # Descriptions are the ones the Ansible role uses: an adopted resource then matches (a security
  # group's description cannot change without replacing it).
  component = lookup(var.tags, "envspec:component", var.name)

  instances = { for index, name in var.instances : name => index }
  public    = var.load_balancer != null
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
# Instances
################################################################################

resource "aws_instance" "this" {
  for_each = local.instances

  ami                    = var.ami
  instance_type          = var.instance_type
  subnet_id              = var.subnet_ids[each.value % length(var.subnet_ids)]
  vpc_security_group_ids = [module.access.security_group_id]
  iam_instance_profile   = module.access.instance_profile_name

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    encrypted   = true
    volume_type = "gp3"
    # The role's ec2_instance tags the root volume with the instance's tags when it launches it.
    tags = merge(var.tags, { Name = each.key })
  }

  tags = merge(var.tags, { Name = each.key })
}

################################################################################
# Load balancer
################################################################################

resource "aws_lb_target_group" "this" {
  count = local.public ? 1 : 0

  name                 = var.load_balancer.target_group_name
  port                 = var.port
  protocol             = "HTTP"
  vpc_id               = var.vpc_id
  target_type          = "instance"
  deregistration_delay = var.load_balancer.deregistration_delay

  health_check {
    path                = var.health_check
    protocol            = "HTTP"
    port                = "traffic-port"
    matcher             = "200-399"
    interval            = var.load_balancer.health_check_interval
    timeout             = var.load_balancer.health_check_timeout
    healthy_threshold   = var.load_balancer.healthy_threshold
    unhealthy_threshold = var.load_balancer.unhealthy_threshold
  }

  tags = merge(var.tags, { Name = var.load_balancer.target_group_name })
}

resource "aws_lb_target_group_attachment" "this" {
  for_each = local.public ? local.instances : {}

  target_group_arn = aws_lb_target_group.this[0].arn
  target_id        = aws_instance.this[each.key].id
  port             = var.port
}

resource "aws_lb_listener_rule" "this" {
  count = local.public ? 1 : 0

  listener_arn = var.load_balancer.listener_arn
  priority     = var.load_balancer.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[0].arn
  }

  dynamic "condition" {
    for_each = var.load_balancer.host == null ? [] : [var.load_balancer.host]

    content {
      host_header {
        values = [condition.value]
      }
    }
  }

  dynamic "condition" {
    for_each = var.load_balancer.host == null ? ["/*"] : []

    content {
      path_pattern {
        values = [condition.value]
      }
    }
  }

  tags = merge(var.tags, { Name = var.name })
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

# The ingress from the load balancer was a resource of this module before envspec decided the rules.
moved {
  from = aws_vpc_security_group_ingress_rule.from_lb[0]
  to   = module.access.aws_vpc_security_group_ingress_rule.this["from-lb"]
}
