"""The catalog database: SQLAlchemy models, engines and Alembic migrations."""

# The meetings, proxy-key and library tables join Base.metadata wherever the catalog is used.
import zoombridge.db.library_models
import zoombridge.db.meeting_models
import zoombridge.db.privacy_models  # noqa: F401 - imported for their tables
from zoombridge.db.engine import Catalog, open_catalog
from zoombridge.db.models import FileState

__all__ = ["Catalog", "FileState", "open_catalog"]
