"""Model validation whose errors point at the YAML: pydantic errors -> Diagnostics.

`explain(error, model, document)` places one pydantic error of validating data with `model` (an
item of `ValidationError.errors()`) on the right node of the file:

* an unknown field at its KEY, with a did-you-mean over the model's fields;
* a wrong value at its VALUE ("expected an integer, found a string"), with a did-you-mean for
  enumerations and an example for patterns;
* a missing field at the KEY of the mapping that lacks it;
* a bad name (a mapping key such as an environment or component name) at the key;
* a discriminator problem (missing or unknown `type`) at `type` or at the mapping's key.

Data paths follow the data, not pydantic's `loc`: discriminated-union tags (`'ec2'`) are dropped.
When the data was assembled from several places of the file (overrides merged over a
component), `origin` maps a data path to the path in the document it came from.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from envspec.core.errors import Diagnostic, did_you_mean
from envspec.core.model.common import PATTERN_RULES
from envspec.core.source import DataPath, Document, format_path

Origin = Callable[[DataPath], DataPath]

# Known AWS regions: only used to suggest a spelling, never to reject a region.
REGIONS = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
    "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
    "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
    "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
)

_NAME_RULES = PATTERN_RULES
_EXAMPLE = re.compile(r"for example `([^`]+)`")


class Explained(NamedTuple):
    """One pydantic error, placed: the diagnostic, the data path it concerns (union tags
    dropped) and pydantic's error type (`missing`, `value_error`, ...)."""

    diagnostic: Diagnostic
    path: DataPath
    kind: str


def explain(error: ErrorDetails, model: type[BaseModel], document: Document, *, origin: Origin | None = None,
            suggest: bool = True) -> Explained:
    """Place one pydantic error (an item of `ValidationError.errors()`) on the YAML."""
    target = _Target(model, error["loc"])
    diagnostic = _diagnostic(error, target, document, origin or (lambda path: path), suggest)
    return Explained(diagnostic, target.path, error["type"])


# ---- one error ---------------------------------------------------------------------------------


class _Target:
    """Where a pydantic `loc` lands: the data path, the type expected there, whether the error
    concerns a mapping key, and the enclosing model (for field names)."""

    def __init__(self, model: type[BaseModel], loc: Sequence[str | int]) -> None:
        self.path: DataPath = ()
        self.type: Any = model
        self.parent: Any = None  # the type that holds the last step (model for field errors)
        self.key = False
        for segment in loc:
            if segment == "[key]":
                self.key = True
                self.type = _dict_key_type(self.parent)
                continue
            chosen = [m for m in _union_models(self.type) if _tag(m) == segment]
            if chosen:  # a discriminated-union tag: not a step in the data
                self.type = chosen[0]
                continue
            self.parent = _unwrap(self.type)
            self.type = _step(self.parent, segment)
            self.path = (*self.path, segment)


@dataclass(frozen=True)
class _Place:
    """Puts a diagnostic on the document: at the key of a data path, or at its value (a whole
    mapping or list at its key); `origin` maps the data path to the document's."""

    document: Document
    origin: Origin

    def at_key(self, path: DataPath, message: str, hint: str | None = None) -> Diagnostic:
        doc_path = self.origin(path)
        pos = self.document.key_position(doc_path)
        return Diagnostic(self.document.path, pos.line, pos.col, format_path(doc_path), message, hint)

    def at_value(self, path: DataPath, message: str, hint: str | None = None) -> Diagnostic:
        doc_path = self.origin(path)
        span = self.document.span(doc_path)
        if span is not None and not span.scalar:  # a whole mapping or list: point at its key
            return self.at_key(path, message, hint)
        pos = self.document.value_position(doc_path)
        return Diagnostic(self.document.path, pos.line, pos.col, format_path(doc_path), message, hint)


def _diagnostic(err: Any, target: _Target, document: Document, origin: Origin, suggest: bool = True) -> Diagnostic:
    """The diagnostic of one pydantic error: what is wrong, said for a spec's author, and where."""
    place = _Place(document, origin)
    kind: str = err["type"]
    if kind in ("missing", "extra_forbidden"):
        return _field_problem(err, target, place, suggest)
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return _type_problem(err, target, place)
    if target.key:
        return place.at_key(target.path, _key_message(kind, err.get("ctx") or {}, err.get("input"), err["msg"]))
    if kind in ("value_error", "assertion_error"):
        return _validator_problem(err, target, place)
    if kind in ("too_short", "string_too_short", "too_long", "string_too_long"):
        return place.at_value(target.path, _length_message(kind, err.get("ctx") or {}, target.path))
    return _value_problem(err, target, place)


def _field_problem(err: Any, target: _Target, place: _Place, suggest: bool) -> Diagnostic:
    """A required field missing, or a field the model does not have."""
    path = target.path
    if err["type"] == "missing":
        field = path[-1]
        return place.at_key(path[:-1], f"missing required field '{field}'", _example_hint(target.parent, field))
    fields = _field_names(target.parent)
    if path[-1] == "value" and getattr(_unwrap(target.parent), "__name__", "") == "Secret":
        return place.at_key(path, "a secret's value never goes in a spec: set it in AWS (Secrets Manager or SSM "
                            "Parameter Store) after the first deploy; envspec creates the container only")
    return place.at_key(path, "unknown field", did_you_mean(str(path[-1]), fields) if fields and suggest else None)


def _type_problem(err: Any, target: _Target, place: _Place) -> Diagnostic:
    """A component's `type` (the discriminator of a union of models) missing or unknown."""
    path, tags = target.path, _tags(target.type)
    if err["type"] == "union_tag_not_found":
        return place.at_key(path, "missing required field 'type'", f"one of {_or(tags)}" if tags else None)
    value = err.get("input")
    written = value.get("type") if isinstance(value, dict) else (err.get("ctx") or {}).get("tag")
    if not isinstance(written, str):
        return place.at_value((*path, "type"), f"expected {_or(tags)}, found {_found(written, None)}")
    return place.at_value((*path, "type"), f"unknown type '{written}': expected {_or(tags)}", did_you_mean(written, tags))


def _validator_problem(err: Any, target: _Target, place: _Place) -> Diagnostic:
    """A model's own check failed; its error may point further in (`loc`) or at a key (`key`)."""
    exc = (err.get("ctx") or {}).get("error")
    message = str(exc) if exc is not None else _strip_prefix(err["msg"])
    path = (*target.path, *tuple(getattr(exc, "loc", ())))
    hint = getattr(exc, "hint", None)
    return place.at_key(path, message, hint) if getattr(exc, "key", False) else place.at_value(path, message, hint)


def _length_message(kind: str, ctx: dict[str, Any], path: DataPath) -> str:
    if kind in ("too_short", "string_too_short"):
        if path == ("environments",):
            return "at least one environment is required"
        limit = ctx.get("min_length", 1)
        unit = "character" if kind == "string_too_short" else "item"
        return f"must have at least {limit} {unit}{'s' if limit != 1 else ''}"
    limit = ctx.get("max_length")
    if path == ("tags",):
        return f"too many tags: at most {limit} (AWS allows 50 on a resource, and envspec adds its four envspec: tags and the Name)"
    unit = "characters" if kind == "string_too_long" else "items"
    return f"too long: at most {limit} {unit}"


def _value_problem(err: Any, target: _Target, place: _Place) -> Diagnostic:
    """A value of the wrong type, outside its bounds, not one of the options or not of its pattern."""
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    path, value = target.path, err.get("input")
    if kind == "literal_error":
        options = _literal_options(target.type)
        hint = did_you_mean(value, [str(o) for o in options]) if isinstance(value, str) else None
        if isinstance(value, str) and value in {str(o) for o in options if not isinstance(o, str)}:
            hint = f"write it without quotes: {value} is a number here, and {_show(value)} is text"
        return place.at_value(path, f"invalid value {_show(value)}: expected {ctx.get('expected', _or(options))}", hint)
    if kind == "string_pattern_mismatch":
        return place.at_value(path, *_pattern_message(value, ctx.get("pattern", ""), target, path))
    expected = _EXPECTED.get(kind)
    if expected:
        hint = None
        if kind == "string_type" and value is not None and not isinstance(value, (dict, list)):
            raw = _raw(place.document, place.origin(path), value)
            hint = f'quote it: "{raw}"' if len(raw) <= 60 else "quote it"
        found = _found(value, place.document.span(place.origin(path)))
        return place.at_value(path, f"expected {expected}, found {found}", hint)
    if kind in _BOUNDS:
        return place.at_value(path, _BOUNDS[kind].format(**ctx) + f", found {_show(value)}")
    return place.at_value(path, _strip_prefix(err["msg"]))


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "none_required": "null",
}
_BOUNDS = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
}


def _key_message(kind: str, ctx: dict[str, Any], value: Any, default: str) -> str:
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        rule = _NAME_RULES.get(pattern, f"must match {pattern}")
        return f"invalid name {_show(value)}: {rule}"
    if kind == "string_too_long":
        return f"invalid name {_show(value)}: at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "invalid name: must not be empty"
    return _strip_prefix(default)


def _pattern_message(value: Any, pattern: str, target: _Target, path: DataPath) -> tuple[str, str | None]:
    field = str(path[-1]) if path else ""
    if field == "region" and isinstance(value, str):
        hint = did_you_mean(value, REGIONS) or "for example us-west-2"
        return f"invalid AWS region {_show(value)}", hint
    if field == "account_id":
        return f"invalid AWS account id {_show(value)}: expected 12 digits", None
    rule = _NAME_RULES.get(pattern)
    if rule:
        return f"invalid value {_show(value)}: {rule}", _example_hint(target.parent, field)
    return f"invalid value {_show(value)}: must match {pattern}", _example_hint(target.parent, field)


def _example_hint(model: Any, field: Any) -> str | None:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    info = model.model_fields.get(str(field))
    if info is None:
        return None
    extra = info.json_schema_extra
    if isinstance(extra, dict) and extra.get("examples"):
        example = extra["examples"][0]  # type: ignore[index]
        if isinstance(example, str):
            return f"for example {example}"
    found = _EXAMPLE.search(info.description or "")
    return f"for example {found.group(1)}" if found else None


def _raw(document: Document, path: DataPath, value: Any) -> str:
    span = document.span(path)
    if span is not None and span.raw is not None and span.style is None:
        return span.raw
    return str(value).lower() if isinstance(value, bool) else _show(value) if isinstance(value, int) else str(value)


def _found(value: Any, span: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({_compact(value)})"
    if isinstance(value, float):
        raw = span.raw if span is not None and span.raw is not None and span.style is None else value
        return f"a number ({raw})"
    if isinstance(value, str):
        return f"a string ({_show(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _compact(number: int) -> str:
    """An integer as a message shows it: in full up to 20 digits, else its size (a 4,400-digit
    integer cannot even be turned into text by Python, and 301 digits help nobody)."""
    if abs(number) < 10**20:
        return str(number)
    import math

    return f"{'-' if number < 0 else ''}about 1e{int(math.log10(abs(number)))}"


def _show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return _compact(value)
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value) if value is not None else "null"


def _or(options: Iterable[Any]) -> str:
    shown = [repr(o) if isinstance(o, str) else str(o) for o in options]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _strip_prefix(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


# ---- walking the model's types -----------------------------------------------------------------


def _unwrap(tp: Any) -> Any:
    """Strip Annotated[...] and Optional[...] (a union with None and one other member)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _union_models(tp: Any) -> list[type[BaseModel]]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
    return []


def _tag(model: type[BaseModel]) -> Any:
    info = model.model_fields.get("type")
    if info is None:
        return None
    args = typing.get_args(_unwrap(info.annotation))
    return args[0] if args else None


def _tags(tp: Any) -> list[str]:
    return [str(_tag(m)) for m in _union_models(tp) if _tag(m) is not None]


def _step(tp: Any, segment: str | int) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        info = tp.model_fields.get(str(segment))
        return info.annotation if info is not None else None
    origin = typing.get_origin(tp)
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin is list:
        return typing.get_args(tp)[0]
    return None


def _dict_key_type(tp: Any) -> Any:
    tp = _unwrap(tp)
    if typing.get_origin(tp) is dict:
        return typing.get_args(tp)[0]
    return None


def _field_names(tp: Any) -> list[str]:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _literal_options(tp: Any) -> tuple[Any, ...]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) is typing.Literal:
        return typing.get_args(tp)
    return ()
