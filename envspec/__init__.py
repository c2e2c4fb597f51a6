"""envspec: compile one declarative environment spec into Ansible and Terraform."""

__version__ = "0.1.0"
