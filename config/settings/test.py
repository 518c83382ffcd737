"""The test suite: real PostgreSQL and Redis on 127.0.0.1 unless the environment says otherwise."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/community_policing")
# Database 15 keeps the suite's keys (and its cache.clear()) away from anything else on Redis.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Tests enqueue eagerly unless a test starts a real worker (tests/conftest.py: celery_worker).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Serve static files through the finders (node_modules included) without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
