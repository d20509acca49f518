"""Writes to the catalog. Every change of an item goes through here so that its history is kept."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.forms.models import model_to_dict

from .models import Material, RevisionSource, ServiceItem, ServiceItemRevision, Step

# Fields that are bookkeeping, not catalog content.
_NOT_HISTORY = {"id", "revision", "created_at", "updated_at"}


def item_snapshot(item: ServiceItem, materials: Iterable[Material] | None = None, steps: Iterable[Step] | None = None) -> dict:
    """The item's state as a revision stores it. ``materials`` and ``steps`` default to the item's own."""
    materials = item.materials.all() if materials is None else materials
    steps = item.steps.all() if steps is None else steps
    data = model_to_dict(item, exclude=list(_NOT_HISTORY))
    data["fee"] = str(Decimal(item.fee).quantize(Decimal("0.01")))  # 0 and 0.00 are one fee
    data["effective_date"] = item.effective_date.isoformat() if item.effective_date else None
    data["materials"] = [
        [m.position, m.name, m.necessity, m.form, m.source, m.issuing_item_id] for m in materials
    ]
    data["steps"] = [[s.position, s.name, s.handler, s.time_limit_days] for s in steps]
    return data


@transaction.atomic
def item_revision_record(*, item: ServiceItem, source: str, actor=None) -> ServiceItemRevision | None:
    """Record the item's current state as a new revision if it differs from the last one.

    Returns the new revision, or ``None`` when nothing changed.
    """
    # Lock the item row so two writers cannot both claim the next revision number.
    locked = ServiceItem.objects.select_for_update().only("id", "revision").get(pk=item.pk)
    data = item_snapshot(item)
    last = item.revisions.order_by("-revision").only("data", "revision").first()
    if last is not None:
        changed = _changed_fields(data, last.data)
        if not changed:
            return None
        number = locked.revision + 1
    else:
        changed, number = [], 1
    ServiceItem.objects.filter(pk=item.pk).update(revision=number)
    item.revision = number
    return ServiceItemRevision.objects.create(
        item=item, revision=number, data=data, changed_fields=changed, source=RevisionSource(source), actor=actor
    )


def items_revision_record(*, items: QuerySet[ServiceItem], source: str, actor=None) -> list[ServiceItemRevision]:
    """``item_revision_record`` for a batch of items (a few hundred: all are loaded at once) in a
    fixed number of queries. Returns the new revisions."""
    # Locked, as in item_revision_record, so that no other writer claims the same revision numbers.
    items = list(items.select_for_update())
    ids = [item.pk for item in items]
    # Not prefetch_related: it links every material and step back to its item, a reference cycle
    # that keeps each batch in memory until the next full garbage collection.
    materials = _by_item(Material.objects.filter(item__in=ids).order_by("position"))
    steps = _by_item(Step.objects.filter(item__in=ids).order_by("position"))
    latest = ServiceItemRevision.objects.filter(item=OuterRef("item")).order_by("-revision").values("revision")[:1]
    last_data = dict(ServiceItemRevision.objects.filter(item__in=ids, revision=Subquery(latest)).values_list("item_id", "data"))
    revisions, renumbered = [], []
    for item in items:
        data = item_snapshot(item, materials[item.pk], steps[item.pk])
        if item.pk in last_data:
            changed = _changed_fields(data, last_data[item.pk])
            if not changed:
                continue
            number = item.revision + 1
        else:
            changed, number = [], 1
        if item.revision != number:
            item.revision = number
            renumbered.append(item)
        revisions.append(ServiceItemRevision(
            item=item, revision=number, data=data, changed_fields=changed, source=RevisionSource(source), actor=actor
        ))
    ServiceItem.objects.bulk_update(renumbered, ["revision"])
    return ServiceItemRevision.objects.bulk_create(revisions)


def _by_item(children: Iterable[Material | Step]) -> defaultdict[int, list]:
    grouped = defaultdict(list)
    for child in children:
        grouped[child.item_id].append(child)
    return grouped


def _changed_fields(data: dict, last: dict) -> list[str]:
    return sorted(k for k in data.keys() | last.keys() if data.get(k) != last.get(k))


_CHILD_KEYS = ("materials", "steps")


@transaction.atomic
def service_item_save(*, item: ServiceItem | None, data: dict, actor, source: str = RevisionSource.API) -> ServiceItem:
    """Create (``item=None``) or update a service item from validated data.

    ``materials`` and ``steps``, when given, replace the item's lists in the order given.
    The model's own validation (check constraints included) runs before anything is written.
    """
    children = {key: data.pop(key) for key in _CHILD_KEYS if key in data}
    item = item or ServiceItem()
    for key, value in data.items():
        setattr(item, key, value)
    item.full_clean(exclude=["revision"])
    item.save()
    if "materials" in children:
        item.materials.all().delete()
        Material.objects.bulk_create(
            Material(item=item, position=i, **m) for i, m in enumerate(children["materials"], start=1)
        )
    if "steps" in children:
        item.steps.all().delete()
        Step.objects.bulk_create(Step(item=item, position=i, **s) for i, s in enumerate(children["steps"], start=1))
    item_revision_record(item=item, source=source, actor=actor)
    return item
