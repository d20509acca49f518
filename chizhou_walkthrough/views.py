from accounts.decorators import page
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from services.models import Department, ServiceItem


@require_GET
@page
def home(request):
    counts = {
        "departments": Department.objects.count(),
        "items": ServiceItem.objects.count(),
        "hf_items": ServiceItem.objects.filter(high_frequency=True, enterprise_related=True).count(),
    }
    return render(request, "home.html", {"counts": counts})


@never_cache
@require_GET
def healthz(request):
    """For load balancers and compose health checks: the process is up and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
