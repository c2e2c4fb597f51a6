"""The core: the pipeline from a spec file to the files of every backend, and nothing that runs a tool.

read (`source`) -> validate (`model`, `validate`, `schema`) -> resolve (`resolve`, `resolved`) ->
lower (`lower`, `kinds`, `names`, `collisions`) -> the IR (`ir`) -> emit (the backends, through
`backend`) -> write (`compiler`, `writer`, `manifest`, `history`, `extra`). `project` is the front
door every command goes through. No module here imports `envspec.operations`, `envspec.cli` or a
backend (tests/test_code_shape.py). README, "Architecture".
"""
