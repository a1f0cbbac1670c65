"""Messages between a company and the window, with attachments."""
