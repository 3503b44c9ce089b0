"""Lists: saved criteria, providers (HTTP adapter, CSV upload), import with dedupe."""
