# Not one of the files of before: today's root passes the security group rules envspec decides
# (`security_group_rules`) where these modules took `database_access` and the load balancer's group.
# These locals give main.tf what it took, so that it creates what it created (main.tf reads them
# where it read the variables: its only change).
locals {
  database_access = [for rule in var.security_group_rules : {
    database          = rule.name
    security_group_id = rule.security_group_id
    port              = rule.from_port
  } if rule.direction == "ingress" && rule.name != "from-lb"] # known at plan time, unlike a group id

  # The load balancer's group: the peer of the rule `from-lb`.
  lb_security_group_id = one([for rule in var.security_group_rules : rule.referenced_security_group_id if rule.name == "from-lb"])
}
