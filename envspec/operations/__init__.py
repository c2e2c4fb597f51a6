"""What the commands do beyond compiling: deploy, migrate, status, the diagram, the validate summary.

Each takes an `envspec.core.project.Project` and composes the core; the ones that run tools ask the
installed backends for their commands (`envspec.core.backend.Deployer`). Nothing here imports the
command line (tests/test_code_shape.py).
"""
