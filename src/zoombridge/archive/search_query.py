"""The search box's language, and its safe translation for each full-text engine.

    budget review        both words (AND)          "next quarter"   the phrase
    budg*                a word starting so         -draft           without this word
    -"first draft"       without this phrase

Nothing else is syntax. Unbalanced quotes, NEAR, AND/OR/NOT, column filters (`text:`), `^`,
parentheses and control characters are plain words or separators, so a user's query can
never reach the engine's own query syntax: every term is reduced to its letters and digits
and handed over quoted (FTS5) or as a bound parameter the engine parses as plain text
(PostgreSQL). Only a query that is too long is refused, with InvalidInput.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zoombridge.archive.visibility import visible_sql
from zoombridge.errors import InvalidInput

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "VISIBLE_TO_READER",
    "Query",
    "Term",
    "fts5_expression",
    "parse_query",
    "word_tokens",
]

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MIN_PREFIX = 2  # `a*` would match a good part of the index; it searches for "a" instead

# Letters and digits, as SQLite's unicode61 tokenizer splits words (underscore separates).
_TOKEN = re.compile(r"[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PIECE = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"(?P<star>\*?)|(?P<word>[^\s"]+)|"')


@dataclass(frozen=True)
class Term:
    """One thing to look for: its words, as typed (`text`) and as tokens."""

    text: str
    tokens: tuple[str, ...]
    prefix: bool = False
    exclude: bool = False


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    @property
    def include(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.exclude)

    @property
    def exclude(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.exclude)

    @property
    def empty(self) -> bool:
        """Nothing to look for (a blank query, only punctuation, or only exclusions)."""
        return not self.include


def word_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def parse_query(text: str) -> Query:
    """The terms of a user's query; InvalidInput only when it is too long."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"the search query has {len(text)} characters; at most {MAX_QUERY_CHARS} are "
            "allowed, so search for fewer or shorter words"
        )
    terms = []
    for piece in _PIECE.finditer(_CONTROL.sub(" ", text)):
        term = _term(piece)
        if term is not None:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise InvalidInput(
            f"the search query has {len(terms)} words or phrases; at most {MAX_TERMS} are "
            "allowed, so leave some out or quote a phrase"
        )
    return Query(tuple(terms))


def _term(piece: re.Match[str]) -> Term | None:
    if piece.group("phrase") is not None:
        words = piece.group("phrase")
        exclude, prefix = bool(piece.group("neg")), bool(piece.group("star"))
    elif piece.group("word") is not None:
        words = piece.group("word")
        exclude = words.startswith("-") and len(words) > 1
        words = words[1:] if exclude else words
        prefix = words.endswith("*")
    else:
        return None  # a lone, unbalanced quote
    tokens = tuple(word_tokens(words))
    if not tokens:
        return None
    prefix = prefix and len(tokens[-1]) >= MIN_PREFIX
    return Term(" ".join(words.replace("*", " ").split()), tokens, prefix, exclude)


def _fts5_phrase(term: Term) -> str:
    # Tokens hold only letters and digits, so the quoted string cannot close early.
    return '"' + " ".join(term.tokens) + '"' + ("*" if term.prefix else "")


def fts5_expression(query: Query, columns: str = "{speaker body}") -> str:
    """An FTS5 MATCH expression for the query's terms, limited to `columns`."""
    if query.empty:
        raise ValueError("an empty query has no FTS5 expression")
    wanted = f"{columns} : ({' AND '.join(_fts5_phrase(t) for t in query.include)})"
    if not query.exclude:
        return wanted
    unwanted = f"{columns} : ({' OR '.join(_fts5_phrase(t) for t in query.exclude)})"
    return f"({wanted}) NOT ({unwanted})"


# ---- what a full-text backend is asked, and answers ---------------------------------------

MARK_OPEN, MARK_CLOSE = "\x02", "\x03"  # match marks in snippets; the index holds no controls


@dataclass(frozen=True)
class Window:
    """Where to look: one id range (a connection's instances in a date range), optionally one
    host's instances, and the newest `size` matches at most."""

    low: int
    high: int
    host_email: str | None
    include_private: bool
    size: int
    # A portal user who sees only their own and shared recordings: only those are searched.
    reader_id: int | None = None


# The library's visibility rule (zoombridge.archive.visibility, the one definition) as a
# condition on a search document `d`, for the engines' own SQL.
VISIBLE_TO_READER = "AND " + visible_sql("d.connection_id", "d.meeting_uuid")


@dataclass(frozen=True)
class Candidate:
    """A matching document and how well it matches (higher is better; per engine)."""

    id: int
    meeting_uuid: str
    kind: str
    relevance: float
