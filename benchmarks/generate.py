"""Generate a valid spec with N components (every kind), for benchmarks and scale tests.

The spec looks like a large real one, so that every stage has the work it would have there:

* owners are mixed (by default): the network and every other component belong to Terraform, the
  rest to Ansible, and every fifth Ansible component is being migrated (`owner: terraform` in
  staging only), so both backends render modules *and* look up what the other tool owns;
* services reference databases, secrets, buckets, caches, queues and each other (ec2 -> lambda
  `arn`, beanstalk -> a public ec2's `url`), so permissions, dependency order and the cycle check
  run; every third lambda takes a queue as its trigger;
* every tenth ec2 service is public (one listener rule each on the shared load balancer);
  every fourth lambda runs in the VPC and reaches a database.

`owner="terraform"` (or `"ansible"`) gives every component that one owner instead.
"""

from __future__ import annotations

import sys


KINDS = ("secret", "bucket", "database", "cache", "queue", "ec2", "lambda", "beanstalk")


def generate(n: int, app: str = "bench", owner: str | None = None, kinds: tuple[str, ...] = KINDS) -> str:
    """A spec with about `n` components: one network, then secrets, buckets, databases, caches, queues
    and services; `kinds` (a subset of KINDS) leaves the others out."""
    lines = [
        "envspec: 1",
        f"app: {app}",
        f"owner: {owner or 'ansible'}",
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
    ]
    if owner is None:
        lines.append("  owner: terraform")
    position = 0  # of a component among all of them (the network is 0): decides its owner

    def owned(extra_overrides: dict[str, list[str]] | None = None) -> list[str]:
        """Owner lines (and overrides) of the next component, in mixed mode."""
        nonlocal position
        position += 1
        overrides = {env: list(body) for env, body in (extra_overrides or {}).items()}
        out: list[str] = []
        if owner is None:
            if position % 2 == 0:
                out.append("    owner: terraform")
            elif position % 5 == 0:  # being migrated: staging first
                overrides.setdefault("staging", []).insert(0, "owner: terraform")
        if overrides:
            out.append("    overrides:")
            for env, body in overrides.items():
                out.append(f"      {env}:")
                out += [f"        {line}" for line in body]
        return out

    rest = max(n - 1, 0)
    counts = {k: rest // len(kinds) + (1 if i < rest % len(kinds) else 0) for i, k in enumerate(kinds)}
    counts.update({k: 0 for k in KINDS if k not in kinds})
    lines.append("secrets:" if counts["secret"] else "secrets: {}")
    for i in range(counts["secret"]):
        lines += [f"  s{i}:", f"    description: secret {i}"]
        lines += owned()
    lines.append("buckets:" if counts["bucket"] else "buckets: {}")
    for i in range(counts["bucket"]):
        lines += [f"  b{i}:", "    versioning: true"]
        lines += owned({"production": ["expire_after_days: 90"]})
    lines.append("databases:" if counts["database"] else "databases: {}")
    for i in range(counts["database"]):
        lines += [f"  d{i}:", "    engine: postgres", '    version: "16.4"', "    instance_class: db.t4g.medium"]
        lines += owned({"production": ["instance_class: db.r6g.large", "multi_az: true"]})
    lines.append("caches:" if counts["cache"] else "caches: {}")
    for i in range(counts["cache"]):
        lines += [f"  c{i}:", "    node_type: cache.t4g.micro", '    engine_version: "7.1"']
        lines += owned({"production": ["node_type: cache.r7g.large"]})
    lines.append("queues:" if counts["queue"] else "queues: {}")
    for i in range(counts["queue"]):
        lines += [f"  q{i}:", "    visibility_timeout_s: 60"]
        lines += ["    max_receive_count: 5"] if i % 2 == 0 else []
        lines += owned()
    services = counts["ec2"] + counts["lambda"] + counts["beanstalk"]
    lines.append("services:" if services else "services: {}")
    public = [i for i in range(counts["ec2"]) if i % 10 == 0]
    for i in range(counts["ec2"]):
        env = [f"      DB: ${{databases.d{i % counts['database']}.url}}"] if counts["database"] else []
        env += [f"      SECRET: ${{secrets.s{i % counts['secret']}}}"] if counts["secret"] else []
        env += [f"      UPLOADS: ${{buckets.b{i % counts['bucket']}.name}}"] if counts["bucket"] else []
        env += [f"      WORKER: ${{services.l{i % counts['lambda']}.arn}}"] if counts["lambda"] else []
        env += [f"      REDIS_URL: ${{caches.c{i % counts['cache']}.url}}"] if counts["cache"] else []
        env += [f"      JOBS_URL: ${{queues.q{i % counts['queue']}.url}}"] if counts["queue"] else []
        lines += [
            f"  e{i}:", "    type: ec2", "    ami: ami-0123456789abcdef0", "    instance_type: t3.small",
            "    count: 2", "    port: 4000", f"    public: {'true' if i in public else 'false'}",
        ]
        if i in public:  # public services share the load balancer: each needs a domain of its own
            lines.append(f"    domain: e{i}.{app}.example.com")
        if env:
            lines += ["    env:"] + env
        lines += owned({"production": ["count: 4"]})
    for i in range(counts["lambda"]):
        vpc = i % 4 == 0
        lines += [
            f"  l{i}:", "    type: lambda", "    runtime: nodejs20.x", "    handler: index.handler",
            f"    code: s3://{app}-artifacts/l{i}.zip", "    schedule: rate(5 minutes)",
        ]
        env = [f"      BUCKET: ${{buckets.b{i % counts['bucket']}.name}}"] if counts["bucket"] else []
        if counts["queue"] and i % 3 == 0:
            lines.append(f"    queue: q{i % counts['queue']}")
        if vpc:
            lines.append("    vpc: true")
            env += [f"      DB_HOST: ${{databases.d{i % counts['database']}.host}}"] if counts["database"] else []
        if env:
            lines += ["    env:"] + env
        lines += owned()
    for i in range(counts["beanstalk"]):
        lines += [f"  w{i}:", "    type: beanstalk"]
        lines += ['    platform: "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"']
        if public:
            lines += ["    env:", f"      API_URL: ${{services.e{public[i % len(public)]}.url}}"]
        lines += owned()
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
