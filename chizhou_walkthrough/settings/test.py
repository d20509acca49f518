"""Test settings: the same services as the mode under test, isolated files."""
import atexit
import os
import shutil
import tempfile
import uuid

# Set before base settings read them, and inherited by the worker process the tests start,
# so that test run and worker share files and queue but stay apart from any other run — and,
# under pytest-xdist, from the other test processes of the same run (each has its own).
_XDIST = os.environ.get("PYTEST_XDIST_WORKER", "")
if os.environ.get("CW_TEST_ENV_FOR") != _XDIST:
    os.environ["CW_TEST_ENV_FOR"] = _XDIST
    os.environ["TEST_MEDIA_ROOT"] = tempfile.mkdtemp(prefix=f"cw-media-{_XDIST}")
    os.environ["CELERY_FILESYSTEM_BROKER_DIR"] = tempfile.mkdtemp(prefix=f"cw-broker-{_XDIST}")
    os.environ["CELERY_QUEUE"] = f"test-{uuid.uuid4().hex[:8]}{_XDIST}"

    def _remove_made(folders=(os.environ["TEST_MEDIA_ROOT"], os.environ["CELERY_FILESYSTEM_BROKER_DIR"]), pid=os.getpid()):
        # Only the process that made them (a forked child exiting normally must not).
        if os.getpid() == pid:
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)

    # Removed when this process ends: the pytest process, or each xdist worker for its own.
    atexit.register(_remove_made)

from .base import *  # noqa: E402,F401,F403
from .base import REST_FRAMEWORK  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests only
MEDIA_ROOT = os.environ["TEST_MEDIA_ROOT"]
# Plain static names in tests: no `collectstatic` before each run (the live server serves the source
# folders). tests/test_static_files.py runs `collectstatic` with the hashed storage and checks it.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}  # noqa: F405
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute", "auth": "100000/minute"},
}
# The tests' webhook receiver listens on loopback; the tests of the refusal turn this off (the
# worker they start reads it from the environment).
WEBHOOK_ALLOW_PRIVATE_TARGETS = os.environ.get("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true").lower() in ("1", "true", "yes", "on")
# A worker started by the tests connects to the test database by this name.
if os.environ.get("CW_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["CW_TEST_DATABASE_NAME"]  # noqa: F405

# Each xdist process clears only its own cache: a Redis database of its own (2, 3, …).
if CACHES["default"]["BACKEND"].endswith("RedisCache") and _XDIST.startswith("gw"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(CACHES["default"]["LOCATION"])  # noqa: F405
    CACHES["default"]["LOCATION"] = urlunsplit(_parts._replace(path=f"/{2 + int(_XDIST[2:])}"))  # noqa: F405
