"""Faults with the real services: Redis stopped and started again, PostgreSQL restarted under a
running gunicorn, two imports of one catalog at once. They run in the PostgreSQL + Redis pass of CI
(and skip on the embedded default, which has neither).

The Redis and the PostgreSQL these tests stop and restart are their own: a ``redis-server`` and a
cluster made with ``initdb``, each on a free port in a temporary folder, removed afterwards. The
machine's Redis and PostgreSQL (which other work on a developer's machine uses) are never stopped."""
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, FindingTransition, Report, ReportStatus
from findings.reports import actions as report_actions
from inspections import actions as walk_actions
from inspections.models import TimelineEvent
from services.catalog_io import catalog_import
from services.models import ServiceItem
from tests.conftest import ROOT, make_item, start_worker, wait_for
from tests.test_catalog_import import good_rows, workbook

pytestmark = [pytest.mark.slow, pytest.mark.serial]
ON_SERVICES = bool(os.environ.get("REDIS_URL")) and connection.vendor == "postgresql"
needs_services = pytest.mark.skipif(not ON_SERVICES, reason="runs in the PostgreSQL + Redis pass")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- a Redis of the test's own ----------------------------------------------------------------

class PrivateRedis:
    """``redis-server`` as a child process on a free port, in a folder of its own; stopped and
    started again on the same port, so that clients configured with its URL see an outage."""

    def __init__(self, folder: Path):
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.folder, self.port, self.proc = folder, _free_port(), None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def up(self) -> bool:
        return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "ping"],
                              capture_output=True, text=True).stdout.strip() == "PONG"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--daemonize", "no", "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.up, timeout=30, message=f"the test's Redis on port {self.port} to start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        wait_for(lambda: not _port_open(self.port), timeout=20, message="the test's Redis to stop")


def reset_producer():
    from chizhou_walkthrough.celery import app

    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def services_on(redis: PrivateRedis):
    """This process's Celery producer and Django cache on ``redis`` (broker db 0, cache db 1, as the
    settings derive them from REDIS_URL); back on the machine's afterwards."""
    from chizhou_walkthrough.celery import app

    saved = app.conf.broker_url
    app.conf.broker_url = redis.url(0)
    reset_producer()
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis.url(1)}}
    try:
        with override_settings(CACHES=cache):  # its setting_changed handler resets django.core.cache.caches
            yield
    finally:
        app.conf.broker_url = saved
        reset_producer()


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@needs_services
def test_with_redis_down_people_keep_working_and_reports_wait(client, transactional_db, office, leader_a, liaison_a,
                                                              department_a, private_redis, monkeypatch):
    item = make_item(department_a, "FLT-1", name="食品经营许可")
    with services_on(private_redis):
        from django.core.cache import cache

        cache.set("cw-fault-probe", 1)  # the cache really is the test's Redis
        assert subprocess.run(["redis-cli", "-p", str(private_redis.port), "-n", "1", "dbsize"],
                              capture_output=True, text=True).stdout.strip() != "0"
        walk = walk_actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                             identity="applicant", channel="window", scheduled_for=timezone.localdate())
        private_redis.stop()
        try:
            reset_producer()
            client.force_login(leader_a)
            assert client.post(reverse("walkthrough-transition", args=[walk.pk, "in_progress"]), {"from": "planned"}).status_code == 302
            assert client.post(reverse("walkthrough-event-add", args=[walk.pk]), {"kind": "queueing"}).status_code == 302
            assert client.post(reverse("finding-file") + f"?walkthrough={walk.pk}",
                               {"category": "hotline", "severity": "minor", "title": "热线无人接听"}).status_code == 302
            finding = Finding.objects.get()
            client.force_login(office)
            # assigning enqueues an e-mail: the broker is down, the move is saved all the same
            assert client.post(reverse("finding-move", args=[finding.pk]), {"to": "rectifying", "version": 1}).status_code == 302
            response = client.post(reverse("report-list"), {"kind": "department", "department": department_a.pk}, follow=True)
            assert "后台服务暂时无法连接" in response.content.decode()
            report = Report.objects.get()
            assert report.status == ReportStatus.PENDING and report.enqueued_at is None
            assert TimelineEvent.objects.count() == 1 and FindingTransition.objects.count() == 1
        finally:
            private_redis.start()  # the same Redis, on the same port, is back
            reset_producer()
        # Redis is back: the sweep (beat, every minute) queues what waited; a worker on that Redis makes it.
        assert report_actions.reports_sweep() == 1
        monkeypatch.setenv("REDIS_URL", private_redis.url(0))
        worker = start_worker(name="after-outage")
        try:
            done = wait_for(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), timeout=120,
                            message="the report after the outage")
        finally:
            worker.stop()
    assert done.status == ReportStatus.DONE


# --- a PostgreSQL cluster of the test's own ---------------------------------------------------

class PrivateCluster:
    """A PostgreSQL cluster made with initdb in a temporary folder, on a free port, listening on
    127.0.0.1 only (its socket in that folder). initdb refuses to run as root, so as root it and
    pg_ctl run as the ``postgres`` user, who owns the folder."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
                      if Path(p).parent.parent.name.isdigit() else 0)
        initdb = bins[-1] if bins else shutil.which("initdb")
        if initdb is None:
            pytest.skip("PostgreSQL's initdb is not installed")
        self.bin = Path(initdb).parent
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root, and there is no postgres user to run initdb as")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="cw-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
        if self.as_user:
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        self.data, self.port = self.folder / "data", _free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv):
        result = subprocess.run([*self.as_user, *map(str, argv)], capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, f"{argv[0]} failed:\n{result.stdout}\n{result.stderr}\n{self.log()}"

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def init_and_start(self):
        self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-w", "-t", "60",
                  "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}", "start")

    def restart(self):
        # -l again: without it the restarted server writes to pg_ctl's stdout, this test's pipe.
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-m", "fast", "-w", "-t", "60",
                  "restart")

    def ready(self) -> bool:
        return subprocess.run([self.bin / "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=120)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgresql():
    cluster = PrivateCluster()
    try:
        cluster.init_and_start()
        yield cluster
    finally:
        cluster.remove()


def _get(url) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@needs_services
def test_the_first_request_after_a_postgresql_restart_succeeds(private_postgresql):
    port = _free_port()
    # /healthz is a SELECT 1: the cluster's own "postgres" database, unmigrated, is enough.
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="chizhou_walkthrough.settings.test", DATABASE_URL=private_postgresql.url,
               PYTHONUNBUFFERED="1")
    env.pop("CW_TEST_DATABASE_NAME", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "chizhou_walkthrough.wsgi:application", "--bind", f"127.0.0.1:{port}",
                             "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        wait_for(lambda: _get(url) == 200 if _port_open(port) else False, timeout=60, message="gunicorn")
        for _ in range(4):
            assert _get(url) == 200  # both workers hold a persistent connection now
        before = _backend_starts(private_postgresql)
        private_postgresql.restart()
        wait_for(private_postgresql.ready, timeout=60, message="the test's PostgreSQL")
        assert _backend_starts(private_postgresql) != before  # it really was restarted
        assert [_get(url) for _ in range(4)] == [200] * 4  # CONN_HEALTH_CHECKS: no stale connection used
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _backend_starts(cluster) -> str:
    return subprocess.run([str(cluster.bin / "psql"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
                           "-d", "postgres", "-Atc", "SELECT pg_postmaster_start_time()"],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL runs writers concurrently; SQLite serialises them")
def test_two_imports_of_one_catalog_at_once(transactional_db, department_a, tmp_path):
    path = workbook(tmp_path / "same.xlsx", good_rows())
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(catalog_import(path=path))
        except Exception as exc:  # a crash is the bug this test is for
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert all(r.ok for r in results)
    assert sorted((r.created, r.updated) for r in results) == [(0, 2), (2, 0)]  # one created, the other updated
    assert ServiceItem.objects.filter(code__in=["A-001", "A-002"]).count() == 2
