from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import OfficeManaged

from . import checklists
from .models import ChecklistQuestion, ChecklistTemplate, Mode, Walkthrough


@admin.register(Walkthrough)
class WalkthroughAdmin(OfficeManaged, admin.ModelAdmin):
    """Read-only here: walkthroughs are planned and walked in their pages, which keep the history."""

    list_display = ("service_item", "department", "leader", "mode", "scheduled_for", "status")
    list_filter = ("status", "mode", "department__level")
    list_select_related = ("service_item", "department", "leader")
    date_hierarchy = "scheduled_for"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Walkthrough._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- checklist versions ------------------------------------------------------------------------------

class QuestionForm(forms.ModelForm):
    class Meta:
        model = ChecklistQuestion
        fields = checklists.QUESTION_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A question keeps its code: answers and findings name it. A new code is a new question (a new row).
            self.fields["code"].disabled = True


class QuestionFormSet(BaseInlineFormSet):
    def kept(self) -> list[forms.ModelForm]:
        """The rows the next version gets: every existing question not deleted, and every new row filled in."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or (form.instance.pk is None and not form.has_changed()):
                continue
            rows.append(form)
        return rows

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        codes = set()
        for form in self.kept():
            code = form.cleaned_data.get("code")
            if code and code in codes:
                form.add_error("code", _("Two questions of the checklist have this code."))
            codes.add(code)
        if not self.kept():
            raise ValidationError(_("A checklist has at least one question."))


class QuestionInline(OfficeManaged, admin.TabularInline):
    model = ChecklistQuestion
    form = QuestionForm
    formset = QuestionFormSet
    fields = checklists.QUESTION_FIELDS
    extra = 1
    ordering = ("order", "id")


class ChecklistTemplateForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ("mode", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["note"] = ""  # the note says what the next version changes


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(OfficeManaged, admin.ModelAdmin):
    """Each mode's checklist, in versions. No version is ever edited: saving a version's form (changed
    texts, sections, categories, order, required flags, questions added or deleted) makes the mode's next
    version from it, so every walkthrough keeps the questions it was walked with. Never deleted."""

    form = ChecklistTemplateForm
    inlines = [QuestionInline]
    list_display = ("mode", "version", "created_at", "created_by", "note", "question_count", "walkthrough_count")
    list_filter = ("mode",)
    list_select_related = ("created_by",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_questions=Count("questions", distinct=True), n_walkthroughs=Count("walkthroughs", distinct=True))

    @admin.display(description=_("questions"), ordering="n_questions")
    def question_count(self, obj):
        return obj.n_questions

    @admin.display(description=_("walkthroughs"), ordering="n_walkthroughs")
    def walkthrough_count(self, obj):
        return obj.n_walkthroughs

    def get_fields(self, request, obj=None):
        return ("mode", "version", "created_at", "created_by", "note") if obj else ("mode", "note")

    def get_readonly_fields(self, request, obj=None):
        return ("mode", "version", "created_at", "created_by") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Nothing is written here: ``save_related`` writes the next version with its questions."""

    def save_related(self, request, form, formsets, change):
        questions = [formset for formset in formsets if isinstance(formset, QuestionFormSet)][0]
        request._checklist_source = form.instance.pk
        if change and not form.has_changed() and not questions.has_changed():
            request._checklist_created = None
            return
        rows = sorted(enumerate(questions.kept()), key=lambda pair: (pair[1].cleaned_data.get("order") or 0, pair[0]))
        created = checklists.version_create(
            mode=form.instance.mode, actor=request.user, note=form.cleaned_data.get("note", ""),
            questions=[{f: form_.cleaned_data.get(f) for f in checklists.QUESTION_FIELDS} for _n, form_ in rows])
        # The admin goes on with the version just made (its log entry, the page it returns to).
        instance = form.instance
        instance.pk, instance.version, instance.created_at, instance.created_by = (
            created.pk, created.version, created.created_at, created.created_by)
        request._checklist_created = created

    def construct_change_message(self, request, form, formsets, add=False):
        # The log says which version was made; the questions were not changed, they were copied into it.
        created = getattr(request, "_checklist_created", None)
        return [{"added": {"name": str(ChecklistTemplate._meta.verbose_name), "object": str(created)}}] if created else []

    def _back(self, request, obj):
        if "_continue" in request.POST or "_addanother" in request.POST:
            return HttpResponseRedirect(reverse("admin:inspections_checklisttemplate_change", args=[obj.pk]))
        return HttpResponseRedirect(reverse("admin:inspections_checklisttemplate_changelist"))

    def response_add(self, request, obj, post_url_continue=None):
        created = request._checklist_created
        self.message_user(request, gettext("Saved as version %(version)s of “%(mode)s”; walkthroughs planned from now on use it.")
                          % {"version": created.version, "mode": Mode(created.mode).label}, messages.SUCCESS)
        return self._back(request, obj)

    def response_change(self, request, obj):
        created = request._checklist_created
        if created is None:
            self.message_user(request, gettext("Nothing was changed, so no new version was made."), messages.INFO)
            return self._back(request, obj)
        source = ChecklistTemplate.objects.get(pk=request._checklist_source)
        self.message_user(
            request,
            gettext("Saved as version %(version)s of “%(mode)s”; walkthroughs planned from now on use it. Version %(old)s "
               "stays as it was for the walkthroughs walked with it.")
            % {"version": created.version, "mode": Mode(created.mode).label, "old": source.version},
            messages.SUCCESS)
        return self._back(request, obj)
