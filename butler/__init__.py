"""Butler: the project package and the enterprise butler service itself."""

from butler.celery import app as celery_app

__all__ = ["celery_app"]
