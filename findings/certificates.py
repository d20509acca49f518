"""Filing the certificate graph's problems as findings (the graph itself is the catalog's:
``services/certificates.py``).

A finding filed from the graph carries its problem's key in the description (``[cycle:12-34-56]``):
that is how the page knows what has been filed already, and how a second click files nothing.
A problem the office has marked legitimate (``services/certificate_actions.py``) is not filed.
"""
from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from core.categories import Category
from core.errors import ActionError
from services.certificates import KEY_PATTERN, Problem, decision_covers, decision_in_force
from services.models import Department, ServiceItem

from .actions import finding_file
from .models import Finding, Severity

CERTIFICATE_CATEGORIES = (Category.CIRCULAR_CERTIFICATE, Category.DUPLICATE_CERTIFICATE)


def problem_severity(problem: Problem) -> str:
    # An applicant cannot get out of a cycle at all; a duplicate costs a trip.
    return Severity.MAJOR if problem.kind == "cycle" else Severity.MINOR


def filed_keys() -> dict[str, set[int]]:
    """For each problem key already filed, the departments that have a finding for it; one query."""
    filed: dict[str, set[int]] = defaultdict(set)
    rows = Finding.objects.filter(category__in=CERTIFICATE_CATEGORIES, description__contains="[").values_list(
        "department_id", "description")
    for department_id, description in rows.iterator(chunk_size=2000):
        for key in KEY_PATTERN.findall(description):
            filed[key].add(department_id)
    return filed


def filed_departments(problem: Problem) -> set[int]:
    """The departments that have a finding for this problem already; one query."""
    return set(Finding.objects.filter(category=problem.category, department_id__in=problem.departments(),
                                      description__contains=f"[{problem.spec}]").values_list("department_id", flat=True))


@transaction.atomic
def certificate_problem_file(*, actor, problem: Problem) -> list[Finding]:
    """File the problem against each department involved, one finding each; departments that
    already have it are skipped, so a second click files nothing. A problem the office has marked
    legitimate is refused (``ActionError``): withdraw the decision first."""
    wanted = problem.departments()
    # Locking the departments' rows serialises two clicks on the same problem.
    departments = Department.objects.select_for_update().order_by("id").in_bulk(sorted(wanted))
    decision = decision_in_force(problem.spec)  # as it is now, not as the caller saw it
    if decision is not None and decision_covers(decision, problem):
        raise ActionError(_("This relation is marked legitimate; withdraw the decision to file it."))
    have = filed_departments(problem)
    items = ServiceItem.objects.in_bulk([node.id for pk, node in wanted.items() if pk not in have])
    title, description = problem.title(), problem.description()
    created = [
        finding_file(actor=actor, category=problem.category, severity=problem_severity(problem), title=title,
                     description=description, department=departments[pk], service_item=items[node.id])
        for pk, node in wanted.items() if pk not in have
    ]
    problem.filed_departments = have | {f.department_id for f in created}
    return created
