"""The Celery application: workers and beat load their configuration from Django's settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "butler.settings.base")

app = Celery("butler")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
