"""Skip tracing: owners' phones and emails from a batch provider (client.py),
merged into the traced people (merge.py), batches run by a job (run.py), and
the provider's signed asynchronous results (webhooks.py)."""
