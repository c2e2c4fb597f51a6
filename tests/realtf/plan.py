"""What a saved Terraform plan will do, read from `terraform show -json PLANFILE`.

`PlanReport.of(plan_json)` sorts the `resource_changes` by action (the JSON plan's `change.actions`):
imported (`change.importing` present, whatever else happens to it), created, updated in place,
replaced (delete and create in either order), deleted, and forgotten (a `removed` block with
`destroy = false`: action `forget`). Data sources and no-op resources that are not imported are left out.

`changes(address)` is what an in-place update (or an import with changes) does, attribute by attribute.

Unknown-after-apply values: the JSON plan leaves such a value out of `after` (or `null`) and marks it
`true` in `after_unknown` at its path. Those leaves are *not* changes: their before value is kept at
that path before comparing (a computed attribute such as `arn` or `tags_all` is recomputed on every
update and would otherwise show up as a change on every updated resource). An attribute that is wholly
unknown after apply is listed by `unknown(address)` instead, so an assertion can still look at it.
Sensitive values compare like any other (the JSON plan holds them in the clear; a message built from
`changes()` of a sensitive attribute would print it: `summary()` prints only attribute names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "(known after apply)"


def _mask_unknown(after: Any, unknown: Any, before: Any) -> Any:
    """`after` with every leaf that `unknown` marks true replaced by `before`'s value at that path."""
    if unknown is True:
        return before
    if isinstance(unknown, dict) and isinstance(after, dict):
        before_map = before if isinstance(before, dict) else {}
        keys = set(after) | {k for k, v in unknown.items() if v}
        return {k: _mask_unknown(after.get(k), unknown.get(k, False), before_map.get(k)) for k in keys}
    if isinstance(unknown, list) and isinstance(after, list):
        before_list = before if isinstance(before, list) else []
        return [
            _mask_unknown(a, unknown[i] if i < len(unknown) else False, before_list[i] if i < len(before_list) else None)
            for i, a in enumerate(after)
        ]
    return after


@dataclass(frozen=True)
class PlanReport:
    imports: tuple[str, ...] = ()
    creates: tuple[str, ...] = ()
    updates: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()
    forgets: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, plan: Mapping[str, Any]) -> PlanReport:
        groups: dict[str, list[str]] = {k: [] for k in ("imports", "creates", "updates", "replaces", "deletes", "forgets")}
        for rc in plan.get("resource_changes", ()):
            if rc.get("mode") == "data":
                continue
            address, change = rc["address"], rc["change"]
            actions = tuple(change["actions"])
            if change.get("importing") is not None:
                groups["imports"].append(address)
            if "create" in actions and "delete" in actions:
                groups["replaces"].append(address)
            elif actions == ("create",):
                groups["creates"].append(address)
            elif actions == ("update",):
                groups["updates"].append(address)
            elif actions == ("delete",):
                groups["deletes"].append(address)
            elif actions == ("forget",):
                groups["forgets"].append(address)
        return cls(**{k: tuple(sorted(v)) for k, v in groups.items()}, raw=plan)

    def _change(self, address: str) -> Mapping[str, Any]:
        for rc in self.raw.get("resource_changes", ()):
            if rc["address"] == address:
                return rc["change"]  # type: ignore[no-any-return]
        raise KeyError(f"{address} is not in the plan; it has: {', '.join(self.addresses()) or 'nothing'}")

    def addresses(self) -> tuple[str, ...]:
        return tuple(sorted(rc["address"] for rc in self.raw.get("resource_changes", ()) if rc.get("mode") != "data"))

    def changes(self, address: str) -> dict[str, tuple[Any, Any]]:
        """{attribute: (before, after)} of the top-level attributes whose value changes (see the module doc)."""
        change = self._change(address)
        before = change.get("before") or {}
        after = change.get("after") or {}
        unknown = change.get("after_unknown") or {}
        found: dict[str, tuple[Any, Any]] = {}
        for name in sorted(set(before) | set(after)):
            if unknown.get(name) is True:
                continue
            new = _mask_unknown(after.get(name), unknown.get(name, False), before.get(name))
            if new != before.get(name):
                found[name] = (before.get(name), new)
        return found

    def unknown(self, address: str) -> tuple[str, ...]:
        """Top-level attributes of `address` wholly unknown until apply."""
        unknown = self._change(address).get("after_unknown") or {}
        return tuple(sorted(k for k, v in unknown.items() if v is True))

    @property
    def is_empty(self) -> bool:
        return not (self.imports or self.creates or self.updates or self.replaces or self.deletes or self.forgets)

    def summary(self) -> str:
        """One line per planned action, updates with the names of the attributes they change."""
        lines = []
        for label, group in (
            ("import", self.imports),
            ("create", self.creates),
            ("update", self.updates),
            ("replace", self.replaces),
            ("delete", self.deletes),
            ("forget", self.forgets),
        ):
            for address in group:
                detail = ""
                if label in ("import", "update", "replace"):
                    changed = self.changes(address)
                    if changed:
                        detail = " (" + ", ".join(
                            f"{k}: {_short(b)} -> {_short(a)}" if not self._sensitive(address, k) else f"{k}: (sensitive)"
                            for k, (b, a) in changed.items()
                        ) + ")"
                lines.append(f"  {label} {address}{detail}")
        counts = ", ".join(f"{len(g)} {n}" for n, g in (
            ("imported", self.imports), ("created", self.creates), ("updated", self.updates),
            ("replaced", self.replaces), ("deleted", self.deletes), ("forgotten", self.forgets),
        ) if g)
        return (counts or "no changes") + ("\n" + "\n".join(lines) if lines else "")

    def _sensitive(self, address: str, name: str) -> bool:
        change = self._change(address)
        return any(_marks(change[k].get(name)) for k in ("before_sensitive", "after_sensitive") if isinstance(change.get(k), dict))


def _marks(value: Any) -> bool:
    """True where a `*_sensitive` (or `after_unknown`) structure marks any leaf true."""
    if value is True:
        return True
    if isinstance(value, dict):
        return any(_marks(v) for v in value.values())
    if isinstance(value, list):
        return any(_marks(v) for v in value)
    return False


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
