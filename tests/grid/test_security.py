"""The portal shell's security: login, lockout, idle sessions, CSP, production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.world import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_login_and_logout(client, world):
    response = login(client, "chief_a1", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_says_so_and_warns_of_the_lockout(client, world):
    response = login(client, "chief_a1", "wrong-password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_five_failures_lock_the_account_whatever_ip_they_come_from(client, world):
    for attempt in range(5):
        login(client, "chief_a1", "wrong-password", ip=f"10.0.1.{attempt}")
    # The right password from yet another address is refused while the account is locked.
    response = login(client, "chief_a1", PASSWORD, ip="10.0.2.99")
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    # Other accounts are not affected.
    assert login(client, "chief_a2", PASSWORD, ip="10.0.2.98").status_code == 302


def test_four_failures_then_success_resets_the_count(client, world):
    for _ in range(4):
        login(client, "chief_a1", "wrong-password")
    assert login(client, "chief_a1", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        login(client, "chief_a1", "wrong-password")
    assert login(client, "chief_a1", PASSWORD).status_code == 302


def test_lockout_applies_to_the_api_token_endpoint(client, world):
    from rest_framework.test import APIClient

    api = APIClient()
    for _ in range(5):
        api.post(reverse("api-token"), {"username": "chief_a1", "password": "x"}, format="json")
    response = api.post(
        reverse("api-token"), {"username": "chief_a1", "password": PASSWORD}, format="json"
    )
    # Locked: the right password gets no token, and the answer is the same as for a wrong one.
    assert response.status_code == 400
    assert "token" not in response.json()


def test_session_expires_after_thirty_idle_minutes(client, world):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request renews: idle, not absolute
    login(client, "chief_a1", PASSWORD)
    session = client.session
    assert 29 * 60 < session.get_expiry_age() <= 30 * 60
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(reverse("home")).status_code == 302


def test_content_security_policy_forbids_inline_script(client_as, world):
    response = client_as("chief_a1").get(reverse("home"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    body = response.content.decode()
    assert "<script>" not in body and " onclick=" not in body and ' style="' not in body


def test_pages_carry_no_third_party_asset(client_as, world):
    body = client_as("chief_a1").get(reverse("grid_cell_detail", args=["A1-G1"])).content.decode()
    for marker in ("cdn.", "unpkg", "googleapis", "jsdelivr", "https://"):
        assert marker not in body


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a-production-secret-" + "x9Y" * 20,
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/community_policing",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secret():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_officer_changes_their_password(client, world):
    login(client, "officer_a1", PASSWORD)
    url = reverse("password_change")
    refused = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": "Xq7-river-lamp",
            "new_password2": "Xq7-river-lamp",
        },
    )
    assert refused.status_code == 200
    assert "old_password" in refused.context["form"].errors
    too_simple = client.post(
        url, {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert "new_password2" in too_simple.context["form"].errors
    changed = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Xq7-river-lamp",
            "new_password2": "Xq7-river-lamp",
        },
    )
    assert changed.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # this session stays logged in
    client.post(reverse("logout"))
    assert login(client, "officer_a1", "Xq7-river-lamp").status_code == 302


def test_password_page_needs_a_login(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_uploaded_files_are_never_served_from_the_media_url():
    """Photos and agreements hold personal data: only scoped views serve them."""
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve("/media/disputes/agreements/2026/11/1-agreement.pdf")
