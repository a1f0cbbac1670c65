"""The contact log: every contact with a company recorded, and return visits."""
