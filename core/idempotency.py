"""Do a create once per ``Idempotency-Key``, however often it is sent.

A phone that logged a tap offline sends it again until it hears back; a double tap, two tabs or a
replayed request send it twice. Each carries a key the client made (a UUID). The first request with
a key does the work and, in the same transaction, records the key with its answer; a repeat from the
same person answers that first result again and does nothing.

Two copies racing each other meet at the unique index on (user, key): on PostgreSQL the second
insert waits for the first transaction and then fails, which rolls back everything the second did;
on SQLite the database lock serialises them. A refused request (4xx) records nothing, so the same
key may be sent again once the problem is fixed.

Pages use ``once(request, action)``; the API uses ``IdempotentMixin`` (``core/api.py`` conventions).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import ActionError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")


class KeyReused(ActionError):
    """The key was used before for a different request."""


def key_of(request) -> str | None:
    """The request's key, or None; a malformed key is refused (ActionError)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY.match(key):
        raise ActionError(_("The Idempotency-Key must be 8 to 100 letters, digits or - _ . :"))
    return key


def _signature(request) -> str:
    return f"{request.method} {request.path}"[:300]


def recorded(user, key: str, request) -> IdempotencyKey | None:
    """The first answer to this key, if it was given already."""
    found = IdempotencyKey.objects.filter(user=user, key=key).first()
    if found is not None and found.request != _signature(request):
        raise KeyReused(_("This Idempotency-Key was already used for another request."))
    return found


def once(request, action: Callable[[], object], *, status_code: int = 200, body: Callable[[object], object] | None = None):
    """Run ``action`` unless this request's key was done already. Returns ``(result, replayed)``:
    the action's result (None on a replay) and whether this was a repeat."""
    key = key_of(request)
    if key is None:
        return action(), False
    if recorded(request.user, key, request) is not None:
        return None, True
    try:
        with transaction.atomic():
            result = action()
            IdempotencyKey.objects.create(user=request.user, key=key, request=_signature(request),
                                          status_code=status_code, body=body(result) if body else None)
    except IntegrityError:
        # The same key won a race in another request: ours was undone with this transaction.
        if recorded(request.user, key, request) is None:
            raise
        return None, True
    return result, False
