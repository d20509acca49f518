"""E-mails about findings, in Chinese: assignment, submission, rejection, deadline near, overdue,
appeal and its decision.

Each e-mail is also kept in the site as a :class:`Notification` for every person it is meant for
(the header counts the unread ones, ``/notifications/`` lists them): written in the same transaction
as the mail is sent, so a mail that fails (the task retries it) leaves no notification behind.
"""
from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Role, User
from accounts.queries import may_use_pages

from .models import OPEN_STATUSES, Finding, Notification, NotificationSent

log = logging.getLogger(__name__)

SUBJECTS = {
    "assigned": "【整改交办】{title}",
    "rejected": "【整改退回】{title}",
    "submitted": "【待核实】{title}",
    "due_soon": "【整改即将到期】{title}",
    "overdue": "【整改已逾期】{title}",
    "appealed": "【申诉待复核】{title}",
    "upheld": "【申诉未获支持】{title}",
    "accepted": "【申诉成立】{title}",
}


def _people(finding: Finding, event: str) -> QuerySet[User]:
    """Whom an event is for: the office for a submission or an appeal; the department's liaisons and
    heads for the decision on its appeal; else the department's liaisons (active)."""
    if event in ("submitted", "appealed"):
        return User.objects.filter(role=Role.OFFICE, is_active=True)
    if event in ("upheld", "accepted"):
        return User.objects.filter(role__in=(Role.LIAISON, Role.LEADER), department_id=finding.department_id, is_active=True)
    return User.objects.filter(role=Role.LIAISON, department_id=finding.department_id, is_active=True)


def finding_notify(*, finding_id: int, event: str) -> int:
    """Send one finding's e-mail for ``event`` and keep it as a notification for each of its people
    (those without an e-mail address too); returns the number of e-mail recipients."""
    finding = Finding.objects.select_related("department", "service_item").filter(pk=finding_id).first()
    if finding is None:
        return 0
    people = list(_people(finding, event).order_by("pk"))
    if not people:
        return 0
    recipients = sorted({u.email for u in people if u.email})
    with translation.override(settings.LANGUAGE_CODE):
        context = {"finding": finding, "event": event, "url": f"{settings.SITE_URL}/findings/{finding.pk}/"}
        body = render_to_string("findings/email/notification.txt", context)
        subject = SUBJECTS[event].format(title=finding.title[:60])
    text = body.strip().split("\n", 1)[0].strip()[:300]  # the mail's opening sentence
    with transaction.atomic():
        Notification.objects.bulk_create(
            [Notification(recipient=person, finding=finding, event=event, text=text) for person in people])
        if recipients:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


def findings_remind(*, today: datetime.date | None = None) -> int:
    """Daily: deadline within three working days (by the calendar: a deadline just after a holiday
    is announced before the holiday, not during it), or passed yesterday. Each (finding, kind,
    deadline) once: the first run that sees the deadline within three working days sends it."""
    from .workdays import add_working_days

    today = today or timezone.localdate()
    sent = 0
    batches = {
        "due_soon": Finding.objects.filter(status__in=OPEN_STATUSES, due_date__gt=today,
                                           due_date__lte=add_working_days(today, 3)),
        "overdue": Finding.objects.filter(status__in=OPEN_STATUSES, due_date=today - datetime.timedelta(days=1)),
    }
    for kind, findings in batches.items():
        for finding in findings.only("id", "due_date").iterator():
            try:
                with transaction.atomic():
                    NotificationSent.objects.create(finding_id=finding.pk, kind=kind, due_date=finding.due_date)
                    finding_notify(finding_id=finding.pk, event=kind)
            except IntegrityError:
                continue  # already sent by an earlier run
            sent += 1
    return sent


# --- the notifications kept in the site --------------------------------------------------------

def notifications_visible(user) -> QuerySet[Notification]:
    """A person sees their own notifications and nobody else's; API clients have none (no pages)."""
    if not may_use_pages(user):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def notifications_unread_count(user) -> int:
    """The header's figure: one query, on the partial index of unread rows."""
    if not may_use_pages(user):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_read(*, notification: Notification) -> Notification:
    """Mark one notification read (the first time it is opened; later openings keep that time)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_read_all(*, user) -> int:
    """Mark every unread notification of ``user`` read; returns how many were."""
    return notifications_visible(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def notifications_read_for(*, user, finding) -> int:
    """The finding was opened (from the e-mail's link, a list, anywhere): its notifications to ``user`` are read."""
    return notifications_visible(user).filter(finding=finding, read_at__isnull=True).update(read_at=timezone.now())
