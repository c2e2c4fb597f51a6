"""AWS names one account holds once: two components, of any environments and apps, may not derive
the same base name in one account.

Every AWS name envspec derives for a component starts from its base name (`APP-ENV-NAME`, or its
kind's own: `LoweringContext.base_name`), and `-` joins the parts. So environments `prod` and
`prod-eu` of app `shop` in one account, with components `eu-api` and `api`, both derive
`shop-prod-eu-api`: their IAM roles, security groups, RDS ids and so on would be one object that
two tools fight over (IAM names are global to the account, most others to its region; all are
refused here, as the names are meant to tell components apart). The check runs after resolution,
across every spec given, and reports each later component at its own line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from envspec.core.errors import Diagnostic
from envspec.core.resolved import ResolvedApp
from envspec.core.source import Document, format_path


# Kinds whose AWS names are paths of their own (`APP/ENV/NAME`), which `/` keeps apart, rather than
# names joined from their base name with `-`.
PATH_NAMED = frozenset({"secret"})


def collisions(apps: Sequence[ResolvedApp], documents: Iterable[Document]) -> list[Diagnostic]:
    """A diagnostic for each component whose base AWS name another component in the same account
    already derives (apps in the order given, environments and components in spec order)."""
    from envspec.core.kinds import KINDS
    from envspec.core.lower.context import LoweringContext

    by_source = {document.path: document for document in documents}
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}  # (account, name) -> (app, env, address)
    problems: list[Diagnostic] = []
    for app in apps:
        document = by_source.get(app.source)
        for env in app.environments.values():
            context = LoweringContext(env, KINDS)
            for component in env.components.values():
                if component.kind in PATH_NAMED:
                    continue
                name = context.base_name(component)
                first = seen.setdefault((env.account_id, name), (env.app, env.env, component.address))
                if first == (env.app, env.env, component.address) or document is None:
                    continue
                other = f"{first[2]} in {first[1]}" + (f" (app {first[0]})" if first[0] != env.app else "")
                path = tuple(component.address.split(".", 1))
                pos = document.key_position(path)
                problems.append(Diagnostic(
                    document.path, pos.line, pos.col, format_path(path),
                    f"its AWS name in {env.env}, {name!r}, is also that of {other}, in the same account "
                    f"({env.account_id}): they would be one AWS object",
                    "rename one of them, or an environment",
                ))
    return problems
