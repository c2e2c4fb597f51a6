"""The per-kind bindings of the Ansible backend, one module per kind beside its role, each defining
`BINDING` (see `envspec_ansible.binding`)."""
