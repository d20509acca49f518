"""The certificate graph page (office only): circular and duplicate certificates, the most demanded
certificates, and a button per problem that files it against every department involved."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import office_page
from core.categories import Category

from services import certificates

from .certificates import certificate_problem_file, filed_keys

CHART_CYCLES = 50


@require_GET
@office_page
def certificate_graph(request):
    analysis = certificates.analyse(filed=filed_keys())
    chart = analysis.chart(cycles=CHART_CYCLES)
    return render(request, "findings/certificates.html", {
        "analysis": analysis,
        "duplicates_total": analysis.self_issued_count + analysis.bundle_duplicate_count,
        "chart": chart,
        "longest_listed": certificates.LONGEST_LISTED,
        "circular_label": Category.CIRCULAR_CERTIFICATE.label,
        "duplicate_label": Category.DUPLICATE_CERTIFICATE.label,
    })


@require_POST
@office_page
def certificate_file_finding(request):
    problem = certificates.problem_resolve(request.POST.get("problem", ""))
    if problem is None:
        messages.error(request, _("This certificate problem is no longer in the catalog; nothing was filed."))
        return redirect("certificate-graph")
    created = certificate_problem_file(actor=request.user, problem=problem)
    if created:
        messages.success(request, ngettext(
            "%(count)d finding filed, one for each department involved.",
            "%(count)d findings filed, one for each department involved.", len(created)) % {"count": len(created)})
    else:
        messages.info(request, _("This problem was already filed for every department involved."))
    return redirect(f"{reverse('certificate-graph')}#{problem.anchor}")
