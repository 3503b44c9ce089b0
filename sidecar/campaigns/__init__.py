"""Campaigns: email, SMS and direct-mail sequences through the compliance gate."""
