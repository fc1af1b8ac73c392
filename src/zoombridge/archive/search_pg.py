"""The search on PostgreSQL: the generated `search_vector` (GIN-indexed) finds, ts_rank_cd
ranks, ts_headline marks the snippet.

The tsquery is built in SQL from bound parameters: a word or phrase goes through
phraseto_tsquery, which reads its argument as plain text (so an e-mail address is parsed as
the vector's parser parsed it); a prefix term's tokens (letters and digits only) go through
to_tsquery as `'tok' <-> 'pre':*`. No user text is ever part of the SQL or of tsquery syntax.
Like SQLite, the search walks the id range newest first and ranks the newest matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, text

from zoombridge.archive.search_query import (
    MARK_CLOSE,
    MARK_OPEN,
    VISIBLE_TO_READER,
    Candidate,
    Query,
    Term,
    Window,
)

__all__ = ["candidates", "snippets", "tsquery"]

CONFIG = "'english'::regconfig"
# One span around the first matches; fragment mode would cut short texts to the match alone.
HEADLINE = f'StartSel="{MARK_OPEN}", StopSel="{MARK_CLOSE}", MaxWords=30, MinWords=12'


def tsquery(query: Query) -> tuple[str, dict[str, str]]:
    """SQL for the query's tsquery, and its parameters."""
    params: dict[str, str] = {}

    def part(term: Term) -> str:
        name = f"term{len(params)}"
        if term.prefix:
            quoted = [f"'{token}'" for token in term.tokens]
            params[name] = " <-> ".join(quoted) + ":*"
            return f"to_tsquery({CONFIG}, :{name})"
        params[name] = term.text
        return f"phraseto_tsquery({CONFIG}, :{name})"

    wanted = " && ".join(part(t) for t in query.include)
    if query.exclude:
        unwanted = " || ".join(part(t) for t in query.exclude)
        wanted = f"({wanted}) && !!({unwanted})"
    return f"({wanted})", params


def candidates(connection: Connection, query: Query, window: Window) -> list[Candidate]:
    sql, params = tsquery(query)
    host = ""
    if window.host_email:
        host = """AND EXISTS (SELECT 1 FROM meetings AS m
                    WHERE m.connection_id = d.connection_id AND m.uuid = d.meeting_uuid
                    AND lower(m.host_email) = :host)"""
    private = "" if window.include_private else "AND NOT d.private"
    reader = "" if window.reader_id is None else VISIBLE_TO_READER
    statement = text(
        f"""
        SELECT d.id, d.meeting_uuid, d.kind, ts_rank_cd(d.search_vector, {sql}, 1)
        FROM search_documents AS d
        WHERE d.search_vector @@ {sql} AND d.id BETWEEN :low AND :high {host} {private}
        {reader}
        ORDER BY d.id DESC
        LIMIT :size
        """  # noqa: S608 - only fixed fragments; every user value is a bound parameter
    )
    values: dict[str, Any] = {
        **params,
        "low": window.low,
        "high": window.high,
        "size": window.size,
    }
    if window.host_email:
        values["host"] = window.host_email.strip().lower()
    if window.reader_id is not None:
        values["reader"] = window.reader_id
    rows = connection.execute(statement, values).all()
    return [Candidate(row[0], row[1], row[2], float(row[3])) for row in rows]


def snippets(connection: Connection, query: Query, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    sql, params = tsquery(query)
    statement = text(
        f"""
        SELECT d.id, ts_headline({CONFIG}, d.body, {sql}, :options)
        FROM search_documents AS d WHERE d.id IN :ids
        """  # noqa: S608 - only fixed fragments; every user value is a bound parameter
    ).bindparams(bindparam("ids", expanding=True))
    rows = connection.execute(statement, {**params, "options": HEADLINE, "ids": list(ids)})
    return {row[0]: row[1] or "" for row in rows}
