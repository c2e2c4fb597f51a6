"""`envspec migrate`: move one component to another owner by editing only the owner lines of its spec.

The edit is a splice of the spec's own text at the positions the loader recorded (`envspec.core.source`),
not a re-dump of the parsed YAML: a YAML round-trip writer (ruamel.yaml included) re-indents a file
indented by four spaces and re-spaces aligned flow mappings, and a reviewer must see a diff of the
owner lines only. The result is parsed and resolved again before it is returned; an edit that does
not give exactly the owners asked for is a bug (never written).

Without environments, the component moves everywhere: its `owner` is set (inserted after its first
line, or in a flow mapping `{owner: terraform, ...}`) and an `owner` under its `overrides` is set too.
With environments, only there, through `overrides: {ENV: {owner: ...}}`.

Refused (a UsageError, exit 1), before anything is written: an unknown address (did you mean), an
undeclared environment, a component already owned by the target there, and a component whose
previous move is not compiled yet: its owner in the spec is not in its recorded history
(`APP.history.json`), so the history that decides import and removed blocks has not seen that move.
Whether a compiled move was *applied* (terraform apply) is not something the history records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envspec.core import history as history_file
from envspec.core.errors import UsageError, did_you_mean
from envspec.core.ir import OWNERS, Owner, ResourceGraph
from envspec.core.resolved import ResolvedApp
from envspec.core.source import DataPath, Document


# the line breaks of YAML (and of the loader's line numbers)
_BREAK = re.compile(r"\r\n|\r|\n|\x85|\u2028|\u2029")


@dataclass(frozen=True)
class Move:
    """One component changing owner in one environment."""

    app: str
    env: str
    address: str
    source: Owner   # the owner it had
    target: Owner   # the owner it gets


@dataclass(frozen=True)
class Migration:
    """What `migrate` writes and what it means."""

    spec: Path                  # the spec file to rewrite
    before: str                 # its text now
    text: str                   # its text after the move
    moves: tuple[Move, ...]
    app: ResolvedApp            # the app after the move
    history: Mapping[str, Mapping[str, tuple[Owner, ...]]]  # as the next compile will record it
    unrecorded: tuple[str, ...]  # environments where the component has no recorded owner yet


def address_path(address: str) -> DataPath:
    """`network` -> ("network",); `databases.main` -> ("databases", "main")."""
    return tuple(address.split(".", 1))  # type: ignore[return-value]


def addresses(app: ResolvedApp) -> list[str]:
    """Every component address of an app, in spec order."""
    found: dict[str, None] = {}
    for env in app.environments.values():
        found.update(dict.fromkeys(env.components))
    return list(found)


def plan(paths: Sequence[Path], address: str, to: str, envs: Sequence[str] = ()) -> Migration:
    """The migration of `address` to owner `to` (in `envs`, else everywhere), computed, not written."""
    from envspec.core.project import Project
    from envspec.core.resolve import resolve_document

    if to not in OWNERS:
        raise UsageError(f"unknown owner '{to}': expected {' or '.join(OWNERS)}")
    project = Project.read(paths)
    document, app = _find(project.documents, project.apps, address)
    declared = list(app.environments)
    for env in envs:
        if env not in app.environments:
            hint = did_you_mean(env, declared)
            raise UsageError(
                f"{document.path}: no environment '{env}' in app {app.spec.app}"
                + (f" ({hint})" if hint else "") + f"; declared: {', '.join(declared)}"
            )
    owners = {env: app.environments[env].components[address].owner for env in declared}
    target: Owner = to  # type: ignore[assignment]
    if envs:
        already = [env for env in dict.fromkeys(envs) if owners[env] == target]
        if already:
            raise UsageError(f"{address} is already owned by {target} in {', '.join(already)}: nothing to move")
        moving = list(dict.fromkeys(envs))
    else:
        moving = [env for env in declared if owners[env] != target]
        if not moving:
            raise UsageError(f"{address} is already owned by {target} in every environment: nothing to move")
    history_path = history_file.path_for(document.path)
    known = project.history(app)
    unrecorded = []
    for env in moving:
        recorded = known.get(env, {}).get(address)
        if recorded is None:
            unrecorded.append(env)
        elif owners[env] not in recorded:
            raise UsageError(
                f"{address} in {env}: its move to {owners[env]} is not compiled yet ({history_path} records "
                f"only {', '.join(recorded)}); compile and apply that move first, or undo the edit of {document.path}"
            )
    before = _raw_text(Path(document.path))
    text = _edit(document, before, address, target, moving, explicit=bool(envs))
    after = resolve_document(_parse(text, document.path))
    for env in declared:
        expected = target if env in moving else owners[env]
        got = after.environments[env].components[address].owner
        if got != expected:  # pragma: no cover - a bug in the splice, never written
            raise AssertionError(f"migrate edited {document.path} wrongly: {address} in {env} is {got}, not {expected}")
    moves = tuple(Move(app.spec.app, env, address, owners[env], target) for env in moving)
    future = history_file.updated(known, after)
    return Migration(Path(document.path), before, text, moves, after, future, tuple(unrecorded))


def _find(documents: Sequence[Document], apps: Sequence[ResolvedApp], address: str) -> tuple[Document, ResolvedApp]:
    having = [(d, a) for d, a in zip(documents, apps) if address in addresses(a)]
    if not having:
        every = [x for a in apps for x in addresses(a)]
        hint = did_you_mean(address, every)
        where = ", ".join(d.path for d in documents)
        raise UsageError(
            f"no component '{address}' in {where}" + (f" ({hint})" if hint else "")
            + "; addresses look like network, secrets.NAME, buckets.NAME, databases.NAME, services.NAME"
        )
    if len(having) > 1:
        raise UsageError(
            f"'{address}' is a component of several apps ({', '.join(d.path for d, _ in having)}): name the spec file"
        )
    return having[0]


def _raw_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _parse(text: str, path: str) -> Document:
    from envspec.core.source import parse

    return parse(text.removeprefix("\ufeff"), path)


# ---- the splice ---------------------------------------------------------------------------------


class _Text:
    """The spec's text with offsets for the loader's (line, column) positions, and pending edits."""

    def __init__(self, raw: str) -> None:
        self.bom = "\ufeff" if raw.startswith("\ufeff") else ""
        self.text = raw.removeprefix("\ufeff")
        self.starts = [0] + [m.end() for m in _BREAK.finditer(self.text)]
        first = _BREAK.search(self.text)
        self.newline = first.group() if first else "\n"
        self.edits: list[tuple[int, int, str]] = []

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col - 1

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end]

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, text))

    def result(self) -> str:
        text = self.text
        # stable sort: insertions at one offset keep the order they were made in
        for start, end, new in sorted(self.edits, key=lambda e: e[0], reverse=True):
            text = text[:start] + new + text[end:]
        return self.bom + text


class _Editor:
    def __init__(self, document: Document, raw: str) -> None:
        self.doc = document
        self.text = _Text(raw)

    def value(self, path: DataPath) -> Any:
        node: Any = self.doc.data
        for key in path:
            node = node[key]
        return node

    def fail(self, path: DataPath, why: str) -> UsageError:
        pos = self.doc.value_position(path)
        return UsageError(f"{self.doc.path}:{pos.line}:{pos.col}: cannot edit {'.'.join(map(str, path))}: {why}; edit it by hand")

    def flow(self, path: DataPath) -> bool:
        span = self.doc.positions[path].value
        return self.text.text[self.text.offset(span.line, span.col)] == "{"

    def step(self, path: DataPath) -> int:
        """The indentation step of the block mapping at `path` (its first key's column minus its own)."""
        located = self.doc.positions[path]
        mapping = self.value(path)
        if located.key is None or not mapping:
            return 2
        first = self.doc.positions[(*path, next(iter(mapping)))].key
        return max(first.col - located.key.col, 1) if first else 2

    def insert_entry(self, path: DataPath, key: str, block_lines: list[str], flow_text: str) -> None:
        """Insert an entry into the mapping at `path`: `flow_text` in a flow mapping, else
        `block_lines` (relative indentation included) as lines after its first one-line entry, or
        before its first entry."""
        mapping = self.value(path)
        if not isinstance(mapping, dict):
            raise self.fail(path, "it is not a mapping")
        span = self.doc.positions[path].value
        start = self.text.offset(span.line, span.col)
        if self.flow(path):
            empty = not mapping
            self.text.replace(start + 1, start + 1, flow_text + ("" if empty else ", "))
            return
        first_key = next(iter(mapping))
        located = self.doc.positions[(*path, first_key)]
        key_pos = located.key
        assert key_pos is not None
        prefix = self.text.line_text(key_pos.line)[: key_pos.col - 1]
        if prefix.strip():
            raise self.fail(path, "its first entry does not start its line")
        value = located.value
        nl = self.text.newline
        lines = "".join(prefix + line + nl for line in block_lines)
        one_line = value.scalar and value.style not in ("|", ">") and value.line == value.end_line == key_pos.line
        if one_line and key_pos.line < len(self.text.starts):
            self.text.replace(self.text.starts[key_pos.line], self.text.starts[key_pos.line], lines)
        elif one_line:  # the last line of a file without a final line break
            self.text.replace(len(self.text.text), len(self.text.text), nl + lines.removesuffix(nl))
        else:
            at = self.text.starts[key_pos.line - 1]
            self.text.replace(at, at, lines)

    def set_owner(self, path: DataPath, owner: Owner) -> None:
        """`owner: OWNER` in the mapping at `path`: its value replaced, or the entry inserted."""
        mapping = self.value(path)
        if not isinstance(mapping, dict):
            raise self.fail(path, "it is not a mapping")
        if "owner" in mapping:
            span = self.doc.positions[(*path, "owner")].value
            if span.line != span.end_line or span.style in ("|", ">"):
                raise self.fail((*path, "owner"), "it is written over several lines")
            quote = span.style if span.style in ("'", '"') else ""
            self.text.replace(
                self.text.offset(span.line, span.col), self.text.offset(span.end_line, span.end_col), quote + owner + quote
            )
            return
        self.insert_entry(path, "owner", [f"owner: {owner}"], f"owner: {owner}")

    def set_override_owners(self, path: DataPath, envs: Sequence[str], owner: Owner) -> None:
        component = self.value(path)
        overrides = component.get("overrides") if isinstance(component, dict) else None
        step = " " * self.step(path)
        if overrides is None:
            lines = ["overrides:"]
            for env in envs:
                lines += [f"{step}{env}:", f"{step}{step}owner: {owner}"]
            flow = "overrides: {" + ", ".join(f"{env}: {{owner: {owner}}}" for env in envs) + "}"
            self.insert_entry(path, "overrides", lines, flow)
            return
        where = (*path, "overrides")
        if not isinstance(overrides, dict):
            raise self.fail(where, "it is not a mapping")
        missing = [env for env in envs if env not in overrides]
        for env in envs:
            if env in overrides:
                self.set_owner((*where, env), owner)
        inner = " " * self.step(where) if overrides else step
        for env in reversed(missing):  # each goes first; reversed keeps the order asked for
            self.insert_entry(where, env, [f"{env}:", f"{inner}owner: {owner}"], f"{env}: {{owner: {owner}}}")


def _edit(document: Document, raw: str, address: str, owner: Owner, envs: Sequence[str], *, explicit: bool) -> str:
    editor = _Editor(document, raw)
    path = address_path(address)
    if explicit:
        editor.set_override_owners(path, envs, owner)
        return editor.text.result()
    component = editor.value(path)
    if not isinstance(component, dict):
        raise editor.fail(path, "it is not a mapping")
    default = document.data.get("owner", "ansible")
    if component.get("owner", default) != owner:
        editor.set_owner(path, owner)
    overrides = component.get("overrides")
    if isinstance(overrides, dict):
        for env, override in overrides.items():
            if isinstance(override, dict) and "owner" in override and override["owner"] != owner:
                editor.set_owner((*path, "overrides", env), owner)
    return editor.text.result()


# ---- what happens next --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What one move does to AWS resources and to each tool, for a reviewer."""

    move: Move
    graph: ResourceGraph        # the environment after the move, with the history the next compile records

    @property
    def node(self) -> Any:
        return self.graph.node(self.move.address)


def changes(moves: Sequence[Move], app: ResolvedApp, history: Mapping[str, Mapping[str, tuple[Owner, ...]]]) -> list[Change]:
    """Lower each moved environment with `history` (the one the next compile records)."""
    from envspec.core.lower import lower

    graphs: dict[str, ResourceGraph] = {}
    found = []
    for move in moves:
        if move.env not in graphs:
            graphs[move.env] = lower(app.environments[move.env], history.get(move.env, {}))
        found.append(Change(move, graphs[move.env]))
    return found


def _resource_line(resource: Any, adopting: bool) -> str:
    if resource.import_id is not None:
        how = f"import id `{resource.import_id}`" if adopting else f"id `{resource.import_id}`"
    elif resource.lookup is not None:
        tags = ", ".join(f"{k}={v}" for k, v in resource.lookup.tags.items())
        how = f"found by tags {tags}"
    else:
        how = "found by name"
    return f"- `{resource.type}` `{resource.name}`: {how}"


def explain(change: Change, out: str = "build") -> list[str]:
    """Markdown lines saying what a move does: the AWS resources, how Terraform finds them, and
    what Ansible stops (or starts) managing. Nothing is created or deleted either way."""
    move, node = change.move, change.node
    root = f"{out}/{move.app}/terraform/{move.env}"
    lines = [f"#### `{move.address}` in {move.env}: {move.source} → {move.target}", ""]
    if node.adopted:
        lines.append(f"Terraform adopts {len(node.resources)} AWS resource{'s' if len(node.resources) != 1 else ''} "
                     f"(`import` blocks in `{root}/imports.tf`):")
        lines += [_resource_line(r, True) for r in node.resources]
        if any(r.type == "aws_security_group" for r in node.resources):
            lines.append("- the security group rules of its module, found by what they allow (a rule AWS does not have is created)")
        lines += ["", f"Ansible stops managing it: `provision.yml` only looks `{move.address}` up (its `{node.kind}` role does not run for it).",
                  "Expected `terraform plan`: imports, and the `envspec:owner` tag updated in place; nothing created, replaced or destroyed."]
    elif node.released:
        lines.append(f"Terraform forgets {len(node.resources)} AWS resource{'s' if len(node.resources) != 1 else ''} "
                     f"(`removed` blocks with `destroy = false` in `{root}/removed.tf`):")
        lines += [_resource_line(r, False) for r in node.resources]
        lines += ["", f"Ansible manages it again: `provision.yml` runs its `{node.kind}` role for `{move.address}` "
                      "(its first run sets the `envspec:owner` tag to ansible).",
                  "Expected `terraform plan`: only resources removed from the state; nothing destroyed."]
    elif move.target == "terraform":
        lines.append("Terraform creates it: no owner is recorded for it in this environment, so nothing says Ansible made it "
                     "(if Ansible did, compile once before the move so that the history records it).")
    else:
        lines.append("Ansible creates it: Terraform never owned it here.")
    return lines


def next_steps(migration: Migration, out: str = "build") -> str:
    """What `envspec migrate` prints: the edit, what each move does, and the commands to run."""
    spec = str(migration.spec)
    lines = []
    for move in migration.moves:
        lines.append(f"{spec}: {move.address} moves from {move.source} to {move.target} in {move.env}")
    for env in migration.unrecorded:
        lines.append(f"note: {migration.moves[0].address} has no recorded owner in {env} "
                     f"({history_file.path_for(spec)}): it has never been compiled there")
    lines.append("")
    for change in changes(migration.moves, migration.app, migration.history):
        lines += [line.replace("`", "").removeprefix("#### ") for line in explain(change, out)]
        lines.append("")
    app = migration.app.spec.app
    lines += ["Next:", f"  envspec compile {spec} --out {out}   # writes the import/removed blocks, updates {history_file.path_for(spec)}",
              f"  envspec plan-move {spec}   # the move as text for the pull request (before the compile)",
              f"  git add {spec} {history_file.path_for(spec)}"]
    to_ansible = any(m.target == "ansible" for m in migration.moves)
    for env in dict.fromkeys(m.env for m in migration.moves):
        root = f"{out}/{app}/terraform/{env}"
        lines += [f"  terraform -chdir={root} init", f"  terraform -chdir={root} plan    # only imports/forgets and envspec:owner tags",
                  f"  terraform -chdir={root} apply",
                  f"  ansible-playbook -i {out}/{app}/ansible/inventories/{env} {out}/{app}/ansible/provision.yml"
                  + ("   # manages the component again" if to_ansible else "   # changed=0: it only looks the component up")]
    return "\n".join(lines) + "\n"


# ---- plan-move: the moves of a pull request, for its reviewers ---------------------------------


def pending_moves(app: ResolvedApp, known: Mapping[str, Mapping[str, tuple[Owner, ...]]]) -> list[Move]:
    """Moves no compile has recorded: the spec's owner is not among the recorded ones."""
    moves = []
    for env_name, env in app.environments.items():
        for address, component in env.components.items():
            recorded = known.get(env_name, {}).get(address)
            if recorded and component.owner not in recorded:
                source = "terraform" if component.owner == "ansible" else "ansible"
                moves.append(Move(app.spec.app, env_name, address, source, component.owner))
    return moves


def moves_between(old: ResolvedApp, new: ResolvedApp) -> list[Move]:
    """Components whose owner differs between two versions of a spec (present in both)."""
    moves = []
    for env_name, env in new.environments.items():
        before = old.environments.get(env_name)
        if before is None:
            continue
        for address, component in env.components.items():
            was = before.components.get(address)
            if was is not None and was.owner != component.owner:
                moves.append(Move(new.spec.app, env_name, address, was.owner, component.owner))
    return moves


def review_text(app: ResolvedApp, moves: Sequence[Move], history: Mapping[str, Mapping[str, tuple[Owner, ...]]],
                baseline: str, out: str = "build") -> str:
    """Markdown a reviewer can paste into a pull request: every move and what it does."""
    from envspec.core.manifest import portable_source

    source = portable_source(app.source)
    lines = [f"### Ownership moves: {app.spec.app} (`{source}`, compared with {baseline})", ""]
    if not moves:
        return "\n".join(lines + ["No component changes owner.", ""])
    for change in changes(moves, app, history):
        lines += [*explain(change, out), ""]
    lines += ["Nothing is created, replaced or deleted: run `terraform plan` in each environment's root and check it shows "
              "only imports (or removals from the state) and `envspec:owner` tag updates.", ""]
    return "\n".join(lines)
