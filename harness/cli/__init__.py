"""The ``harness`` CLI (see :mod:`harness.cli.app`)."""
