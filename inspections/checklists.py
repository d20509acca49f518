"""The questions of each mode, in versions (``ChecklistTemplate``, ``ChecklistQuestion``).

Version 1 of each mode is the campaign's founding notice (its fourth paragraph: what each of the four
modes checks), written by the migration ``0008_checklist_version_one``. The office changes a mode's
questions in the admin; each change is saved as the mode's next version and no version is ever edited,
so a walkthrough keeps the questions it was walked with (``Walkthrough.checklist``):

- planning a walkthrough pins the mode's current version (the highest);
- starting it pins the current version again as long as nothing was answered (a walkthrough planned
  weeks ahead is walked with the questions in force on the day), and changing its mode while planned
  pins the new mode's current version;
- from the first answer on, and once started, the version stays for good: its page, its answers in
  the API and its PDF record show those questions, whatever the office changes later.

Codes are stable: answers store them, findings link to them, and a question keeps its code from
version to version; each question names the finding category a "problem" answer files under.
"""
from __future__ import annotations

import importlib
import re
import secrets
import string

from django.db import transaction
from django.db.models import Max

from .models import ChecklistQuestion, ChecklistTemplate, Mode

# A code is part of the API's answer route (answers/<code>/): lowercase letters and underscores.
CODE_PATTERN = re.compile(r"^[a-z][a-z_]{0,31}$")
CODE_PREFIX = {Mode.SIMULATE: "sim", Mode.ACCOMPANY: "acc", Mode.SIT_AT_WINDOW: "win", Mode.INSPECT: "insp"}


def _founding_questions() -> dict[str, list[tuple]]:
    return importlib.import_module("inspections.migrations.0008_checklist_version_one").QUESTIONS


def founding_questions(mode: str) -> list[ChecklistQuestion]:
    """Version 1 of the mode as unsaved questions, without asking the database (the demo campaign plans with it)."""
    return [ChecklistQuestion(code=code, section_zh=section_zh, section_en=section_en, text_zh=text_zh, text_en=text_en,
                              category=category, order=(n + 1) * 10)
            for n, (code, section_zh, section_en, text_zh, text_en, category) in enumerate(_founding_questions()[mode])]


def _version_one(mode: str) -> ChecklistTemplate:
    """The founding notice's questions as version 1, when the database has no version of the mode at all
    (the migration writes it; a flushed database, as after a transactional test, has none)."""
    with transaction.atomic():
        template, created = ChecklistTemplate.objects.get_or_create(mode=mode, version=1,
                                                                   defaults={"note": "《走流程》通知所列检查内容"})
        if created:
            questions = founding_questions(mode)
            for q in questions:
                q.template = template
            ChecklistQuestion.objects.bulk_create(questions)
    return template


def current_template(mode: str) -> ChecklistTemplate:
    """The mode's checklist in force: its highest version."""
    template = ChecklistTemplate.objects.filter(mode=mode).order_by("-version").first()
    return template or _version_one(mode)


def _questions(template_id: int) -> list[ChecklistQuestion]:
    return list(ChecklistQuestion.objects.filter(template_id=template_id).order_by("order", "id"))


def questions_for(source) -> list[ChecklistQuestion]:
    """The questions of a walkthrough's checklist version (or of a ``ChecklistTemplate``), in order.
    One query, kept on the object: asking again in the same request asks the database nothing."""
    cached = getattr(source, "_checklist_questions", None)
    if cached is not None:
        return cached
    if isinstance(source, ChecklistTemplate):
        template_id = source.pk
    else:  # a walkthrough; one without a version (rows loaded in bulk) has the mode's current one
        template_id = source.checklist_id or current_template(source.mode).pk
    questions = _questions(template_id)
    source._checklist_questions = questions
    return questions


def question_for(walkthrough, code: str) -> ChecklistQuestion | None:
    """The question of this code in the walkthrough's checklist version, None if it has none."""
    return next((q for q in questions_for(walkthrough) if q.code == code), None)


def sections_for(source) -> list[tuple[str, list[ChecklistQuestion]]]:
    """The questions grouped by section (in the page's language), sections in the order they first appear."""
    sections: dict[str, tuple[str, list[ChecklistQuestion]]] = {}
    for q in questions_for(source):
        sections.setdefault(q.section_zh, (q.section, []))[1].append(q)
    return list(sections.values())


def unanswered_required(walkthrough, answered_codes) -> list[ChecklistQuestion]:
    """The required questions of the walkthrough's version that have no answer among ``answered_codes``."""
    answered = set(answered_codes)
    return [q for q in questions_for(walkthrough) if q.required and q.code not in answered]


def new_code(mode: str, taken) -> str:
    """A code no version of the mode has used: the mode's prefix and random letters."""
    taken = set(taken) | set(ChecklistQuestion.objects.filter(template__mode=mode).values_list("code", flat=True))
    while True:
        code = f"{CODE_PREFIX.get(mode, 'q')}_{''.join(secrets.choice(string.ascii_lowercase) for _ in range(6))}"
        if code not in taken:
            return code


QUESTION_FIELDS = ("code", "section_zh", "section_en", "text_zh", "text_en", "category", "order", "required")


@transaction.atomic
def version_create(*, mode: str, questions: list[dict], actor=None, note: str = "") -> ChecklistTemplate:
    """The mode's next version with these questions (dicts of ``QUESTION_FIELDS``; an empty code gets a
    new one). Earlier versions stay as they are. The caller checks who may (the office, in the admin)."""
    # Locks the mode's versions: two offices saving at once get versions n+1 and n+2, not a clash.
    list(ChecklistTemplate.objects.select_for_update().filter(mode=mode).values_list("pk", flat=True))
    latest = ChecklistTemplate.objects.filter(mode=mode).aggregate(v=Max("version"))["v"] or 0
    template = ChecklistTemplate.objects.create(mode=mode, version=latest + 1, created_by=actor, note=note.strip()[:500])
    given = {q["code"] for q in questions if q.get("code")}
    rows = []
    for q in questions:
        values = {f: q[f] for f in QUESTION_FIELDS if f in q}
        if not values.get("code"):
            values["code"] = new_code(mode, given)
            given.add(values["code"])
        rows.append(ChecklistQuestion(template=template, **values))
    for row in rows:
        row.full_clean(exclude=["template"])
    ChecklistQuestion.objects.bulk_create(rows)
    return template
