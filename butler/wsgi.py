"""WSGI entry point, e.g. ``gunicorn butler.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "butler.settings.base")

application = get_wsgi_application()
