"""Keep third-party chatter out of normal output; ``harness -v ...`` (or ``HARNESS_VERBOSE=1``) shows it.

Why: the libraries under the harness talk on their own. DeepSpeed logs "Setting accelerator to
CPU ..." at WARNING on stdout the moment transformers imports it, transformers and torch warn
about deprecations and generation flags, and all of it lands between the harness's own lines,
where it reads like a problem with the run. The harness says what matters itself (errors, the
run's progress, its own ``warnings.warn`` calls), so in normal output:

* ``logging`` records below ERROR are dropped, from every logger (the harness itself does not use
  ``logging``; third parties do, and some attach their own handlers, so a level per logger is not
  enough: DeepSpeed sets its logger's level when it creates it);
* Python warnings are ignored unless they come from the harness's own modules;
* transformers' own verbosity is set to errors (for what it prints outside ``logging``).

This is process-wide, so it is done once, by the entry point (:func:`harness.cli.app.main`), never
when the app is driven in-process by tests. Errors still show. Child processes (``harness train``'s
launchers) are not affected.
"""

from __future__ import annotations

import logging
import os
import warnings

VERBOSE_FLAGS = ("-v", "--verbose")
VERBOSE_ENV = "HARNESS_VERBOSE"


def hoist_verbose(argv: list[str], command: str | None) -> list[str]:
    """``argv`` with a ``-v``/``--verbose`` written after the command moved before it, where the root
    option lives: ``harness run ... -v`` means what ``harness -v run ...`` does (no command has a
    ``-v`` of its own). Nothing after ``--`` is touched."""
    if command is None or command not in argv:
        return argv
    at = argv.index(command)
    head, tail = argv[:at], argv[at:]
    end = tail.index("--") if "--" in tail else len(tail)
    flags = [arg for arg in tail[:end] if arg in VERBOSE_FLAGS]
    if not flags:
        return argv
    return [*head, *flags[:1], *[arg for arg in tail[:end] if arg not in VERBOSE_FLAGS], *tail[end:]]


def verbose_requested(root_args: list[str]) -> bool:
    """``-v``/``--verbose`` among the root options (before the command), or ``HARNESS_VERBOSE`` set."""
    if os.environ.get(VERBOSE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        return True
    return any(arg in VERBOSE_FLAGS for arg in root_args)


def quiet_third_parties() -> None:
    """Drop third-party log records below ERROR and third-party warnings (see the module docstring)."""
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"harness(\.|$)")  # the harness's own warnings still show
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
