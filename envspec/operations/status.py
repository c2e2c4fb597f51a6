"""`envspec status`: who owns each component in each environment, and how far the migration is.

Each cell is the owner in the spec and a state read from the ownership history beside the spec
(`APP.history.json`, see `envspec.core.history`):

* `adopting`: Terraform owns it and Ansible did: `imports.tf` has its import blocks;
* `releasing`: Ansible owns it and Terraform did: `removed.tf` has its removed blocks;
* `not compiled`: the spec's owner is not in the history yet (a move or a new component that no
  compile has recorded; `envspec compile` records it);
* `steady`: otherwise.

The history only grows, so `adopting` and `releasing` stay true after the move is applied: the
import and removed blocks stay in the output (Terraform does nothing for them once the state
agrees). Data here; the CLI renders it as a table, plain text or JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from envspec.core.ir import Owner
from envspec.core.resolved import ResolvedApp

if TYPE_CHECKING:
    from envspec.core.project import Project

State = Literal["steady", "adopting", "releasing", "not compiled"]
MARKS: Mapping[State, str] = {"steady": "", "adopting": " (adopting)", "releasing": " (releasing)", "not compiled": " (not compiled)"}


@dataclass(frozen=True)
class Cell:
    owner: Owner
    state: State
    history: tuple[Owner, ...]

    @property
    def text(self) -> str:
        return self.owner + MARKS[self.state]


@dataclass(frozen=True)
class AppStatus:
    app: str
    source: str
    environments: tuple[str, ...]
    components: Mapping[str, tuple[str, Mapping[str, Cell]]]  # address -> (kind, env -> cell)

    def on_terraform(self, env: str) -> tuple[int, int]:
        """(components Terraform owns, components) in `env`."""
        cells = [cells[env] for _, cells in self.components.values() if env in cells]
        return sum(cell.owner == "terraform" for cell in cells), len(cells)

    def progress(self, env: str) -> str:
        done, total = self.on_terraform(env)
        return f"{env}: {done} of {total} component{'s' if total != 1 else ''} on Terraform"


def state_of(owner: Owner, recorded: tuple[Owner, ...] | None) -> State:
    if not recorded or owner not in recorded:
        return "not compiled"
    if owner == "terraform" and "ansible" in recorded:
        return "adopting"
    if owner == "ansible" and "terraform" in recorded:
        return "releasing"
    return "steady"


def status(app: ResolvedApp, known: Mapping[str, Mapping[str, tuple[Owner, ...]]] | None,
           envs: Sequence[str] | None = None) -> AppStatus:
    """The status of one app, given the history recorded beside its spec (None: no history file)."""
    known = known or {}
    wanted = [env for env in app.environments if not envs or env in envs]
    components: dict[str, tuple[str, dict[str, Cell]]] = {}
    for env in wanted:
        for address, component in app.environments[env].components.items():
            recorded = known.get(env, {}).get(address)
            cell = Cell(component.owner, state_of(component.owner, recorded), tuple(recorded or ()))
            components.setdefault(address, (component.kind, {}))[1][env] = cell
    from envspec.core.manifest import portable_source

    return AppStatus(app.spec.app, portable_source(app.source), tuple(wanted), components)


def of_apps(project: Project, envs: Sequence[str] | None = None) -> list[AppStatus]:
    """The status of every app, each with the history file beside its spec (`envs` checked first)."""
    project.check_environments(envs or ())
    return [status(app, project.history(app), envs) for app in project.apps]


def rows(app: AppStatus) -> list[list[str]]:
    """Header and one row per component: address, kind, then a cell per environment."""
    table = [["component", "kind", *app.environments]]
    for address, (kind, cells) in app.components.items():
        table.append([address, kind, *(cells[env].text if env in cells else "-" for env in app.environments)])
    return table


def title(app: AppStatus) -> str:
    return f"{app.app} ({app.source})"


def render_text(statuses: Sequence[AppStatus]) -> str:
    """Plain text: a title per app, an aligned table, then the progress of each environment."""
    blocks = []
    for app in statuses:
        table = rows(app)
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = [title(app)]
        lines += ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
        lines += [""] + ["  " + app.progress(env) for env in app.environments]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def to_json(statuses: Sequence[AppStatus]) -> str:
    """For scripts: per app, per environment, the count on Terraform and every component's owner and state."""
    data: list[dict[str, Any]] = []
    for app in statuses:
        environments: dict[str, Any] = {}
        for env in app.environments:
            done, total = app.on_terraform(env)
            environments[env] = {
                "on_terraform": done,
                "components_total": total,
                "components": {
                    address: {"kind": kind, "owner": cells[env].owner, "state": cells[env].state,
                              "history": list(cells[env].history)}
                    for address, (kind, cells) in app.components.items() if env in cells
                },
            }
        data.append({"app": app.app, "source": app.source, "environments": environments})
    return json.dumps({"envspec_status": 1, "apps": data}, indent=2, ensure_ascii=False) + "\n"
