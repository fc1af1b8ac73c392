"""The catalog database: SQLAlchemy models, engines and Alembic migrations."""

from zoombridge.db.engine import Catalog, open_catalog
from zoombridge.db.models import FileState

# The meetings tables join Base.metadata wherever the catalog is used.
import zoombridge.db.meeting_models  # noqa: F401  # isort: skip
import zoombridge.db.privacy_models  # noqa: F401  # isort: skip
import zoombridge.db.library_models  # noqa: F401  # isort: skip

__all__ = ["Catalog", "FileState", "open_catalog"]
