# A secret's container only. Its value is set outside envspec (console, CLI, a rotation
# function) and never appears in Terraform configuration; Terraform never reads or changes it.

resource "aws_secretsmanager_secret" "this" {
  count = var.store == "secretsmanager" ? 1 : 0

  name        = var.name
  description = var.description

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_ssm_parameter" "this" {
  count = var.store == "ssm" ? 1 : 0

  name        = var.name
  description = var.description
  type        = "SecureString"
  # A parameter cannot exist without a value: this placeholder is replaced outside envspec, and
  # Terraform then leaves the value alone.
  value = "unset"

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    ignore_changes = [value]
  }
}
