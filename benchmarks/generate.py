"""Generate a valid spec with N components (every kind), for benchmarks and scale tests."""

from __future__ import annotations

import sys


def generate(n: int, app: str = "bench") -> str:
    """A spec with about `n` components: one network, then secrets, buckets, databases and services."""
    lines = [
        "envspec: 1",
        f"app: {app}",
        "owner: ansible",
        "tags:",
        "  cost-center: bench",
        "environments:",
        "  staging:",
        "    region: us-west-2",
        '    account_id: "111111111111"',
        "  production:",
        "    region: us-east-1",
        '    account_id: "222222222222"',
        "network:",
        "  cidr: 10.20.0.0/16",
        "  owner: terraform",
    ]
    rest = max(n - 1, 0)
    kinds = ["secret", "bucket", "database", "ec2", "lambda", "beanstalk"]
    counts = {k: rest // len(kinds) + (1 if i < rest % len(kinds) else 0) for i, k in enumerate(kinds)}
    lines.append("secrets:" if counts["secret"] else "secrets: {}")
    for i in range(counts["secret"]):
        lines += [f"  s{i}:", f"    description: secret {i}"]
    lines.append("buckets:" if counts["bucket"] else "buckets: {}")
    for i in range(counts["bucket"]):
        lines += [f"  b{i}:", "    versioning: true", "    overrides:", "      production:", "        expire_after_days: 90"]
    lines.append("databases:" if counts["database"] else "databases: {}")
    for i in range(counts["database"]):
        lines += [
            f"  d{i}:", "    engine: postgres", '    version: "16.4"', "    instance_class: db.t4g.medium",
            "    overrides:", "      production:", "        instance_class: db.r6g.large", "        multi_az: true",
        ]
    services = counts["ec2"] + counts["lambda"] + counts["beanstalk"]
    lines.append("services:" if services else "services: {}")
    for i in range(counts["ec2"]):
        env = [f"      DB: ${{databases.d{i % counts['database']}.url}}"] if counts["database"] else []
        env += [f"      SECRET: ${{secrets.s{i % counts['secret']}}}"] if counts["secret"] else []
        lines += [
            f"  e{i}:", "    type: ec2", "    ami: ami-0123456789abcdef0", "    instance_type: t3.small",
            "    count: 2", "    port: 4000", f"    public: {'true' if i == 0 else 'false'}",
        ]
        if env:
            lines += ["    env:"] + env
    for i in range(counts["lambda"]):
        lines += [
            f"  l{i}:", "    type: lambda", "    runtime: nodejs20.x", "    handler: index.handler",
            f"    code: s3://{app}-artifacts/l{i}.zip", "    schedule: rate(5 minutes)",
        ]
        if counts["bucket"]:
            lines += ["    env:", f"      BUCKET: ${{buckets.b{i % counts['bucket']}.name}}"]
    for i in range(counts["beanstalk"]):
        lines += [f"  w{i}:", "    type: beanstalk", '    platform: "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"']
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
