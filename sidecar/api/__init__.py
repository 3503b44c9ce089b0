"""The sidecar's HTTP API, one blueprint per area (registered in app.py)."""
