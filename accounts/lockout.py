"""Who is trying to log in, and when they must stop (django-axes, configured in settings).

- ``client_address``: the address a login, the public page's rate limit and the log lines use.
  ``X-Forwarded-For`` is read only with ``PROXY_COUNT`` set (N proxies in front: the N-th address
  from the right, the one the nearest of our proxies saw); without it anyone could send one.
  The API throttles follow the same setting (``REST_FRAMEWORK["NUM_PROXIES"]``).
- ``LockoutHandler``: a username from one address is locked after ``AXES_FAILURE_LIMIT`` failures
  (axes' ``[username, ip_address]``), and an address alone, whatever usernames it tries, after
  ``AXES_ADDRESS_FAILURE_LIMIT`` — higher, so that a bureau behind one NAT is not locked by a few
  mistyped passwords. axes compares one count with one limit, so past the address's limit the
  count is reported as at least ``AXES_FAILURE_LIMIT``.
"""
from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not count or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    return addresses[-min(count, len(addresses))] if addresses else remote


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return failures
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        from_address = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        if from_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
