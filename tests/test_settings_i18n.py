"""Settings from the environment, and the Chinese catalogue complete and compiled."""
import gettext
import os
import subprocess
import sys
from pathlib import Path

import polib
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def settings_in_subprocess(env_overrides: dict, expr: str, module="chizhou_walkthrough.settings.base"):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_FILESYSTEM_BROKER_DIR")}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE=module)
    code = f"import django; django.setup(); from django.conf import settings as s; print({expr})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_embedded_default_needs_no_services(tmp_path):
    out = settings_in_subprocess(
        {"VAR_DIR": str(tmp_path)},
        "s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND']",
    )
    assert out.returncode == 0, out.stderr
    assert "sqlite3" in out.stdout and "filesystem://" in out.stdout and "LocMemCache" in out.stdout
    assert (tmp_path / "broker" / "queue").is_dir()


def test_service_urls_switch_to_postgres_and_redis(tmp_path):
    out = settings_in_subprocess(
        {"VAR_DIR": str(tmp_path), "DATABASE_URL": "postgres://u:p@db.example:5432/cw", "REDIS_URL": "redis://cache.example:6379/1"},
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['CONN_HEALTH_CHECKS'], s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION']",
    )
    assert out.returncode == 0, out.stderr
    assert "postgresql" in out.stdout and "True" in out.stdout
    assert "redis://cache.example:6379/1" in out.stdout and "RedisCache" in out.stdout
    assert "redis://cache.example:6379/2" in out.stdout  # the cache in the next database: clearing it keeps the queue


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert dict(settings.LANGUAGES).keys() == {"zh-hans", "en"}


def test_chinese_catalogue_is_complete_and_compiled():
    po_path = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert not untranslated, f"untranslated strings: {untranslated}"
    with open(po_path.with_suffix(".mo"), "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = [e.msgid for e in po if not e.obsolete and not e.msgid_plural and mo.gettext(e.msgid) != e.msgstr]
    assert not stale, f".mo is older than .po (run compilemessages): {stale[:5]}"


def test_every_source_string_is_in_the_catalogue(tmp_path):
    """makemessages over the code finds nothing the .po lacks."""
    import shutil

    if shutil.which("xgettext") is None:
        import pytest

        pytest.skip("gettext tools not installed")
    po = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    known = {e.msgid for e in po if not e.obsolete}
    # Walk the sources the way makemessages does, into a throwaway copy of the catalogue.
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="chizhou_walkthrough.settings.base", VAR_DIR=str(tmp_path))
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "tests", "node_modules", "artifacts"))
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--ignore=tools"],
                   cwd=copy, env=env, check=True, capture_output=True)
    found = {e.msgid for e in polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")) if not e.obsolete}
    assert not (found - known), f"strings missing from the catalogue: {sorted(found - known)}"
