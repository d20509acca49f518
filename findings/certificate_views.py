"""The certificate graph page (office only): circular and duplicate certificates, the most demanded
certificates, a button per problem that files it against every department involved (after a
confirmation page that says which departments and which category), and the office's decisions that
a flagged relation is legitimate, each with its reason, and withdrawn again from the same page."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import office_page
from core.categories import Category
from core.errors import ActionError
from services import certificates
from services.certificate_actions import REASON_MAX, certificate_decide, certificate_decision_withdraw

from .certificates import certificate_problem_file, filed_departments, filed_keys, problem_severity
from .models import Severity

CHART_CYCLES = 50


def _graph(request, *, status=200, decide_problem="", decide_error="", decide_reason=""):
    analysis = certificates.analyse(filed=filed_keys())
    chart = analysis.chart(cycles=CHART_CYCLES)
    shown = {p.spec for p in analysis.cycles + analysis.self_issued + analysis.bundle_duplicates}
    if decide_error and decide_problem not in shown:  # no form to show it beside: at the top
        messages.error(request, decide_error)
    return render(request, "findings/certificates.html", {
        "analysis": analysis,
        "duplicates_total": analysis.self_issued_count + analysis.bundle_duplicate_count,
        "chart": chart,
        "longest_listed": certificates.LONGEST_LISTED,
        "circular_label": Category.CIRCULAR_CERTIFICATE.label,
        "duplicate_label": Category.DUPLICATE_CERTIFICATE.label,
        "decide_problem": decide_problem, "decide_error": decide_error, "decide_reason": decide_reason,
        "reason_max": REASON_MAX,
    }, status=status)


@require_GET
@office_page
def certificate_graph(request):
    return _graph(request)


@require_POST
@office_page
def certificate_file_finding(request):
    """Without ``confirm=1``: the confirmation page — what would be filed, against which departments,
    under which category; nothing is filed. With it: filed, once per department (a second click
    files nothing)."""
    problem = certificates.problem_resolve(request.POST.get("problem", ""))
    if problem is None:
        messages.error(request, _("This certificate problem is no longer in the catalog; nothing was filed."))
        return redirect("certificate-graph")
    back = f"{reverse('certificate-graph')}#{problem.anchor}"
    if problem.decided:
        messages.error(request, _("This relation is marked legitimate; withdraw the decision to file it."))
        return redirect(back)
    if request.POST.get("confirm") != "1":
        problem.filed_departments = filed_departments(problem)
        if problem.filed:  # nothing left to ask about
            messages.info(request, _("This problem was already filed for every department involved."))
            return redirect(back)
        departments = [{"name": node.department, "item": node, "filed": pk in problem.filed_departments}
                       for pk, node in problem.departments().items()]
        return render(request, "findings/certificate_file_confirm.html", {
            "problem": problem, "departments": departments, "back": back,
            "to_file": sum(1 for d in departments if not d["filed"]),
            "category_label": Category(problem.category).label,
            "severity_label": Severity(problem_severity(problem)).label,
        })
    try:
        created = certificate_problem_file(actor=request.user, problem=problem)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if created:
        messages.success(request, ngettext(
            "%(count)d finding filed, one for each department involved.",
            "%(count)d findings filed, one for each department involved.", len(created)) % {"count": len(created)})
    else:
        messages.info(request, _("This problem was already filed for every department involved."))
    return redirect(back)


@require_POST
@office_page
def certificate_decide_legitimate(request):
    """Mark a flagged relation legitimate, with the reason; a refusal is shown beside the form."""
    key, reason = request.POST.get("problem", ""), request.POST.get("reason", "")
    try:
        decision, created = certificate_decide(actor=request.user, problem=key, reason=reason)
    except ActionError as exc:
        return _graph(request, status=400, decide_problem=key, decide_error=exc.message, decide_reason=reason)
    if created:
        messages.success(request, _("Marked legitimate: the relation is no longer flagged."))
    else:
        messages.info(request, _("This relation was already marked legitimate."))
    return redirect(f"{reverse('certificate-graph')}#legitimate")


@require_POST
@office_page
def certificate_decision_withdraw_page(request):
    """Withdraw the decision: the relation is flagged again."""
    try:
        certificate_decision_withdraw(actor=request.user, problem=request.POST.get("problem", ""))
    except ActionError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, _("Decision withdrawn: the relation is flagged again."))
    return redirect(f"{reverse('certificate-graph')}#legitimate")
