"""The ``harness`` command (the console script and ``python -m harness``): a cached listing or root
help is printed without loading the app (:mod:`harness.cli.cached_screens`); all else runs the app."""

from __future__ import annotations

import sys

from harness.cli.cached_screens import print_cached_screen


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)

    if print_cached_screen(args):
        return
    from harness.cli.app import main as app_main

    app_main(args)
