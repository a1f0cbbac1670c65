"""Settings for the test suite: the same as production, made fast and isolated."""

import os

os.environ.setdefault("DEBUG", "1")

from butler.settings.base import *  # noqa: E402,F403
from butler.settings.base import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that threads in the concurrency tests share one database and queue for its lock.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-butler.sqlite3")}
BUTLER_PRIVATE_FILES = VAR_DIR / "test-private"
