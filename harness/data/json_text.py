"""``json.loads`` that reports every undecodable text as :class:`json.JSONDecodeError`.

Two inputs escape the json module's own error: nesting deep enough to exhaust the recursion limit
(``RecursionError``) and an integer of more digits than ``int()`` converts (a bare ``ValueError``,
more than 4,300 by default). Readers of files a user can edit decode through :func:`loads`, so
both reach the user as "invalid JSON" naming the file, like any other malformed line.
"""

from __future__ import annotations

import json
import sys
from typing import Any


class TooComplex(json.JSONDecodeError):
    """Whole JSON the json module cannot read (too deep, too long a number): never a torn line."""


def loads(text: str | bytes) -> Any:
    """Decode ``text``; raises :class:`json.JSONDecodeError` (:class:`TooComplex` for those two) for
    anything that cannot be decoded."""
    doc = text if isinstance(text, str) else ""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise TooComplex("nested too deeply to read", doc, 0) from None
    except ValueError:  # int() refused the number: too many digits
        limit = sys.get_int_max_str_digits()
        raise TooComplex(f"an integer of more than {limit} digits", doc, 0) from None
