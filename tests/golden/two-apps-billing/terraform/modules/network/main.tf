# The app's VPC: public and private subnets per availability zone, an internet gateway, NAT
# gateways, route tables, and the shared internet-facing load balancer that public services
# attach their listener rules to. Every name comes in through variables.

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  public_subnets       = { for s in var.public_subnets : s.name => s }
  private_subnets      = { for s in var.private_subnets : s.name => s }
  nat_gateways         = { for n in var.nat_gateways : n.name => n }
  private_route_tables = { for t in var.private_route_tables : t.name => t }

  load_balancer = var.load_balancer != null
  https         = try(var.load_balancer.certificate_arn, null) != null
  # The load balancer group's rules by name, per direction (with a load balancer only).
  lb_ingress = { for rule in var.security_group_rules : rule.name => rule if local.load_balancer && rule.direction == "ingress" }
  lb_egress  = { for rule in var.security_group_rules : rule.name => rule if local.load_balancer && rule.direction == "egress" }
}

################################################################################
# VPC and subnets
################################################################################

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  for_each = local.public_subnets

  vpc_id                  = aws_vpc.this.id
  cidr_block              = each.value.cidr
  availability_zone       = data.aws_availability_zones.available.names[each.value.az_index]
  map_public_ip_on_launch = each.value.map_public_ip_on_launch

  tags = merge(var.tags, { Name = each.key })
}

resource "aws_subnet" "private" {
  for_each = local.private_subnets

  vpc_id                  = aws_vpc.this.id
  cidr_block              = each.value.cidr
  availability_zone       = data.aws_availability_zones.available.names[each.value.az_index]
  map_public_ip_on_launch = each.value.map_public_ip_on_launch

  tags = merge(var.tags, { Name = each.key })
}

################################################################################
# Internet gateway and NAT
################################################################################

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_eip" "nat" {
  for_each = local.nat_gateways

  domain = "vpc"

  tags = merge(var.tags, { Name = each.key })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = local.nat_gateways

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[var.public_subnets[each.value.public_subnet_index].name].id

  tags = merge(var.tags, { Name = each.key })

  depends_on = [aws_internet_gateway.this]

  lifecycle {
    precondition {
      condition     = each.value.public_subnet_index >= 0 && each.value.public_subnet_index < length(var.public_subnets)
      error_message = "The public_subnet_index of NAT gateway ${each.key} names none of public_subnets."
    }
  }
}

################################################################################
# Routes
################################################################################

# Routes are inline: the route tables are this component's alone, and an adopted (imported)
# table keeps its routes without a create that would collide with them.
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }

  tags = merge(var.tags, { Name = var.public_route_table_name })
}

resource "aws_route_table_association" "public" {
  for_each = local.public_subnets

  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  for_each = local.private_route_tables

  vpc_id = aws_vpc.this.id

  dynamic "route" {
    for_each = each.value.nat_index == null ? [] : [var.nat_gateways[each.value.nat_index].name]

    content {
      cidr_block     = "0.0.0.0/0"
      nat_gateway_id = aws_nat_gateway.this[route.value].id
    }
  }

  tags = merge(var.tags, { Name = each.key })

  lifecycle {
    precondition {
      condition = (
        each.value.private_subnet_index >= 0 && each.value.private_subnet_index < length(var.private_subnets)
        && (each.value.nat_index == null ? true : each.value.nat_index >= 0 && each.value.nat_index < length(var.nat_gateways))
      )
      error_message = "Route table ${each.key} must name one of private_subnets, and its nat_index (when set) one of nat_gateways."
    }
  }
}

resource "aws_route_table_association" "private" {
  for_each = local.private_route_tables

  subnet_id      = aws_subnet.private[var.private_subnets[each.value.private_subnet_index].name].id
  route_table_id = aws_route_table.private[each.key].id
}

################################################################################
# Shared load balancer
################################################################################

resource "aws_security_group" "lb" {
  count = local.load_balancer ? 1 : 0

  name        = var.load_balancer.security_group_name
  description = "Load balancer of ${var.name}" # as the Ansible role: cannot change in place
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.load_balancer.security_group_name })
}

# The load balancer group's rules, as envspec decided them (HTTPS with a certificate and HTTP from
# the internet, out to the services in the VPC): a rule with no group is on the load balancer's.
resource "aws_vpc_security_group_ingress_rule" "lb" {
  for_each = local.lb_ingress

  security_group_id            = coalesce(each.value.security_group_id, aws_security_group.lb[0].id)
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.cidr_ipv4 == null ? coalesce(each.value.referenced_security_group_id, aws_security_group.lb[0].id) : null
}

resource "aws_vpc_security_group_egress_rule" "lb" {
  for_each = local.lb_egress

  security_group_id            = coalesce(each.value.security_group_id, aws_security_group.lb[0].id)
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.cidr_ipv4 == null ? coalesce(each.value.referenced_security_group_id, aws_security_group.lb[0].id) : null
}

resource "aws_lb" "this" {
  count = local.load_balancer ? 1 : 0

  name                       = var.load_balancer.name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.lb[0].id]
  subnets                    = [for s in var.public_subnets : aws_subnet.public[s.name].id]
  drop_invalid_header_fields = var.load_balancer.drop_invalid_header_fields

  tags = merge(var.tags, { Name = var.load_balancer.name })

  lifecycle {
    precondition {
      condition     = length(var.public_subnets) >= 2
      error_message = "An application load balancer needs public subnets in at least two availability zones."
    }
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.load_balancer.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "Not found"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener" "http" {
  count = local.load_balancer ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = local.https ? "redirect" : "fixed-response"

    dynamic "redirect" {
      for_each = local.https ? [443] : []

      content {
        port        = tostring(redirect.value)
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }

    dynamic "fixed_response" {
      for_each = local.https ? [] : [404]

      content {
        content_type = "text/plain"
        message_body = "Not found"
        status_code  = tostring(fixed_response.value)
      }
    }
  }
}

################################################################################
# Moved: the load balancer's rules had a resource each before envspec decided them
################################################################################

moved {
  from = aws_vpc_security_group_ingress_rule.lb_https[0]
  to   = aws_vpc_security_group_ingress_rule.lb["https"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.lb_http[0]
  to   = aws_vpc_security_group_ingress_rule.lb["http"]
}

moved {
  from = aws_vpc_security_group_egress_rule.lb_to_vpc[0]
  to   = aws_vpc_security_group_egress_rule.lb["to-vpc"]
}
