"""Catalog pages: browse, search, look at one item, export."""
from accounts.decorators import page
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import queries
from .catalog_io import catalog_export
from .models import ItemType, MaterialSource

PAGE_SIZE = 30


def _filtered_items(request):
    items = queries.service_items_visible(request.user)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        items = items.filter(Q(name__icontains=q) | Q(code__icontains=q))
    department = request.GET.get("department", "")
    if department.isdigit():
        items = items.filter(department_id=int(department))
    item_type = request.GET.get("item_type", "")
    if item_type in ItemType.values:
        items = items.filter(item_type=item_type)
    if request.GET.get("hf") == "1":
        items = items.filter(high_frequency=True, enterprise_related=True)
    return items, {"q": q, "department": department, "item_type": item_type, "hf": request.GET.get("hf") == "1"}


@require_GET
@page
def item_list(request):
    items, filters = _filtered_items(request)
    items = items.annotate(
        material_count=Count("materials", distinct=True),
        certificate_count=Count("materials", filter=Q(materials__source=MaterialSource.GOVERNMENT), distinct=True),
    ).order_by("department__code", "code")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "departments": queries.departments_visible(request.user).select_related(None).only("id", "name"),
        "item_types": ItemType.choices,
    }
    template = "services/_item_rows.html" if request.headers.get("HX-Request") else "services/item_list.html"
    return render(request, template, context)


@require_GET
@page
def item_detail(request, pk: int):
    item = get_object_or_404(queries.service_items_with_details(queries.service_items_visible(request.user)), pk=pk)
    revisions = item.revisions.select_related("actor").order_by("-revision")[:10]
    return render(request, "services/item_detail.html", {"item": item, "revisions": revisions})


@require_GET
@page
def catalog_download(request, fmt: str):
    items, _filters = _filtered_items(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # Excel needs the BOM to read UTF-8
    else:
        response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    catalog_export(out=response, fmt=fmt, items=items)
    response["Content-Disposition"] = f'attachment; filename="catalog-{stamp}.{fmt}"'
    return response
