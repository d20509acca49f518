"""Outbound webhooks (issue 19): a real worker posts signed events to a real receiver on loopback.

The receiver is an ``http.server`` in a thread of this process; the worker is a real Celery process
(``tests/conftest.py``) started with short retry delays from the environment. Signatures are checked
with the documented verifier, ``verify_webhook`` in docs/api_client_example.py.
"""
from __future__ import annotations

import datetime
import http.server
import importlib.util
import json
import threading
import time
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from findings import actions as finding_actions
from findings.models import Finding, FindingStatus, NotificationSent, ReportKind
from findings.reports import actions as report_actions
from webhooks import delivery as sending
from webhooks.events import Event, emit
from webhooks.models import Delivery, DeliveryStatus, Endpoint, WebhookEvent
from webhooks.targets import TargetRefused, address_refusal, resolve

from .conftest import PASSWORD, broker_unreachable, make_user, start_worker, wait_for

SECRET = "s3cret-for-the-tests"
_spec = importlib.util.spec_from_file_location(
    "api_client_example", Path(__file__).resolve().parent.parent / "docs" / "api_client_example.py")
client_example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(client_example)


# --- a receiver on loopback ----------------------------------------------------------------------

class Receiver:
    """Records every POST (path, headers, body); answers the codes in ``script`` first, then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: dict[str, list[int]] = {}
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                codes = receiver.script.get(self.path, [])
                code = codes.pop(0) if codes else 200
                receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body,
                                          "code": code})
                if code == "slow":
                    time.sleep(2)
                    code = 200
                self.send_response(code)
                if code == 302:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def at(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def worker(transactional_db, monkeypatch):
    """A real worker retrying after one second (the environment is read when it starts)."""
    monkeypatch.setenv("WEBHOOK_RETRY_DELAYS", "1,1")
    proc = start_worker(name="webhooks")
    yield proc
    proc.stop()


@pytest.fixture
def strict_worker(transactional_db, monkeypatch):
    """A real worker with private targets refused, as in production."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "false")
    proc = start_worker(name="webhooks-strict")
    yield proc
    proc.stop()


def endpoint(url: str, events, departments=(), **extra) -> Endpoint:
    ep = Endpoint.objects.create(name=url.rsplit("/", 1)[-1] or "hook", url=url, secret=SECRET,
                                 events=[str(e) for e in events], **extra)
    ep.departments.set(departments)
    return ep


def verified(request: dict) -> dict:
    return client_example.verify_webhook(SECRET, request["headers"], request["body"])


def office_client(office) -> Client:
    c = Client()
    assert c.post(reverse("login"), {"username": office.username, "password": PASSWORD}).status_code == 302
    return c


# --- delivery, signature, filters ----------------------------------------------------------------

@pytest.mark.slow
def test_each_event_is_delivered_once_signed_to_the_endpoints_that_subscribe(worker, receiver, department_a,
                                                                             department_b):
    everything = endpoint(receiver.url("/all"), [Event.FINDING_FILED, Event.REPORT_DONE])
    only_a = endpoint(receiver.url("/a"), [Event.FINDING_FILED], departments=[department_a])
    only_b = endpoint(receiver.url("/b"), [Event.FINDING_FILED], departments=[department_b])
    endpoint(receiver.url("/reports"), [Event.REPORT_DONE])  # not subscribed to findings
    endpoint(receiver.url("/off"), [Event.FINDING_FILED], active=False)

    with transaction.atomic():
        emit(Event.FINDING_FILED, department_id=department_a.pk, data={"finding": 7, "title": "窗口无人"})
    wait_for(lambda: len(receiver.requests) >= 2, message="two deliveries")
    time.sleep(1.5)  # nothing else arrives: no second copy, nothing to the others
    assert sorted(r["path"] for r in receiver.requests) == ["/a", "/all"]
    event = WebhookEvent.objects.get()
    for request in receiver.requests:
        body = verified(request)
        assert body == {"id": str(event.pk), "type": "finding.filed", "created_at": event.created_at.isoformat(),
                        "data": {"finding": 7, "title": "窗口无人"}}
        assert "窗口无人".encode() in request["body"]  # UTF-8, not \u escapes
        headers = request["headers"]
        assert headers["X-Walkthrough-Event"] == "finding.filed"
        assert headers["X-Walkthrough-Event-Id"] == str(event.pk)
        assert headers["X-Walkthrough-Attempt"] == "1"
        assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert {d.endpoint_id: (d.status, d.attempts, d.response_code) for d in Delivery.objects.all()} == {
        everything.pk: (DeliveryStatus.SUCCEEDED, 1, 200), only_a.pk: (DeliveryStatus.SUCCEEDED, 1, 200)}
    assert not Delivery.objects.filter(endpoint=only_b).exists()

    # A city-wide event (no department) goes only to endpoints that name no department.
    receiver.requests.clear()
    emit(Event.FINDING_FILED, department_id=None, data={"finding": 8})
    wait_for(lambda: receiver.requests, message="the city-wide delivery")
    time.sleep(1)
    assert [r["path"] for r in receiver.requests] == ["/all"]

    # A tampered body or another secret does not verify.
    request = receiver.requests[0]
    with pytest.raises(ValueError, match="signature"):
        client_example.verify_webhook(SECRET, request["headers"], request["body"] + b" ")
    with pytest.raises(ValueError, match="signature"):
        client_example.verify_webhook("another", request["headers"], request["body"])


def test_nothing_is_written_when_nobody_subscribes(db, department_a, django_assert_num_queries):
    endpoint("https://hooks.example.org/r", [Event.REPORT_DONE])
    with django_assert_num_queries(1):
        emit(Event.FINDING_MOVED, department_id=department_a.pk, data={"finding": 1})
    assert not WebhookEvent.objects.exists() and not Delivery.objects.exists()
    with pytest.raises(ValueError):
        emit("finding.burned", department_id=None, data={})


# --- retries ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_receiver_answering_500_twice_gets_three_attempts(worker, receiver, department_a):
    receiver.script["/flaky"] = [500, 500]
    receiver.script["/down"] = [500, 503, 500, 500]
    flaky = endpoint(receiver.url("/flaky"), [Event.FINDING_FILED])
    down = endpoint(receiver.url("/down"), [Event.FINDING_FILED])
    emit(Event.FINDING_FILED, department_id=department_a.pk, data={"finding": 1})

    wait_for(lambda: Delivery.objects.filter(endpoint=flaky, status=DeliveryStatus.SUCCEEDED).exists(), timeout=30,
             message="the flaky receiver's delivery to succeed")
    attempts = receiver.at("/flaky")
    assert [r["code"] for r in attempts] == [500, 500, 200]
    assert [r["headers"]["X-Walkthrough-Attempt"] for r in attempts] == ["1", "2", "3"]
    assert len({r["body"] for r in attempts}) == 1 and len({r["headers"]["X-Walkthrough-Event-Id"] for r in attempts}) == 1
    for request in attempts:
        verified(request)
    log = Delivery.objects.get(endpoint=flaky)
    assert (log.status, log.attempts, log.response_code, log.error) == (DeliveryStatus.SUCCEEDED, 3, 200, "")
    assert log.delivered_at is not None

    # With two retry delays, a receiver that keeps failing gets three attempts, then the delivery fails.
    wait_for(lambda: Delivery.objects.filter(endpoint=down, status=DeliveryStatus.FAILED).exists(), timeout=30,
             message="the failing receiver's delivery to fail")
    log = Delivery.objects.get(endpoint=down)
    assert (log.attempts, log.response_code, log.error) == (3, 500, "HTTP 500")
    assert log.next_attempt_at is None
    time.sleep(2)
    assert [r["code"] for r in receiver.at("/down")] == [500, 503, 500]


def test_redirects_are_not_followed_and_a_slow_receiver_times_out(settings, db, receiver, department_a):
    settings.WEBHOOK_RETRY_DELAYS = []  # fail at once: no retry is queued by this test without a worker
    settings.WEBHOOK_TIMEOUT = 0.5
    receiver.script.update({"/moved": [302], "/slow": ["slow"]})
    moved = endpoint(receiver.url("/moved"), [Event.FINDING_FILED])
    slow = endpoint(receiver.url("/slow"), [Event.FINDING_FILED])
    emit(Event.FINDING_FILED, department_id=department_a.pk, data={})
    for d in Delivery.objects.all():
        assert sending.deliver(d.pk) == DeliveryStatus.FAILED
    assert [r["path"] for r in receiver.requests if r["path"] != "/slow"] == ["/moved"]  # never /elsewhere
    log = Delivery.objects.get(endpoint=moved)
    assert (log.response_code, log.error.split(":")[0]) == (302, "HTTP 302")
    log = Delivery.objects.get(endpoint=slow)
    assert log.response_code is None and "Timeout" in log.error


def test_https_connects_to_the_vetted_address_and_checks_the_urls_name(settings, db, receiver, department_a, tmp_path,
                                                                       monkeypatch):
    """TLS to the pinned address still sends and verifies the URL's host name (a certificate made
    for ``localhost``, trusted through SSL_CERT_FILE): valid for https://localhost, not for the IP."""
    import shutil
    import ssl
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    settings.WEBHOOK_RETRY_DELAYS = []
    by_name = endpoint(f"https://localhost:{receiver.port}/tls", [Event.FINDING_FILED])
    by_ip = endpoint(f"https://127.0.0.1:{receiver.port}/tls-ip", [Event.FINDING_FILED])
    emit(Event.FINDING_FILED, department_id=department_a.pk, data={})
    assert sending.deliver(Delivery.objects.get(endpoint=by_name).pk) == DeliveryStatus.SUCCEEDED
    assert sending.deliver(Delivery.objects.get(endpoint=by_ip).pk) == DeliveryStatus.FAILED
    assert [r["path"] for r in receiver.requests] == ["/tls"]
    assert receiver.requests[0]["headers"]["Host"] == f"localhost:{receiver.port}"
    verified(receiver.requests[0])
    assert "SSL" in Delivery.objects.get(endpoint=by_ip).error


def test_a_delivery_is_claimed_by_one_run_only(db, department_a):
    endpoint("https://hooks.example.org/x", [Event.FINDING_FILED])
    emit(Event.FINDING_FILED, department_id=department_a.pk, data={})
    d = Delivery.objects.get()
    assert sending.claim(d.pk) is not None
    assert sending.claim(d.pk) is None  # the second run (a duplicate message, the sweep) gets nothing
    assert sending.deliver(d.pk) == "skipped"
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.SENDING, 1)
    # A run that died while sending is given back by the sweep once its claim is old.
    later = timezone.now() + datetime.timedelta(minutes=5)
    with broker_unreachable():
        sending.sweep(now=later)
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.PENDING, 1)


# --- server-side request forgery ----------------------------------------------------------------

REFUSED_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1/",
    "http://[::1]/",
    "http://10.1.2.3/hook",
    "http://192.168.1.1/",
    "http://localhost/hook",  # a name that resolves to loopback
    "http://2130706433/",  # 127.0.0.1 written as a number
    "http://0x7f.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",
    "ftp://hooks.example.org/",
    "file:///etc/passwd",
    "http://user:pw@203.0.113.9/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_private_targets_are_refused_when_the_setting_is_off(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(TargetRefused):
        resolve(url)


def test_the_setting_allows_loopback_but_never_the_unspecified_address(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert resolve("http://127.0.0.1:8080/x?y=1").path == "/x?y=1"
    assert resolve("http://169.254.169.254/").address == "169.254.169.254"
    assert address_refusal("0.0.0.0") and address_refusal("224.0.0.1")
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    assert address_refusal("93.184.216.34") is None and address_refusal("2606:2800:220:1::1") is None


def test_the_admin_refuses_to_register_a_private_target(settings, office, department_a):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    c = office_client(office)
    add = reverse("admin:webhooks_endpoint_add")
    for url in ["http://169.254.169.254/", "http://127.0.0.1/", "http://[::1]/", "http://10.0.0.8/", "http://localhost/"]:
        answer = c.post(add, {"name": "x", "url": url, "secret": "", "events": ["finding.filed"], "active": "on"})
        assert answer.status_code == 200, url
        assert answer.context["adminform"].form.errors["url"], url
    assert not Endpoint.objects.exists()
    # A public address is accepted; the secret is generated and shown; departments are kept.
    answer = c.post(add, {"name": "省平台", "url": "https://93.184.216.34/hooks", "secret": "",
                          "events": ["finding.filed", "report.done"], "departments": [department_a.pk], "active": "on"})
    assert answer.status_code == 302, answer.context["adminform"].form.errors if answer.context else answer
    ep = Endpoint.objects.get()
    assert len(ep.secret) == 64 and ep.events == ["finding.filed", "report.done"] and ep.created_by == office
    assert list(ep.departments.all()) == [department_a]
    page = c.get(reverse("admin:webhooks_endpoint_change", args=[ep.pk]))
    assert ep.secret in page.content.decode()


def test_a_delivery_to_a_private_target_is_refused_and_not_retried(settings, db, department_a):
    """Registered while allowed (or the name resolved elsewhere then): refused when it is sent."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    for url in ["http://169.254.169.254/", "http://127.0.0.1/", "http://[::1]:8/", "http://10.9.9.9/", "http://localhost:9/"]:
        endpoint(url, [Event.FINDING_FILED])
    emit(Event.FINDING_FILED, department_id=department_a.pk, data={})
    for d in Delivery.objects.select_related("endpoint"):
        assert sending.deliver(d.pk) == DeliveryStatus.REFUSED
        d.refresh_from_db()
        assert (d.status, d.attempts, d.response_code, d.next_attempt_at) == (DeliveryStatus.REFUSED, 1, None, None)
        assert "Refused" in d.error or "拒绝" in d.error, d.error


@pytest.mark.slow
def test_the_worker_refuses_loopback_when_the_setting_is_off(strict_worker, receiver, department_a):
    direct = endpoint(receiver.url("/direct"), [Event.FINDING_FILED])
    named = endpoint(receiver.url("/named", host="localhost"), [Event.FINDING_FILED])
    emit(Event.FINDING_FILED, department_id=department_a.pk, data={})
    wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.REFUSED).count() == 2, message="both refused")
    assert receiver.requests == []
    assert "127.0.0.1" in Delivery.objects.get(endpoint=direct).error
    assert "localhost" in Delivery.objects.get(endpoint=named).error


# --- the delivery log: resend, broker down, who may see it ----------------------------------------

@pytest.mark.slow
def test_resend_from_the_admin_delivers_again(worker, receiver, office, department_a):
    endpoint(receiver.url("/hook"), [Event.FINDING_FILED])
    emit(Event.FINDING_FILED, department_id=department_a.pk, data={"finding": 3})
    wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).exists(), message="first delivery")
    d = Delivery.objects.get()
    c = office_client(office)
    answer = c.post(reverse("admin:webhooks_delivery_changelist"),
                    {"action": "resend", "_selected_action": [d.pk]})
    assert answer.status_code == 302
    wait_for(lambda: len(receiver.requests) == 2, message="the resent delivery")
    # The change page's button does the same.
    page = c.get(reverse("admin:webhooks_delivery_change", args=[d.pk]))
    resend_url = reverse("admin:webhooks_delivery_resend", args=[d.pk])
    assert resend_url in page.content.decode()
    assert c.post(resend_url).status_code == 302
    wait_for(lambda: len(receiver.requests) == 3, message="the delivery resent from its page")
    assert len({r["headers"]["X-Walkthrough-Event-Id"] for r in receiver.requests}) == 1  # one event: dedupe by id
    assert [r["headers"]["X-Walkthrough-Attempt"] for r in receiver.requests] == ["1", "1", "1"]
    wait_for(lambda: Delivery.objects.filter(pk=d.pk, status=DeliveryStatus.SUCCEEDED).exists(), message="logged")
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.SUCCEEDED, 1)


@pytest.mark.slow
def test_a_delivery_made_while_the_broker_is_down_is_sent_by_the_sweep(worker, receiver, department_a):
    from celery import current_app

    endpoint(receiver.url("/hook"), [Event.FINDING_FILED])
    with broker_unreachable():
        with transaction.atomic():
            emit(Event.FINDING_FILED, department_id=department_a.pk, data={"finding": 5})
    time.sleep(1.5)
    d = Delivery.objects.get()
    assert (d.status, d.attempts) == (DeliveryStatus.PENDING, 0)
    assert receiver.requests == []
    current_app.send_task("webhooks.tasks.webhooks_sweep")  # what beat does every minute
    wait_for(lambda: receiver.requests, message="the swept delivery")
    verified(receiver.requests[0])
    wait_for(lambda: Delivery.objects.filter(pk=d.pk, status=DeliveryStatus.SUCCEEDED).exists(), message="logged")


def test_beat_sweeps_every_minute(db):
    """The data migration schedules the sweep (run again here: a transactional test may have emptied it)."""
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    importlib.import_module("webhooks.migrations.0002_sweep_schedule").forwards(apps, None)
    task = PeriodicTask.objects.get(task="webhooks.tasks.webhooks_sweep")
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "minutes")


def test_the_admin_pages_are_the_offices(office, department_a, leader_a, liaison_a, django_assert_max_num_queries):
    ep = endpoint("https://hooks.example.org/x", [Event.FINDING_FILED])
    for i in range(12):
        emit(Event.FINDING_FILED, department_id=department_a.pk, data={"finding": i})
    d = Delivery.objects.first()
    pages = [reverse("admin:webhooks_endpoint_changelist"), reverse("admin:webhooks_endpoint_add"),
             reverse("admin:webhooks_endpoint_change", args=[ep.pk]), reverse("admin:webhooks_delivery_changelist"),
             reverse("admin:webhooks_delivery_change", args=[d.pk])]
    c = office_client(office)
    for url in pages:
        assert c.get(url).status_code == 200, url
    with django_assert_max_num_queries(12):
        page = c.get(reverse("admin:webhooks_delivery_changelist"))
    assert page.content.decode().count('name="_selected_action"') == 12
    staff_leader = make_user("staff_leader", Role.LEADER, department_a, is_staff=True)
    for person in (leader_a, liaison_a, staff_leader):
        other = Client()
        other.force_login(person)
        for url in pages:
            assert other.get(url).status_code in (302, 403), (person, url)
        answer = other.post(reverse("admin:webhooks_delivery_resend", args=[d.pk]))
        assert answer.status_code in (302, 403)
        if answer.status_code == 302:
            assert "/login/" in answer["Location"]
    d.refresh_from_db()
    assert d.status == DeliveryStatus.PENDING and d.attempts == 0


# --- the events wired in findings: overdue and report done ----------------------------------------

@pytest.mark.slow
def test_a_finding_overdue_is_told_once_per_deadline(worker, receiver, office, department_a):
    from celery import current_app

    endpoint(receiver.url("/overdue"), [Event.FINDING_OVERDUE], departments=[department_a])
    finding = finding_actions.finding_file(actor=office, department=department_a, category="hotline", title="逾期未整改")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Finding.objects.filter(pk=finding.pk).update(due_date=yesterday, status=FindingStatus.RECTIFYING)
    for _ in range(2):  # beat runs the daily reminder twice: one event
        current_app.send_task("findings.tasks.findings_remind")
    wait_for(lambda: receiver.at("/overdue"), message="finding.overdue")
    time.sleep(2)
    assert NotificationSent.objects.filter(finding=finding, kind="webhook_overdue").count() == 1
    [request] = receiver.at("/overdue")
    body = verified(request)
    assert body["type"] == "finding.overdue"
    assert body["data"]["finding"] == finding.pk and body["data"]["due_date"] == yesterday.isoformat()
    assert body["data"]["department"] == department_a.pk and body["data"]["url"].endswith(f"/api/v1/findings/{finding.pk}/")
    # A new deadline that passes is told again.
    Finding.objects.filter(pk=finding.pk).update(due_date=yesterday - datetime.timedelta(days=1))
    from findings.tasks import findings_overdue_webhooks

    assert findings_overdue_webhooks(today=yesterday) == 1
    wait_for(lambda: len(receiver.at("/overdue")) == 2, message="the second deadline's event")


@pytest.mark.slow
def test_a_report_done_is_told_with_the_addresses_of_its_files(worker, receiver, office, department_a):
    endpoint(receiver.url("/reports"), [Event.REPORT_DONE])
    report = report_actions.report_request(actor=office, kind=ReportKind.LEDGER, department=department_a)
    wait_for(lambda: receiver.at("/reports"), timeout=90, message="report.done")
    time.sleep(1)
    [request] = receiver.at("/reports")
    data = verified(request)["data"]
    assert data["report"] == report.pk and data["kind"] == "ledger" and data["department"] == department_a.pk
    assert data["files"]["pdf"].endswith(f"/api/v1/reports/{report.pk}/download/")
    assert data["files"]["xlsx"].endswith(f"/api/v1/reports/{report.pk}/download/?file=xlsx")
    assert b"%PDF" not in request["body"]
    assert json.loads(request["body"])["type"] == "report.done"
