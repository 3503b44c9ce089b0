"""Two-way messages with leads: agents' emails and texts through the compliance
gate, replies threaded per person, opt-out keywords, provider webhooks."""
