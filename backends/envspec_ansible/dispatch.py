"""`tasks/component.yml`, the dispatch from a component to its kind's role, generated from the registry.

One block per kind of `envspec.core.kinds.KINDS`, in its order, each including the role of that name with
its arguments `KIND_address`, `KIND_inputs` and `KIND_resources`; the role's facts `KIND_outputs`
are then filed under `envspec_out[ADDRESS]`. The same bytes for every app and environment.
"""

from __future__ import annotations

import re
from functools import cache

from envspec.core.errors import BackendError
from envspec.core.kinds import KINDS

from .binding import binding

_HEADER = """\
---
# Run one component's role: `envspec_address` is the component, `envspec_entry_point` the role's
# tasks file: `main` provisions it (Ansible owns it), `lookup` only reads it, by the names and tags
# the envspec core gave it (another tool owns it, or deploy.yml needs its outputs). Either way the
# role sets the fact KIND_outputs (its AWS-assigned attributes), filed here under
# envspec_out[ADDRESS], where the references of the components that come later find them.
- name: Component {{ envspec_address }}
  vars:
    envspec_component: "{{ envspec_components[envspec_address] }}"
  block:
"""

_KIND = """\
    - name: {title} {{{{ envspec_address }}}}
      when: envspec_component.kind == '{kind}'
      ansible.builtin.include_role:
        name: {kind}
        tasks_from: "{{{{ envspec_entry_point }}}}"
      vars:
        {kind}_address: "{{{{ envspec_address }}}}"
        {kind}_inputs: "{{{{ envspec_component.inputs }}}}"
        {kind}_resources: "{{{{ envspec_component.resources }}}}"

"""

_FOOTER = """\
    - name: File the outputs under envspec_out[{{ envspec_address }}]
      ansible.builtin.set_fact:
        envspec_out: "{{ envspec_out | combine({envspec_address: lookup('ansible.builtin.vars', envspec_component.kind ~ '_outputs')}) }}"
"""


@cache
def component_tasks() -> str:
    """The text of `tasks/component.yml`."""
    blocks = []
    for kind in KINDS:
        title = binding(kind).title
        # Written plain into YAML and into variable names: only the characters both take as they are.
        if not re.fullmatch(r"[a-z][a-z0-9_]*", kind) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ]*", title):
            raise BackendError(f"ansible backend: kind {kind!r} or its title {title!r} cannot name a role")
        blocks.append(_KIND.format(kind=kind, title=title))
    return _HEADER + "".join(blocks) + _FOOTER
