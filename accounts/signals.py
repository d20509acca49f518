"""Every login, logout and failed login goes to the log with time and address.

django-axes keeps the same events as rows (AccessLog, AccessFailureLog) that the office reads in
the admin; these lines are for the operators' log collection.

A password change, however made (the admin, the password change page, ``set_password`` and
``save()`` anywhere), revokes the person's API tokens: the signal is the one moment every path
shares (the rule itself is ``actions.api_tokens_revoke_all``).
"""
import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

log = logging.getLogger("chizhou.auth")


def _address(request) -> str:
    if request is None:
        return "-"
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "-"  # the address django-axes locks on


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _password_changed(sender, instance, created, **kwargs):
    # ``set_password`` keeps the new raw password in ``_password`` until ``save()`` has told the
    # password validators (Django's own "password changed" moment, right after this signal). A new
    # account has no token; a hash upgraded at login is no change (Django clears it first).
    if not created and getattr(instance, "_password", None) is not None:
        from .actions import api_tokens_revoke_all

        api_tokens_revoke_all(user=instance, reason="password changed")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log.info("login ok user=%s address=%s", user.username, _address(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    log.info("logout user=%s address=%s", getattr(user, "username", "-"), _address(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    log.warning("login failed user=%s address=%s", credentials.get("username", "-"), _address(request))
