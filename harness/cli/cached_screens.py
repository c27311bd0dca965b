"""``harness list`` and ``harness --help`` answered from the listing cache before typer is imported.

Once a listing is cached (:mod:`harness.listing_cache`), printing it costs little, and importing
typer, the command modules and building the app cost more than all the rest. So the entry point
first tries this: a command line that is exactly ``list`` with at most a kind, ``--long``/``-l`` and
``--json`` (each once), or exactly ``--help``, whose text (or, for ``--json``, rows) is cached, is
printed here -- the text the app printed for the same command line, terminal and program name.
Anything else (another command or option, a bad kind, nothing cached) returns ``False`` and goes
to the app, which says what is wrong or prints the screen and caches it. The root help is cached
beside a listing: its files are among those the listing's snapshot watches.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from typing import Any

from harness import listing_cache
from harness.kinds import KINDS


def _parse(args: list[str]) -> tuple[str | None, bool, bool] | None:
    """``(kind, long, as_json)`` for ``list [KIND] [--long] [--json]``; ``None`` for anything else."""
    kind, long, as_json = None, False, False
    for token in args:
        if token in ("--long", "-l") and not long:
            long = True
        elif token == "--json" and not as_json:
            as_json = True
        elif not token.startswith("-") and kind is None:
            kind = token.rstrip("s") if token.rstrip("s") in KINDS else token
            if kind not in KINDS:
                return None
        else:
            return None
    return kind, long, as_json


def _json_text(rows: list[dict[str, Any]], kind: str | None) -> str:
    keys = ("kind", "name", "aliases", "plugin", "description")
    chosen = [{k: row[k] for k in keys} for row in rows if kind is None or row["kind"] == kind]
    return json.dumps(chosen, ensure_ascii=False, indent=2) + "\n"


def root_help_key() -> str:
    """The root help's cache key: the terminal, and the program name click derives the usage line
    from (``harness`` or ``python -m harness``)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    program = [
        sys.argv[0] if sys.argv else "",
        getattr(main, "__package__", None),
        getattr(spec, "name", None),
    ]
    return listing_cache.render_key("help:" + json.dumps(program))


def _cached_text(argv: list[str]) -> str | None:
    if argv == ["--help"]:
        return listing_cache.load_rendered(root_help_key())
    parsed = _parse(argv[1:]) if argv and argv[0] == "list" else None
    if parsed is None:
        return None
    kind, long, as_json = parsed
    if as_json:
        rows = listing_cache.load_listing()
        return None if rows is None else _json_text(rows, kind)
    return listing_cache.load_rendered(
        listing_cache.render_key(("long:" if long else "short:") + (kind or ""))
    )


def print_cached_screen(argv: list[str]) -> bool:
    """Print what ``harness *argv`` prints if it is a cached listing or root help; else ``False``."""
    text = _cached_text(argv)
    if text is None:
        return False
    sys.stdout.write(text)
    return True


@contextlib.contextmanager
def caching_root_help() -> Iterator[None]:
    """Print the root help the app prints inside, and cache it when the app succeeded."""
    buffer = io.StringIO()
    code: Any = 0
    try:
        with contextlib.redirect_stdout(buffer):
            yield
    except SystemExit as exc:
        code = exc.code
        raise
    finally:
        text = buffer.getvalue()
        sys.stdout.write(text)
        if code in (0, None) and text:
            listing_cache.store_rendered(root_help_key(), text)
