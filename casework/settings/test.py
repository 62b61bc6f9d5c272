"""Settings for the test suite: the same PostgreSQL and broker as configured, fast hashing."""

import os
from pathlib import Path

# A filesystem broker of its own, so tests never read a development worker's messages.
os.environ.setdefault("CELERY_BROKER_DIR", str(Path(__file__).resolve().parents[2] / ".data" / "broker-test"))

from .base import *  # noqa: F403

ENVIRONMENT = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
# Tests log in many times from one address; the lockout test sets its own limit.
AXES_FAILURE_LIMIT = 5
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests send tasks to their own queue, so a development worker on the same broker never takes them.
CELERY_TASK_DEFAULT_QUEUE = "casework-test"

# Each test process keeps its own cache: a shared one would carry figures from one test (or run) to the next.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
