"""the privacy proxy's API keys (filled in by the proxy work)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 23:10:00
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
