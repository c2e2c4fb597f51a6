# An ec2 service: instances from an AMI in the private subnets (IMDSv2 only, encrypted root
# volumes), reached through SSM; its security group, IAM role and instance profile; access to
# the databases it references; and, when public, a target group and a listener rule on the
# app's shared load balancer. Releases are deployed by Ansible, never by Terraform.

locals {
  # Descriptions, policy and statement names are the ones the Ansible role uses: an adopted
  # resource then matches (a security group's description cannot change without replacing it).
  component   = lookup(var.tags, "envspec:component", var.name)
  policy_name = "envspec-references"

  instances = { for index, name in var.instances : name => index }
  public    = var.load_balancer != null
  databases = { for access in local.database_access : access.database => access }
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
  description       = "HTTPS to AWS APIs and package mirrors, through the NAT gateway"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "from_lb" {
  count = local.public ? 1 : 0

  security_group_id            = aws_security_group.this.id
  description                  = "From the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = local.lb_security_group_id
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
# Instances
################################################################################

resource "aws_instance" "this" {
  for_each = local.instances

  ami                    = var.ami
  instance_type          = var.instance_type
  subnet_id              = var.subnet_ids[each.value % length(var.subnet_ids)]
  vpc_security_group_ids = [aws_security_group.this.id]
  iam_instance_profile   = aws_iam_instance_profile.this.name

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
