"""search index: search_documents, with SQLite FTS5 or a PostgreSQL tsvector over it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00

SQLite: `search_fts`, an external-content FTS5 table over search_documents (the text is
stored once, in search_documents; snippet() reads it from there), kept in step by triggers
(until 0005, which leaves that to the indexer).
Porter stemming over unicode61 with diacritics folded, so "meetings" finds "meeting" and
"cafe" finds "café"; prefix indexes for 2-4 characters keep `bu*` from merging thousands
of words' lists at query time.

PostgreSQL: a stored generated tsvector with a GIN index; speaker weighted C and text B, so
a name counts half as much as a word said, as on SQLite. The configuration is 'english',
which stems like the porter tokenizer does on SQLite, so a query finds the same words on
both engines ('simple' would not stem: "meeting" would miss "meetings"). Unlike SQLite it
drops English stop words and does not fold diacritics.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_INDEX = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        scope, speaker, body, content='search_documents', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2', prefix='2 3 4')""",
    """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, scope, speaker, body)
        VALUES (new.id, new.scope, new.speaker, new.body);
    END""",
    """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, scope, speaker, body)
        VALUES ('delete', old.id, old.scope, old.speaker, old.body);
    END""",
    """CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, scope, speaker, body)
        VALUES ('delete', old.id, old.scope, old.speaker, old.body);
        INSERT INTO search_fts(rowid, scope, speaker, body)
        VALUES (new.id, new.scope, new.speaker, new.body);
    END""",
]
POSTGRES_INDEX = [
    """ALTER TABLE search_documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(speaker, '')), 'C')
        || setweight(to_tsvector('english'::regconfig, body), 'B')) STORED""",
    "CREATE INDEX ix_search_vector ON search_documents USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("meeting_uuid", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=100), nullable=True),
        sa.Column("speaker", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=True),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("joined_s", sa.Float(), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id", "meeting_uuid"], ["meetings.connection_id", "meetings.uuid"]
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_search_meeting", "search_documents", ["connection_id", "meeting_uuid"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_INDEX if dialect == "sqlite" else POSTGRES_INDEX:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_meeting", table_name="search_documents")
    op.drop_table("search_documents")
