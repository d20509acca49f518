from accounts.decorators import page
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .todo import todo_for


@require_GET
@page
def home(request):
    """What to do now: a to-do list for the person's role (``todo.py``)."""
    today = timezone.localdate()
    role, todo = todo_for(request.user, today)
    return render(request, "home.html", {"role": role, "today": today, **todo})


@never_cache
@require_GET
def healthz(request):
    """For load balancers and compose health checks: the process is up and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def service_worker(request):
    """The walk page's service worker (static/js/sw.js), served from the site's root so that its
    scope covers the pages it keeps for offline use; never cached by the browser's HTTP cache, so a
    new release is picked up on the next visit."""
    from django.contrib.staticfiles import finders

    path = finders.find("js/sw.js")
    with open(path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def _api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """404: JSON under /api/ (docs/api.md's error shape), the site's page elsewhere."""
    if _api(request):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    if _api(request):
        return JsonResponse({"detail": str(_("Server error."))}, status=500)
    from django.views.defaults import server_error as default

    return default(request)
