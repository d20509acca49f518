"""The site's navigation, by role. Later pages add their entry here, once."""
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.queries import is_office, may_use_pages
from findings.notifications import notifications_unread_count


@dataclass(frozen=True)
class Entry:
    label: object
    url_name: str
    office_only: bool = False
    member_label: object = None  # what a department's own people see instead ("my …")


ENTRIES = [
    Entry(_("Home"), "home"),
    Entry(_("Dashboard"), "dashboard", member_label=_("Our figures")),
    Entry(_("Walkthroughs"), "walkthrough-list", member_label=_("My walkthroughs")),
    Entry(_("Calendar"), "walkthrough-calendar"),
    Entry(_("Findings"), "finding-list", member_label=_("My department's findings")),
    Entry(_("Reports"), "report-list"),
    Entry(_("Public requests"), "public-request-list", office_only=True),
    Entry(_("Service catalog"), "catalog-list"),
    Entry(_("Certificate graph"), "certificate-graph", office_only=True),
    Entry(_("Administration"), "admin:index", office_only=True),
    Entry(_("API"), "v1:api-docs", office_only=True),  # the API's docs are for the office (and systems' people)
]


def navigation(request):
    user = getattr(request, "user", None)
    if not may_use_pages(user):
        return {"nav": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    entries = []
    for entry in ENTRIES:
        if entry.office_only and not is_office(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        label = entry.member_label if entry.member_label and not is_office(user) else entry.label
        entries.append({"label": label, "url": url, "current": entry.url_name == current})
    return {"nav": entries, "unread_notifications": _once(lambda: notifications_unread_count(user))}


def _once(compute):
    """A value computed the first time a template asks for it (templates call callables), then kept:
    the header's unread count costs one query on a page, and none on an htmx fragment."""
    box = []

    def value():
        if not box:
            box.append(compute())
        return box[0]

    return value
