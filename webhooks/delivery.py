"""Sending a delivery: claimed once, signed, posted to the vetted address, retried with backoff.

A delivery is claimed with a conditional UPDATE (``pending`` and due → ``sending``, ``attempts`` + 1):
two workers given the same delivery (the task after commit and the sweep, a message delivered twice)
never both send it. The HTTP call runs outside any transaction. A run that dies while sending leaves
the row ``sending``; the sweep gives it back once ``claimed_at`` is older than the timeout allows.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import time

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.queue import enqueue, enqueue_on_commit

from .models import Delivery, DeliveryStatus, WebhookEvent
from .targets import TargetRefused, resolve

log = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.deliver"
USER_AGENT = "chizhou-walkthrough-webhooks/1"
HEADER_PREFIX = "X-Walkthrough-"
# A retry this soon is queued with a countdown; later ones are left to the sweep (every minute), so
# no worker holds hours-long timers and a restart loses nothing.
COUNTDOWN_UP_TO = 300
SWEEP_BATCH = 500


def retry_delays() -> list[int]:
    return [int(d) for d in settings.WEBHOOK_RETRY_DELAYS]


def max_attempts() -> int:
    return len(retry_delays()) + 1


def body_of(event: WebhookEvent) -> bytes:
    """The JSON posted for ``event``: the same bytes on every attempt."""
    payload = {"id": str(event.pk), "type": event.type, "created_at": event.created_at.isoformat(), "data": event.data}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(secret: str, timestamp: str | int, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256, keyed by the endpoint's secret, of ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def headers_for(delivery: Delivery, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        f"{HEADER_PREFIX}Event": delivery.event.type,
        f"{HEADER_PREFIX}Event-Id": str(delivery.event_id),
        f"{HEADER_PREFIX}Delivery": str(delivery.pk),
        f"{HEADER_PREFIX}Attempt": str(delivery.attempts),
        f"{HEADER_PREFIX}Timestamp": str(timestamp),
        f"{HEADER_PREFIX}Signature": signature(delivery.endpoint.secret, timestamp, body),
    }


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to ``url`` at the address its host was vetted to, never following a redirect; returns the
    status code. Raises :class:`TargetRefused`, or ``urllib3`` / ``OSError`` errors on failure."""
    target = resolve(url)
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_TIMEOUT, read=settings.WEBHOOK_TIMEOUT)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host_header = f"{host_header}:{target.port}"
    if target.scheme == "https":
        # Connect to the vetted address; TLS still sends and verifies the name of the URL.
        pool = urllib3.HTTPSConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1,
                                           server_hostname=target.host, assert_hostname=target.host,
                                           cert_reqs="CERT_REQUIRED")
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1)
    try:
        response = pool.urlopen("POST", target.path, body=body, headers={**headers, "Host": host_header},
                                redirect=False, retries=False, preload_content=False, assert_same_host=False)
        try:
            response.read(4096, decode_content=False)  # a little of the answer; the rest is not wanted
        finally:
            response.release_conn()
        return response.status
    finally:
        pool.close()


def claim(delivery_id: int) -> Delivery | None:
    """Take the delivery for this run if it is waiting and due; None if another run has it."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    if not claimed:
        return None
    return Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)


def deliver(delivery_id: int) -> str:
    """One attempt at ``delivery_id`` (if it is due and nobody else has it); returns its status then."""
    delivery = claim(delivery_id)
    if delivery is None:
        return "skipped"
    if not delivery.endpoint.active:
        return _finish(delivery, status=DeliveryStatus.FAILED, error=_("The endpoint is not active."))
    body = body_of(delivery.event)
    code = None
    try:
        code = post(delivery.endpoint.url, body, headers_for(delivery, body))
    except TargetRefused as exc:
        return _finish(delivery, status=DeliveryStatus.REFUSED, error=str(exc))
    except Exception as exc:  # timeouts, refused connections, TLS errors: the receiver's trouble, retried
        error = f"{type(exc).__name__}: {exc}"
    else:
        if 200 <= code < 300:
            return _finish(delivery, status=DeliveryStatus.SUCCEEDED, code=code, delivered_at=timezone.now())
        error = f"HTTP {code}: " + _("redirects are not followed") if 300 <= code < 400 else f"HTTP {code}"
    now = timezone.now()
    delays = retry_delays()
    if delivery.attempts > len(delays):
        return _finish(delivery, status=DeliveryStatus.FAILED, code=code, error=error)
    delay = delays[delivery.attempts - 1]
    status = _finish(delivery, status=DeliveryStatus.PENDING, code=code, error=error,
                     next_attempt_at=now + datetime.timedelta(seconds=delay))
    if delay <= COUNTDOWN_UP_TO:
        _retry_later(delivery.pk, delay)
    return status


def _retry_later(delivery_id: int, delay: int) -> None:
    from celery import current_app

    try:
        current_app.send_task(DELIVER_TASK, args=(delivery_id,), countdown=delay)
    except Exception:  # the sweep sends it when it is due
        log.warning("could not queue the retry of delivery %s", delivery_id, exc_info=True)


def _finish(delivery: Delivery, *, status: str, code: int | None = None, error: str = "",
            delivered_at: datetime.datetime | None = None, next_attempt_at: datetime.datetime | None = None) -> str:
    """Record the attempt's end, only if this run still holds the claim (same attempt, still sending)."""
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts).update(
        status=status, response_code=code, error=error[:300], delivered_at=delivered_at,
        next_attempt_at=next_attempt_at, claimed_at=None, updated_at=timezone.now(),
    )
    return status


def sweep(*, now: datetime.datetime | None = None) -> int:
    """Every minute: give back deliveries whose run died while sending, and queue every waiting
    delivery that is due (its message may have been lost with a broker that was down). Returns how
    many were queued."""
    now = now or timezone.now()
    lost = Delivery.objects.filter(status=DeliveryStatus.SENDING,
                                   claimed_at__lt=now - datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT * 3 + 60))
    lost.filter(attempts__gte=max_attempts()).update(status=DeliveryStatus.FAILED, error=_("The sending run was lost."),
                                                     claimed_at=None, updated_at=now)
    lost.update(status=DeliveryStatus.PENDING, claimed_at=None, next_attempt_at=now, updated_at=now)
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")
    queued = 0
    for delivery_id in due.values_list("pk", flat=True)[:SWEEP_BATCH]:
        if not enqueue(DELIVER_TASK, delivery_id):
            break  # the broker is still down: the next sweep tries again
        queued += 1
    return queued


@transaction.atomic
def resend(deliveries) -> int:
    """Start a new cycle for each delivery (not one being sent): waiting, due now, attempts counted
    from zero again so that it gets the whole retry schedule. Returns how many."""
    now = timezone.now()
    ids = list(deliveries.exclude(status=DeliveryStatus.SENDING).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).exclude(status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, error="", response_code=None,
        delivered_at=None, claimed_at=None, updated_at=now)
    for delivery_id in ids:
        enqueue_on_commit(DELIVER_TASK, delivery_id)
    return len(ids)
