"""Exports of scrubbed, consented records in each platform's format."""
