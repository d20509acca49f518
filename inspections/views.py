"""Walkthrough pages: plan, calendar, the walk page at the window, the record."""
import calendar
import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import page
from services.models import BundleItem
from accounts.queries import is_office
from core import submissions
from core.errors import ActionError
from core.filters import filter_chips
from core.idempotency import once

from . import actions, extensions, queries
from .checklists import sections_for, unanswered_required
from .forms import AnswerForm, EventCorrectionForm, EventForm, EvidenceForm, ObservedForm, PlanForm, WalkListFilterForm
from .models import (
    ONLINE_EVENTS,
    WINDOW_EVENTS,
    Answer,
    Channel,
    ChecklistAnswer,
    EventCorrection,
    EventKind,
    Evidence,
    Mode,
    Status,
    TimelineEvent,
    Walkthrough,
    WalkthroughTransition,
)

LIST_SIZE = 50


def _visible(request):
    return queries.walkthroughs_visible(request.user).select_related("service_item", "department", "leader")


def _walkable(request, pk) -> Walkthrough:
    """A walkthrough the user may see (else 404) and walk (else 403)."""
    walkthrough = get_object_or_404(_visible(request), pk=pk)
    if not queries.walkthrough_may_walk(request.user, walkthrough):
        raise PermissionDenied
    return walkthrough


def _month(request) -> datetime.date:
    try:
        return datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@require_GET
@page
def walkthrough_list(request):
    form = WalkListFilterForm(request.GET, office=is_office(request.user))
    walkthroughs = form.apply(_visible(request))
    if form.cleaned_data.get("mine"):
        walkthroughs = walkthroughs.filter(leader=request.user)
    rows = list(walkthroughs.select_related("leader").order_by("-scheduled_for", "-id")[:LIST_SIZE])
    total = len(rows) if len(rows) < LIST_SIZE else walkthroughs.count()
    return render(request, "inspections/list.html", {
        "total": total, "walkthroughs": rows, "form": form, "chips": filter_chips(request, form),
        "may_plan": queries.leaders_plannable(request.user).exists(), "limit": LIST_SIZE,
    })


@require_GET
@page
def walkthrough_calendar(request):
    month = _month(request)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    walkthroughs = _visible(request).filter(scheduled_for__gte=month, scheduled_for__lte=last).order_by("scheduled_for", "id")
    by_day: dict[datetime.date, list] = {}
    for w in walkthroughs:
        by_day.setdefault(w.scheduled_for, []).append(w)
    weeks = [[{"date": d, "in_month": d.month == month.month, "walkthroughs": by_day.get(d, [])} for d in week]
             for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)]
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = last + datetime.timedelta(days=1)
    context = {"month": month, "weeks": weeks, "previous": previous, "following": following,
               "today": timezone.localdate(), "count": sum(len(v) for v in by_day.values())}
    if is_office(request.user):
        context["not_walked"] = queries.leaders_without_walk(month_start=month, month_end=last)
    return render(request, "inspections/calendar.html", context)


@require_http_methods(["GET", "POST"])
@page
def walkthrough_plan(request):
    if not queries.leaders_plannable(request.user).exists():
        raise PermissionDenied
    initial = {"scheduled_for": request.GET.get("date") or timezone.localdate(), "mode": request.GET.get("mode") or Mode.SIMULATE}
    if request.method == "POST" and (repeat := submissions.claim(request)):
        return repeat
    form = PlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            walkthrough = actions.walkthrough_plan(
                actor=request.user, service_item=data["service_item"], leader=data.get("leader") or request.user,
                mode=data["mode"], identity=data["identity"], channel=data["channel"], scheduled_for=data["scheduled_for"],
                bundle=data.get("bundle"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Walkthrough planned."))
            submissions.record(request, reverse("walkthrough-detail", args=[walkthrough.pk]))
            return redirect("walkthrough-detail", pk=walkthrough.pk)
    submissions.release(request)
    return render(request, "inspections/plan.html", {"form": form})


def _walkthrough(request, pk):
    return get_object_or_404(
        _visible(request).select_related("service_item__department", "planned_by", "rewalk_of", "bundle", "checklist").prefetch_related(
            Prefetch("events", queryset=TimelineEvent.objects.order_by("at", "id").prefetch_related(
                "evidence", Prefetch("corrections", queryset=EventCorrection.objects.select_related("actor")))),
            Prefetch("evidence", queryset=Evidence.objects.filter(event=None, answer=None)),
            Prefetch("answers", queryset=ChecklistAnswer.objects.prefetch_related("evidence")),
            Prefetch("transitions", queryset=WalkthroughTransition.objects.select_related("actor")),
            "service_item__materials",
            "service_item__steps",
            Prefetch("bundle__entries", queryset=BundleItem.objects.select_related("item").order_by("position")),
        ),
        pk=pk,
    )


def _checklist(walkthrough):
    """The questions of the walkthrough's checklist version, by section, with their answers (one query)."""
    answers = {a.question: a for a in walkthrough.answers.all()}
    return [(section, [(q, answers.get(q.code)) for q in questions]) for section, questions in sections_for(walkthrough)]


def _event_buttons(walkthrough):
    kinds = {Channel.WINDOW: WINDOW_EVENTS, Channel.ONLINE: ONLINE_EVENTS}.get(
        walkthrough.channel, WINDOW_EVENTS + [k for k in ONLINE_EVENTS if k not in WINDOW_EVENTS])
    return [(k, EventKind(k).label) for k in kinds]


def _context(request, walkthrough, **extra):
    item = walkthrough.service_item
    may_walk = queries.walkthrough_may_walk(request.user, walkthrough)
    findings = extensions.walkthrough_findings_visible(request.user)
    may_file = findings is not None and queries.walkthrough_may_file(request.user, walkthrough)
    return {
        "may_file": may_file,
        "findings": findings.filter(walkthrough=walkthrough).order_by("id") if findings is not None else [],
        "proposals": queries.walkthrough_proposals(walkthrough) if may_file and walkthrough.status == Status.COMPLETED else [],
        "w": walkthrough,
        "item": item,
        "may_walk": may_walk,
        "may_log": may_walk and walkthrough.status == Status.IN_PROGRESS,
        "may_edit": may_walk and walkthrough.is_open,
        "event_buttons": _event_buttons(walkthrough),
        "checklist": _checklist(walkthrough),
        "checklist_missing": unanswered_required(walkthrough, (a.question for a in walkthrough.answers.all())),
        "answers": Answer.choices,
        "observed_form": ObservedForm(instance=walkthrough),
        "declared_materials": len(item.materials.all()),
        "declared_steps": len(item.steps.all()),
        # the elapsed working days in the unit of the item's limit (calendar days span holidays)
        "elapsed_in_unit": queries.elapsed_in_limit_unit(walkthrough),
        "evidence_max_bytes": settings.EVIDENCE_MAX_BYTES,
        **extra,
    }


@require_GET
@page
def walkthrough_detail(request, pk):
    walkthrough = _walkthrough(request, pk)
    return render(request, "inspections/detail.html", _context(request, walkthrough))


def _signature(request) -> bytes | None:
    """The signature pad's drawing, sent as a data URL (``data:image/png;base64,…``)."""
    import base64
    import binascii

    value = request.POST.get("signature", "")
    if not value:
        return None
    head, _sep, data = value.partition(",")
    if head != "data:image/png;base64":
        raise ActionError(_("The signature must be a PNG drawn on the screen."))
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ActionError(_("The signature must be a PNG drawn on the screen.")) from None


def _device_at(request):
    """The phone's time of a tap, sent by the walk page (ISO 8601 with offset); None if absent or unreadable."""
    from django.utils.dateparse import parse_datetime

    try:
        value = parse_datetime(request.POST.get("device_at", "")[:40])
    except ValueError:
        return None
    if value is None or value.tzinfo is None or not actions.device_time_possible(value):
        return None  # absent, unreadable or years off: the server's time is used, nothing refused
    return value


@require_POST
@page
def walkthrough_transition(request, pk, to):
    walkthrough = _walkable(request, pk)
    try:
        actions.walkthrough_transition(walkthrough=walkthrough, to=to, actor=request.user,
                                       note=request.POST.get("note", "")[:500],
                                       expected_status=request.POST.get("from") or None,
                                       signature=_signature(request) if to == Status.COMPLETED else None)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, {Status.IN_PROGRESS: _("Started. Log each step as it happens."),
                                   Status.COMPLETED: _("Walkthrough completed."),
                                   Status.CANCELLED: _("Walkthrough cancelled.")}.get(to, ""))
    return redirect("walkthrough-detail", pk=pk)


def _partial(request, walkthrough_pk, template, **extra):
    walkthrough = _walkthrough(request, walkthrough_pk)
    return render(request, template, _context(request, walkthrough, **extra))


@require_POST
@page
def walkthrough_event_add(request, pk):
    walkthrough = _walkable(request, pk)
    form = EventForm(request.POST)
    error = None
    if form.is_valid():
        try:
            once(request, lambda: actions.event_add(walkthrough=walkthrough, actor=request.user, kind=form.cleaned_data["kind"],
                                                    note=form.cleaned_data["note"], device_at=_device_at(request)))
        except ActionError as exc:
            error = exc.message
    else:
        error = (_("The note is longer than 1000 characters.") if "note" in form.errors
                 else _("Tap what just happened (the kind of step is missing)."))
    return _respond(request, pk, "inspections/_timeline.html", error, status=400 if error else 200)


@require_POST
@page
def walkthrough_evidence_add(request, pk):
    walkthrough = _walkable(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    error = None
    # A photo of an event or a checklist answer refreshes that panel; of the walkthrough, the evidence panel.
    template = "inspections/_evidence.html"
    if form.is_valid():
        event = answer = None
        if form.cleaned_data.get("event"):
            event = walkthrough.events.filter(pk=form.cleaned_data["event"]).first()
            template = "inspections/_timeline.html"
        if form.cleaned_data.get("question"):
            answer = walkthrough.answers.filter(question=form.cleaned_data["question"]).first()
            template = "inspections/_checklist.html"
            if answer is None:
                error = _("Answer the question before attaching a photo to it.")
        if not error:
            try:
                once(request, lambda: actions.evidence_add(walkthrough=walkthrough, actor=request.user, upload=form.cleaned_data["file"],
                                                           event=event, answer=answer, device_at=_device_at(request)))
            except ActionError as exc:
                error = exc.message
    else:
        error = _("Choose a photo or PDF to attach.")
    return _respond(request, pk, template, error, status=400 if error else 200)


@require_POST
@page
def walkthrough_event_correct(request, pk, event_pk):
    """Correct an event's time or note, or withdraw it (before completion); the old values stay."""
    walkthrough = _walkable(request, pk)
    event = get_object_or_404(walkthrough.events.all(), pk=event_pk)
    form = EventCorrectionForm(request.POST)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            once(request, lambda: actions.event_correct(event=event, actor=request.user, at=data["at"], note=data["note"],
                                                        withdraw=data["withdraw"], reason=data["reason"]))
        except ActionError as exc:
            error = exc.message
    else:
        error = "；".join(" ".join(e) for e in form.errors.values())
    return _respond(request, pk, "inspections/_timeline.html", error, status=400 if error else 200)


@require_POST
@page
def walkthrough_observed(request, pk):
    walkthrough = _walkable(request, pk)
    form = ObservedForm(request.POST, instance=Walkthrough.objects.get(pk=walkthrough.pk))
    error = None
    if form.is_valid():
        try:
            once(request, lambda: actions.walkthrough_update(walkthrough=walkthrough, actor=request.user,
                                                             data={f: form.cleaned_data[f] for f in ObservedForm.Meta.fields}))
        except ActionError as exc:
            error = exc.message
        except ValidationError as exc:
            error = "；".join(exc.messages)
    else:
        error = "；".join(f"{form.fields[f].label}：{' '.join(e)}" for f, e in form.errors.items())
    # Refused: the form comes back as typed, beside the reason, so nothing has to be typed again.
    extra = {"observed_form": form} if error else {}
    return _respond(request, pk, "inspections/_observed.html", error, status=400 if error else 200, saved=not error, **extra)


@require_POST
@page
def walkthrough_answer(request, pk, question):
    walkthrough = _walkable(request, pk)
    form = AnswerForm(request.POST)
    error = None
    if form.is_valid():
        try:
            once(request, lambda: actions.checklist_answer_set(
                walkthrough=walkthrough, actor=request.user, question=question, answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"], device_at=_device_at(request)))
        except ActionError as exc:
            error = exc.message
    else:
        error = _("The note is longer than 1000 characters.")
    return _respond(request, pk, "inspections/_checklist.html", error, status=400 if error else 200)


def _respond(request, pk, template, error, *, status=200, **extra):
    """htmx gets the refreshed fragment; a browser without JavaScript goes back to the page."""
    if request.headers.get("HX-Request"):
        response = _partial(request, pk, template, error=error, **extra)
        response.status_code = status
        if status >= 400:
            # htmx ignores 4xx bodies unless told to swap; the fragment carries the message.
            response["HX-Reswap"] = "outerHTML"
        return response
    if error:
        messages.error(request, error)
    return redirect("walkthrough-detail", pk=pk)

