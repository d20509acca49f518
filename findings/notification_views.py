"""The notifications page: what the e-mails about findings said, kept for each person.

Opening a notification (a click in the list) marks it read and goes to its finding; the list itself
marks nothing, so what has not been looked at stays counted in the header. "Mark all as read" clears
the count at once.
"""
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import page

from . import notifications

PAGE_SIZE = 50


@require_GET
@page
def notification_list(request):
    rows = notifications.notifications_visible(request.user).select_related("finding__department").order_by("-created_at", "-id")
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "findings/notifications.html", {"page": page_obj})


@require_GET
@page
def notification_open(request, pk):
    """Mark it read and go to the finding (someone else's notification is a 404)."""
    notification = get_object_or_404(notifications.notifications_visible(request.user), pk=pk)
    notifications.notification_read(notification=notification)
    return redirect("finding-detail", pk=notification.finding_id)


@require_POST
@page
def notification_read_all(request):
    n = notifications.notifications_read_all(user=request.user)
    if n:
        messages.success(request, ngettext("%(n)d notification marked as read.", "%(n)d notifications marked as read.", n) % {"n": n})
    return redirect("notification-list")
