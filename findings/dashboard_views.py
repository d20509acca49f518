"""The dashboard page and its xlsx exports."""
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.decorators import page
from accounts.queries import is_office
from inspections.models import Mode
from services.models import Department, DepartmentLevel, Region

from core.categories import Category, CategoryGroup
from core.workdays import calendar_warning
from core.exports import xlsx_cell, xlsx_row
from .dashboard import Filters, dashboard_figures
from .models import FindingStatus, Severity

TABLES = ("ranking", "categories", "statuses", "modes")


class DashboardFilterForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("period start"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("period end"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    region = forms.ModelChoiceField(label=gettext_lazy("region"), queryset=Region.objects.all(), required=False,
                                    empty_label=gettext_lazy("All regions"))
    level = forms.ChoiceField(label=gettext_lazy("level"), choices=[("", gettext_lazy("All levels"))] + DepartmentLevel.choices, required=False)
    department = forms.ModelChoiceField(label=gettext_lazy("department"), queryset=Department.objects.only("id", "name"),
                                        required=False, empty_label=gettext_lazy("All departments"))


def _scope_and_filters(request):
    user = request.user
    office = is_office(user)
    if not office and not user.department_id:
        raise PermissionDenied
    form = DashboardFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = Filters(
        period_start=data.get("since"), period_end=data.get("until"),
        region_id=data["region"].pk if office and data.get("region") else None,
        level=data.get("level") or None if office else None,
        department_id=data["department"].pk if office and data.get("department") else None,
    )
    return (None if office else user.department_id), filters, form, office


def _link(base: str, filters: Filters, **extra) -> str:
    return f"{reverse(base)}?{urlencode({**filters.query(), **extra})}"


@require_GET
@page
def dashboard(request):
    scope, filters, form, office = _scope_and_filters(request)
    figures = dashboard_figures(scope_department_id=scope, filters=filters)
    link = lambda base, **extra: _link(base, filters, **extra)  # noqa: E731
    charts = {
        "modes": {"labels": [str(Mode(m).label) for m in figures["by_mode"]],
                  "planned": [v["planned"] for v in figures["by_mode"].values()],
                  "done": [v["done"] for v in figures["by_mode"].values()],
                  "links": [link("walkthrough-list", mode=m, active=1) for m in figures["by_mode"]],
                  "series": [_("planned"), _("completed")]},
        "groups": [{"name": str(CategoryGroup(g).label), "value": n, "link": link("finding-list", group=g)}
                   for g, n in sorted(figures["by_group"].items(), key=lambda kv: -kv[1])],
        "statuses": [{"name": str(FindingStatus(s).label), "value": figures["by_status"].get(s, 0), "link": link("finding-list", status=s)}
                     for s in FindingStatus.values],
        "severities": [{"name": str(Severity(s).label), "value": figures["by_severity"].get(s, 0), "link": link("finding-list", severity=s)}
                       for s in Severity.values],
        "overdue": {"labels": [d["name"] for d in figures["ranking"] if d["overdue"]],
                    "values": [d["overdue"] for d in figures["ranking"] if d["overdue"]],
                    "links": [link("finding-list", department=d["id"], overdue="on") for d in figures["ranking"] if d["overdue"]]},
    }
    # An empty chart is a sentence, not an empty axis.
    empty = {
        "modes": not any(charts["modes"]["planned"]) and not any(charts["modes"]["done"]),
        "groups": not any(item["value"] for item in charts["groups"]),
        "statuses": not any(item["value"] for item in charts["statuses"]),
        "severities": not any(item["value"] for item in charts["severities"]),
        "overdue": not charts["overdue"]["labels"],
    }
    categories = [{"code": c, "label": Category(c).label, "n": n, "link": link("finding-list", category=c)}
                  for c, n in sorted(figures["by_category"].items(), key=lambda kv: -kv[1])]
    for row in figures["appeals"]:
        row["link"] = _link("finding-list", Filters(period_start=filters.period_start, period_end=filters.period_end,
                                                    department_id=row["id"]), status=FindingStatus.APPEALED)
    for row in figures["ranking"]:
        row["link"] = _link("finding-list", Filters(period_start=filters.period_start, period_end=filters.period_end,
                                                    department_id=row["id"]))
    return render(request, "findings/dashboard.html", {
        "form": form, "office": office, "f": figures, "charts": charts, "empty": empty, "categories": categories,
        "links": {
            "findings": link("finding-list"), "closed": link("finding-list", status="closed"),
            "overdue": link("finding-list", overdue="on"), "walk_done": link("walkthrough-list", status="completed"),
            "walks": link("walkthrough-list", active=1), "appealed": link("finding-list", status=FindingStatus.APPEALED),
        },
        "export_query": request.GET.urlencode(), "today": timezone.localdate(),
        # the working calendar's years the office must still fill (one query, the office only)
        "calendar": calendar_warning() if office else None,
    })


@require_GET
@page
def dashboard_export(request, table):
    if table not in TABLES:
        raise PermissionDenied
    import openpyxl
    from openpyxl.styles import Font

    scope, filters, _form, _office = _scope_and_filters(request)
    figures = dashboard_figures(scope_department_id=scope, filters=filters)
    if table == "ranking":
        header = [_("department"), _("walkthroughs planned"), _("walkthroughs completed"), _("findings"), _("closed"),
                  _("closed on time"), _("overdue")]
        rows = [[d["name"], d["walk_planned"], d["walk_done"], d["findings"], d["closed"], d["on_time"], d["overdue"]]
                for d in figures["ranking"]]
    elif table == "categories":
        header = [_("category"), _("findings")]
        rows = [[str(Category(c).label), n] for c, n in sorted(figures["by_category"].items(), key=lambda kv: -kv[1])]
    elif table == "statuses":
        header = [_("status"), _("findings")]
        rows = [[str(FindingStatus(s).label), figures["by_status"].get(s, 0)] for s in FindingStatus.values]
    else:
        header = [_("mode"), _("planned"), _("completed")]
        rows = [[str(Mode(m).label), v["planned"], v["done"]] for m, v in figures["by_mode"].items()]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Dashboard"))

    def bold(value):
        cell = xlsx_cell(sheet, str(value))
        cell.font = Font(bold=True)
        return cell

    sheet.append([bold(h) for h in header])
    for row in rows:
        sheet.append(xlsx_row(sheet, row))  # a department's name is text, never a formula
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    workbook.save(response)
    response["Content-Disposition"] = f'attachment; filename="dashboard-{table}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
