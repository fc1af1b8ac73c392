"""The privacy proxy's tables: the API keys its callers authenticate with.

Only the SHA-256 of a key is stored, so a copy of the database lets nobody call the proxy;
the key itself is shown once, when it is made. `allow_ips` lists the networks (CIDR) a key
may be used from; empty means anywhere. A revoked key keeps its row (who had access, and
until when), and its name may be given to a new key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.db.models import Base

__all__ = ["ProxyKey"]


class ProxyKey(Base):
    """One caller's key to the privacy proxy."""

    __tablename__ = "proxy_keys"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The key's first characters, shown in listings so a person can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    allow_ips: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_proxy_keys_name", "name"),)
