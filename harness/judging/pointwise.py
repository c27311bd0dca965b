"""The base for pointwise LLM judges: the author writes *what to ask* and *how to read the reply*.

::

    class MyJudge(PointwiseLLMJudge):
        name = "my-judge"
        scale = (1, 10)
        reader = dict_key("综合得分")          # or override read()

        def messages(self, item):
            return [system("You are a strict grader."), user(f"Q: {item.question}\\nA: {item.answer}")]

Everything else is :class:`~harness.judging.llm_judge.LLMJudge`'s: cache, retries, concurrency,
cost and ``--max-cost``, deadlines and caps, secret scrubbing, repeats, progress, stats,
resumption and preflight. A judge's *fingerprint* (its class, ``version``, the source of
``messages``/``read``, ``max_tokens``, ``repair``) is hashed into every judgment's
``template_hash`` and the cache key, so changing the prompt never reuses an old verdict.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from typing import Any, ClassVar, Protocol

from harness.errors import UsageError
from harness.judging.llm_judge import LLMJudge, PromptShape
from harness.judging.parse import ParsedScore
from harness.judging.readers import ScoreReader, as_reading, label_number
from harness.protocols import JudgeItem


def system(content: str) -> dict[str, str]:
    """A system message."""
    return {"role": "system", "content": str(content)}


def user(content: str) -> dict[str, str]:
    """A user message."""
    return {"role": "user", "content": str(content)}


def assistant(content: str) -> dict[str, str]:
    """An assistant message (an earlier turn shown to the judge)."""
    return {"role": "assistant", "content": str(content)}


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _source(function: Any) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):  # defined in a REPL: its qualified name stands for it
        return getattr(function, "__qualname__", repr(function))


def check_messages(messages: Any, judge: str) -> list[dict[str, str]]:
    """``messages(item)``'s result, refused with one line unless a list of role/content strings."""
    ok = (
        isinstance(messages, list)
        and messages
        and all(
            isinstance(m, dict)
            and m.get("role") in ("system", "user", "assistant")
            and isinstance(m.get("content"), str)
            for m in messages
        )
    )
    if not ok:
        raise UsageError(
            f"judge {judge!r}: messages() must return a non-empty list of "
            "{'role': 'system'|'user'|'assistant', 'content': str}",
            hint="build them with harness.judging.system(...) and user(...)",
        )
    return messages


def fingerprint_of(judge: Any) -> dict[str, Any]:
    """A judge class's identity, version, and the source of its ``messages``/``read``/``reader``."""
    cls = type(judge)
    reader = cls.reader
    return {
        "judge": f"{cls.__module__}.{cls.__qualname__}",
        "version": cls.version,
        "messages": _source(cls.messages),
        "read": _source(cls.read),
        "reader": getattr(reader, "spec", None) or (_source(reader) if reader else None),
    }


RUN_OPTIONS = (
    "data_dir",
    "mirror",
)  # what a run offers every judge; a judge without a use for them ignores them


# The keywords LLMJudge takes besides name and template (a test in tests/core checks them).
LLM_JUDGE_OPTIONS = (
    "model",
    "api_base",
    "api_key_env",
    "concurrency",
    "use_cache",
    "cache_path",
    "max_cost",
    "repeats",
    "temperature",
    "timeout",
    "max_retries",
    "progress",
    "scale",
    "deadline",
    "max_reply_bytes",
    "max_consecutive_failures",
    "settings",
)


def judge_options(judge: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options :class:`LLMJudge` takes; the run's ``data_dir``/``mirror`` are dropped and any
    other unknown option is refused with one line (a typo must not pass silently)."""

    known = set(LLM_JUDGE_OPTIONS)
    unknown = sorted(set(options) - known - set(RUN_OPTIONS))
    if unknown:
        raise UsageError(
            f"judge {judge!r} does not take the option(s) {', '.join(unknown)}",
            hint=f"known: {', '.join(sorted(known))}",
        )
    return {k: v for k, v in options.items() if k in known}


class AuthoredJudge(PromptShape, Protocol):
    """What :class:`AuthoredTemplate` reads of a pointwise or pairwise judge that writes its prompt."""

    @property
    def template_name(self) -> str: ...

    def fingerprint(self) -> Any: ...


class AuthoredTemplate:
    """The judge's own prompt, in the shape :class:`LLMJudge` sends (name, hash, messages...)."""

    def __init__(self, judge: AuthoredJudge) -> None:
        self.judge = judge
        # read before LLMJudge.__init__ sets the instance's own scale and temperature
        self.name = judge.template_name or judge.name or kebab(type(judge).__name__)
        self.model, self.temperature, self.max_tokens = judge.model, judge.temperature, judge.max_tokens
        self.scale, self.repair = judge.scale, judge.repair
        shaping = {"fingerprint": judge.fingerprint(), "max_tokens": self.max_tokens, "repair": self.repair}
        self.hash = hashlib.sha256(
            json.dumps(shaping, sort_keys=True, ensure_ascii=False, default=repr).encode()
        ).hexdigest()

    def messages(self, item: Any) -> list[dict[str, str]]:
        return check_messages(self.judge.messages(item), self.judge.name)

    def repair_messages(self, item: Any, first_reply: str) -> list[dict[str, str]]:
        return [*self.messages(item), assistant(first_reply), user(self.repair)]


class PointwiseLLMJudge(LLMJudge):
    """Subclass it; set the class attributes, write :meth:`messages` (and :meth:`read`, or set
    ``reader``). Register it with ``JudgeSpec(factory="your_module:YourJudge", scale=..., ...)``;
    its options are ``gpt35``'s (model, api_base, concurrency, repeats, max_cost...)."""

    name: str = ""  # the judge's name; default: the class name in kebab case
    model: str = "gpt-4o-mini"  # the default judge model (--judge-model overrides)
    temperature: float = 0.0
    max_tokens: int | None = None
    # the declared (low, high) or a ScoreScale; LLMJudge.__init__ makes the instance's a ScoreScale
    scale: Any = (1.0, 10.0)  # scores outside it are unscored, never clipped
    repair: str = ""  # a user turn sent once when the reply cannot be read ("" = none)
    version: ClassVar[str] = "1"  # bump to re-judge when something outside messages/read changes
    template_name: str = ""  # recorded in every judgment; default: the judge's name
    reader: ClassVar[ScoreReader | None] = None  # used by the default read(); default: label_number()

    def __init__(self, *, name: str | None = None, **options: Any) -> None:
        own = name or type(self).name or kebab(type(self).__name__)
        super().__init__(name=own, template=AuthoredTemplate(self), **judge_options(own, options))

    def messages(self, item: JudgeItem) -> list[dict[str, str]]:
        """The conversation sent to the judge model for ``item`` (system + user, any turns)."""
        raise NotImplementedError(f"{type(self).__name__} must define messages(self, item)")

    def read(self, reply: str, item: JudgeItem) -> ParsedScore | float:
        """The score in ``reply``: a number (checked against ``scale``) or a reading from a reader
        (:mod:`harness.judging.readers`); ``Unscored(reason)`` when there is none."""
        reader = type(self).reader or label_number()
        return reader(reply, self.scale)

    def judgment_meta(self, item: JudgeItem) -> dict[str, Any]:
        """Extra keys for every judgment's ``meta`` (e.g. which prompt variant was used)."""
        return {}

    def fingerprint(self) -> Any:
        """What shapes the replies, hashed into the cache key (override to add your data files)."""
        return fingerprint_of(self)

    def _parse_for(self, reply: str, item: JudgeItem) -> ParsedScore:
        return as_reading(self.read(reply, item), self.scale)

    def _judgment(self, item: JudgeItem, *args: Any, **meta: Any) -> Any:
        return super()._judgment(item, *args, **{**self.judgment_meta(item), **meta})
