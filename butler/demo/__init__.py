"""Demo and volume data: never on a production code path."""
