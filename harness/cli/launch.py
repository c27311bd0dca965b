"""The entry point each process of a multi-GPU launch runs: ``python -m harness.cli.launch``.

``deepspeed`` / ``accelerate launch`` start it once per GPU with the options of ``harness train``
(see :func:`harness.training.launch.launch_command`); it drops the launcher's ``--local_rank``
argument and runs ``harness train`` in this process.
"""

from __future__ import annotations

import sys

from harness.training.launch import one_rank_trap, strip_local_rank


def main(argv: list[str] | None = None) -> None:
    import os

    from harness.cli.app import main as cli_main

    trap = one_rank_trap(os.environ)
    if trap:
        print(f"error: {trap}", file=sys.stderr)
        sys.exit(2)
    cli_main(["train", *strip_local_rank(list(sys.argv[1:] if argv is None else argv))])


if __name__ == "__main__":
    main()
