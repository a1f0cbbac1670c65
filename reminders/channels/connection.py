"""One kept-alive HTTP connection to a provider (an SMS gateway, a chat robot) for the messages of a
delivery: opened on the first message, opened again after an error or when the provider closes it."""

import http.client
from urllib.parse import SplitResult


class ProviderError(Exception):
    """The provider answered with an HTTP error: the message was not accepted (it is tried again later)."""


class KeptAlive:
    def __init__(self, name: str):
        self.name = name  # how errors name the provider, e.g. "SMS gateway"
        self.http: http.client.HTTPConnection | None = None

    def post(self, url: SplitResult, path: str, body: bytes, headers: dict, *, timeout: float) -> bytes:
        """POST ``body`` to ``path`` on ``url``'s host; the answer's body, or ``ProviderError`` for an HTTP
        error; a network error is raised as it is, after closing the connection."""
        if self.http is None:
            kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
            self.http = kind(url.hostname, url.port, timeout=timeout)
        try:
            self.http.request("POST", path, body=body, headers=headers)
            response = self.http.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        if response.status >= 400:
            raise ProviderError(f"{self.name}: {response.status} {response.reason}")
        return data

    def close(self) -> None:
        connection, self.http = self.http, None
        if connection is not None:
            connection.close()
