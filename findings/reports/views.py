"""Report pages: ask, watch it being made (htmx polling), download."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import page
from accounts.queries import is_office
from core.errors import ActionError
from inspections.queries import walkthroughs_visible

from ..models import ReportStatus
from . import actions, queries
from .forms import ReportRequestForm


@require_http_methods(["GET", "POST"])
@page
def report_list(request):
    form = ReportRequestForm(request.POST or None, initial={"kind": "department" if not is_office(request.user) else "bulletin"})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            walkthrough = None
            if data.get("walkthrough"):
                walkthrough = walkthroughs_visible(request.user).filter(pk=data["walkthrough"]).select_related("service_item").first()
                if walkthrough is None:
                    raise Http404
            department = data.get("department")
            if data["kind"] == "department" and department is None and request.user.department_id:
                department = request.user.department
            try:
                report = actions.report_request(actor=request.user, kind=data["kind"], walkthrough=walkthrough,
                                                department=department, period_start=data.get("period_start"),
                                                period_end=data.get("period_end"))
            except PermissionDenied:
                messages.error(request, _("You may not ask for this report."))
            except ActionError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("report-detail", pk=report.pk)
        else:
            messages.error(request, _("Check the dates of the period."))
    reports = queries.reports_visible(request.user).select_related("department", "walkthrough__service_item").order_by("-created_at")[:50]
    return render(request, "reports/list.html", {"form": form, "reports": reports, "office": is_office(request.user)})


@require_GET
@page
def report_detail(request, pk):
    report = get_object_or_404(queries.reports_visible(request.user).select_related("department", "walkthrough__service_item"), pk=pk)
    template = "reports/_status.html" if request.headers.get("HX-Request") else "reports/detail.html"
    return render(request, template, {"report": report, "waiting_for_broker": report.status == ReportStatus.PENDING and not report.enqueued_at})


@require_GET
@page
def report_download(request, pk):
    report = get_object_or_404(queries.reports_visible(request.user), pk=pk, status=ReportStatus.DONE)
    # ``?file=xlsx`` (as in the API, where DRF keeps ``format`` for itself); ``?format=xlsx`` still works here.
    fmt = request.GET.get(DOWNLOAD_PARAM) or request.GET.get("format") or "pdf"
    return report_file_response(report, fmt if fmt in DOWNLOAD_FILES else "pdf")


DOWNLOAD_PARAM = "file"  # which file of a report: not "format", DRF's renderer switch
DOWNLOAD_FILES = ("pdf", "xlsx")


def report_file_response(report, fmt: str):
    field = report.xlsx if fmt == "xlsx" else report.pdf
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = "application/pdf" if fmt != "xlsx" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"{report.get_kind_display()}-{report.pk}.{'xlsx' if fmt == 'xlsx' else 'pdf'}"
    return FileResponse(handle, content_type=content_type, as_attachment=fmt == "xlsx", filename=filename)
