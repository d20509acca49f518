"""发文字号: consecutive per issuer, document kind and year, given when a document is issued.

The one place numbers are taken. ``document_number_take`` must run inside the transaction that
issues the document (renders it and marks it done): the counter row is written first, so it stays
locked until that transaction ends — a second document of the same kind waits for the first, and
gets the next number — and a render that fails rolls the counter back with everything else, so no
number is consumed or skipped. On PostgreSQL the UPDATE takes the row lock; on SQLite every
transaction takes the write lock when it begins (``transaction_mode: IMMEDIATE``). The formatted
number is also unique per issuer in the database (``report_number_unique``).

Which kinds are numbered, and how, is the setting ``REPORT_NUMBER_FORMATS`` (see docs/reports.md).
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from ..models import DocumentNumber


def numbered(kind: str) -> bool:
    """Whether documents of this kind carry a 发文字号 (the kinds ``REPORT_NUMBER_FORMATS`` names)."""
    return kind in settings.REPORT_NUMBER_FORMATS


def document_number_format(*, kind: str, year: int, serial: int) -> str:
    """The printed 发文字号, e.g. 池营商办〔2026〕3号."""
    return settings.REPORT_NUMBER_FORMATS[kind].format(prefix=settings.REPORT_NUMBER_PREFIX, year=year, number=serial)


def document_number_take(*, issuer: str, kind: str, on: datetime.date) -> tuple[int, str]:
    """The next serial of (issuer, kind, year of ``on``) and its printed number.

    Call it inside ``transaction.atomic()`` (it refuses otherwise): the number is only spent if that
    transaction commits.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document_number_take must run inside the transaction that issues the document")
    key = {"issuer": issuer, "kind": kind, "year": on.year}
    for _attempt in range(3):
        # Write first: the UPDATE locks the counter row until the issuing transaction ends.
        if DocumentNumber.objects.filter(**key).update(last=F("last") + 1):
            serial = DocumentNumber.objects.values_list("last", flat=True).get(**key)
            return serial, document_number_format(kind=kind, year=on.year, serial=serial)
        try:
            with transaction.atomic():  # the year's first document: make its counter
                DocumentNumber.objects.create(**key, last=1)
            return 1, document_number_format(kind=kind, year=on.year, serial=1)
        except IntegrityError:
            continue  # another document made it first (we waited at the unique index): take the next
    raise RuntimeError(f"could not take a document number for {key}")
