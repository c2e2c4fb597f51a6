"""Values AWS accepts that the AWS SDK ships offline: EC2 instance types and Lambda runtimes.

botocore (the SDK of boto3 and the AWS CLI) carries every service's API model, and the models list
the values of their enumerations: the ec2 model's `InstanceType` (every instance type EC2 knows) and
the lambda model's `Runtime`. A spec's `instance_type` and `runtime` are checked against them instead
of a list kept by hand, so a new instance type is accepted as soon as botocore is upgraded.

The models are read only when a spec has such a field, and only as far as the enumeration: a model
is a gzip'd JSON file of several megabytes (the ec2 one 4.5 MB), and a cold `envspec validate` should
not wait for all of it. botocore itself is not imported (its import costs more than the read); its
data folder is found through the import system.

Lambda's model lists deprecated runtimes too (`nodejs`, `python2.7`, ...), which Lambda no longer
lets anyone create a function with: `DEPRECATED_RUNTIMES` is AWS's table of them, with the runtime
that replaces each.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import re
import zlib
from pathlib import Path

from envspec.core.errors import did_you_mean

# AWS's "Deprecated runtimes" table (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated):
# the runtimes past their deprecation date, each with the supported runtime of its language to move to.
# Not here yet (supported when this table was written, with deprecation dates announced in that table):
# nodejs20.x, python3.10 and later, ruby3.3 and later, java11 and later, dotnet8 and later, provided.al2
# and later. `nodejs20.x` is the runtime of the spec format's own example (docs/spec-format), so it stays
# accepted until the format's example moves on.
LATEST = {"nodejs": "nodejs22.x", "python": "python3.13", "java": "java21", "dotnet": "dotnet8", "ruby": "ruby3.4",
          "provided": "provided.al2023"}
DEPRECATED_RUNTIMES: dict[str, str] = {
    **{name: LATEST["nodejs"] for name in ("nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10",
                                           "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x")},
    **{name: LATEST["python"] for name in ("python2.7", "python3.6", "python3.7", "python3.8", "python3.9")},
    **{name: LATEST["dotnet"] for name in ("dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
                                           "dotnet6")},
    **{name: LATEST["ruby"] for name in ("ruby2.5", "ruby2.7", "ruby3.2")},
    "java8": LATEST["java"],
    "go1.x": LATEST["provided"],
    "provided": LATEST["provided"],
}


def instance_type_problem(value: str) -> tuple[str, str | None] | None:
    """What EC2 would say of an instance type (message, hint), None when it knows the type."""
    known = _enum("ec2", "InstanceType")
    if value in known:
        return None
    return f"unknown EC2 instance type {value!r}", did_you_mean(value, known) or "for example t3.small"


def runtime_problem(value: str) -> tuple[str, str | None] | None:
    """What Lambda would say of a runtime (message, hint), None when it takes it."""
    if value in DEPRECATED_RUNTIMES:
        return (f"Lambda runtime {value!r} is deprecated: AWS no longer creates functions with it",
                f"use {DEPRECATED_RUNTIMES[value]}")
    known = [runtime for runtime in _enum("lambda", "Runtime") if runtime not in DEPRECATED_RUNTIMES]
    if value in known:
        return None
    return f"unknown Lambda runtime {value!r}", did_you_mean(value, known) or f"one of {', '.join(sorted(known))}"


@functools.cache
def _enum(service: str, shape: str) -> tuple[str, ...]:
    """The values of an enumeration shape of a botocore service model (newest API version)."""
    model = _model_path(service)
    head = re.compile(rb'"' + re.escape(shape.encode()) + rb'":\s*\{\s*"type":\s*"string",\s*"enum":')
    text = _read_until(model, head)
    match = head.search(text)
    if match is None:  # the model's layout changed: read it whole
        values = json.loads(gzip.decompress(model.read_bytes()))["shapes"][shape]["enum"]
    else:
        start = text.index(b"{", match.start())
        values = json.JSONDecoder().raw_decode(text[start:].decode())[0]["enum"]
    return tuple(values)


def _model_path(service: str) -> Path:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed: envspec needs it (pip install 'botocore>=1.34')")
    data = Path(next(iter(spec.submodule_search_locations))) / "data" / service
    return max(data.iterdir()) / "service-2.json.gz"


def _read_until(path: Path, head: re.Pattern[bytes], chunk: int = 1 << 17) -> bytes:
    """The decompressed model up to past the enumeration `head` starts (all of it when none does)."""
    inflate = zlib.decompressobj(wbits=31)  # gzip
    text = bytearray()
    match = None
    with path.open("rb") as compressed:
        while block := compressed.read(chunk):
            scanned = len(text)
            text += inflate.decompress(block)
            if match is None:
                match = head.search(text, max(0, scanned - 200))
            if match is not None and (close := text.find(b"]", match.end())) >= 0 and text.find(b"}", close) >= 0:
                return bytes(text)
    return bytes(text + inflate.flush())
