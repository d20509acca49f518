"""Clean running (issue 15, part 4): the API answers JSON errors whatever DEBUG is, a test run leaves
nothing in the temporary directory, and the worker's log file is appended, rotated and free of the
PDF renderer's layout chatter."""
import os
import subprocess
import sys
import tempfile
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.urls import include, path

from findings import actions as finding_actions
from findings.models import Report, ReportStatus
from findings.reports import actions as report_actions
from tests.conftest import ROOT, wait_for


# --- JSON errors under /api/, DEBUG on or off ------------------------------------------------------

def _boom(request):
    raise RuntimeError("an unhandled error, on purpose")


# The project's URLs plus a view that fails, under /api/ and outside it (used through pytest.mark.urls).
_project_urls = import_module(settings.ROOT_URLCONF)
urlpatterns = [path("api/v1/boom/", _boom), path("boom/", _boom), path("", include(_project_urls))]
handler404 = _project_urls.handler404
handler500 = _project_urls.handler500

with_boom = pytest.mark.urls(__name__)


@with_boom
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
def test_an_unknown_api_path_is_the_same_json_404_whatever_debug_is(settings, db, debug):
    settings.DEBUG = debug
    response = Client().get("/api/v1/nope/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}
    # the headers the other middleware set are kept
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert int(response["Content-Length"]) == len(response.content)


@with_boom
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
def test_an_unhandled_error_under_the_api_is_a_json_500_whatever_debug_is(settings, db, debug):
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get("/api/v1/boom/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "服务器错误。"}


@with_boom
def test_other_django_errors_under_the_api_keep_their_status_as_json(settings, db):
    settings.DEBUG = True
    # a host that is not allowed: Django answers 400 with its debug page
    response = Client().get("/api/v1/departments/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"]


@with_boom
def test_drf_answers_are_left_as_drf_made_them(settings, office):
    settings.DEBUG = True
    client = Client()
    client.force_login(office)
    response = client.get("/api/v1/findings/999999/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"]
    # a browser asking DRF's browsable API for HTML gets it, errors included (content negotiation)
    response = Client().get("/api/v1/departments/", HTTP_ACCEPT="text/html")
    assert response.status_code in (401, 403) and "text/html" in response["Content-Type"]


@with_boom
def test_pages_outside_the_api_keep_djangos_debug_pages(settings, db):
    settings.DEBUG = True
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500 and "text/html" in response["Content-Type"]
    assert b"an unhandled error, on purpose" in response.content  # the technical page
    response = Client().get("/api", follow=False)  # not under /api/
    assert "application/json" not in response.get("Content-Type", "")


# --- a test run leaves nothing in the temporary directory ------------------------------------------

def test_media_and_broker_folders_of_a_test_process_are_in_the_temporary_directory(db):
    """Also the inner run of the test below: it puts a file in them, so there is something to remove."""
    temp = Path(tempfile.gettempdir()).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    assert media.parent == temp and media.name.startswith("cw-media-")
    default_storage.save("leftover.txt", ContentFile(b"made by a test"))
    broker = Path(os.environ["CELERY_FILESYSTEM_BROKER_DIR"]).resolve()
    assert broker.parent == temp and broker.name.startswith("cw-broker-")


# Variables of this run that would make the inner run share this run's folders, queue or databases.
_THIS_RUN = ("CW_TEST_ENV_FOR", "TEST_MEDIA_ROOT", "CELERY_FILESYSTEM_BROKER_DIR", "CELERY_QUEUE",
             "CW_TEST_DATABASE_NAME", "DATABASE_URL", "REDIS_URL", "CACHE_URL", "PYTEST_ADDOPTS")


@pytest.mark.slow
@pytest.mark.parametrize("processes", [["-n", "2"], ["-p", "no:xdist"]], ids=["xdist", "one-process"])
def test_a_test_run_leaves_nothing_in_the_temporary_directory(tmp_path, processes):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in _THIS_RUN and not k.startswith("PYTEST_XDIST")}
    # the embedded default (filesystem broker) in folders of its own: nothing shared with this run
    env.update(TMPDIR=str(temp), VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="chizhou_walkthrough.settings.test")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *processes, "-p", "no:cacheprovider",
         "-q", "tests/test_clean_running.py", "-k", "are_in_the_temporary_directory or unknown_api_path"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and "3 passed" in result.stdout, result.stdout + result.stderr
    # nor pytest's own pytest-of-<user> (conftest.pytest_unconfigure)
    assert sorted(p.name for p in temp.iterdir()) == []
    # this run's own folders are still there: each process removes only what it made
    assert Path(settings.MEDIA_ROOT).is_dir()


# --- the worker's log file -------------------------------------------------------------------------

def _start_logging_worker(log: Path, out: Path) -> subprocess.Popen:
    """A real worker as bin/run starts it (WORKER_LOG_FILE, --quiet, INFO), on this run's broker and
    test database (as conftest.start_worker); ready when its log file says so once more."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="chizhou_walkthrough.settings.test", PYTHONUNBUFFERED="1",
               CW_TEST_DATABASE_NAME=str(connection.settings_dict["NAME"]), WORKER_LOG_FILE=str(log))
    readies = log.read_text(encoding="utf-8").count(" ready.") if log.exists() else 0
    celery = Path(sys.executable).parent / "celery"
    with out.open("a") as console:
        proc = subprocess.Popen(
            [str(celery), "-A", "chizhou_walkthrough", "--quiet", "worker", "--pool=solo", "--loglevel=INFO",
             "-Q", env["CELERY_QUEUE"], "-n", "logged@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=console, stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: proc.poll() is not None or (log.exists() and log.read_text(encoding="utf-8").count(" ready.") > readies),
                 message="the worker")
    except AssertionError:
        _stop(proc)
        raise
    assert proc.poll() is None, out.read_text()
    return proc


def _stop(proc: subprocess.Popen):
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_the_worker_log_is_appended_at_info_without_the_pdf_layout_steps(tmp_path, transactional_db, office, department_a):
    log, out = tmp_path / "worker.log", tmp_path / "worker.out"
    log.write_text("2026-01-01 00:00:00,000 INFO MainProcess a line from the run before\n", encoding="utf-8")
    finding_actions.finding_file(actor=office, department=department_a, category="hotline", title="热线无人接听")

    worker = _start_logging_worker(log, out)
    try:
        report = report_actions.report_request(actor=office, kind="department", department=department_a)
        report = wait_for(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(),
                          message="the report")
    finally:
        _stop(worker)
    assert report.status == ReportStatus.DONE, (report.error, log.read_text())
    _stop(_start_logging_worker(log, out))  # started again: appended to, not overwritten

    text = log.read_text(encoding="utf-8")
    assert text.startswith("2026-01-01 00:00:00,000 INFO MainProcess a line from the run before\n")
    assert text.count(" ready.") == 2
    assert " INFO " in text and "succeeded" in text  # the report task's own line
    assert " DEBUG " not in text
    # no WeasyPrint layout steps ("Step 1 - Fetching and parsing HTML" …) nor fontTools' subsetting lines
    assert "weasyprint" not in text and "fontTools" not in text and "Step " not in text
    # nothing logged went to the console instead
    assert " ready." not in out.read_text() and "succeeded" not in out.read_text()


def test_the_worker_log_rotates_by_size(tmp_path):
    """Celery's own logging set-up (what the worker runs), with a small size to rotate at."""
    log = tmp_path / "worker.log"
    code = (
        "import logging\n"
        "import django\n"
        "from celery.utils.log import get_task_logger\n"
        "from chizhou_walkthrough.celery import app\n"
        "django.setup()  # as the worker does (Celery's Django fix-up), before it sets up logging\n"
        "app.log.setup(loglevel='INFO')\n"
        "for n in range(60):\n"
        "    logging.getLogger('chizhou.test').info('line %d %s', n, 'x' * 200)\n"
        "get_task_logger('chizhou.test.task').info('from a task logger')\n"
        "logging.getLogger('weasyprint.progress').info('Step 1 - Fetching and parsing HTML')\n"
        "logging.getLogger('fontTools.subset').info('glyf subsetted')\n"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="chizhou_walkthrough.settings.test", WORKER_LOG_FILE=str(log),
               WORKER_LOG_MAX_BYTES="4000", WORKER_LOG_BACKUP_COUNT="2")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["worker.log", "worker.log.1", "worker.log.2"]
    assert all(p.stat().st_size <= 4000 for p in tmp_path.iterdir())
    logged = "".join(p.read_text() for p in sorted(tmp_path.iterdir(), reverse=True))  # oldest first
    assert "line 59" in logged and "line 50" in logged and "line 10" not in logged  # older files dropped
    assert "chizhou.test.task from a task logger" in log.read_text()  # the task logger too, last
    assert "Step 1" not in logged and "glyf" not in logged
    assert "line 59" not in result.stderr  # the file, not the console
