"""The editor sees what the command line sees: yaml-language-server, driven over LSP, with our schema.

The server is the one VS Code's YAML extension, Neovim, Helix and Zed run. It comes from npm, pinned
by tests/editor/package.json and package-lock.json, and is installed (`npm ci`, tests/node_tools.py)
into .cache/editor/ the first time this test runs; without npm the test fails saying so.
A spec written the way the README says (modeline `$schema=../schemas/envspec.schema.json`, the
schema beside `specs/`) is opened over stdio JSON-RPC, and the test checks that:

* a typo inside `overrides` (`cuont: 4`, `nat_gateway: per-az`) gets a diagnostic on its line;
* completion inside `overrides.production` of an ec2 service offers that kind's fields;
* hover text is the field's description as Markdown: no escaped backticks, no "X || X" titles.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from envspec.core.schema import render
from tests.node_tools import installed, node


pytestmark = pytest.mark.slow

SPEC = """\
# yaml-language-server: $schema=../schemas/envspec.schema.json
envspec: 1
app: shop
environments:
  staging: {region: eu-west-1, account_id: "111111111111"}
  production: {region: eu-west-1, account_id: "222222222222"}
network:
  cidr: 10.30.0.0/16
  overrides:
    production:
      nat_gateway: per-az
services:
  web:
    type: ec2
    ami: ami-0123456789abcdef0
    instance_type: t3.small
    overrides:
      production:
        cuont: 4
        inst
  nightly:
    type: lambda
    runtime: nodejs20.x
    handler: index.handler
    code: s3://shop-artifacts/nightly.zip
    schedule: rate(1 day)
"""
NAT_LINE = 10  # 0-based line of `nat_gateway: per-az`
CUONT_LINE = 18  # `cuont: 4`
INST_LINE = 19  # `inst`, being typed
SCHEDULE_LINE = 25


def _server() -> list[str]:
    folder = installed("editor")
    return [node(), str(folder / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"), "--stdio"]


class Client:
    """A minimal LSP client over stdio: requests, notifications, and answers to the server's requests."""

    def __init__(self, command: list[str], log: Path) -> None:
        self.log = log
        with open(log, "wb") as stderr:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        message = self.wait(lambda m: m.get("id") == wanted and "method" not in m, timeout)
        assert "error" not in message, message
        return message.get("result")

    def wait(self, match: Any, timeout: float = 60) -> dict[str, Any]:
        """The next message that matches; the server's own requests are answered meanwhile."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"yaml-language-server did not answer in {timeout:.0f} s; its stderr:\n{self.stderr()}")
            try:
                message = self.messages.get(timeout=min(left, 1))
            except queue.Empty:
                if self.process.poll() is not None and self.messages.empty():
                    pytest.fail(f"yaml-language-server exited ({self.process.returncode}); its stderr:\n{self.stderr()}")
                continue
            if "method" in message and "id" in message:  # a request from the server
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [SETTINGS["yaml"] if item.get("section") == "yaml" else None
                              for item in message["params"]["items"]]
                self.send({"id": message["id"], "result": result})
                continue
            if match(message):
                return message

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - the test is over; make sure the server goes
            self.process.kill()


SETTINGS = {"yaml": {"validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}}


@pytest.fixture(scope="module")
def editor(tmp_path_factory: pytest.TempPathFactory) -> Any:
    command = _server()
    root = tmp_path_factory.mktemp("project")
    (root / "schemas").mkdir()
    (root / "schemas" / "envspec.schema.json").write_text(render(), encoding="utf-8")
    (root / "specs").mkdir()
    spec = root / "specs" / "shop.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    client = Client(command, root / "yaml-language-server.log")
    uri = spec.as_uri()
    try:
        client.request("initialize", timeout=180, params={
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "capabilities": {
                "textDocument": {
                    "hover": {"contentFormat": ["markdown", "plaintext"]},
                    "completion": {"completionItem": {"snippetSupport": False}},
                    "publishDiagnostics": {},
                },
                "workspace": {"configuration": True},
            },
        })
        client.notify("initialized", {})
        client.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})
        client.notify("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": SPEC},
        })
        yield client, uri
    finally:
        client.close()


def test_a_typo_inside_overrides_is_reported_on_its_line(editor: Any) -> None:
    client, uri = editor
    diagnostics: list[dict[str, Any]] = []
    while not ({d["range"]["start"]["line"] for d in diagnostics} >= {CUONT_LINE, NAT_LINE}):
        message = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                              and m["params"]["uri"] == uri and m["params"]["diagnostics"])
        diagnostics = message["params"]["diagnostics"]
    by_line = {d["range"]["start"]["line"]: d["message"] for d in diagnostics}
    assert "cuont" in by_line[CUONT_LINE], by_line
    assert "per_az" in by_line[NAT_LINE] or "per-az" in by_line[NAT_LINE], by_line
    assert SCHEDULE_LINE not in by_line  # `rate(1 day)` is valid


def test_completion_inside_overrides_offers_the_kinds_fields(editor: Any) -> None:
    client, uri = editor
    result = client.request("textDocument/completion", {
        "textDocument": {"uri": uri}, "position": {"line": INST_LINE, "character": len("        inst")},
    })
    items = result["items"] if isinstance(result, dict) else result
    labels = {item["label"] for item in items}
    assert {"instance_type", "count", "public", "domain"} <= labels, sorted(labels)
    assert "type" not in labels and "overrides" not in labels  # neither can be overridden


def test_hover_reads_well(editor: Any) -> None:
    client, uri = editor
    result = client.request("textDocument/hover", {
        "textDocument": {"uri": uri}, "position": {"line": SCHEDULE_LINE, "character": 6},
    })
    text = result["contents"]["value"] if isinstance(result["contents"], dict) else str(result["contents"])
    assert text.startswith("#### schedule"), text  # headed by the field, not by the whole spec's title
    assert "`rate(1 minute)`" in text, text
    assert "\\`" not in text and "||" not in text, text
