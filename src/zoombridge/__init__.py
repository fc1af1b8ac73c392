"""zoombridge: connect an organization's Zoom account to the systems it owns."""

__version__ = "0.1.0"
