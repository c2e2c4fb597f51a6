"""Shared building blocks of the spec model: names, owners, overrides."""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from envspec.core.ir import Owner  # one definition: the IR's

COMPONENT_NAME = r"^[a-z][a-z0-9-]{0,30}$"
ENV_NAME = r"^[a-z][a-z0-9-]{0,15}$"
ENV_VAR_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
# AWS Lambda's own rule for variable names (API `Environment.Variables`, key pattern
# `[a-zA-Z]([a-zA-Z0-9_])+`): a letter first, at least two characters.
LAMBDA_ENV_VAR_NAME = r"^[A-Za-z][A-Za-z0-9_]{1,127}$"
APP_NAME = r"^[a-z][a-z0-9-]{1,20}$"
# One line, no control character: a value that lands in a line-based file (a systemd unit).
ONE_LINE = r"^[^\x00-\x1f\x7f]+$"
# AWS tag characters (the rule shared by every service that takes tags): letters, digits, spaces
# and `_ . : / = + - @`; keys 1..128 characters, values 0..256.
TAG_CHARS = r"[\w .:/=+\-@]"
TAG_KEY = rf"^{TAG_CHARS}+$"
TAG_VALUE = rf"^{TAG_CHARS}*$"

# Secret names may also use `_` (the contract's own example has `secret_key_base`); Secrets Manager
# and SSM accept it, and other sections keep the stricter rule because their names reach DNS-like
# AWS names (buckets, load balancer target groups).
SECRET_NAME = r"^[a-z][a-z0-9_-]{0,30}$"
ComponentName = Annotated[str, Field(pattern=COMPONENT_NAME)]
SecretName = Annotated[str, Field(pattern=SECRET_NAME)]
EnvName = Annotated[str, Field(pattern=ENV_NAME)]
EnvVarName = Annotated[str, Field(pattern=ENV_VAR_NAME)]
SpecString = Annotated[str, Field(max_length=4096)]

# A pattern's rule in words, for error messages (an error never shows a raw regular expression
# when the rule has a name here).
PATTERN_RULES = {
    COMPONENT_NAME: "lowercase letters, digits and '-', starting with a letter, at most 31 characters",
    SECRET_NAME: "lowercase letters, digits, '-' and '_', starting with a letter, at most 31 characters",
    ENV_NAME: "lowercase letters, digits and '-', starting with a letter, at most 16 characters",
    ENV_VAR_NAME: "letters, digits and '_', not starting with a digit",
    LAMBDA_ENV_VAR_NAME: "AWS Lambda takes letters, digits and '_', starting with a letter, at least 2 characters",
    APP_NAME: "an app name is 2 to 21 lowercase letters, digits and '-', starting with a letter, "
    "because it prefixes every AWS name",
    ONE_LINE: "must be one line without control characters",
    TAG_KEY: "AWS tag keys take letters, digits, spaces and _ . : / = + - @",
    TAG_VALUE: "AWS tag values take letters, digits, spaces and _ . : / = + - @",
}

OWNER_DESCRIPTION = (
    "Which tool provisions this component: `ansible` or `terraform`. Defaults to the spec's "
    "top-level `owner`. Exactly one backend manages a component in an environment; the other only "
    "reads it. Changing it moves the component without recreating anything (Terraform adopts it "
    "with `import` blocks; moving back uses `removed` blocks that keep the resources)."
)
OVERRIDES_DESCRIPTION = (
    "Per-environment changes: `{ENV: {field: value}}`. The mapping is deep-merged over this "
    "component for that environment and the result is validated as a whole. `owner` may be "
    "overridden too, so staging can be migrated before production. Every ENV must be declared "
    "under `environments`."
)

ENV_DESCRIPTION = (
    "Environment variables. Values are strings and may contain references such as "
    "`${databases.main.url}`, `${buckets.uploads.name}`, `${secrets.NAME}` or `${env.region}`; "
    "`$${` writes a literal `${`. A reference is also a permission: the service may reach a "
    "referenced database's port, read and write a referenced bucket, and read a referenced secret. "
    "A secret reference in an ec2 service is replaced at deploy time by the secret's value, written "
    "only to the host's environment file (mode 0600); in lambda and beanstalk services the variable "
    "receives the secret's ARN, and the code reads the value at run time. A database's "
    "`${databases.X.password}` and `${databases.X.url_with_password}` (ec2 only) follow the same rule."
)


class FieldError(ValueError):
    """A rule broken by one field, raised from a model-level validator.

    `loc` is relative to the model whose validator raises it (for example `("max_instances",)`);
    with `key=True` the problem is a mapping key rather than its value. Error reporting uses them
    to point at the right line; `hint` is what to change (a did-you-mean). Otherwise it behaves exactly
    like a ValueError.
    """

    def __init__(self, message: str, *loc: str | int, key: bool = False, hint: str | None = None) -> None:
        super().__init__(message)
        self.loc = loc
        self.key = key
        self.hint = hint


@functools.cache
def _integer_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields of `model` that take an integer (`int`, `int | None`, `Literal[1]`)."""
    names = set()
    for name, info in model.model_fields.items():
        options = typing.get_args(info.annotation) if typing.get_origin(info.annotation) in (typing.Union, types.UnionType) else (info.annotation,)
        for option in options:
            if option is int or (typing.get_origin(option) is Literal and all(type(a) is int for a in typing.get_args(option))):
                names.add(name)
    return frozenset(names)


class SpecModel(BaseModel):
    """Base of every spec model: unknown keys are errors, values are immutable."""

    # strict: a value has the type the JSON Schema says (no `"3000"` for 3000, no `"yes"` or 1 for
    # true), so the command line accepts exactly what an editor with the schema accepts.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        """`3000.0` is the integer 3000, as for JSON Schema (and an editor): a whole-number float
        given to an integer field (or to `envspec: 1`) is taken as that integer, nothing else is."""
        if not isinstance(data, dict):
            return data
        changed = None
        for name, value in data.items():
            if type(value) is float and value.is_integer() and name in _integer_fields(cls):
                changed = changed if changed is not None else dict(data)
                changed[name] = int(value)
        return changed if changed is not None else data


class Component(SpecModel):
    """Fields every component kind has."""

    owner: Owner | None = Field(default=None, description=OWNER_DESCRIPTION)
    overrides: dict[EnvName, dict[str, Any]] = Field(
        default_factory=dict,
        description=OVERRIDES_DESCRIPTION,
        json_schema_extra={"examples": [{"production": {"instance_class": "db.r6g.large"}}]},
    )
