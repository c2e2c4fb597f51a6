"""`python -m envspec` is the `envspec` command."""

from envspec.cli import main

main()
