"""One company: its page, profile, people, timeline, history and imports."""
