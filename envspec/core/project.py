"""The front door to the pipeline: the specs a command works on, read and resolved once.

Every command starts here. `Project.read(paths)` reads the spec files (`envspec.core.source`) and
resolves them (`envspec.core.resolve`); a bad spec is one SpecError naming file, line and column,
before anything else runs. The project then gives each command what it needs, always the same way:

* `environment(env)` / `check_environments(envs)`: the apps that have an environment, or a usage
  error naming the declared ones (with a did-you-mean);
* `history(app)`: the app's ownership history, from the reviewed file beside its spec;
* `graph(app, env)` / `graphs(env)`: the IR of an environment (`envspec.core.lower`), lowered with
  that history, so import and removed blocks are the ones a compile writes;
* `compile(out_dir, backends, ...)`: the compile pipeline (`envspec.core.compiler`): build, write or
  check, bring the histories up to date.

Operations (`envspec.operations`) take a project and compose these; the command line
(`envspec.cli`) only parses arguments, calls an operation and prints. The project itself is pure
reading: it writes nothing until `compile` is called.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from envspec.core.resolved import check_declared

if TYPE_CHECKING:
    from envspec.core.backend import Backend
    from envspec.core.compiler import Compiled
    from envspec.core.history import AppHistory
    from envspec.core.ir import Owner, ResourceGraph
    from envspec.core.resolved import ResolvedApp
    from envspec.core.source import Document


@dataclass
class Project:
    """Resolved apps (one per spec file, in the order read), and what is derived from them, once."""

    apps: Sequence[ResolvedApp]
    _histories: dict[str, AppHistory] = field(default_factory=dict, repr=False)
    documents: Sequence[Document] = ()  # the parsed files, for an operation that edits one (migrate)

    @classmethod
    def read(cls, paths: Iterable[Path | str]) -> Project:
        """Read and resolve the spec files and folders `paths` (SpecError on bad input)."""
        from envspec.core.resolve import resolve
        from envspec.core.source import load

        documents = load(paths)
        return cls(resolve(documents), documents=documents)

    @property
    def environments(self) -> list[str]:
        """Every environment any spec declares, sorted."""
        return sorted({env for app in self.apps for env in app.environments})

    def check_environments(self, envs: Iterable[str]) -> None:
        """Refuse an environment no spec declares, naming the declared ones."""
        check_declared(self.apps, envs)

    def environment(self, env: str) -> list[ResolvedApp]:
        """The apps that have `env`; a usage error when none has it."""
        self.check_environments([env])
        return [app for app in self.apps if env in app.environments]

    def having(self, env: str) -> Project:
        """The project of the apps that have `env` (a deploy compiles only those)."""
        return Project(self.environment(env), self._histories, self.documents)

    def history(self, app: ResolvedApp) -> AppHistory:
        """The ownership history beside `app`'s spec (empty before its first compile)."""
        from envspec.core import history

        name = app.spec.app
        if name not in self._histories:
            self._histories[name] = history.read(history.path_for(app.source), name) or {}
        return self._histories[name]

    def graph(self, app: ResolvedApp, env: str,
              history: Mapping[str, tuple[Owner, ...]] | None = None) -> ResourceGraph:
        """`app` in `env`, lowered to the IR with its ownership history (or the one given)."""
        from envspec.core.lower import lower

        return lower(app.environments[env], self.history(app).get(env, {}) if history is None else history)

    def graphs(self, env: str) -> list[ResourceGraph]:
        """The IR of every app that has `env`."""
        return [self.graph(app, env) for app in self.environment(env)]

    def compile(self, out_dir: Path, backends: Sequence[Backend], *, only_envs: Sequence[str] | None = None,
                check_only: bool = False, keep_other_backends: bool = False) -> Compiled:
        """Compile into `out_dir` (or, with `check_only`, compare with it): `envspec.core.compiler`."""
        from envspec.core.compiler import compile_into

        return compile_into(out_dir, self.apps, backends, only_envs=only_envs, check_only=check_only,
                            keep_other_backends=keep_other_backends)

