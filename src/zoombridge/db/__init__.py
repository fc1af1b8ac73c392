"""The catalog database: SQLAlchemy models, engines and Alembic migrations."""

from zoombridge.db.engine import Catalog, open_catalog
from zoombridge.db.models import FileState

__all__ = ["Catalog", "FileState", "open_catalog"]
