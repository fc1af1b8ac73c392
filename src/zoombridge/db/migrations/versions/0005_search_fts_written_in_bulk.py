"""SQLite's full-text rows are written by the indexer in bulk, not by triggers row by row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:00:00

The triggers of 0003 added each document to search_fts as its row was inserted; one
INSERT ... SELECT per instance does the same work at about twice the rate (measured by the
search-scale bench). zoombridge.archive.search_index keeps search_fts in step on SQLite
from now on. PostgreSQL's generated tsvector is unchanged.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TRIGGERS = {
    "search_documents_ai": """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents
        BEGIN
            INSERT INTO search_fts(rowid, scope, speaker, body)
            VALUES (new.id, new.scope, new.speaker, new.body);
        END""",
    "search_documents_ad": """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents
        BEGIN
            INSERT INTO search_fts(search_fts, rowid, scope, speaker, body)
            VALUES ('delete', old.id, old.scope, old.speaker, old.body);
        END""",
    "search_documents_au": """CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents
        BEGIN
            INSERT INTO search_fts(search_fts, rowid, scope, speaker, body)
            VALUES ('delete', old.id, old.scope, old.speaker, old.body);
            INSERT INTO search_fts(rowid, scope, speaker, body)
            VALUES (new.id, new.scope, new.speaker, new.body);
        END""",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in TRIGGERS.values():
            op.execute(statement)
