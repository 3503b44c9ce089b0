"""SENW CRM sidecar: the Python half of the CRM (API, jobs, MLS sync, scoring)."""
