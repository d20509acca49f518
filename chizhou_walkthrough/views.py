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


# The walk page's own files (templates/base.html and templates/inspections/detail.html load exactly
# these; tests/test_static_files.py checks the page against this list): the service worker keeps them.
WALK_PAGE_ASSETS = ("css/site.css", "vendor/htmx/htmx.min.js", "js/site.js", "css/walk.css", "js/walk.js")


def _precache() -> tuple[list[str], str, bool]:
    """The walk page's files by the URLs the pages use (content-hashed with the manifest storage),
    a version derived from those URLs and the files' contents, and whether the names are hashed."""
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    urls, digest = [], hashlib.sha256()
    for name in WALK_PAGE_ASSETS:
        urls.append(static(name))
        digest.update(urls[-1].encode())
        with open(finders.find(name), "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    hashed = any(url != settings.STATIC_URL + name and not url.endswith("/" + name) for url, name in zip(urls, WALK_PAGE_ASSETS))
    return urls, digest.hexdigest()[:16], hashed


@require_GET
def service_worker(request):
    """The walk page's service worker (static/js/sw.js), served from the site's root so that its
    scope covers the pages it keeps for offline use, with the walk page's files (``WALK_PAGE_ASSETS``,
    by their served URLs) and a version filled in: a release that changes one of them changes the
    worker, which replaces its cache. Revalidated on each visit (no-cache + ETag: a 304 when unchanged)."""
    import hashlib
    import json

    from django.contrib.staticfiles import finders
    from django.utils.cache import get_conditional_response

    urls, version, hashed = _precache()
    with open(finders.find("js/sw.js"), encoding="utf-8") as handle:
        source = handle.read()
    body = (source.replace("/*PRECACHE*/[]", json.dumps(urls), 1)
            .replace('/*VERSION*/"dev"', json.dumps(version), 1)
            .replace('/*FETCH_MODE*/"no-cache"', json.dumps("default" if hashed else "no-cache"), 1))
    etag = '"%s"' % hashlib.sha256(body.encode()).hexdigest()[:32]
    unchanged = get_conditional_response(request, etag=etag)
    response = unchanged or HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["ETag"] = etag
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
