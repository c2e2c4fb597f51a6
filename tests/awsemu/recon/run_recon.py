"""Run the recon playbooks in order against one fresh moto server, each twice; print timings and idempotence.

    .venv/bin/python -m tests.awsemu.recon.run_recon [-v] [--endpoint=URL] [PLAYBOOK_GLOB ...]

Not a test (the recon results are written up in tests/awsemu/RECON.md); kept to re-run the recon after upgrades.
"""

from __future__ import annotations

import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from tests.awsemu.ansible import run_playbook
from tests.awsemu.moto import aws_env, boto3_client, start_moto

HERE = Path(__file__).parent


def prepare(env: dict[str, str]) -> None:
    """What the recon playbooks expect to exist already (no Ansible module can request an ACM certificate)."""
    acm = boto3_client("acm", env)
    if not acm.list_certificates()["CertificateSummaryList"]:
        acm.request_certificate(DomainName="xkit.example.com", SubjectAlternativeNames=["*.xkit.example.com"])


def main(argv: list[str]) -> int:
    flags = {a for a in argv if a.startswith("-")}
    patterns = [a for a in argv if not a.startswith("-")]
    playbooks = sorted(p for p in HERE.glob("[0-9]*.yml"))
    if patterns:
        playbooks = [p for p in playbooks if any(p.match(pat) for pat in patterns)]
    bad = 0
    endpoint = next((a.split("=", 1)[1] for a in flags if a.startswith("--endpoint=")), None)
    with tempfile.TemporaryDirectory(prefix="recon-") as tmp, ExitStack() as stack:
        if endpoint is None:  # a fresh server; --endpoint=URL reuses a running one (and its state)
            endpoint = stack.enter_context(start_moto(log_dir=Path(tmp))).endpoint
        env = aws_env(endpoint)
        prepare(env)
        for playbook in playbooks:
            runs = []
            for attempt in (1, 2):
                result = run_playbook(playbook, env=env, cwd=HERE, tmp_dir=Path(tmp) / f"{playbook.stem}-{attempt}")
                runs.append(result)
                if not result.succeeded:
                    break
            line = " | ".join(
                f"run{i + 1}: rc={r.rc} changed={r.changed} failed={r.failed} {r.duration:.1f}s"
                for i, r in enumerate(runs)
            )
            print(f"{playbook.name}: {line}")
            for i, r in enumerate(runs):
                slow = [f"{t.task} {t.duration:.1f}s" for t in r.tasks if t.duration >= 2]
                if slow:
                    print(f"    run{i + 1} slow tasks: " + "; ".join(slow))
            last = runs[-1]
            if len(runs) == 2 and "-v" in flags:
                for t in last.changed_tasks:
                    print(f"    run2 changed {t.task}: {json.dumps(dict(t.result), default=str)[:3000]}")
            if not last.succeeded or (len(runs) == 2 and last.changed):
                bad += 1
                print("    " + last.summary().replace("\n", "\n    "))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
