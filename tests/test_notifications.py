"""Notifications in the site: the events the e-mails carry, to the same people, counted in the header,
listed newest first, read when opened."""
import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from findings import actions, notifications, tasks
from findings.models import Finding, Notification
from tests.conftest import make_item, make_user, start_worker, wait_for


@pytest.fixture
def worker_runs(monkeypatch):
    """What the worker would run: the tasks the pages enqueue, taken from the queue as they are sent
    and run here, in order (the real worker is exercised by test_a_real_worker_writes_them)."""
    sent = []
    from core import queue

    monkeypatch.setattr(queue.current_app, "send_task", lambda name, args=(), **kw: sent.append((name, args)))

    def run():
        while sent:
            name, args = sent.pop(0)
            assert name == "findings.tasks.finding_notify"
            tasks.finding_notify(*args)

    return run


@pytest.fixture
def finding_a(office, department_a):
    return actions.finding_file(actor=office, department=department_a, service_item=make_item(department_a, "N-1"),
                                category="excess_materials", title="多要了一份证明")


def _badge(html: str) -> str | None:
    import re

    match = re.search(r'id="inbox"[^>]*>[^<]*(?:<b class="badge">(\d+)</b>)?', html)
    assert match, "the header has the notifications link"
    return match.group(1)


def test_assignment_rejection_and_submission_in_the_pages_notify_the_e_mails_people(
        client, office, liaison_a, leader_a, department_a, finding_a, worker_runs, django_capture_on_commit_callbacks):
    liaison_a.email = "liaison@example.cn"
    liaison_a.save()
    second = make_user("liaison_a2", Role.LIAISON, department_a)  # no e-mail address: still notified in the site
    make_user("liaison_old", Role.LIAISON, department_a, is_active=False)
    make_user("liaison_b", Role.LIAISON, None)
    office2 = make_user("office2", Role.OFFICE, email="office2@example.cn")
    due = timezone.localdate() + datetime.timedelta(days=10)

    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finding-move", args=[finding_a.pk]), {"to": "rectifying", "version": 1, "due_date": due.isoformat()})
    worker_runs()
    assigned = Notification.objects.filter(event="assigned")
    assert sorted(n.recipient.username for n in assigned) == ["liaison_a", "liaison_a2"]
    assert mail.outbox[-1].to == ["liaison@example.cn"]
    assert all(n.finding_id == finding_a.pk and n.read_at is None and "交办" in n.text for n in assigned)

    client.force_login(liaison_a)
    finding = Finding.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finding-measures", args=[finding.pk]), {"measures": "取消该证明要求", "version": finding.version})
        finding.refresh_from_db()
        actions.finding_transition(finding=finding, to="submitted", actor=liaison_a, version=finding.version)
    worker_runs()
    submitted = Notification.objects.filter(event="submitted")
    assert sorted(n.recipient.username for n in submitted) == ["office", "office2"]
    assert mail.outbox[-1].to == ["office2@example.cn"]  # the office fixture has no address

    client.force_login(office)
    finding.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finding-move", args=[finding.pk]), {"to": "rectifying", "version": finding.version, "note": "证据不足"})
    worker_runs()
    rejected = Notification.objects.filter(event="rejected")
    assert sorted(n.recipient.username for n in rejected) == ["liaison_a", "liaison_a2"]
    assert not Notification.objects.filter(recipient__in=[leader_a]).exists()
    assert Notification.objects.filter(recipient=second).count() == 2


def test_reminders_notify_once(office, department_a, liaison_a):
    today = timezone.localdate()
    soon = actions.finding_file(actor=office, department=department_a, category="hotline", title="三天后到期")
    late = actions.finding_file(actor=office, department=department_a, category="hotline", title="昨天到期")
    Finding.objects.filter(pk=soon.pk).update(status="rectifying", due_date=today + datetime.timedelta(days=3))
    Finding.objects.filter(pk=late.pk).update(status="rectifying", due_date=today - datetime.timedelta(days=1))
    notifications.findings_remind(today=today)
    notifications.findings_remind(today=today)
    assert sorted(Notification.objects.filter(recipient=liaison_a).values_list("event", flat=True)) == ["due_soon", "overdue"]


def test_a_mail_that_fails_leaves_no_notification_to_repeat(office, department_a, liaison_a, finding_a, monkeypatch):
    liaison_a.email = "l@example.cn"
    liaison_a.save()

    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications, "send_mail", down)
    with pytest.raises(ConnectionRefusedError):
        notifications.finding_notify(finding_id=finding_a.pk, event="assigned")
    assert not Notification.objects.exists()  # the task retries: one notification in the end, not two
    monkeypatch.undo()
    assert notifications.finding_notify(finding_id=finding_a.pk, event="assigned") == 1
    assert Notification.objects.count() == 1


def test_the_header_counts_the_unread_in_one_query(client, office, liaison_a, finding_a):
    client.force_login(liaison_a)
    assert _badge(client.get("/").content.decode()) is None
    for event in ("assigned", "rejected", "due_soon"):
        notifications.finding_notify(finding_id=finding_a.pk, event=event)
    Notification.objects.filter(event="due_soon").update(read_at=timezone.now())
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("catalog-list")).content.decode()
    assert _badge(html) == "2" and "通知：2 条未读" in html
    assert len([q for q in ctx.captured_queries if "findings_notification" in q["sql"]]) == 1
    client.force_login(office)
    assert _badge(client.get("/").content.decode()) is None  # the liaison's, not the office's


def test_an_htmx_fragment_does_not_count(client, liaison_a, finding_a):
    client.force_login(liaison_a)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("catalog-list"), {"q": "x"}, HTTP_HX_REQUEST="true")
    assert not [q for q in ctx.captured_queries if "findings_notification" in q["sql"]]


def test_the_list_is_newest_first_and_opening_one_reads_it_and_goes_to_the_finding(client, liaison_a, leader_a, finding_a):
    notifications.finding_notify(finding_id=finding_a.pk, event="assigned")
    notifications.finding_notify(finding_id=finding_a.pk, event="rejected")
    first, second = Notification.objects.order_by("id")
    client.force_login(liaison_a)
    response = client.get(reverse("notification-list"))
    assert [n.pk for n in response.context["page"]] == [second.pk, first.pk]
    html = response.content.decode()
    assert "整改退回" in html and "多要了一份证明" in html and html.index("整改退回") < html.index("整改交办")
    # the list alone reads nothing
    assert Notification.objects.filter(read_at__isnull=True).count() == 2

    response = client.get(reverse("notification-open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("finding-detail", args=[finding_a.pk])
    first.refresh_from_db()
    read_at = first.read_at
    assert read_at is not None and _badge(client.get("/").content.decode()) == "1"
    client.get(reverse("notification-open", args=[first.pk]))
    first.refresh_from_db()
    assert first.read_at == read_at  # read once; opening again keeps the time

    client.force_login(leader_a)
    assert client.get(reverse("notification-open", args=[second.pk])).status_code == 404  # not theirs
    assert client.post(reverse("notification-read-all")).status_code == 302
    assert Notification.objects.get(pk=second.pk).read_at is None

    client.force_login(liaison_a)
    response = client.post(reverse("notification-read-all"), follow=True)
    assert "1 条通知已标为已读" in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert _badge(response.content.decode()) is None


@pytest.mark.slow
def test_a_real_worker_writes_them(client, transactional_db, office, liaison_a, department_a):
    """The page moves the finding; the worker, a process of its own, sends the mail and keeps the notification."""
    finding = actions.finding_file(actor=office, department=department_a, category="hotline", title="热线无人接听")
    worker = start_worker()
    try:
        client.force_login(office)
        client.post(reverse("finding-move", args=[finding.pk]), {"to": "rectifying", "version": 1})
        wait_for(lambda: Notification.objects.filter(recipient=liaison_a, event="assigned").exists(), message="the notification")
    finally:
        worker.stop()
    client.force_login(liaison_a)
    assert _badge(client.get("/").content.decode()) == "1"


def test_opening_the_finding_from_anywhere_reads_its_notifications(client, liaison_a, office, finding_a, department_a):
    other = actions.finding_file(actor=office, department=department_a, category="hotline", title="另一个问题")
    notifications.finding_notify(finding_id=finding_a.pk, event="assigned")
    notifications.finding_notify(finding_id=other.pk, event="assigned")
    client.force_login(liaison_a)
    client.get(reverse("finding-detail", args=[finding_a.pk]))  # e.g. from the e-mail's link
    unread = Notification.objects.filter(recipient=liaison_a, read_at__isnull=True)
    assert list(unread.values_list("finding_id", flat=True)) == [other.pk]
