"""One submission per form, however often it is sent (a double tap on a phone, a re-sent POST).

Each form carries a random token; the first POST with a token claims it in the shared cache (Redis in
production, so it holds across machines) and records where it led; a repeat is sent there too
instead of creating a second walkthrough, finding, comment or request.
"""
from __future__ import annotations

import secrets

from django.core.cache import cache
from django.shortcuts import redirect

FIELD = "submission"
TTL = 6 * 60 * 60


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _key(request, token: str) -> str:
    who = request.user.pk if getattr(request, "user", None) and request.user.is_authenticated else "anon"
    return f"submission:{who}:{token}"


def claim(request):
    """Returns None for a first submission (go ahead), or a response for a repeat."""
    token = (request.POST.get(FIELD) or "")[:64]
    if not token:
        return None
    key = _key(request, token)
    if cache.add(key, "", timeout=TTL):
        request._submission_key = key
        return None
    done = cache.get(key)
    if done:
        return redirect(done)
    # The first one is still being processed: answer as it will.
    return redirect(request.path)


def release(request) -> None:
    """The submission failed validation: the same token may be sent again, corrected."""
    key = getattr(request, "_submission_key", None)
    if key:
        cache.delete(key)


def record(request, url: str) -> None:
    key = getattr(request, "_submission_key", None)
    if key:
        cache.set(key, url, timeout=TTL)
