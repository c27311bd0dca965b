"""The secrets an API client is configured with, and removing them from every string it keeps.

A server can echo anything back, the request's ``Authorization`` header included (a debugging
proxy, a misconfigured gateway, a hostile endpoint), and error messages quote requests. So the
client passes every reply text and every error reason through :class:`SecretScrubber` before it
reaches a judgment, the cache, a stats file or a log line. The secrets are the key the client
sends, every provider key variable set in the environment (litellm may read any of them), the
variable named by ``api_key_env``, and the credentials written into ``api_base`` (a password,
``?api_key=``/``?key=`` query values, the Basic-auth form of user and password);
:func:`redact_url` removes those from the URL itself wherever it is written (``run.json``,
``config.yaml``, judge stats). A hostile server may also hand a secret back in disguise: cut in two
across reply fields, or base64-encoded (as a Basic header is); so a secret's base64 forms are
secrets too, and so is every run of :data:`PIECE_LENGTH` characters of a long one.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

# The environment variable litellm itself reads for each provider, when --api-key-env is not given.
PROVIDER_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "text-completion-openai": "OPENAI_API_KEY",
    "azure": "AZURE_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "groq": "GROQ_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
}
# Local OpenAI-compatible servers (vLLM, llama.cpp, the test server) accept any key; a placeholder
# (not a secret) is sent when none is configured.
PLACEHOLDER_KEY = "sk-no-key-required"
REDACTED = "***"
# Shorter values are not treated as secrets: scrubbing them would mangle ordinary text.
MIN_SECRET_LENGTH = 8
# A text cut short (a truncated reply) may end in the first characters of a secret.
MIN_PARTIAL_LENGTH = 4
# A run this long of a secret's characters is scrubbed wherever it appears (= the shortest secret),
# for a secret at least PIECE_SOURCE_LENGTH long (an API key): a short password's pieces would be
# ordinary words ("password" of "password123") and mangle answers that use them.
PIECE_LENGTH = MIN_SECRET_LENGTH
PIECE_SOURCE_LENGTH = 16
# A long text is probed for pieces every this many characters (see covered_spans); a field this
# short or shorter (a model name, a finish reason) at every character.
PIECE_STRIDE = 4
SHORT_FIELD = 64


# Query parameters that carry a credential in a URL (``?api_key=...``, Azure's ``?key=...``).
SECRET_QUERY_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "key",
        "token",
        "access_token",
        "auth",
        "password",
        "secret",
        "sig",
        "signature",
        "code",
    }
)


def url_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def url_secrets(url: str | None) -> list[str]:
    """The credentials written into ``url``: its password and its credential query values."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        found = [parts.password, unquote(parts.password)] if parts.password else []
        if parts.username or parts.password:  # an HTTP client sends user:password as Basic auth
            basic = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}".encode()
            found.append(base64.b64encode(basic).decode("ascii"))
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return []
    return found + [value for name, value in query if name.lower() in SECRET_QUERY_KEYS and value]


def redact_url(url: str | None) -> str | None:
    """``url`` with its credentials replaced by ``***`` (``https://user:***@host/v1?api_key=***``),
    for everything written: run files, stats, messages. A URL that cannot be parsed is kept as is
    only when it holds no ``@`` or ``=`` (else it is replaced whole: it might hold a secret)."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        password = parts.password
        query = parse_qsl(parts.query, keep_blank_values=True)
        port = parts.port
    except ValueError:
        return url if "@" not in url and "=" not in url else REDACTED
    netloc = parts.netloc
    if password is not None:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:{REDACTED}@{host}" + (f":{port}" if port else "")
    if any(name.lower() in SECRET_QUERY_KEYS for name, _ in query):
        safe = [(name, REDACTED if name.lower() in SECRET_QUERY_KEYS else value) for name, value in query]
        query_text = urlencode(safe, safe="*")
    else:
        query_text = parts.query
    if netloc == parts.netloc and query_text == parts.query:
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query_text))


def is_redacted_url(url: str | None) -> bool:
    """``url`` was written with its credentials removed (so it cannot be used as it is)."""
    if not url:
        return False
    return redact_url(url) == url and REDACTED in url


def configured_secrets(*, api_key: str | None, api_key_env: str | None, api_base: str | None) -> list[str]:
    values = [api_key, *url_secrets(api_base)]
    names = set(PROVIDER_KEY_ENV.values()) | ({api_key_env} if api_key_env else set())
    values += [os.environ.get(name) for name in sorted(names)]
    return [v for v in values if v]


def base64_forms(secret: str) -> set[str]:
    """How ``secret`` reads inside the base64 of any bytes that hold it (a Basic header, a token
    an echoing server encodes): for each of base64's three alignments, the characters that depend
    on the secret's bytes alone, in the standard and the URL-safe alphabet."""
    raw = secret.encode("utf-8")
    forms = set()
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + raw).decode("ascii")
        core = encoded[-(-8 * shift // 6) : 8 * (shift + len(raw)) // 6]  # characters wholly inside
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def pieces(secrets: Iterable[str]) -> frozenset[str]:
    """Every run of :data:`PIECE_LENGTH` characters of every long secret: a server that splits a
    key across fields (half in ``model``, half in ``finish_reason``) leaves a piece in each."""
    long_ones = [s for s in secrets if len(s) >= PIECE_SOURCE_LENGTH]
    return frozenset(s[i : i + PIECE_LENGTH] for s in long_ones for i in range(len(s) - PIECE_LENGTH + 1))


def covered_spans(text: str, found: frozenset[str]) -> list[tuple[int, int]]:
    """The maximal spans of ``text`` made of pieces in ``found`` (overlapping pieces join).
    A long text is probed every :data:`PIECE_STRIDE` characters (a hit is then grown one
    character at a time), which finds every run of ``PIECE_LENGTH + PIECE_STRIDE - 1``
    characters of a secret at a quarter of the cost; a short field is probed everywhere."""
    stride = 1 if len(text) <= SHORT_FIELD else PIECE_STRIDE
    spans: list[tuple[int, int]] = []
    for probe in range(0, len(text) - PIECE_LENGTH + 1, stride):
        if (spans and probe + PIECE_LENGTH <= spans[-1][1]) or text[
            probe : probe + PIECE_LENGTH
        ] not in found:
            continue
        start, end = _grown(text, probe, found)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _grown(text: str, probe: int, found: frozenset[str]) -> tuple[int, int]:
    start, end = probe, probe + PIECE_LENGTH
    while start > 0 and text[start - 1 : start - 1 + PIECE_LENGTH] in found:
        start -= 1
    while end < len(text) and text[end + 1 - PIECE_LENGTH : end + 1] in found:
        end += 1
    return start, end


class SecretScrubber:
    """``scrub(text)``: every secret, every piece of one (:data:`PIECE_LENGTH` characters or more)
    and every base64 form of one replaced by ``***``; ``scrub(text, truncated=True)`` also cuts a
    secret's beginning left at the end of a text that was cut short."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        unique = {s for s in secrets if s and s != PLACEHOLDER_KEY and len(s) >= MIN_SECRET_LENGTH}
        forms = unique.union(*(base64_forms(s) for s in unique))
        self._secrets = sorted(forms, key=len, reverse=True)  # a secret inside another: longest first
        self._pieces = pieces(self._secrets)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def __call__(self, text: str, *, truncated: bool = False) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        spans = covered_spans(text, self._pieces) if self._pieces else []
        for start, end in reversed(spans):
            text = text[:start] + REDACTED + text[end:]
        if truncated:
            text = self._cut_partial(text)
        return text

    def _cut_partial(self, text: str) -> str:
        for secret in self._secrets:
            for k in range(len(secret) - 1, MIN_PARTIAL_LENGTH - 1, -1):
                if text.endswith(secret[:k]):
                    return text[:-k] + REDACTED
        return text
