"""Writes about people: accounts, roles and API tokens."""
from __future__ import annotations

import hashlib
import logging
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, Role, User

log = logging.getLogger("chizhou.auth")


def token_hash(key: str) -> str:
    # Keys are 40 random characters, so a plain (unsalted) SHA-256 is not guessable and stays indexable.
    return hashlib.sha256(key.encode()).hexdigest()


def user_role_check(*, role: str, department) -> None:
    if role in (Role.LEADER, Role.LIAISON) and department is None:
        raise ValidationError({"department": _("A leader or liaison belongs to a department.")})
    if role == Role.OFFICE and department is not None:
        raise ValidationError({"department": _("The office belongs to no department.")})


@transaction.atomic
def user_create(*, username: str, role: str, department=None, password: str | None = None, **fields) -> User:
    user_role_check(role=role, department=department)
    user = User(username=username, role=role, department=department, is_staff=(role == Role.OFFICE), **fields)
    user.full_clean(exclude=["password"])
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    log.info("user created: %s role=%s department=%s", username, role, getattr(department, "code", None))
    return user


def user_sync_staff(*, user: User) -> None:
    """The office uses the admin; nobody else does (operators are superusers)."""
    wanted = user.is_superuser or user.role == Role.OFFICE
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])


@transaction.atomic
def api_token_create(*, user: User, name: str, created_by: User | None) -> tuple[ApiToken, str]:
    """Returns the token and its key. The key is not stored and cannot be shown again."""
    key = secrets.token_urlsafe(30)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=token_hash(key), created_by=created_by)
    log.info("api token created: %s for %s by %s", token.prefix, user.username, getattr(created_by, "username", None))
    return token, key


def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Every token of ``user`` still in force, revoked (a password change: whoever had the old
    password may have made one)."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        log.info("api tokens revoked: %d of %s (%s)", revoked, user.username, reason)
    return revoked


def api_token_revoke(*, token: ApiToken, actor: User | None) -> bool:
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        log.info("api token revoked: %s of %s by %s", token.prefix, token.user.username, getattr(actor, "username", None))
    return bool(revoked)
