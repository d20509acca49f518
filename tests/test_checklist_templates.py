"""Checklist versions: the office changes a mode's questions in the admin as the next version; a walkthrough
keeps the version it was walked with (its page, its answers in the API, its PDF record); required questions
are answered before completing."""
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from accounts.models import Role
from findings import actions as finding_actions
from findings import tally
from findings.models import Finding
from findings.reports.data import ReportInput
from findings.reports.render import render_pdf
from inspections import actions, checklists
from inspections.checklists import current_template, questions_for
from inspections.models import ChecklistAnswer, ChecklistQuestion, ChecklistTemplate, Status, Walkthrough
from tests.conftest import PASSWORD, api_client, make_item, make_user

# Messages are compared with the catalogue's text.
OLD = "材料是否可以精简？"  # sim_materials, version 1 (the founding notice)
NEW = "申请材料能否再减少一件？"


@pytest.fixture(autouse=True)
def version_one(db):
    """Every mode's version 1, as the migration writes it: a transactional test run before this one in
    the same process flushed the tables (the lookups put a missing version 1 back, one mode at a time)."""
    for mode in ("simulate", "accompany", "sit_at_window", "inspect"):
        current_template(mode)


@pytest.fixture
def item_a(department_a):
    return make_item(department_a, "CT-1", name="企业设立登记")


def plan(item, leader, mode="simulate") -> Walkthrough:
    return actions.walkthrough_plan(actor=leader, service_item=item, leader=leader, mode=mode, identity="applicant",
                                    channel="window", scheduled_for=timezone.localdate())


def start(walk, leader) -> Walkthrough:
    return actions.walkthrough_transition(walkthrough=walk, to=Status.IN_PROGRESS, actor=leader)


def login(user) -> Client:
    c = Client()
    assert c.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    return c


def admin_post_data(page, rows=None, note="") -> dict:
    """The admin form of a checklist version as it was shown, with a ``note`` and the changes ``rows``
    {(row, field): value} of its questions (row: the question's position; the row after the last adds one)."""
    data = {"note": note}
    changes = rows or {}
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({formset.management_form.add_prefix(k): v for k, v in formset.management_form.initial.items()})
    for form in formset.forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            if isinstance(value, bool) or name in ("DELETE", "required"):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif value is not None:
                data[form.add_prefix(name)] = value
    for (row, name), value in changes.items():
        key = formset.forms[row].add_prefix(name) if row < len(formset.forms) else f"{formset.prefix}-{row}-{name}"
        if value is False:
            data.pop(key, None)
        else:
            data[key] = "on" if value is True else value
    return data


def change_url(template) -> str:
    return reverse("admin:inspections_checklisttemplate_change", args=[template.pk])


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_version_one_is_the_founding_notice_in_both_languages(db):
    template = current_template("simulate")
    assert template.version == 1
    questions = questions_for(template)
    assert [q.code for q in questions] == ["sim_online_smooth", "sim_window_authorized", "sim_materials", "sim_steps",
                                           "sim_time_limit"]
    materials = questions[2]
    assert (materials.text_zh, materials.text_en, materials.category, materials.required) == (
        OLD, "Could the materials be reduced?", "excess_materials", False)
    with translation.override("en"):
        assert materials.text == "Could the materials be reduced?" and materials.section == "Simulated case (体验办)"
    with translation.override("zh-hans"):
        assert materials.text == OLD and materials.section == "模拟办件（体验办）"
    # each mode has its version 1, 34 questions in all
    assert sum(len(questions_for(current_template(m))) for m in ("simulate", "accompany", "sit_at_window", "inspect")) == 34


def test_changing_a_question_in_the_admin_makes_a_new_version_and_the_old_walk_keeps_the_old_one(
        office, leader_a, item_a):
    # A walkthrough walked and completed with version 1, with a finding filed from sim_materials.
    old_walk = start(plan(item_a, leader_a), leader_a)
    actions.checklist_answer_set(walkthrough=old_walk, actor=leader_a, question="sim_materials", answer="problem",
                                 note="要求提供已取消的证明")
    old_walk = actions.walkthrough_transition(walkthrough=old_walk, to=Status.COMPLETED, actor=leader_a)
    finding = finding_actions.finding_file(actor=leader_a, walkthrough=old_walk, checklist_question="sim_materials",
                                           category="excess_materials", title="材料过多", description="要求提供已取消的证明")
    v1 = current_template("simulate")

    # The office changes the question's text and makes it required, in the admin.
    c = login(office)
    page = c.get(change_url(v1))
    assert page.status_code == 200 and OLD in page.content.decode()
    row = [q.code for q in questions_for(v1)].index("sim_materials")
    response = c.post(change_url(v1), admin_post_data(page, {(row, "text_zh"): NEW, (row, "required"): True}, note="按2027年方案修改"))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    v2 = current_template("simulate")
    assert v2.version == 2 and v2.pk != v1.pk and v2.created_by == office and v2.note == "按2027年方案修改"
    assert [m.message for m in c.get(response["Location"]).context["messages"]] == [
        _("Saved as version %(version)s of “%(mode)s”; walkthroughs planned from now on use it. Version %(old)s "
          "stays as it was for the walkthroughs walked with it.") % {"version": 2, "mode": "模拟办件（体验办）", "old": 1}]
    changed = next(q for q in questions_for(v2) if q.code == "sim_materials")
    assert (changed.text_zh, changed.required, changed.text_en) == (NEW, True, "Could the materials be reduced?")
    assert [q.code for q in questions_for(v2)] == [q.code for q in questions_for(v1)]  # codes stay
    # version 1 did not change
    assert ChecklistQuestion.objects.get(template=v1, code="sim_materials").text_zh == OLD
    assert not ChecklistQuestion.objects.get(template=v1, code="sim_materials").required

    # The old walkthrough still shows the old question: its page, its answers in the API, its finding, its PDF record.
    old_walk.refresh_from_db()
    assert old_walk.checklist_id == v1.pk
    html = login(leader_a).get(reverse("walkthrough-detail", args=[old_walk.pk])).content.decode()
    assert OLD in html and NEW not in html
    rows = api_client(leader_a).get(f"/api/v1/walkthroughs/{old_walk.pk}/answers/").json()
    materials = next(r for r in rows if r["question"] == "sim_materials")
    assert (materials["text"], materials["required"], materials["answer"]) == (OLD, False, "problem")
    assert api_client(leader_a).get(f"/api/v1/walkthroughs/{old_walk.pk}/").json()["checklist_version"] == 1
    detail = login(leader_a).get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert OLD in detail and NEW not in detail
    pdf = render_pdf(ReportInput(kind="walkthrough", findings=Finding.objects.all(), walkthroughs=Walkthrough.objects.all(),
                                 walkthrough=old_walk, department=None, period_start=None, period_end=None, number="",
                                 issued_on=timezone.localdate()))
    text = pdf_text(pdf)
    assert re.sub(r"\s+", "", OLD) in text and NEW not in text

    # A walkthrough planned after the change is walked with version 2.
    new_walk = plan(item_a, leader_a)
    assert new_walk.checklist_id == v2.pk
    html = login(leader_a).get(reverse("walkthrough-detail", args=[new_walk.pk])).content.decode()
    assert NEW in html and OLD not in html
    rows = api_client(leader_a).get(f"/api/v1/walkthroughs/{new_walk.pk}/answers/").json()
    assert next(r for r in rows if r["question"] == "sim_materials")["text"] == NEW


def test_a_planned_walkthrough_takes_the_version_in_force_when_it_starts_unless_something_was_answered(
        leader_a, item_a, office):
    v1 = current_template("simulate")
    untouched, answered = plan(item_a, leader_a), plan(item_a, leader_a)
    actions.checklist_answer_set(walkthrough=answered, actor=leader_a, question="sim_steps", answer="ok")
    assert untouched.checklist_id == answered.checklist_id == v1.pk
    v2 = checklists.version_create(mode="simulate", actor=office, questions=[
        {"code": "sim_steps", "section_zh": "模拟办件（体验办）", "text_zh": "环节能否再减？", "category": "excess_steps"}])
    assert start(untouched, leader_a).checklist_id == v2.pk
    assert start(answered, leader_a).checklist_id == v1.pk
    # changing the mode of a planned walkthrough takes the new mode's version
    other = plan(item_a, leader_a)
    other = actions.walkthrough_update(walkthrough=other, actor=leader_a, data={"mode": "inspect"})
    assert other.checklist == current_template("inspect")


def test_required_questions_are_answered_before_completing(leader_a, item_a, office):
    v1 = current_template("accompany")
    questions = [{f: getattr(q, f) for f in checklists.QUESTION_FIELDS} for q in questions_for(v1)]
    questions[0]["required"] = True
    checklists.version_create(mode="accompany", actor=office, questions=questions)
    required = questions[0]["code"]

    # the walk page: refused, with the reason, and the walkthrough stays in progress
    walk = start(plan(item_a, leader_a, mode="accompany"), leader_a)
    c = login(leader_a)
    page = c.get(reverse("walkthrough-detail", args=[walk.pk])).content.decode()
    hint = _("Required questions still unanswered: %(n)s. Answer them before completing the walkthrough.") % {"n": 1}
    assert _("Required answer") in page and hint in page
    response = c.post(reverse("walkthrough-transition", args=[walk.pk, "completed"]), {"from": "in_progress"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    reason = _("Answer the required questions before completing: %(questions)s") % {"questions": "事前咨询：是否引导清楚？"}
    assert messages == [reason], messages
    walk.refresh_from_db()
    assert walk.status == Status.IN_PROGRESS

    # the API: 400 with the same reason
    api = api_client(leader_a)
    refused = api.post(f"/api/v1/walkthroughs/{walk.pk}/complete/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["detail"] == reason
    rows = api.get(f"/api/v1/walkthroughs/{walk.pk}/answers/").json()
    assert [r["question"] for r in rows if r["required"]] == [required]
    assert api.get(f"/api/v1/walkthroughs/{walk.pk}/").json()["checklist_version"] == 2

    # answered ("not applicable" is an answer): completed
    assert api.post(f"/api/v1/walkthroughs/{walk.pk}/answers/{required}/", {"answer": "na"}, format="json").status_code == 200
    done = api.post(f"/api/v1/walkthroughs/{walk.pk}/complete/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_the_admin_checks_codes_makes_new_codes_and_keeps_unchanged_versions(office, db):
    v1 = current_template("inspect")
    c = login(office)
    page = c.get(change_url(v1))
    n = len(questions_for(v1))
    # nothing changed: no version
    response = c.post(change_url(v1), admin_post_data(page))
    assert response.status_code == 302 and current_template("inspect") == v1
    assert [str(m) for m in c.get(response["Location"]).context["messages"]] == [_("Nothing was changed, so no new version was made.")]
    # a new question with a code the version already has, or a code that is not lowercase letters: refused
    new_row = {(n, "section_zh"): "证明材料", (n, "text_zh"): "有无兜底条款证明？", (n, "category"): "absurd_certificate",
               (n, "order"): "999"}
    for code in ("cert_absurd", "Cert-1"):
        response = c.post(change_url(v1), admin_post_data(page, {**new_row, (n, "code"): code}))
        assert response.status_code == 200 and current_template("inspect") == v1, code
    # left empty, the new question gets a new code; a deleted question is not in the next version
    response = c.post(change_url(v1), admin_post_data(page, {**new_row, (0, "DELETE"): True}))
    assert response.status_code == 302
    v2 = current_template("inspect")
    codes = [q.code for q in questions_for(v2)]
    assert v2.version == 2 and len(codes) == n and "el_materials" not in codes
    assert re.fullmatch(r"insp_[a-z]{6}", codes[-1]) and questions_for(v2)[-1].text_zh == "有无兜底条款证明？"
    assert len(questions_for(v1)) == n  # version 1 as it was
    # a version with no question at all: refused
    page = c.get(change_url(v2))
    everything = {(i, "DELETE"): True for i in range(n)}
    response = c.post(change_url(v2), admin_post_data(page, everything))
    assert response.status_code == 200 and current_template("inspect") == v2
    # the list names each version's questions and walkthroughs; no version is ever deleted
    listing = c.get(reverse("admin:inspections_checklisttemplate_changelist"))
    assert listing.status_code == 200 and listing.context["cl"].result_count == 5  # four version 1s, inspect's version 2
    assert [(t.version, t.n_questions) for t in listing.context["cl"].result_list if t.mode == "inspect"] == [(2, n), (1, n)]
    assert c.get(reverse("admin:inspections_checklisttemplate_delete", args=[v1.pk])).status_code == 403


def test_a_new_version_from_the_add_page(office, db):
    c = login(office)
    page = c.get(reverse("admin:inspections_checklisttemplate_add"))
    assert page.status_code == 200
    data = admin_post_data(page, {(0, "code"): "win_new_question", (0, "section_zh"): "坐窗口（亲身办）",
                                  (0, "text_zh"): "窗口是否公示办理时限？", (0, "category"): "service_guide", (0, "order"): "10"},
                           note="坐窗口新清单")
    data["mode"] = "sit_at_window"
    response = c.post(reverse("admin:inspections_checklisttemplate_add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    template = current_template("sit_at_window")
    assert template.version == 2 and [q.code for q in questions_for(template)] == ["win_new_question"]


def test_the_admin_is_the_offices(office, leader_a, liaison_a, department_a):
    v1 = current_template("simulate")
    pages = [reverse("admin:inspections_checklisttemplate_changelist"), reverse("admin:inspections_checklisttemplate_add"),
             change_url(v1)]
    staff_leader = make_user("staff_leader", Role.LEADER, department_a, is_staff=True)
    for person in (leader_a, liaison_a, staff_leader):
        other = Client()
        other.force_login(person)
        for url in pages:
            assert other.get(url).status_code in (302, 403), (person, url)
        page_data = {"note": "x", "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0"}
        assert other.post(change_url(v1), page_data).status_code in (302, 403)
    assert ChecklistTemplate.objects.filter(mode="simulate").count() == 1
    for url in pages:
        assert login(office).get(url).status_code == 200


def test_the_walk_page_and_the_answers_list_ask_one_query_for_the_questions(leader_a, item_a, office):
    from django.test.utils import CaptureQueriesContext

    walk = start(plan(item_a, leader_a, mode="inspect"), leader_a)
    c = login(office)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return [q["sql"] for q in ctx.captured_queries if "inspections_checklistquestion" in q["sql"]]

    for url in (reverse("walkthrough-detail", args=[walk.pk]), f"/api/v1/walkthroughs/{walk.pk}/answers/"):
        assert len(count(url)) == 1, url


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_walkthroughs_version_one(department_a):
    from django.db.migrations.executor import MigrationExecutor

    leader = make_user("leader_m", Role.LEADER, department_a)
    item = make_item(department_a, "MIG-1")
    walk = plan(item, leader, mode="sit_at_window")
    walk.answers.all().delete()
    before = [("inspections", "0006_field_capture")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    assert not any(f.name == "checklist" for f in old.get_model("inspections", "Walkthrough")._meta.get_fields())
    old.get_model("inspections", "Walkthrough").objects.filter(pk=walk.pk).update(mode="inspect")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    tally.ensure_installed()  # as `migrate` does after it (post_migrate): SQLite's table rebuilds touch the triggers

    walk = Walkthrough.objects.select_related("checklist").get(pk=walk.pk)
    assert (walk.checklist.mode, walk.checklist.version) == ("inspect", 1)
    assert len(questions_for(walk)) == 19 and questions_for(walk)[0].text_zh == "要件数量"
    assert ChecklistTemplate.objects.count() == 4 and ChecklistAnswer.objects.count() == 0


def test_questions_in_english_fall_back_to_chinese(leader_a, item_a, office):
    checklists.version_create(mode="simulate", actor=office, questions=[
        {"code": "sim_materials", "section_zh": "模拟办件（体验办）", "section_en": "Simulated case",
         "text_zh": NEW, "text_en": "", "category": "excess_materials"},
        {"code": "sim_steps", "section_zh": "模拟办件（体验办）", "section_en": "Simulated case",
         "text_zh": "环节能否再减？", "text_en": "Could a step go?", "category": "excess_steps"}])
    walk = plan(item_a, leader_a)
    api = api_client(leader_a)
    english = api.get(f"/api/v1/walkthroughs/{walk.pk}/answers/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [(r["text"], r["section"]) for r in english] == [(NEW, "Simulated case"), ("Could a step go?", "Simulated case")]
    chinese = api.get(f"/api/v1/walkthroughs/{walk.pk}/answers/").json()
    assert [r["text"] for r in chinese] == [NEW, "环节能否再减？"]
