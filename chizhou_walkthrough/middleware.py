"""Two middlewares: errors under /api/ answer JSON whatever DEBUG is (``ApiJsonErrorsMiddleware``),
and the input boundary (``InputBoundaryMiddleware``, below).

With DEBUG off, ``handler404``/``handler500`` (views.py) already answer ``{"detail": ...}`` under
/api/; with DEBUG on (``bin/run``) Django answers its HTML debug pages instead, which no API client
can read. This middleware turns any error response under /api/ that is not JSON into that shape,
keeping the status and the headers set by the other middleware (CSP, cookies …). DRF's own responses
are left alone: they are already ``{"detail": ...}`` (or the browsable API when a browser asks).
Put it first in MIDDLEWARE, so that it sees what every other middleware answers.
"""
import re
from http import HTTPStatus

from django.http import HttpResponseBadRequest, JsonResponse, UnreadablePostError
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

# DRF's own messages (translated by DRF) for the statuses it has one for.
_DRF_DETAILS = {
    400: exceptions.ParseError.default_detail,
    401: exceptions.NotAuthenticated.default_detail,
    403: exceptions.PermissionDenied.default_detail,
    406: exceptions.NotAcceptable.default_detail,
    429: exceptions.Throttled.default_detail,
}
_SKIPPED_HEADERS = {"content-type", "content-length", "content-disposition", "content-encoding"}


def _detail(status: int) -> str:
    if status == 404:
        return _("Not found.")  # the same words as views.not_found
    if status >= 500:
        return _("Server error.")  # the same words as views.server_error
    if status in _DRF_DETAILS:
        return str(_DRF_DETAILS[status])
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not isinstance(response, Response)
            and not response.streaming  # Django's error pages never are; a file is left as it is
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self._as_json(response)
        return response

    @staticmethod
    def _as_json(response):
        json = JsonResponse({"detail": _detail(response.status_code)}, status=response.status_code)
        for header, value in response.items():
            if header.lower() not in _SKIPPED_HEADERS:
                json[header] = value
        json["Content-Length"] = str(len(json.content))
        json.cookies = response.cookies
        return json


# --- The input boundary -------------------------------------------------------------------------
# Years a date may have anywhere in a query or a form: far enough for any campaign, near enough that
# a month or a day either side of it, or a date range ending at it, stays a date (year 1 minus a
# day, or 9999 plus one, is an OverflowError, a 500).
MIN_YEAR, MAX_YEAR = 1900, 2999
# What Django's date fields and strptime read as a date with a four-digit year, in any of the
# input formats of the site's languages: 2026-05, 2026-05-01T08:00, 2026/5/1, 5/1/2026, 2026年5月1日.
_TIME = r"(?:[T ]\d{1,2}:\d{2}[0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?"
_DATES = [
    re.compile(rf"\s*(?P<year>\d{{4}})[-/.]\d{{1,2}}(?:[-/.]\d{{1,2}})?{_TIME}\s*"),
    re.compile(rf"\s*\d{{1,2}}[-/.]\d{{1,2}}[-/.](?P<year>\d{{4}}){_TIME}\s*"),
    re.compile(r"\s*(?P<year>\d{4})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*"),
]
_SURROGATE = re.compile("[\ud800-\udfff]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refused_text(value: str) -> str | None:
    """Why a value from a query or a form is refused, or None: a NUL byte (PostgreSQL cannot store
    it, and the database drivers refuse it), a lone surrogate (no UTF-8 has it) or a date out of range."""
    if "\x00" in value:
        return _("A value contains a NUL character.")
    if _SURROGATE.search(value):
        return _("A value contains an invalid character.")
    for pattern in _DATES:
        match = pattern.fullmatch(value)
        if match and not MIN_YEAR <= int(match.group("year")) <= MAX_YEAR:
            return _("A date must lie between the years %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}
    return None


class InputBoundaryMiddleware:
    """One boundary for what no view can use: a query string or a form value holding a NUL byte, a
    lone surrogate or a date out of range (``MIN_YEAR``–``MAX_YEAR``) is answered 400 before any view
    runs — JSON under /api/, a page elsewhere — never a 500 further in. JSON bodies are checked by the
    API's parser (``core.api.JSONParser``: size, depth, NUL, surrogates); the API's own multipart
    bodies are left to DRF, whose fields refuse NUL. Placed after LocaleMiddleware, so that the
    message is in the person's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reason = self._refused(request)
        if reason is not None:
            return self._bad_request(request, reason)
        return self.get_response(request)

    @staticmethod
    def _refused(request) -> str | None:
        sources = [request.GET]
        content_type = request.content_type or ""
        if request.method == "POST" and content_type in _FORM_TYPES and not request.path.startswith("/api/"):
            try:
                sources.append(request.POST)  # CsrfViewMiddleware reads it next anyway
            except UnreadablePostError:  # the client went away; as CsrfViewMiddleware does
                pass
        for source in sources:
            for key, values in source.lists():
                for text in (key, *values):
                    reason = refused_text(text) if isinstance(text, str) else None
                    if reason is not None:
                        return reason
        return None

    @staticmethod
    def _bad_request(request, reason: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": reason}, status=400)
        if request.headers.get("HX-Request") == "true":
            # htmx shows a refused fragment where the form is (static/js/site.js).
            return HttpResponseBadRequest(f'<p class="feedback error" role="alert">{escape(reason)}</p>',
                                          content_type="text/html; charset=utf-8")
        title = _("Bad request")
        page = (f'<!doctype html><html lang="{escape(get_language() or "zh-hans")}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title></head>'
                f'<body><h1>{escape(title)}</h1><p role="alert">{escape(reason)}</p><p><a href="/">{escape(_("Home"))}</a></p>'
                f"</body></html>")
        return HttpResponseBadRequest(page, content_type="text/html; charset=utf-8")
