"""The link a message carries out of the product: on its public address (``BUTLER_PUBLIC_URL``)."""

from django.conf import settings


def public_link(url: str) -> str:
    """A link the reader can follow from their mailbox or their chat: on the public address, or none if it
    is unknown."""
    if not url or url.startswith(("http://", "https://")):
        return url
    base = getattr(settings, "BUTLER_PUBLIC_URL", "")
    return f"{base}{url}" if base else ""
