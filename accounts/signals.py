"""Every login, logout and failed login goes to the log with time and address.

django-axes keeps the same events as rows (AccessLog, AccessFailureLog) that the office reads in
the admin; these lines are for the operators' log collection.
"""
import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("chizhou.auth")


def _address(request) -> str:
    if request is None:
        return "-"
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "-"  # the address django-axes locks on


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log.info("login ok user=%s address=%s", user.username, _address(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    log.info("logout user=%s address=%s", getattr(user, "username", "-"), _address(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    log.warning("login failed user=%s address=%s", credentials.get("username", "-"), _address(request))
