"""The paper's training-data mixture notation, parsed into terms.

Table 2 of the paper names its training sets ``zh(alpaca-3.5&4)``, ``en(alpaca-3.5&4)``,
``zh(alpaca-3.5&4) + sharegpt`` and so on; the same strings work on the command line and in
configs, and a term may also be a local file::

    zh(alpaca-3.5&4)+sharegpt+belle-3.5
    zh(alpaca-4)+data/mine.jsonl

Grammar (whitespace around operators is ignored)::

    mixture := term ("+" term)*
    term    := LANG "(" item ("&" item)* ")"     language group: each item gets "-LANG"
             | NAME                              a registered training dataset
             | PATH | QUOTED                     a local JSON / JSON Lines file
    item    := NAME | VERSION                    "4" after "alpaca-3.5" means "alpaca-4"

* ``LANG`` is ``en`` or ``zh`` (``cn`` is read as ``zh``: one row of the paper's table writes
  ``cn(alpaca-3.5&4)``).
* A bare version inside a group continues the family of the item before it, as the paper writes
  ``alpaca-3.5&4`` for ``alpaca-3.5`` and ``alpaca-4``.
* A word is a path when it contains ``/`` or ``\\``, starts with ``.`` or ``~``, or ends in
  ``.json``/``.jsonl`` (optionally ``.xz``/``.gz``); quote a path that contains ``+&()`` or spaces.

Errors are :class:`~harness.errors.UsageError` s that show the expression with a caret under the
offending position and say what was expected; an unknown dataset name gets a did-you-mean from
the registered training datasets. A term may appear only once (mixing the same data twice is
almost always a typo; duplicate a file on purpose if you mean to up-sample).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from harness.errors import UsageError
from harness.manager import get_registry

LANGUAGE_ALIASES = {"en": "en", "zh": "zh", "cn": "zh"}
PATH_SUFFIXES = (".json", ".jsonl", ".json.xz", ".jsonl.xz", ".json.gz", ".jsonl.gz")
OPERATORS = "+&()"
_VERSION = re.compile(r"^\d[\w.]*$")
_FAMILY_VERSION = re.compile(r"^(?P<family>.+?)-(?P<version>\d[\w.]*)$")


@dataclass(frozen=True)
class MixtureTerm:
    """One source of a mixture: a registered dataset (``kind="dataset"``) or a file (``"file"``).

    ``name`` is the dataset name (``alpaca-4-zh``) or the path as written; ``text`` is the term as
    written in the expression (``zh(alpaca-3.5&4)`` yields two terms with that text) and
    ``position`` its 0-based offset, for messages.
    """

    kind: str
    name: str
    text: str
    position: int
    language: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "text": self.text,
            "position": self.position,
            "language": self.language,
        }


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "quoted", or the operator character itself, or "end"
    value: str
    position: int


def _error(expr: str, position: int, message: str, hint: str | None = None) -> UsageError:
    caret = " " * position + "^"
    return UsageError(f"bad data mixture at column {position + 1}: {message}\n  {expr}\n  {caret}", hint=hint)


def _tokenize(expr: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(expr):
        char = expr[i]
        if char.isspace():
            i += 1
        elif char in OPERATORS:
            tokens.append(_Token(char, char, i))
            i += 1
        elif char in "\"'":
            end = expr.find(char, i + 1)
            if end < 0:
                raise _error(expr, i, f"unterminated quote {char}", hint="Close the quoted path.")
            if end == i + 1:
                raise _error(expr, i, "empty quoted path")
            tokens.append(_Token("quoted", expr[i + 1 : end], i))
            i = end + 1
        else:
            start = i
            while (
                i < len(expr) and not expr[i].isspace() and expr[i] not in OPERATORS and expr[i] not in "\"'"
            ):
                i += 1
            tokens.append(_Token("word", expr[start:i], start))
    tokens.append(_Token("end", "", len(expr)))
    return tokens


def looks_like_path(word: str) -> bool:
    """Whether a bare word in a mixture names a file rather than a dataset."""
    return "/" in word or "\\" in word or word.startswith((".", "~")) or word.lower().endswith(PATH_SUFFIXES)


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the expression"
    if token.kind in ("word", "quoted"):
        return repr(token.value)
    return f"{token.value!r}"


class _Parser:
    def __init__(self, expr: str, known: list[str] | None) -> None:
        self.expr = expr
        self.known = known
        self.tokens = _tokenize(expr)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, what: str) -> _Token:
        token = self.current
        if token.kind != kind:
            raise _error(self.expr, token.position, f"expected {what}, found {_describe(token)}")
        return self.advance()

    def check_name(self, name: str, position: int) -> None:
        if self.known is None or name in self.known:
            return
        close = difflib.get_close_matches(name, self.known, n=3, cutoff=0.5)
        message = f"unknown training dataset {name!r}" + (
            f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        )
        raise _error(
            self.expr,
            position,
            message,
            hint=f"Training datasets: {', '.join(sorted(self.known)) or '(none registered)'}. "
            "A local file needs a path (./file.json) or a .json/.jsonl name.",
        )

    def parse(self) -> list[MixtureTerm]:
        if self.current.kind == "end":
            raise _error(self.expr, 0, "empty data mixture, expected a dataset name or a file")
        terms = self.term()
        while self.current.kind == "+":
            self.advance()
            terms.extend(self.term())
        if self.current.kind != "end":
            raise _error(
                self.expr, self.current.position, f"expected '+' or the end, found {_describe(self.current)}"
            )
        return terms

    def term(self) -> list[MixtureTerm]:
        token = self.current
        if token.kind == "quoted":
            self.advance()
            return [MixtureTerm("file", token.value, token.value, token.position)]
        if token.kind != "word":
            raise _error(
                self.expr, token.position, f"expected a dataset name or a file, found {_describe(token)}"
            )
        self.advance()
        if self.current.kind == "(":
            return self.group(token)
        if looks_like_path(token.value):
            return [MixtureTerm("file", token.value, token.value, token.position)]
        self.check_name(token.value, token.position)
        return [MixtureTerm("dataset", token.value, token.value, token.position)]

    def group(self, lang_token: _Token) -> list[MixtureTerm]:
        language = LANGUAGE_ALIASES.get(lang_token.value.lower())
        if language is None:
            raise _error(
                self.expr,
                lang_token.position,
                f"unknown language {lang_token.value!r} before '(', expected one of en, zh",
            )
        self.advance()  # "("
        items: list[tuple[str, int]] = []
        family: str | None = None
        while True:
            token = self.current
            if token.kind != "word" or looks_like_path(token.value):
                after = "'&'" if items else "'('"
                raise _error(
                    self.expr,
                    token.position,
                    f"expected a dataset name after {after}, found {_describe(token)}",
                )
            self.advance()
            word = token.value
            if _VERSION.match(word):
                if family is None:
                    raise _error(
                        self.expr,
                        token.position,
                        f"a bare version {word!r} needs a dataset before it (e.g. alpaca-3.5&4)",
                    )
                word = f"{family}-{word}"
            match = _FAMILY_VERSION.match(word)
            family = match.group("family") if match else word
            items.append((word, token.position))
            if self.current.kind == "&":
                self.advance()
                continue
            if self.current.kind == ")":
                end = self.advance().position
                break
            raise _error(
                self.expr, self.current.position, f"expected '&' or ')', found {_describe(self.current)}"
            )
        text = self.expr[lang_token.position : end + 1]
        terms = []
        for word, position in items:
            name = f"{word}-{language}"
            self.check_name(name, position)
            terms.append(MixtureTerm("dataset", name, text, lang_token.position, language))
        return terms


def parse_mixture(expr: str, *, known: Iterable[str] | None = None) -> list[MixtureTerm]:
    """The terms of a mixture expression, in order.

    ``known`` is the set of valid dataset names; by default the training datasets (``role="train"``)
    of the current registry. Pass an explicit list to parse without loading plugins.
    """
    if known is None:
        known = registered_training_datasets()
    terms = _Parser(expr, list(known)).parse()
    seen: dict[str, MixtureTerm] = {}
    for term in terms:
        key = f"{term.kind}:{term.name}"
        if key in seen:
            raise _error(
                expr,
                term.position,
                f"{term.name!r} appears twice in the mixture (first in {seen[key].text!r})",
            )
        seen[key] = term
    return terms


def registered_training_datasets() -> list[str]:
    """Names (and aliases) of the registered datasets with ``role="train"``."""
    names: list[str] = []
    for spec in get_registry().specs("dataset"):
        if getattr(spec, "role", None) == "train":
            names.extend(spec.names)
    return names
