"""Public input into the CRM: raw submissions (senw_submissions), stored whole by
the plugin in one statement, turned here into people, leads and inquiries under
the identity rules (identity.py)."""
