"""Errors under /api/ answer JSON whatever DEBUG is.

With DEBUG off, ``handler404``/``handler500`` (views.py) already answer ``{"detail": ...}`` under
/api/; with DEBUG on (``bin/run``) Django answers its HTML debug pages instead, which no API client
can read. This middleware turns any error response under /api/ that is not JSON into that shape,
keeping the status and the headers set by the other middleware (CSP, cookies …). DRF's own responses
are left alone: they are already ``{"detail": ...}`` (or the browsable API when a browser asks).
Put it first in MIDDLEWARE, so that it sees what every other middleware answers.
"""
from http import HTTPStatus

from django.http import JsonResponse
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
