class Undeliverable(Exception):
    """The message cannot reach this person by this channel (no address): retrying will not help."""
