"""Saved searches and listing alerts (RESO SavedSearch and Prospecting)."""
