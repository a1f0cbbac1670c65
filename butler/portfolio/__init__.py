"""A butler's portfolio and Today page."""
