"""Test settings: the same services as the mode under test, isolated files."""
import os
import tempfile
import uuid

# Set before base settings read them, and inherited by the worker process the tests start,
# so that test run and worker share files and queue but stay apart from any other run.
os.environ.setdefault("TEST_MEDIA_ROOT", tempfile.mkdtemp(prefix="cw-media-"))
os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", tempfile.mkdtemp(prefix="cw-broker-"))
os.environ.setdefault("CELERY_QUEUE", f"test-{uuid.uuid4().hex[:8]}")

from .base import *  # noqa: E402,F401,F403
from .base import REST_FRAMEWORK  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests only
MEDIA_ROOT = os.environ["TEST_MEDIA_ROOT"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute", "auth": "100000/minute"},
}
# A worker started by the tests connects to the test database by this name.
if os.environ.get("CW_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["CW_TEST_DATABASE_NAME"]  # noqa: F405
