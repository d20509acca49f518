"""Finding pages: the lists, a finding with its history, comments and evidence; filing and moving."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import office_page, page
from accounts.queries import is_office
from core import submissions
from core.errors import ActionError
from core.filters import filter_chips
from inspections import actions as walk_actions
from inspections import queries as walk_queries
from inspections.checklists import question_for
from inspections.models import Mode, Walkthrough

from . import actions, notifications, queries, timeline
from core.categories import GROUP_OF
from .forms import AppealForm, CommentForm, EvidenceForm, FileForm, ListFilterForm, MeasuresForm, MoveForm, RewalkForm
from .models import UNFINISHED_STATUSES, Finding, FindingStatus

PAGE_SIZE = 50


def _visible(request):
    return queries.with_overdue(queries.findings_visible(request.user)).select_related("department", "service_item")


@require_GET
@page
def finding_list(request):
    office = is_office(request.user)
    form = ListFilterForm(request.GET or None, office=office)
    findings = _visible(request)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        for field in ("status", "category", "severity"):
            if data.get(field):
                findings = findings.filter(**{field: data[field]})
        if data.get("department"):
            findings = findings.filter(department=data["department"])
        if data.get("region"):
            findings = findings.filter(department__region=data["region"])
        if data.get("level"):
            findings = findings.filter(department__level=data["level"])
        if data.get("group"):
            findings = findings.filter(category__in=[c for c, g in GROUP_OF.items() if g == data["group"]])
        if data.get("overdue"):
            findings = findings.filter(queries.overdue_q())
        if data.get("open"):
            findings = findings.filter(status__in=UNFINISHED_STATUSES)
        if data.get("mine"):
            findings = findings.filter(queries.mine_q(request.user))
        if data.get("sent_back"):
            findings = queries.with_sent_back(findings).filter(sent_back=1)
        if data.get("since"):
            findings = findings.filter(created_at__date__gte=data["since"])
        if data.get("until"):
            findings = findings.filter(created_at__date__lte=data["until"])
    page_obj = Paginator(findings.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "findings/list.html", {
        "form": form, "page": page_obj, "query": query.urlencode(), "office": office, "chips": filter_chips(request, form),
        "title": _("Findings") if office else _("My department's findings"),
    })


@require_POST
@office_page
def finding_bulk_assign(request):
    ids = [int(i) for i in request.POST.getlist("finding") if i.isdigit()][:500]
    form = MoveForm({"to": FindingStatus.RECTIFYING, "version": 1, "due_date": request.POST.get("due_date") or None,
                     "note": request.POST.get("note", "")})
    if not ids or not form.is_valid():
        messages.error(request, _("Choose findings and a valid deadline."))
        return redirect("finding-list")
    try:
        moved = actions.finding_bulk_assign(
            findings=queries.findings_visible(request.user).filter(pk__in=ids).select_for_update(),
            actor=request.user, due_date=form.cleaned_data["due_date"], note=form.cleaned_data["note"])
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d findings assigned.") % {"n": moved})
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/findings/") else "finding-list")


@require_http_methods(["GET", "POST"])
@page
def finding_file(request):
    walkthrough = None
    if request.GET.get("walkthrough", "").isdigit():
        walkthrough = get_object_or_404(walk_queries.walkthroughs_visible(request.user).select_related("service_item", "department"),
                                        pk=int(request.GET["walkthrough"]))
        if not walk_queries.walkthrough_may_file(request.user, walkthrough):
            raise PermissionDenied
    elif not is_office(request.user):
        raise PermissionDenied
    # The question as the walkthrough's checklist version has it (None if that version has no such code).
    question = question_for(walkthrough, request.GET.get("question", "")) if walkthrough else None
    initial = {}
    if question:
        # The head's note on the answer is what they saw: it starts the description.
        answer = walkthrough.answers.filter(question=question.code).first()
        initial = {"category": question.category, "title": f"{walkthrough.service_item.name}：{question.text}",
                   "description": answer.note if answer else ""}
    if request.method == "POST" and (repeat := submissions.claim(request)):
        return repeat
    form = FileForm(request.POST or None, request.FILES or None, from_walkthrough=walkthrough is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a photo that is refused files nothing: the form comes back with the reason
                finding = actions.finding_file(
                    actor=request.user, walkthrough=walkthrough, checklist_question=question.code if question else "",
                    category=data["category"], severity=data["severity"], title=data["title"], description=data["description"],
                    department=data.get("department"), service_item=data.get("service_item"),
                )
                if data.get("photo"):
                    actions.finding_evidence_add(finding=finding, actor=request.user, upload=data["photo"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Filed from a walk: back to the walk, where the head was (the finding is listed there).
            back = (reverse("walkthrough-detail", args=[walkthrough.pk]) + "#findings" if walkthrough
                    else reverse("finding-detail", args=[finding.pk]))
            messages.success(request, _("Finding filed."))
            submissions.record(request, back)
            return redirect(back)
    submissions.release(request)
    return render(request, "findings/file.html", {"form": form, "walkthrough": walkthrough, "question": question})


def _finding(request, pk) -> Finding:
    return get_object_or_404(
        timeline.timeline_prefetch(_visible(request).select_related("walkthrough", "department__region")).prefetch_related(
            Prefetch("rewalks", queryset=Walkthrough.objects.select_related("leader")),
        ),
        pk=pk,
    )


@require_GET
@page
def finding_detail(request, pk):
    finding = _finding(request, pk)
    notifications.notifications_read_for(user=request.user, finding=finding)
    return _detail(request, finding)


def _detail(request, finding, *, measures_form=None, error: str = "", appeal_form=None, appeal_error: str = "",
            status: int = 200):
    moves = queries.finding_moves_for(request.user, finding)
    if queries.finding_may_rectify(request.user, finding):
        # The liaison submits with the measures, in the rectification panel: one step, nothing lost.
        moves = [to for to in moves if to != FindingStatus.SUBMITTED]
    # The appeal has its own panel, with the reasons and the evidence files.
    may_appeal = FindingStatus.APPEALED in moves
    moves = [to for to in moves if to != FindingStatus.APPEALED]
    context = {
        "f": finding,
        "timeline": timeline.finding_timeline(finding),
        "moves": [(to, FindingStatus(to).label) for to in moves],
        "may_rectify": queries.finding_may_rectify(request.user, finding),
        "may_attach": queries.finding_may_attach(request.user, finding),
        "may_comment": queries.finding_may_comment(request.user, finding),
        "office": is_office(request.user),
        "question": (question_for(finding.walkthrough, finding.checklist_question)
                     if finding.walkthrough_id and finding.checklist_question else None),
        "comment_form": CommentForm(),
        "measures_form": measures_form or MeasuresForm(initial={"measures": finding.measures, "version": finding.version}),
        "measures_error": error,
    }
    if may_appeal:
        refusal = queries.appeal_refusal(finding)
        context["appeal"] = {"refusal": refusal, "until": queries.appeal_deadline(finding),
                             "form": appeal_form or AppealForm(initial={"version": finding.version}), "error": appeal_error}
    if is_office(request.user) and finding.service_item_id and finding.status in (FindingStatus.RECTIFYING, FindingStatus.SUBMITTED):
        context["rewalk_form"] = RewalkForm(leaders=walk_queries.leaders_plannable(request.user))
    return render(request, "findings/detail.html", context, status=status)


@require_POST
@page
def finding_move(request, pk):
    finding = get_object_or_404(queries.findings_visible(request.user), pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("finding-detail", pk=pk)
    data = form.cleaned_data
    if not queries.finding_may_move(request.user, finding, data["to"]) and (finding.status, data["to"]) in queries.MOVES:
        raise PermissionDenied
    ledger = {k: data[k] for k in ("materials_cut", "days_cut", "visits_cut") if data.get(k) is not None}
    try:
        actions.finding_transition(finding=finding, to=data["to"], actor=request.user, note=data["note"],
                                   version=data["version"], due_date=data["due_date"], ledger=ledger)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Finding moved to “%(status)s”.") % {"status": FindingStatus(data["to"]).label})
    return redirect("finding-detail", pk=pk)


@require_POST
@page
def finding_measures(request, pk):
    """Save the measures, or (the "submit" button) save them and submit for verification in one step.
    A refusal shows the page again with what was typed, beside the reason."""
    finding = get_object_or_404(queries.findings_visible(request.user), pk=pk)
    if not queries.finding_may_rectify(request.user, finding):
        raise PermissionDenied
    form = MeasuresForm(request.POST)
    submit = "submit" in request.POST
    if not form.is_valid():
        error = (_("Write the rectification measures before submitting.") if "measures" in form.errors and not request.POST.get("measures", "").strip()
                 else "；".join(" ".join(e) for e in form.errors.values()))
        return _detail(request, _finding(request, pk), measures_form=form, error=error, status=400)
    data = form.cleaned_data
    try:
        if submit:
            actions.finding_submit(finding=finding, actor=request.user, measures=data["measures"], version=data["version"])
        else:
            actions.finding_record_measures(finding=finding, actor=request.user, measures=data["measures"], version=data["version"])
    except ActionError as exc:
        return _detail(request, _finding(request, pk), measures_form=form, error=exc.message, status=400)
    messages.success(request, _("Submitted for verification.") if submit else _("Saved."))
    return redirect("finding-detail", pk=pk)


@require_POST
@page
def finding_appeal(request, pk):
    """申诉: the department's liaison or head disputes the finding, with reasons and evidence. A refusal
    shows the page again with what was typed, beside the reason."""
    finding = get_object_or_404(queries.findings_visible(request.user), pk=pk)
    if not queries.finding_may_move(request.user, finding, FindingStatus.APPEALED):
        raise PermissionDenied
    form = AppealForm(request.POST, request.FILES)
    if not form.is_valid():
        error = (_("Give the reasons for the appeal.") if not request.POST.get("note", "").strip()
                 else "；".join(" ".join(e) for e in form.errors.values()))
        return _detail(request, _finding(request, pk), appeal_form=form, appeal_error=error, status=400)
    data = form.cleaned_data
    try:
        actions.finding_appeal(finding=finding, actor=request.user, note=data["note"], version=data["version"],
                               uploads=data["files"])
    except ActionError as exc:
        return _detail(request, _finding(request, pk), appeal_form=form, appeal_error=exc.message, status=400)
    messages.success(request, _("Appeal filed; the office will decide."))
    return redirect("finding-detail", pk=pk)


@require_POST
@page
def finding_evidence_add(request, pk):
    finding = get_object_or_404(queries.findings_visible(request.user), pk=pk)
    if not queries.finding_may_attach(request.user, finding):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo or PDF to attach."))
    else:
        try:
            actions.finding_evidence_add(finding=finding, actor=request.user, upload=form.cleaned_data["file"])
        except ActionError as exc:
            messages.error(request, exc.message)
    return redirect("finding-detail", pk=pk)


@require_POST
@page
def finding_comment(request, pk):
    finding = get_object_or_404(queries.findings_visible(request.user), pk=pk)
    if not queries.finding_may_comment(request.user, finding):
        raise PermissionDenied
    url = reverse("finding-detail", args=[pk]) + "#comments"
    if repeat := submissions.claim(request):
        return repeat
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            actions.comment_add(finding=finding, actor=request.user, body=form.cleaned_data["body"])
        except ActionError as exc:
            submissions.release(request)
            messages.error(request, exc.message)
        else:
            submissions.record(request, url)
    else:
        submissions.release(request)
        messages.error(request, _("The comment is longer than 4000 characters."))
    return redirect(url)


@require_POST
@office_page
def finding_rewalk(request, pk):
    finding = get_object_or_404(queries.findings_visible(request.user).select_related("service_item"), pk=pk)
    form = RewalkForm(request.POST, leaders=walk_queries.leaders_plannable(request.user))
    if not form.is_valid() or finding.service_item is None:
        messages.error(request, _("Choose a head and a date from today on."))
        return redirect("finding-detail", pk=pk)
    walkthrough = walk_actions.walkthrough_plan(
        actor=request.user, service_item=finding.service_item, leader=form.cleaned_data["leader"], mode=Mode.INSPECT,
        identity="incognito", channel="window", scheduled_for=form.cleaned_data["scheduled_for"], rewalk_of=finding,
    )
    messages.success(request, _("Re-walk scheduled."))
    return redirect("walkthrough-detail", pk=walkthrough.pk)


@require_POST
@page
def proposal_decide(request, walkthrough_pk, key):
    walkthrough = get_object_or_404(walk_queries.walkthroughs_visible(request.user).select_related("service_item", "department"),
                                    pk=walkthrough_pk)
    if not walk_queries.walkthrough_may_file(request.user, walkthrough):
        raise PermissionDenied
    proposal = next((p for p in walk_queries.walkthrough_proposals(walkthrough) if p["key"] == key), None)
    if proposal is None:
        messages.error(request, _("This proposal has already been decided."))
    elif request.POST.get("decision") == "confirm":
        actions.finding_file(actor=request.user, walkthrough=walkthrough, category=proposal["category"],
                             title=proposal["title"][:200], proposal_key=key,
                             severity=request.POST.get("severity") if request.POST.get("severity") in ("minor", "major", "critical") else "minor")
        messages.success(request, _("Finding filed."))
    else:
        actions.proposal_discard(walkthrough=walkthrough, actor=request.user, key=key)
        messages.info(request, _("Proposal discarded."))
    return redirect("walkthrough-detail", pk=walkthrough_pk)


