"""In-app notices: the bell and its list."""
