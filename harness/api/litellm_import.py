"""The one place litellm is imported, so its side effects are tamed before it loads.

Without ``LITELLM_LOCAL_MODEL_COST_MAP`` litellm fetches its price map from the internet at import
time (and retries for seconds when offline); its debug banners also go to stdout. Call
:func:`import_litellm` inside functions, never at module level: ``harness --help`` must not pay for
litellm's import.
"""

from __future__ import annotations

import os
from typing import Any


def import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm
