"""Smoke test of the embedded default: SQLite, eager tasks, the demo district, one login per tier.

Runs what `make run` runs (migrate, generate_demo, runserver) in subprocesses on a fresh SQLite
file, then logs in through the real login form as each tier and renders its home page.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DEMO_LOGINS = ["admin", "staff01", "chief01", "officer01", "worker01"]


def _embedded_env(database: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_in_and_open_home(base: str, username: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("Accept-Language", "en")]
    login_page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": settings.DEMO_PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
    )
    response = opener.open(request, timeout=30)
    assert response.url.rstrip("/") == base, f"{username} was not logged in ({response.url})"
    return response.read().decode()


@pytest.mark.smoke
def test_embedded_default_serves_every_tier(tmp_path):
    env = _embedded_env(tmp_path / "embedded.sqlite3")
    _manage(env, "migrate", "--noinput", "-v", "0")
    output = _manage(env, "generate_demo", "--scale", "demo")
    for username in DEMO_LOGINS:
        assert username in output, f"the demo logins printed do not include {username}"
    # A second run changes nothing and still prints the logins.
    assert "chief01" in _manage(env, "generate_demo", "--scale", "demo")

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.3)
        for username in DEMO_LOGINS:
            home = _log_in_and_open_home(base, username)
            cells = re.search(r'data-figure="grid_cells">(\d+)<', home)
            assert cells and int(cells.group(1)) > 0, f"{username}'s home shows no grid cells"
            assert 'data-testid="tier"' in home
    finally:
        server.terminate()
        server.wait(timeout=20)
