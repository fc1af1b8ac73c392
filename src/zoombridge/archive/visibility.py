"""Who may see a recording: the one written rule, for every place that asks.

The library's list, a recording's page, its media and downloads (archive.library) and the
search on both engines (archive.search_sqlite, archive.search_pg) all filter by this same
SQL, so a recording cannot be found by search yet hidden from the library, or the reverse.
It is SQL text rather than a SQLAlchemy expression because the engines' full-text queries are
hand-written for their engine; the library wraps it with `text()` and binds the same
`:reader` parameter.

A reader (a portal user who does not see everything) sees a recording when its library entry
says they wrote it, or when it is published and its visibility is "signed_in", or "chosen"
and they are chosen by name or belong to a group chosen for it. Group membership is read at
the moment of the query: removing someone from a group takes their access away at once.
A recording without a library entry is seen by Managers and Admins only.
"""

from __future__ import annotations

import re

from sqlalchemy import TextClause, text

__all__ = ["READER_PARAMETER", "visible_clause", "visible_sql"]

READER_PARAMETER = "reader"
_COLUMN = re.compile(r"[a-z_]+\.[a-z_]+")


def visible_sql(connection_column: str, uuid_column: str) -> str:
    """The rule as an SQL condition on the recording named by the two (qualified) columns,
    with the reader's user id bound as `:reader`."""
    for column in (connection_column, uuid_column):
        if not _COLUMN.fullmatch(column):  # constants of our own, never user text
            raise ValueError(f"not a qualified column name: {column!r}")
    return f"""EXISTS (
    SELECT 1 FROM library_entries AS e
    WHERE e.connection_id = {connection_column} AND e.meeting_uuid = {uuid_column}
    AND (e.author_id = :reader OR (e.status = 'published' AND (e.visibility = 'signed_in'
        OR (e.visibility = 'chosen' AND (
            EXISTS (SELECT 1 FROM library_viewers AS v
                WHERE v.connection_id = e.connection_id AND v.meeting_uuid = e.meeting_uuid
                AND v.user_id = :reader)
            OR EXISTS (SELECT 1 FROM library_viewer_groups AS g
                JOIN viewer_group_members AS m ON m.group_id = g.group_id
                WHERE g.connection_id = e.connection_id AND g.meeting_uuid = e.meeting_uuid
                AND m.user_id = :reader)))))))"""  # noqa: S608 - column names checked above


# The library queries the `meetings` table itself (not an alias): one compiled text for all.
_ON_MEETINGS = visible_sql("meetings.connection_id", "meetings.uuid")


def visible_clause(reader_id: int) -> TextClause:
    """The rule for a query over the `meetings` table, bound to one reader."""
    return text(_ON_MEETINGS).bindparams(**{READER_PARAMETER: reader_id})
