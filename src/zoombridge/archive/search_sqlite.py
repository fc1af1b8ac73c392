"""The search on SQLite: FTS5 finds, a BM25-style score on term counts ranks.

FTS5's own bm25() is not used: before scoring its first row it counts every row matching
each phrase of the query (its IDF), which for a common word is most of the index: 40 ms for
one word and over 100 ms for a phrase of common words on 2,000,000 cues, whatever the LIMIT.
Instead FTS5 walks the id range newest first and stops after `window.size` matches (a few
ms), and highlight() marks the matches in each, from which the score takes BM25's term
frequency saturation and length normalisation. Every candidate contains every term, so the
IDF that is left out would only weigh one term's repetitions against another's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text

from zoombridge.archive.search_index import PRIVATE_TOKEN, host_token
from zoombridge.archive.search_query import (
    MARK_CLOSE,
    MARK_OPEN,
    VISIBLE_TO_READER,
    Candidate,
    Query,
    Window,
    fts5_expression,
)

__all__ = ["candidates", "snippets"]

K1, B = 1.2, 0.75  # BM25's usual constants
SPEAKER_WEIGHT, BODY_WEIGHT = 0.5, 1.0
SNIPPET_TOKENS = 24

_MARKS = f"char({ord(MARK_OPEN)}), char({ord(MARK_CLOSE)})"
_CANDIDATES = f"""
    SELECT search_fts.rowid,
           highlight(search_fts, 1, {_MARKS}),
           highlight(search_fts, 2, {_MARKS}),
           d.meeting_uuid, d.kind
    FROM search_fts JOIN search_documents AS d ON d.id = search_fts.rowid
    WHERE search_fts MATCH :match AND search_fts.rowid BETWEEN :low AND :high {{reader}}
    ORDER BY search_fts.rowid DESC
    LIMIT :size
    """  # noqa: S608 - constants only; the query is a bound parameter
_EVERYONE = text(_CANDIDATES.format(reader=""))
_ONE_READER = text(_CANDIDATES.format(reader=VISIBLE_TO_READER))
_SNIPPETS = text(
    f"""
    SELECT rowid, snippet(search_fts, 2, {_MARKS}, '…', {SNIPPET_TOKENS})
    FROM search_fts
    WHERE search_fts MATCH :match AND rowid IN :ids
    """  # noqa: S608 - constants only; the query is a bound parameter
).bindparams(bindparam("ids", expanding=True))
_TOKEN = re.compile(r"[^\W_]+")


def _match(query: Query, window: Window) -> str:
    expression = fts5_expression(query)
    if window.host_email:
        expression = f'({expression}) AND (scope : "{host_token(window.host_email)}")'
    if not window.include_private:
        expression = f'({expression}) NOT (scope : "{PRIVATE_TOKEN}")'
    return expression


def candidates(connection: Connection, query: Query, window: Window) -> list[Candidate]:
    values = {
        "match": _match(query, window),
        "low": window.low,
        "high": window.high,
        "size": window.size,
    }
    if window.reader_id is None:
        rows = connection.execute(_EVERYONE, values).all()
    else:
        rows = connection.execute(_ONE_READER, {**values, "reader": window.reader_id}).all()
    counted = [(row[0], row[3], row[4], _counts(row[1]), _counts(row[2])) for row in rows]
    speaker_mean = _mean([c[3][1] for c in counted])
    body_mean = _mean([c[4][1] for c in counted])
    return [
        Candidate(
            doc_id,
            meeting,
            kind,
            SPEAKER_WEIGHT * _saturated(*speaker, speaker_mean)
            + BODY_WEIGHT * _saturated(*body, body_mean),
        )
        for doc_id, meeting, kind, speaker, body in counted
    ]


def _counts(marked: str | None) -> tuple[int, int]:
    """(matches, tokens) in one column's highlighted text."""
    if not marked:
        return 0, 0
    return marked.count(MARK_OPEN), len(_TOKEN.findall(marked))


def _mean(lengths: list[int]) -> float:
    present = [n for n in lengths if n]
    return sum(present) / len(present) if present else 1.0


def _saturated(matches: int, length: int, mean_length: float) -> float:
    if not matches:
        return 0.0
    norm = 1 - B + B * length / mean_length
    return matches * (K1 + 1) / (matches + K1 * norm)


def snippets(connection: Connection, query: Query, ids: Sequence[int]) -> dict[int, str]:
    """Each document's text around its matches, marked with MARK_OPEN/MARK_CLOSE."""
    if not ids:
        return {}
    rows = connection.execute(_SNIPPETS, {"match": fts5_expression(query), "ids": list(ids)})
    return {row[0]: row[1] or "" for row in rows}
