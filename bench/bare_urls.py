"""The app's URLs plus ``/bare/findings/``: the floor ``bench/api_list.py`` compares the API with.

The bare view returns the same 100 rows, in the same order (updated_at, id), as a JSON list of
``.values()`` dicts: no authentication, serializer, filtering or pagination. It lives here, not
in the app.
"""
from django.http import JsonResponse
from django.urls import path

from chizhou_walkthrough.urls import urlpatterns as app_urlpatterns
from findings.models import Finding

FIELDS = ["id", "walkthrough_id", "service_item_id", "department_id", "category", "severity", "title", "description",
          "status", "version", "due_date", "created_at", "updated_at", "closed_at", "checklist_question", "measures",
          "materials_cut", "days_cut", "visits_cut"]


def bare_findings(request):
    size = min(int(request.GET.get("page_size", 100)), 500)
    rows = list(Finding.objects.order_by("updated_at", "id").values(*FIELDS)[:size])
    return JsonResponse({"results": rows})


urlpatterns = [path("bare/findings/", bare_findings)] + list(app_urlpatterns)
