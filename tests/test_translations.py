"""Simplified Chinese is complete, and the compiled catalogue matches its source."""

from pathlib import Path

import polib
from django.test import Client
from django.urls import reverse
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(LOCALE / "django.po")
    assert catalogue.untranslated_entries() == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert catalogue.percent_translated() == 100


def test_compiled_catalogue_is_up_to_date():
    source = {
        (e.msgid, e.msgstr or e.msgstr_plural.get(0, ""))
        for e in polib.pofile(LOCALE / "django.po")
    }
    compiled = {
        (e.msgid, e.msgstr or e.msgstr_plural.get(0, ""))
        for e in polib.mofile(LOCALE / "django.mo")
    }
    assert source <= compiled, "run `make messages` (compilemessages) and commit django.mo"


def test_placeholders_survive_translation():
    import re

    for entry in polib.pofile(LOCALE / "django.po"):
        original = set(re.findall(r"%\(\w+\)s", entry.msgid))
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert original == set(re.findall(r"%\(\w+\)s", translated)), entry.msgid


def test_catalogue_covers_the_code(tmp_path):
    """makemessages finds no message that the catalogue lacks."""
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        import pytest

        pytest.skip("gettext's xgettext is not installed")
    root = Path(__file__).resolve().parent.parent
    work = tmp_path / "copy"
    shutil.copytree(
        root,
        work,
        ignore=shutil.ignore_patterns(".venv", "node_modules", "staticfiles", ".git", "*.sqlite3"),
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            "tests/*",
            "--ignore",
            ".venv/*",
            "--ignore",
            "node_modules/*",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    fresh = {e.msgid for e in polib.pofile(work / "locale/zh_Hans/LC_MESSAGES/django.po")}
    committed = {e.msgid for e in polib.pofile(LOCALE / "django.po")}
    assert fresh - committed == set(), "new strings: run `make messages` and translate them"


def test_pages_render_in_chinese_and_english(db):
    from tests.world import build_world

    world = build_world()
    client = Client()
    client.force_login(world.user("chief_a1"))
    chinese = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本派出所" in chinese and "网格" in chinese
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My police station" in english
    translation.activate("en")


def test_language_switch_sets_the_language(db):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get("/accounts/login/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()
