"""The embedded default: SQLite, tasks run eagerly, no services needed (``make run``)."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from config.settings.base import *  # noqa: F403
