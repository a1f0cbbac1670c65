"""Health checks, worker heartbeats and the outage page."""
