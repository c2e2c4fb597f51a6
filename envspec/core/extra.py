"""The escape hatch: files written by hand beside a spec, copied into its output.

What the spec cannot express (DNS records, alarms, extra IAM statements) goes into a folder beside
the spec, named after it: for `specs/shop.yaml`, `specs/shop.extra/`:

    terraform/*.tf          copied into every environment's root, OUT/APP/terraform/ENV/
    terraform/ENV/*.tf      copied into that environment's root only
    ansible/*.yml           copied into OUT/APP/ansible/extra/; provision.yml runs them last
                            (include_tasks), with the components' outputs in `envspec_out`

Nobody edits generated files, and a compile never loses a hand-written one: it lives beside the
spec, in version control, and the writer refuses to replace an output folder holding a file it did
not write (see `envspec.core.writer`). `read()` does the I/O (`envspec.core.compiler` calls it, like the ownership
history); `files()` is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from envspec.core.errors import UsageError
from envspec.core.source import read_text

SUFFIX = ".extra"
TERRAFORM = "terraform"
ANSIBLE = "ansible"


@dataclass(frozen=True)
class Extras:
    """The hand-written files of one app, by name."""

    terraform: Mapping[str, str] = field(default_factory=dict)              # every environment
    terraform_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # by environment
    ansible: Mapping[str, str] = field(default_factory=dict)


MAX_EXTRA_BYTES = 16 * 1024 * 1024  # a hand-written .tf or .yml; anything larger is not one


def folder_for(spec: str | Path) -> Path:
    """`specs/shop.yaml` -> `specs/shop.extra`."""
    path = Path(spec)
    return path.with_name(path.stem + SUFFIX)


def read(spec: str | Path, environments: Iterable[str]) -> Extras:
    """The hand-written files beside `spec` (none when there is no folder). UsageError for a file
    that would not be used (a wrong extension or place, an undeclared environment)."""
    root = folder_for(spec)
    if not root.is_dir():
        return Extras()
    envs = set(environments)
    terraform: dict[str, str] = {}
    by_env: dict[str, dict[str, str]] = {}
    ansible: dict[str, str] = {}
    unused: list[str] = []
    inside = root.resolve()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        parts = path.relative_to(root).parts
        if not path.resolve().is_relative_to(inside):
            # a link out of the folder would copy whatever it reaches (/proc/self/environ: the
            # process's AWS keys) into the output
            raise UsageError(f"{path}: a symbolic link to {path.resolve()}, outside {root}; "
                             "hand-written files live in the folder itself")
        text = read_text(path, "a hand-written file", MAX_EXTRA_BYTES)
        assert text is not None
        if len(parts) == 2 and parts[0] == TERRAFORM and path.suffix == ".tf":
            terraform[parts[1]] = text
        elif len(parts) == 3 and parts[0] == TERRAFORM and parts[1] in envs and path.suffix == ".tf":
            by_env.setdefault(parts[1], {})[parts[2]] = text
        elif len(parts) == 2 and parts[0] == ANSIBLE and path.suffix == ".yml":
            ansible[parts[1]] = text
        else:
            unused.append(path.relative_to(root).as_posix())
    unused += [f"{TERRAFORM}/{env}/{name} (also in {TERRAFORM}/, for every environment)"
               for env, names in sorted(by_env.items()) for name in sorted(names) if name in terraform]
    if unused:
        raise UsageError(
            f"{root}: cannot use: {', '.join(unused)}; it takes terraform/*.tf (every environment), "
            f"terraform/ENV/*.tf (ENV one of {', '.join(sorted(envs))}) and ansible/*.yml"
        )
    return Extras(terraform, by_env, ansible)


def files(extras: Extras, env: str, backends: Iterable[str]) -> dict[PurePosixPath, str]:
    """The hand-written files of one environment, by path relative to the app's output folder."""
    out: dict[PurePosixPath, str] = {}
    names = set(backends)
    if TERRAFORM in names:
        for name, text in {**extras.terraform, **extras.terraform_env.get(env, {})}.items():
            out[PurePosixPath(TERRAFORM, env, name)] = text
    if ANSIBLE in names:
        for name, text in extras.ansible.items():
            out[PurePosixPath(ANSIBLE, "extra", name)] = text
    return out
