"""The AWS provider's schema, recovered offline from the jsii assembly that ships inside the
``cdktf-cdktf-provider-aws`` wheel, in the shape of ``terraform providers schema -json``.

cdktf generates one class per resource / data source, one struct per block, with the
Terraform name of every argument in a registry link in its docs (``...#bucket_prefix S3Bucket#...``).
Read as a schema:

* a struct property whose summary is ``"<name> block."`` is a nested block (a single struct is a
  block with ``max_items = 1``; a required one has ``min_items = 1``);
* other properties are arguments: required unless ``optional``, optional ones are treated as
  optional + computed (the assembly cannot tell the two apart);
* getters on the resource class (and on each block's ``...OutputReference``) that have no
  matching argument are computed-only attributes (``arn``, ``tags_all``...);
* resources whose config has an optional ``id`` are SDKv2 resources; a struct-typed argument of
  theirs is an "attribute as blocks" list of objects. In plugin-framework resources it is a
  nested attribute (``nested_type``).

Known approximations: sets are lists, nothing is sensitive or deprecated, and five blocks that
cdktf truncated to ``any`` (``aws_wafv2_*`` ``rule.statement``, ``aws_quicksight_*``
``definition``) are dynamic attributes, so block syntax for them fails validation here.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import tarfile
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.tfcheck.cache import cache_root, locked, write_atomic

ASSEMBLY_PACKAGE = "cdktf_cdktf_provider_aws"
DISTRIBUTION = "cdktf-cdktf-provider-aws"
PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"

Json = dict[str, Any]
CtyType = str | list[Any]

_ARG_LINK = re.compile(r"\{@link https://registry\.terraform\.io/providers/\S+#([A-Za-z0-9_]+) ")
_TYPE_LINK = re.compile(r"/providers/hashicorp/aws/([0-9][^/]*)/docs/(?:resources|data-sources)/\S+ (aws_[a-z0-9_]+)\}")
_RESOLVABLE = "cdktf.IResolvable"
_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "date": "string", "any": "dynamic", "json": "dynamic"}
_CDKTF_TYPES: dict[str, CtyType] = {
    "cdktf.IResolvable": "bool",  # a getter typed IResolvable is a computed boolean
    "cdktf.StringMap": ["map", "string"],
    "cdktf.NumberMap": ["map", "number"],
    "cdktf.BooleanMap": ["map", "bool"],
    "cdktf.AnyMap": ["map", "dynamic"],
    "cdktf.StringMapList": ["list", ["map", "string"]],
    "cdktf.NumberMapList": ["list", ["map", "number"]],
    "cdktf.BooleanMapList": ["list", ["map", "bool"]],
    "cdktf.AnyMapList": ["list", ["map", "dynamic"]],
    "cdktf.BooleanList": ["list", "bool"],
    "cdktf.StringListList": ["list", ["list", "string"]],
    "cdktf.NumberListList": ["list", ["list", "number"]],
}
_MAX_DEPTH = 12


@dataclass(frozen=True)
class ProviderSchema:
    """A converted schema in the cache and what it was made from."""

    path: Path  # JSON in the `terraform providers schema -json` shape
    source: str  # "registry.terraform.io/hashicorp/aws"
    provider_version: str  # "6.25.0" for package 21.22.1
    package_version: str  # version of cdktf-cdktf-provider-aws
    resources: int
    data_sources: int
    convert_seconds: float  # how long the conversion took when the cache entry was made
    size_bytes: int

    def load(self) -> Json:
        """The whole document: ``{"format_version", "provider_schemas": {source: {...}}}``."""
        return _load_json(self.path)

    def provider(self) -> Json:
        """The provider's entry: ``{"provider", "resource_schemas", "data_source_schemas"}``."""
        return self.load()["provider_schemas"][self.source]


@lru_cache(maxsize=4)
def _load_json(path: Path) -> Json:
    return json.loads(path.read_bytes())


def find_assembly() -> Path:
    """The ``.jsii`` file (or the ``*.jsii.tgz`` holding it) of the installed package, without importing it."""
    spec = importlib.util.find_spec(ASSEMBLY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{DISTRIBUTION} is not installed (it is in the `test` extra of pyproject.toml)")
    package = Path(next(iter(spec.submodule_search_locations)))
    found = sorted((package / "_jsii").glob("*.jsii.tgz")) or sorted(package.rglob(".jsii"))
    if not found:
        raise FileNotFoundError(f"no .jsii assembly under {package}")
    return found[0]


def read_assembly(path: Path) -> tuple[Json, Json]:
    """The assembly and the npm ``package.json`` next to it (``{}`` when absent)."""
    if path.name.endswith(".tgz"):
        with tarfile.open(path, "r:gz") as tar:
            names = {m.name: m for m in tar.getmembers() if m.name in ("package/.jsii", "package/package.json")}

            def read(name: str) -> bytes:
                member = tar.extractfile(names[name]) if name in names else None
                return member.read() if member else b""

            assembly, package_json = read("package/.jsii"), read("package/package.json")
            assembly_json = json.loads(assembly)
            redirect = assembly_json.get("filename") if assembly_json.get("schema") == "jsii/file-redirect" else None
            if redirect:  # large assemblies may be stored gzipped next to a small redirect file
                assembly_json = json.loads(gzip.decompress(read(f"package/{redirect}")))
    else:
        assembly_json = json.loads(path.read_bytes())
        if assembly_json.get("schema") == "jsii/file-redirect":
            assembly_json = json.loads(gzip.decompress((path.parent / assembly_json["filename"]).read_bytes()))
        package_file = path.parent / "package.json"
        package_json = package_file.read_bytes() if package_file.exists() else b""
    return assembly_json, (json.loads(package_json) if package_json else {})


def provider_version(assembly: Json, package_json: Json) -> str:
    """The Terraform provider version the bindings were generated from (``cdktf.provider.version``)."""
    version = package_json.get("cdktf", {}).get("provider", {}).get("version")
    if version:
        return str(version)
    for t in assembly["types"].values():  # fall back to the registry links in the docs
        match = _TYPE_LINK.search(t.get("docs", {}).get("summary", ""))
        if match:
            return match.group(1)
    raise ValueError("cannot tell which provider version the assembly was generated from")


def convert(assembly: Json) -> Json:
    """The provider entry (``provider``, ``resource_schemas``, ``data_source_schemas``) of a schema."""
    return _Converter(assembly["types"]).provider_schema()


def ensure_schema() -> ProviderSchema:
    """Convert once per package version (and version of this file) and cache; safe under xdist."""
    package_version = importlib.metadata.version(DISTRIBUTION)
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    folder = cache_root() / "schema" / f"{DISTRIBUTION}-{package_version}-{digest}"
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        with locked("schema"):
            if not meta_path.exists():
                _build(folder, package_version)
    meta = json.loads(meta_path.read_text())
    return ProviderSchema(path=folder / "schema.json", **meta)


def _build(folder: Path, package_version: str) -> None:
    started = time.perf_counter()
    assembly, package_json = read_assembly(find_assembly())
    version = provider_version(assembly, package_json)
    entry = convert(assembly)
    del assembly
    document = {"format_version": "1.0", "provider_schemas": {PROVIDER_SOURCE: entry}}
    data = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    write_atomic(folder / "schema.json", data)
    meta = ProviderSchema(
        path=folder / "schema.json",
        source=PROVIDER_SOURCE,
        provider_version=version,
        package_version=package_version,
        resources=len(entry["resource_schemas"]),
        data_sources=len(entry["data_source_schemas"]),
        convert_seconds=round(time.perf_counter() - started, 2),
        size_bytes=len(data),
    )
    fields = {k: v for k, v in asdict(meta).items() if k != "path"}
    write_atomic(folder / "meta.json", json.dumps(fields, indent=2) + "\n")  # written last: marks the entry complete


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _strip(t: Json) -> Json | None:
    """Drop ``IResolvable`` from unions (cdktf's "or a token"); None when a real union remains."""
    if "union" in t:
        types = [x for x in t["union"]["types"] if x.get("fqn") != _RESOLVABLE]
        return _strip(types[0]) if len(types) == 1 else None
    return t


def _anchor(prop: Json) -> str | None:
    docs = prop.get("docs", {})
    for text in (docs.get("summary", ""), docs.get("remarks", "")):
        match = _ARG_LINK.search(text)
        if match:
            return match.group(1)
    return None


class _Converter:
    def __init__(self, types: dict[str, Json]) -> None:
        self.types = types
        self.renames = self._renames()

    def _renames(self) -> dict[str, str]:
        """camelCase -> Terraform name where cdktf's naming is not plain snake_case (``address1``,
        ``fetchUserData``, ``selfAttribute``), learnt from the arguments; used for getters, which have no link."""
        seen: dict[str, set[str]] = {}
        for t in self.types.values():
            for prop in t.get("properties", []) if t.get("datatype") else []:
                anchor = _anchor(prop)
                if anchor and anchor != _snake(prop["name"]):
                    seen.setdefault(prop["name"], set()).add(anchor)
        return {camel: names.pop() for camel, names in seen.items() if len(names) == 1}

    def provider_schema(self) -> Json:
        out: Json = {"provider": {}, "resource_schemas": {}, "data_source_schemas": {}}
        for t in self.types.values():
            base = t.get("base")
            if t.get("kind") != "class" or base not in (
                "cdktf.TerraformResource",
                "cdktf.TerraformDataSource",
                "cdktf.TerraformProvider",
            ):
                continue
            config = t["initializer"]["parameters"][-1]["type"]["fqn"]
            if base == "cdktf.TerraformProvider":
                block = self.block(config, None, framework=False)
                block["attributes"].pop("alias", None)  # a meta-argument, not part of the provider's schema
                out["provider"] = {"version": 0, "block": block}
                continue
            match = _TYPE_LINK.search(t.get("docs", {}).get("summary", ""))
            if not match:
                continue
            framework = not any(p["name"] == "id" for p in self.types[config].get("properties", []))
            kind = "resource_schemas" if base == "cdktf.TerraformResource" else "data_source_schemas"
            out[kind][match.group(2)] = {"version": 0, "block": self.block(config, t["fqn"], framework)}
        return out

    def _props(self, fqn: str) -> list[Json]:
        t = self.types.get(fqn, {})
        props = list(t.get("properties", []))
        for parent in t.get("interfaces", []):  # cdktf.TerraformMetaArguments is outside the assembly: skipped
            props += self._props(parent)
        return props

    def _struct(self, t: Json | None) -> str | None:
        if t and "fqn" in t and self.types.get(t["fqn"], {}).get("datatype"):
            return str(t["fqn"])
        return None

    def _nested(self, t: Json | None) -> tuple[str, str] | None:
        """("single" | "list" | "map", struct fqn) when ``t`` is a struct or a collection of structs."""
        if t is None:
            return None
        if fqn := self._struct(t):
            return "single", fqn
        collection = t.get("collection")
        if collection and (fqn := self._struct(_strip(collection["elementtype"]))):
            return ("list" if collection["kind"] == "array" else "map"), fqn
        return None

    def _members(self, struct: str, getters: str | None, framework: bool, depth: int, blocks_allowed: bool = True) -> Json:
        attrs: Json = {}
        blocks: Json = {}
        known: set[str] = set()
        for prop in self._props(struct):
            known.add(prop["name"])
            name = _anchor(prop) or self.renames.get(prop["name"], _snake(prop["name"]))
            t = _strip(prop["type"])
            flags = {"optional": True, "computed": True} if prop.get("optional") else {"required": True}
            nested = self._nested(t)
            is_block = prop.get("docs", {}).get("summary", "").endswith(" block.")
            if nested and depth < _MAX_DEPTH and is_block and blocks_allowed:
                mode, fqn = nested
                block: Json = {"nesting_mode": "list", "block": self.block(fqn, fqn + "OutputReference", framework, depth + 1)}
                if mode == "single":
                    block["max_items"] = 1
                if not prop.get("optional"):
                    block["min_items"] = 1
                blocks[name] = block
            elif nested and depth < _MAX_DEPTH and framework:
                mode, fqn = nested
                inner = self._members(fqn, fqn + "OutputReference", framework, depth + 1, blocks_allowed=False)
                attrs[name] = {"nested_type": {"attributes": inner["attributes"], "nesting_mode": mode}, **flags}
            else:
                attrs[name] = {"type": self._type(t, depth), **flags}
        for prop in self.types.get(getters, {}).get("properties", []) if getters else []:
            camel = prop["name"]
            if (
                prop.get("static")
                or camel == "internalValue"
                or camel in known
                or (camel.endswith("Input") and camel[:-5] in known)
            ):
                continue
            name = self.renames.get(camel, _snake(camel))
            if name not in attrs and name not in blocks:
                attrs[name] = {"type": self._getter_type(prop["type"], depth), "computed": True}
        return {"attributes": attrs, "block_types": blocks}

    def block(self, struct: str, getters: str | None, framework: bool, depth: int = 0) -> Json:
        return self._members(struct, getters, framework, depth)

    def _object(self, struct: str, depth: int) -> CtyType:
        if depth >= _MAX_DEPTH:
            return "dynamic"
        members = self._members(struct, struct + "OutputReference", False, depth + 1, blocks_allowed=False)
        return ["object", {name: a.get("type", "dynamic") for name, a in members["attributes"].items()}]

    def _type(self, t: Json | None, depth: int) -> CtyType:
        if t is None:
            return "dynamic"
        if "primitive" in t:
            return _PRIMITIVES.get(t["primitive"], "dynamic")
        if "collection" in t:
            kind = "list" if t["collection"]["kind"] == "array" else "map"
            return [kind, self._type(_strip(t["collection"]["elementtype"]), depth + 1)]
        if struct := self._struct(t):
            return self._object(struct, depth)
        return _CDKTF_TYPES.get(t.get("fqn", ""), "dynamic")

    def _getter_type(self, t: Json, depth: int) -> CtyType:
        stripped = _strip(t)
        fqn = t.get("fqn", "") if stripped is None else stripped.get("fqn", "")
        cls = self.types.get(fqn, {})
        base = cls.get("base")
        if base in ("cdktf.ComplexList", "cdktf.ComplexMap"):
            getter = next(m for m in cls.get("methods", []) if m["name"] == "get")
            ref = getter["returns"]["type"]["fqn"]
            return ["list" if base == "cdktf.ComplexList" else "map", self._object(ref.removesuffix("OutputReference"), depth)]
        if base == "cdktf.ComplexObject":
            return self._object(fqn.removesuffix("OutputReference"), depth)
        if fqn in _CDKTF_TYPES:
            return _CDKTF_TYPES[fqn]
        return self._type(stripped, depth)


if __name__ == "__main__":  # python -m tests.tfcheck.schema: build (or find) the cache entry and describe it
    print(json.dumps({k: str(v) for k, v in asdict(ensure_schema()).items()}, indent=2))
