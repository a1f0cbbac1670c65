"""The API (/api/v1/): the systems around the window read and write through it, each with its own token."""
