"""`python -m collector`: the same command line as the `collector` script."""

from collector.cli import main

main()
