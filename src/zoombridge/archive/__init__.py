"""The recording archive: discovery, verified transfer, catalog, sidecars, sync status."""
