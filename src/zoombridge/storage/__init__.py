"""Owned storage for archived files (local folder, S3, memory) and their object keys."""

from zoombridge.storage.keys import InstanceKeys, check_template
from zoombridge.storage.store import Store, open_store

__all__ = ["InstanceKeys", "Store", "check_template", "open_store"]
