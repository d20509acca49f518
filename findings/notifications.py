"""E-mails about findings, in Chinese: assignment, submission, rejection, deadline near, overdue."""
from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Role, User

from .models import OPEN_STATUSES, Finding, NotificationSent

log = logging.getLogger(__name__)

SUBJECTS = {
    "assigned": "【整改交办】{title}",
    "rejected": "【整改退回】{title}",
    "submitted": "【待核实】{title}",
    "due_soon": "【整改即将到期】{title}",
    "overdue": "【整改已逾期】{title}",
}


def _recipients(finding: Finding, event: str) -> list[str]:
    if event == "submitted":
        people = User.objects.filter(role=Role.OFFICE, is_active=True)
    else:
        people = User.objects.filter(role=Role.LIAISON, department_id=finding.department_id, is_active=True)
    return sorted({u.email for u in people if u.email})


def finding_notify(*, finding_id: int, event: str) -> int:
    """Send one finding's e-mail for ``event``; returns the number of recipients."""
    finding = Finding.objects.select_related("department", "service_item").filter(pk=finding_id).first()
    if finding is None:
        return 0
    recipients = _recipients(finding, event)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {"finding": finding, "event": event, "url": f"{settings.SITE_URL}/findings/{finding.pk}/"}
        body = render_to_string("findings/email/notification.txt", context)
        subject = SUBJECTS[event].format(title=finding.title[:60])
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


def findings_remind(*, today: datetime.date | None = None) -> int:
    """Daily: deadline in three days, or passed yesterday. Each (finding, kind, deadline) once."""
    today = today or timezone.localdate()
    sent = 0
    batches = {
        "due_soon": Finding.objects.filter(status__in=OPEN_STATUSES, due_date=today + datetime.timedelta(days=3)),
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
