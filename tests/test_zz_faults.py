"""Faults with the real services: Redis stopped and started again, PostgreSQL restarted under a
running gunicorn, two imports of one catalog at once. Named to run last: they disturb the services
every other test uses. They run in the PostgreSQL + Redis pass of CI (and skip on the embedded default,
which has neither)."""
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
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

REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def redis_up() -> bool:
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True).stdout.strip() == "PONG"


def stop_redis():
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], capture_output=True)
    wait_for(lambda: not redis_up(), timeout=20, message="Redis to stop")


def start_redis():
    if not redis_up():
        subprocess.run(REDIS_START, check=True, capture_output=True)
    wait_for(redis_up, timeout=30, message="Redis to start")


def reset_producer():
    from chizhou_walkthrough.celery import app

    app._pool = None
    app.amqp._producer_pool = None


@needs_services
def test_with_redis_down_people_keep_working_and_reports_wait(client, transactional_db, office, leader_a, liaison_a, department_a):
    item = make_item(department_a, "FLT-1", name="食品经营许可")
    walk = walk_actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                         identity="applicant", channel="window", scheduled_for=timezone.localdate())
    stop_redis()
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
        start_redis()
        reset_producer()
    # Redis is back: the sweep (beat, every minute) queues what waited; a worker makes it.
    assert report_actions.reports_sweep() == 1
    worker = start_worker(name="after-outage")
    try:
        done = wait_for(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), timeout=120,
                        message="the report after the outage")
    finally:
        worker.stop()
    assert done.status == ReportStatus.DONE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@needs_services
def test_the_first_request_after_a_postgresql_restart_succeeds(transactional_db):
    port = _free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="chizhou_walkthrough.settings.test",
               CW_TEST_DATABASE_NAME=str(connection.settings_dict["NAME"]), PYTHONUNBUFFERED="1")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "chizhou_walkthrough.wsgi:application", "--bind", f"127.0.0.1:{port}",
                             "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        wait_for(lambda: _get(url) == 200 if _port_open(port) else False, timeout=60, message="gunicorn")
        for _ in range(4):
            assert _get(url) == 200  # both workers hold a persistent connection now
        connection.close()
        version = subprocess.run(["ls", "/etc/postgresql"], capture_output=True, text=True).stdout.split()[0]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True, capture_output=True)
        wait_for(lambda: subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode == 0, timeout=60, message="PostgreSQL")
        assert [_get(url) for _ in range(4)] == [200] * 4  # CONN_HEALTH_CHECKS: no stale connection used
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        connection.close()


def _port_open(port) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


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
