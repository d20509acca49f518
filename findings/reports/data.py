"""What a report is made from: querysets already limited to what its requester may see."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class ReportInput:
    kind: str  # walkthrough | department | bulletin | ledger
    findings: QuerySet  # findings.Finding, scoped to the requester
    walkthroughs: QuerySet  # inspections.Walkthrough, scoped to the requester
    walkthrough: object | None  # inspections.Walkthrough, for kind "walkthrough"
    department: object | None  # services.Department, for kind "department" (and optionally "ledger")
    period_start: datetime.date | None  # bulletin and ledger: the period (inclusive), may be None
    period_end: datetime.date | None
    number: str  # the document number, e.g. 池营商办〔2026〕12号
    issued_on: datetime.date  # the date printed on the document
