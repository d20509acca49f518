"""Reads of the catalog, and who may see and change it.

The catalog is public information inside the product: every signed-in user may read it
(a leader plans walkthroughs of other departments' items when assigned). Only the office
manages it.
"""
from django.db.models import Prefetch, QuerySet

from accounts.queries import is_office

from .models import Department, Material, ServiceItem


def departments_visible(user) -> QuerySet[Department]:
    return Department.objects.select_related("region").order_by("code")


def service_items_visible(user) -> QuerySet[ServiceItem]:
    return ServiceItem.objects.select_related("department", "department__region")


def service_items_with_details(queryset: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
    """Materials (with their issuing item) and steps in two extra queries, whatever the page size."""
    return queryset.prefetch_related(
        Prefetch("materials", queryset=Material.objects.select_related("issuing_item__department")),
        "steps",
    )


def catalog_may_manage(user) -> bool:
    return is_office(user)
