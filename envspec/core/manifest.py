"""The manifest, `OUT/manifest.json`: what a compile wrote, and what it knew.

Per app, the spec it came from; per environment, its region and account, each component's kind,
owner, owners so far, dependencies and AWS resources (`inventory`), and the files it produced;
for the whole tree, the hash of every file written (how a hand edit of a generated file is found,
and how the writer tells the files it wrote from the ones it did not). `render` builds it; `read`
reads the one a previous compile left, refusing a corrupt one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from envspec.core.errors import UsageError
from envspec.core.ir import Owner, ResourceGraph

MANIFEST = PurePosixPath("manifest.json")
MANIFEST_FORMAT = 1


# ---- writing it -------------------------------------------------------------------------------------------


def inventory(graph: ResourceGraph) -> Mapping[str, Any]:
    """The manifest's view of one environment: component -> owner and AWS resources."""
    return {
        node.address: {
            "kind": node.kind,
            "owner": node.owner,
            "depends_on": list(node.depends_on),
            "history": sorted(set(node.history) | {node.owner}),
            "resources": [
                {
                    "key": r.key,
                    "type": r.type,
                    "name": r.name,
                    "import_id": r.import_id,
                    "lookup": dict(r.lookup.tags) if r.lookup else None,
                }
                for r in node.resources
            ],
        }
        for node in graph.nodes
    }


def environment_entry(graph: ResourceGraph, files: Sequence[str]) -> dict[str, Any]:
    """One environment of one app: where it is, its components, and the files it produced."""
    return {
        "region": graph.region,
        "account_id": graph.account_id,
        "components": inventory(graph),
        "files": sorted(set(files)),
    }


def app_entry(source: str, environments: Mapping[str, Any], base: Path | None = None) -> dict[str, Any]:
    """One app: the spec it came from and its environments' entries."""
    return {"source": portable_source(source, base), "environments": dict(environments)}


def render(apps: Mapping[str, Any], digests: Mapping[PurePosixPath, str]) -> str:
    """The manifest's text: the apps' entries and every file's digest (`file_digest`), deterministic."""
    manifest = {
        "format": MANIFEST_FORMAT,
        "apps": dict(apps),
        "files": {str(path): digests[path] for path in sorted(digests)},
    }
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def file_digest(data: bytes) -> str:
    """How the manifest records a file it wrote: the hash of its bytes (also how an edit is found)."""
    return hashlib.sha256(data).hexdigest()


def portable_source(source: str, base: Path | None = None) -> str:
    """A spec path as envspec shows it: posix, relative to `base` when inside it, else the file name.

    The manifest gives the output folder's parent as `base` (`build/` beside `specs/`: the repository),
    so that what it records, and `compile --check`, do not depend on the folder the compile ran
    in; what the commands print is relative to the current folder (no `base`)."""
    path = Path(os.path.abspath(source))
    try:
        return path.relative_to(Path(os.path.abspath(base)) if base is not None else Path.cwd()).as_posix()
    except ValueError:
        return path.name


# ---- reading it -------------------------------------------------------------------------------------------


def read(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of a previous compile, or None when there is none; UsageError when it is corrupt."""
    from envspec.core.source import load_json, read_text

    path = out_dir / MANIFEST
    text = read_text(path, "an envspec manifest", missing_ok=True)
    if text is None:
        return None
    try:
        data = load_json(text, path, "an envspec manifest")
    except ValueError as exc:
        raise UsageError(
            f"{path}: not valid JSON ({exc}); it holds the ownership history, so restore it "
            "(for example from version control) or delete the output folder to start afresh"
        ) from exc
    problem = _problem(data)
    if problem:
        raise UsageError(f"{path}: {problem}; restore it or delete the output folder to start afresh")
    return data


def _problem(data: Any) -> str | None:
    """What makes `data` not a manifest this envspec can read (every value it reads, of the right type)."""
    if not isinstance(data, dict):
        return "not an envspec manifest (expected a JSON object)"
    if data.get("format") != MANIFEST_FORMAT:
        return f"unsupported manifest format {data.get('format')!r} (this envspec writes {MANIFEST_FORMAT})"
    apps = data.get("apps", {})
    if not isinstance(apps, dict):
        return "'apps' is not an object"
    for app, app_data in apps.items():
        envs = app_data.get("environments", {}) if isinstance(app_data, dict) else None
        if not isinstance(envs, dict):
            return f"apps.{app}: 'environments' is not an object"
        for env, env_data in envs.items():
            problem = _environment_problem(env_data)
            if problem:
                return f"apps.{app}.environments.{env}: {problem}"
    files = data.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return "'files' is not an object of digests (text)"
    return None


def _environment_problem(env_data: Any) -> str | None:
    components = env_data.get("components", {}) if isinstance(env_data, dict) else None
    if not isinstance(components, dict) or not all(isinstance(c, dict) for c in components.values()):
        return "'components' is not an object of objects"
    for address, component in components.items():
        owners = component.get("history", [component.get("owner")])
        if not isinstance(owners, list) or not owners or not all(isinstance(o, str) for o in owners):
            return f"components.{address}: 'history' is not a list of owners (and there is no 'owner')"
    files = env_data.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return "'files' is not a list of paths"
    return None


def environment_of(manifest: Mapping[str, Any] | None, app: str, env: str) -> Mapping[str, Any] | None:
    """The entry of one environment of one app in a manifest, or None."""
    return (manifest or {}).get("apps", {}).get(app, {}).get("environments", {}).get(env)


def history_of(manifest: Mapping[str, Any] | None) -> dict[str, dict[str, dict[str, tuple[Owner, ...]]]]:
    """Owners every component had in earlier compiles, from a previous manifest (where versions
    before the history files beside the specs kept them): app -> environment -> address -> owners."""
    history: dict[str, dict[str, dict[str, tuple[Owner, ...]]]] = {}
    for app, app_data in (manifest or {}).get("apps", {}).items():
        for env, env_data in app_data.get("environments", {}).items():
            components = env_data.get("components", {})
            history.setdefault(app, {})[env] = {
                address: tuple(c.get("history", [c.get("owner")])) for address, c in components.items()
            }
    return history


def recorded_files(manifest: Mapping[str, Any] | None) -> set[str] | None:
    """The files a previous compile wrote, the manifest included; None when it kept no such record."""
    if manifest is None or "files" not in manifest:
        return None
    return set(manifest.get("files", {})) | {str(MANIFEST)}


def hand_edited(out_dir: Path, manifest: Mapping[str, Any] | None, changing: Sequence[str]) -> list[str]:
    """Of the files about to change, those whose content is not what the last compile wrote (by the
    manifest's hashes): someone edited a generated file. The compile replaces it, and says so."""
    recorded = manifest.get("files", {}) if isinstance(manifest, Mapping) else {}
    edited = []
    for rel in changing:
        digest = recorded.get(rel)
        path = out_dir / rel
        if isinstance(digest, str) and path.is_file() and not path.is_symlink():
            if file_digest(path.read_bytes()) != digest:
                edited.append(rel)
    return edited
