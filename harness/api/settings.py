"""Settings shared by every litellm-backed component (the judge and the ``litellm`` generator).

One dataclass so the CLI's options (``--judge-model``, ``--judge-api-base``, ``--judge-concurrency``,
``--no-cache``, ``--max-cost`` ...) mean the same thing wherever they are used; ``None`` from the CLI
means "the default", so :meth:`ApiSettings.from_options` fills defaults in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harness.api.secrets import redact_url
from harness.errors import UsageError
from harness.paths import harness_home

# auto: pace starts from the server's rate-limit headers (harness.api.pacing); off: concurrency only
PACING_MODES = ("auto", "off")


def default_cache_path() -> Path:
    return harness_home() / "judge_cache.sqlite"


@dataclass(frozen=True)
class ApiSettings:
    """How to reach a chat-completions API and how hard to push it.

    ``api_key_env`` names the environment variable holding the key (the key itself is never stored
    in settings, caches, logs or run files). ``max_retries`` bounds the retries after the first
    attempt; ``backoff_initial``/``backoff_max`` shape the exponential backoff with jitter used when
    the server gives no ``Retry-After``; ``retry_after_max`` caps how long a ``Retry-After`` may make
    us wait.

    Bounds, so that no server can make a run hang or swell: ``timeout`` limits one attempt (from
    sending to the last byte), ``deadline`` one request with all its retries and waits;
    ``max_reply_bytes`` caps what is read of one reply (over it the reply is kept truncated, with
    a marker); after ``max_consecutive_failures`` requests in a row end without a reply, the run
    stops sending and says so (what finished is kept; running it again resumes). For the judge,
    ``harness run``/``harness judge`` set them with ``--judge-deadline``, ``--judge-max-reply`` and
    ``--judge-max-failures`` (RunConfig's ``judge_deadline``, ``judge_max_reply``,
    ``judge_max_failures``). ``pacing`` (``--judge-pacing``): ``auto`` paces the starts of
    requests from the server's rate-limit headers (:mod:`harness.api.pacing`), ``concurrency``
    staying the ceiling; ``off`` keeps ``concurrency`` requests in flight from the start.
    """

    model: str = "gpt-3.5-turbo"
    api_base: str | None = None
    api_key_env: str | None = None
    concurrency: int = 16
    timeout: float = 60.0
    max_retries: int = 5
    use_cache: bool = True
    cache_path: Path = field(default_factory=default_cache_path)
    max_cost: float | None = None
    progress: bool = True
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    deadline: float = 180.0
    max_reply_bytes: int = 64 * 1024
    max_consecutive_failures: int = 20
    pacing: str = "auto"

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise UsageError(f"concurrency must be at least 1, not {self.concurrency}")
        if self.timeout <= 0:
            raise UsageError(f"timeout must be positive, not {self.timeout}")
        if self.max_retries < 0:
            raise UsageError(f"max_retries must be 0 or more, not {self.max_retries}")
        if self.deadline <= 0:
            raise UsageError(f"deadline must be positive, not {self.deadline}")
        if self.max_reply_bytes < 1024:
            raise UsageError(f"max_reply_bytes must be at least 1024, not {self.max_reply_bytes}")
        if self.max_consecutive_failures < 1:
            raise UsageError(
                f"max_consecutive_failures must be at least 1, not {self.max_consecutive_failures}"
            )
        if self.pacing not in PACING_MODES:
            raise UsageError(f"pacing must be one of {', '.join(PACING_MODES)}, not {self.pacing!r}")
        if self.max_cost is not None and self.max_cost < 0:
            raise UsageError(f"max_cost must be 0 or more, not {self.max_cost}")
        object.__setattr__(self, "cache_path", Path(self.cache_path).expanduser())

    @classmethod
    def from_options(cls, **options: Any) -> ApiSettings:
        """Build from keyword options where ``None`` means default; ``api_base`` falls back to
        ``$OPENAI_BASE_URL``. Unknown keys are an error (a typo must not pass silently)."""
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise UsageError(f"unknown API option(s) {sorted(unknown)}; known: {sorted(known)}")
        given = {k: v for k, v in options.items() if v is not None}
        if "api_base" not in given and os.environ.get("OPENAI_BASE_URL"):
            given["api_base"] = os.environ["OPENAI_BASE_URL"]
        return cls(**given)

    def public_dict(self) -> dict[str, Any]:
        """What may be written to a run directory: no key (only the name of its variable), and
        ``api_base`` without the credentials a URL may carry."""
        return {
            "model": self.model,
            "api_base": redact_url(self.api_base),
            "api_key_env": self.api_key_env,
            "concurrency": self.concurrency,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "deadline": self.deadline,
            "max_reply_bytes": self.max_reply_bytes,
            "max_consecutive_failures": self.max_consecutive_failures,
            "pacing": self.pacing,
            "use_cache": self.use_cache,
            "cache_path": str(self.cache_path),
            "max_cost": self.max_cost,
        }
