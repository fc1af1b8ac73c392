"""zoombridge's HTTP side: the Zoom webhook receiver now; the portal and JSON API later."""
