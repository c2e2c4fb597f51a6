"""`python -m envspec` is the `envspec` command."""

from .cli import main

main()
