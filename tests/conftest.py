"""Shared fixtures: the access-test world, logged-in clients per role, a real Celery worker."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.world import World, build_world

__all__ = ["start_celery_worker", "wait_until"]


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def client_as(client, world):
    """``client_as("chief_a1")`` returns the test client logged in as that role of the world."""

    def login(role: str):
        client.force_login(world.user(role))
        return client

    return login


@pytest.fixture(autouse=True)
def _clear_cache():
    # Each test starts with an empty cache (rate limits, lockouts) on the suite's own Redis db.
    cache.clear()
    yield


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker process on Redis, consuming a queue of its own.

    The worker connects to the test database, so tests using it must commit their data
    (this fixture requests ``transactional_db``). Yields a handle with ``queue`` (send tasks
    there with ``apply_async(queue=...)``), ``process`` (to kill it) and ``log()``.
    """
    handle = start_celery_worker(settings)
    try:
        yield handle
    finally:
        handle.stop()


def start_celery_worker(settings, *, extra_env: dict | None = None):
    import os
    import subprocess
    import sys
    import tempfile
    import time
    import uuid
    from pathlib import Path

    from config.celery_app import app

    database = settings.DATABASES["default"]
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log_fd, log_path = tempfile.mkstemp(suffix=".log", prefix="celery-worker-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=log_fd,
        stderr=subprocess.STDOUT,
    )

    class Handle:
        def __init__(self):
            self.queue = queue
            self.process = process
            self._was_eager = app.conf.task_always_eager

        def log(self) -> str:
            return Path(log_path).read_text()

        def stop(self):
            app.conf.task_always_eager = self._was_eager
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            os.close(log_fd)
            os.unlink(log_path)

    handle = Handle()
    app.conf.task_always_eager = False
    deadline = time.monotonic() + 60
    while "ready." not in handle.log():
        if process.poll() is not None or time.monotonic() > deadline:
            output = handle.log()
            handle.stop()
            raise RuntimeError(f"The Celery worker did not start:\n{output}")
        time.sleep(0.2)
    return handle


def wait_until(condition, *, timeout: float = 60, interval: float = 0.2, message: str = ""):
    """Poll ``condition()`` until it is true (a real worker runs asynchronously)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(message or "condition not met in time")


# --- Browser tests (Playwright on Debian's chromium) -----------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    # Playwright's sync API runs an event loop; the test's own ORM calls are still synchronous.
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def console_errors(page):
    """Collects console errors (CSP violations show up here) for the test to assert on."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def live_world(transactional_db) -> World:
    """The world, committed, for tests that drive a browser against ``live_server``."""
    return build_world()


@pytest.fixture
def browser_login(page, live_server):
    """``browser_login("chief_a1")`` logs the page in through the real login form."""
    from tests.world import PASSWORD

    def login(username: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("#login-submit")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return login
