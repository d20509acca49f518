"""Fixtures shared by the suite: people, a real Celery worker, a real browser."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Role, User
from services.models import Department, DepartmentLevel, Region, ServiceItem

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "Walk-the-process-2026"


# --- catalog and people --------------------------------------------------------------------

@pytest.fixture
def region(db):
    return Region.objects.create(code="guichi", name="贵池区", sort_order=1)


@pytest.fixture
def department_a(region):
    return Department.objects.create(code="city-amr", name="市市场监督管理局", level=DepartmentLevel.CITY, region=region)


@pytest.fixture
def department_b(region):
    return Department.objects.create(code="city-housing", name="市住房和城乡建设局", level=DepartmentLevel.CITY, region=region)


def make_item(department, code, **extra) -> ServiceItem:
    fields = dict(name=f"事项{code}", item_type="licensing", legal_limit_days=20, promised_limit_days=10)
    fields.update(extra)
    return ServiceItem.objects.create(code=code, department=department, **fields)


def make_user(username, role, department=None, **extra) -> User:
    user = User(username=username, role=role, department=department, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def office(db):
    return make_user("office", Role.OFFICE, is_staff=True, last_name="王", first_name="主任")


@pytest.fixture
def leader_a(department_a):
    return make_user("leader_a", Role.LEADER, department_a, last_name="李", first_name="局长")


@pytest.fixture
def liaison_a(department_a):
    return make_user("liaison_a", Role.LIAISON, department_a)


@pytest.fixture
def leader_b(department_b):
    return make_user("leader_b", Role.LEADER, department_b)


# --- a real Celery worker ---------------------------------------------------------------------

class WorkerProcess:
    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            if " ready." in line:
                self.ready.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_worker(*, name: str = "w1") -> WorkerProcess:
    """Start ``celery worker`` as its own process, on the broker and test database of this run."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "chizhou_walkthrough.settings.test"
    env["CW_TEST_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    env["PYTHONUNBUFFERED"] = "1"
    celery = Path(sys.executable).parent / "celery"
    proc = subprocess.Popen(
        [str(celery), "-A", "chizhou_walkthrough", "worker", "--pool=solo", "--loglevel=INFO",
         "-Q", env["CELERY_QUEUE"], "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    worker = WorkerProcess(proc)
    if not worker.ready.wait(timeout=60):
        worker.stop()
        raise RuntimeError("Celery worker did not become ready:\n" + worker.output)
    return worker


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker process; tests using it see only committed data, hence transactional_db."""
    worker = start_worker()
    yield worker
    worker.stop()


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


# --- a real browser ---------------------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed; bin/test installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django must allow sync DB calls from this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with tempfile.TemporaryDirectory(prefix="cw-fonts-") as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True,
                                    env={**os.environ, "FONTCONFIG_FILE": _fontconfig_with_chinese(Path(folder))})
        yield browser
        browser.close()


def _fontconfig_with_chinese(folder: Path) -> str:
    """The system's fonts plus the Chinese font the project ships (static/fonts): a machine without a
    CJK font (a CI runner) would otherwise draw the pages' Chinese as empty boxes in the screenshots."""
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{ROOT / 'static' / 'fonts'}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>"
    )
    return str(conf)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# --- the role matrix's people -----------------------------------------------------------------------

@pytest.fixture
def api_a(department_a):
    """An API client scoped to department A, with its token key."""
    from accounts import actions

    user = make_user("api_a", Role.API, department_a)
    token, key = actions.api_token_create(user=user, name="hotline", created_by=None)
    user.token_key = key
    return user


@pytest.fixture
def matrix_objects(department_a, department_b, office, leader_a, liaison_a, leader_b, api_a):
    import itertools

    counter = itertools.count(1)
    return {
        "department_a": department_a,
        "department_b": department_b,
        "item_a": make_item(department_a, "MA-1"),
        "item_b": make_item(department_b, "MB-1"),
        "users": {"office": office, "leader_a": leader_a, "liaison_a": liaison_a, "leader_b": leader_b, "api_a": api_a},
        "counter": lambda: next(counter),
    }


def client_for(role: str, objs: dict, *, api: bool):
    """A client acting as ``role``: a browser session for people, a token for the API client on the API."""
    from rest_framework.test import APIClient

    client = APIClient()
    if role == "anon":
        return client
    user = objs["users"][role]
    if role == "api_a" and api:
        client.credentials(HTTP_AUTHORIZATION=f"Token {user.token_key}")
    else:
        client.force_login(user)
    return client


@pytest.fixture(scope="session", autouse=True)
def _empty_the_test_queue():
    """Tasks enqueued by tests without a worker (e-mails) must not pile up on a shared Redis."""
    yield
    from chizhou_walkthrough.celery import app

    try:
        app.control.purge()
    except Exception:  # the broker may be down in a fault test; nothing to purge then
        pass


@contextlib.contextmanager
def broker_unreachable():
    """Point this process's Celery producer at a port where nothing listens — what a web process
    sees when Redis is down — without touching the real broker other processes use."""
    from chizhou_walkthrough.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "task_publish_retry", "broker_connection_retry", "broker_connection_max_retries")}

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_publish_retry=False, broker_connection_retry=False,
                    broker_connection_max_retries=0)
    reset_pools()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_pools()


def api_client(user=None):
    """An API client acting as ``user``: the real token header for API accounts, a forced
    session for people, nobody when ``user`` is None."""
    from rest_framework.test import APIClient

    api = APIClient()
    if user is not None:
        if user.role == Role.API:
            api.credentials(HTTP_AUTHORIZATION=f"Token {user.token_key}")
        else:
            api.force_authenticate(user)
    return api


def pytest_collection_modifyitems(config, items):
    """The embedded pass (no DATABASE_URL) uses no PostgreSQL: the tests that make databases on the
    machine's PostgreSQL (backup and restore, the compose services' commands) run only when
    DATABASE_URL says that a PostgreSQL is to be used — they would otherwise create databases on
    whatever PostgreSQL happens to run on a developer's machine."""
    if os.environ.get("DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="makes databases on the local PostgreSQL: runs in the pass with DATABASE_URL")
    for item in items:
        if item.path.name == "test_operations.py" or "stack_env" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


def pytest_unconfigure(config):
    """pytest's own temporary folders are left empty when nothing is retained (pytest.ini keeps only
    a failed test's files): remove this run's, and ``pytest-of-<user>`` if nothing else is in it, so
    that a run leaves nothing behind. Only this run's folder is touched: another run may be going on.
    The xdist workers' folders lie inside the main process's, which removes them."""
    if hasattr(config, "workerinput"):
        return
    factory = getattr(config, "_tmp_path_factory", None)
    basetemp = getattr(factory, "_basetemp", None)
    if basetemp is None:
        return
    for path in sorted(basetemp.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink():
            with contextlib.suppress(OSError):
                path.rmdir()  # only if empty: a failed test's files stay
    with contextlib.suppress(OSError):
        basetemp.rmdir()  # gone already when pytest removed it
    root = basetemp.parent
    if root.name.startswith("pytest-of-"):
        current = root / "pytest-current"
        if current.is_symlink() and not current.exists():
            current.unlink()
        with contextlib.suppress(OSError):
            root.rmdir()
