"""The role matrix: for every URL pattern, who gets which status.

Every page and API route registers here. ``test_role_matrix.py`` fails when a URL pattern of the
project has no entry, so a new route cannot be forgotten. Roles: an anonymous visitor, the office,
the leader and the liaison of department A, the leader of department B, and an API client scoped
to department A (authenticating with a token on the API; on pages it is a signed-in API account).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

ROLES = ("anon", "office", "leader_a", "liaison_a", "leader_b", "api_a")

PAGE = {"anon": 302, "office": 200, "leader_a": 200, "liaison_a": 200, "leader_b": 200, "api_a": 403}
OFFICE_PAGE = {"anon": 302, "office": 200, "leader_a": 403, "liaison_a": 403, "leader_b": 403, "api_a": 403}
# Django's admin sends anyone who is not staff to its own login page.
ADMIN = {"anon": 302, "office": 200, "leader_a": 302, "liaison_a": 302, "leader_b": 302, "api_a": 302}
PUBLIC = {role: 200 for role in ROLES}
API_READ = {"anon": 401, "office": 200, "leader_a": 200, "liaison_a": 200, "leader_b": 200, "api_a": 200}
API_OFFICE_WRITE = {"anon": 401, "office": 201, "leader_a": 403, "liaison_a": 403, "leader_b": 403, "api_a": 403}
API_OFFICE_PATCH = {**API_OFFICE_WRITE, "office": 200}


# Department A's objects: its people and the office see them; department B's head gets 404.
WALL_PAGE = {"anon": 302, "office": 200, "leader_a": 200, "liaison_a": 200, "leader_b": 404, "api_a": 403}
# Walking (moves, logging): the walkthrough's own head and the office; the liaison reads only.
WALL_WALK = {"anon": 302, "office": 302, "leader_a": 302, "liaison_a": 403, "leader_b": 404, "api_a": 403}


def _walk(objs, started=False):
    """Department A's walkthrough led by leader_a, made once per test."""
    from django.utils import timezone

    from inspections import actions

    if "walk_a" not in objs:
        leader = objs["users"]["leader_a"]
        objs["walk_a"] = actions.walkthrough_plan(
            actor=leader, service_item=objs["item_a"], leader=leader, mode="simulate", identity="applicant",
            channel="window", scheduled_for=timezone.localdate())
        if started:
            objs["walk_a"] = actions.walkthrough_transition(walkthrough=objs["walk_a"], to="in_progress", actor=leader)
    return objs["walk_a"]


# Rectification: the department's liaison alone, while it is under way.
RECTIFY = {"anon": 302, "office": 403, "leader_a": 403, "liaison_a": 302, "leader_b": 404, "api_a": 403}


def _finding(objs, rectifying=False):
    from findings import actions

    if "finding_a" not in objs:
        office = objs["users"]["office"]
        objs["finding_a"] = actions.finding_file(actor=office, department=objs["department_a"], service_item=objs["item_a"],
                                                 category="excess_materials", title="多要了一份证明")
        if rectifying:
            objs["finding_a"] = actions.finding_transition(finding=objs["finding_a"], to="rectifying", actor=office)
    return objs["finding_a"]


def _finding_evidence(objs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from findings import actions

    return actions.finding_evidence_add(finding=_finding(objs, rectifying=True), actor=objs["users"]["liaison_a"],
                                        upload=SimpleUploadedFile("p.png", _png(), content_type="image/png"))


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _notification(objs):
    """Department A's liaison's notification of the assignment of department A's finding."""
    from findings import notifications
    from findings.models import Notification

    if "notification_a" not in objs:
        notifications.finding_notify(finding_id=_finding(objs, rectifying=True).pk, event="assigned")
        objs["notification_a"] = Notification.objects.get(recipient=objs["users"]["liaison_a"])
    return objs["notification_a"]


def _public(objs):
    from public.models import PublicRequest

    if "public" not in objs:
        objs["public"] = PublicRequest.objects.create(kind="lead", code="TESTCODE23", name="某企业", phone="13800000000",
                                                      description="窗口要求重复提交材料", service_item=objs["item_a"])
    return objs["public"]


def _report(objs, done=False):
    """Department A's rectification notice, asked for by its liaison (made 'done' with a tiny file)."""
    from django.core.files.base import ContentFile

    from findings.reports import actions

    if "report_a" not in objs:
        report = actions.report_request(actor=objs["users"]["liaison_a"], kind="department", department=objs["department_a"])
        if done:
            report.pdf.save(f"department-20260101-{report.pk}-1.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
            report.status = "done"
            report.save()
        objs["report_a"] = report
    return objs["report_a"]


def _event(objs):
    from inspections import actions

    walk = _walk(objs, started=True)
    if "event_a" not in objs:
        objs["event_a"] = actions.event_add(walkthrough=walk, actor=objs["users"]["leader_a"], kind="queueing")
    return objs["event_a"]


def _evidence(objs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections import actions

    walk = _walk(objs, started=True)
    return actions.evidence_add(walkthrough=walk, actor=objs["users"]["leader_a"],
                                upload=SimpleUploadedFile("p.png", _png(), content_type="image/png"))


@dataclass
class Case:
    path: Callable[[dict], str]  # objects → URL
    expect: dict[str, int]
    method: str = "get"
    data: Callable[[dict], dict] | None = None
    note: str = ""


@dataclass
class Route:
    cases: list[Case] = field(default_factory=list)


def _certificate_problem(objs):
    """A certificate department A demands of itself: the key of a flagged problem."""
    from tests.matrix_system_api import _self_issued

    return _self_issued(objs)


def _item_payload(objs):
    return {"code": f"NEW-{objs['counter']()}", "name": "新事项", "item_type": "licensing",
            "department": objs["department_a"].pk, "legal_limit_days": 5, "promised_limit_days": 3}


MATRIX: dict[str, list[Case]] = {
    # --- pages -------------------------------------------------------------------------------
    "home": [Case(lambda o: "/", PAGE)],
    "healthz": [Case(lambda o: "/healthz", PUBLIC)],
    "service-worker": [Case(lambda o: "/sw.js", PUBLIC, note="the walk page's service worker: code, no data")],
    "login": [Case(lambda o: "/accounts/login/", {**PUBLIC, "office": 302, "leader_a": 302, "liaison_a": 302, "leader_b": 302, "api_a": 302},
                   note="signed-in people are sent on to the home page")],
    "logout": [Case(lambda o: "/accounts/logout/", {role: 302 for role in ROLES}, method="post")],
    "password_change": [Case(lambda o: "/accounts/password/", PAGE)],
    "password_change_done": [Case(lambda o: "/accounts/password/done/", PAGE)],
    "set_language": [Case(lambda o: "/i18n/setlang/", {role: 302 for role in ROLES}, method="post",
                          data=lambda o: {"language": "en", "next": "/"})],
    "catalog-list": [Case(lambda o: "/catalog/", PAGE)],
    "catalog-detail": [
        Case(lambda o: f"/catalog/{o['item_a'].pk}/", PAGE),
        Case(lambda o: f"/catalog/{o['item_b'].pk}/", PAGE, note="the catalog is not walled: heads walk other units' items"),
        Case(lambda o: "/catalog/999999/", {**PAGE, **{r: 404 for r in ("office", "leader_a", "liaison_a", "leader_b")}}),
    ],
    "certificate-graph": [Case(lambda o: "/catalog/certificates/", OFFICE_PAGE)],
    "certificate-file-finding": [Case(lambda o: "/catalog/certificates/file/", {**OFFICE_PAGE, "office": 302}, method="post",
                                      data=lambda o: {"problem": f"self:{o['item_a'].pk}-{o['item_a'].pk}"},
                                      note="a problem no longer in the catalog: nothing filed, back to the page"),
                                 Case(lambda o: "/catalog/certificates/file/", OFFICE_PAGE, method="post",
                                      data=lambda o: {"problem": _certificate_problem(o)},
                                      note="without confirm=1: the confirmation page, nothing filed")],
    "certificate-decide": [Case(lambda o: "/catalog/certificates/decide/", {**OFFICE_PAGE, "office": 302}, method="post",
                                data=lambda o: {"problem": _certificate_problem(o), "reason": "换证须核验原许可证"},
                                note="marked legitimate, back to the page"),
                           Case(lambda o: "/catalog/certificates/decide/", {**OFFICE_PAGE, "office": 400}, method="post",
                                data=lambda o: {"problem": _certificate_problem(o), "reason": "  "},
                                note="no reason: refused beside the form")],
    "certificate-withdraw": [Case(lambda o: "/catalog/certificates/withdraw/", {**OFFICE_PAGE, "office": 302}, method="post",
                                  data=lambda o: {"problem": _certificate_problem(o)},
                                  note="nothing marked legitimate: nothing withdrawn, back to the page")],
    "catalog-export-xlsx": [Case(lambda o: "/catalog/export.xlsx", PAGE)],
    "catalog-export-csv": [Case(lambda o: "/catalog/export.csv", PAGE)],
    # --- walkthroughs: department A's walkthrough, walked by leader_a ----------------------------
    "walkthrough-list": [Case(lambda o: "/walkthroughs/", PAGE)],
    "walkthrough-calendar": [Case(lambda o: "/walkthroughs/calendar/", PAGE)],
    "walkthrough-plan": [Case(lambda o: "/walkthroughs/new/", {**PAGE, "liaison_a": 403},
                              note="leaders and the office plan; a liaison does not")],
    "walkthrough-detail": [
        Case(lambda o: f"/walkthroughs/{_walk(o).pk}/", WALL_PAGE),
        Case(lambda o: "/walkthroughs/999999/", {**PAGE, **{r: 404 for r in ("office", "leader_a", "liaison_a", "leader_b")}}),
    ],
    "walkthrough-transition": [Case(lambda o: f"/walkthroughs/{_walk(o).pk}/move/in_progress/", WALL_WALK, method="post")],
    "walkthrough-event-add": [Case(lambda o: f"/walkthroughs/{_walk(o, started=True).pk}/events/", WALL_WALK, method="post",
                                   data=lambda o: {"kind": "queueing"})],
    "walkthrough-event-correct": [Case(lambda o: f"/walkthroughs/{_walk(o, started=True).pk}/events/{_event(o).pk}/correct/", WALL_WALK,
                                       method="post", data=lambda o: {"note": "改正"})],
    "walkthrough-evidence-add": [Case(lambda o: f"/walkthroughs/{_walk(o, started=True).pk}/evidence/", WALL_WALK, method="post")],
    "walkthrough-observed": [Case(lambda o: f"/walkthroughs/{_walk(o).pk}/observed/", WALL_WALK, method="post",
                                  data=lambda o: {"observed_visits": 2})],
    "walkthrough-answer": [Case(lambda o: f"/walkthroughs/{_walk(o).pk}/checklist/sim_materials/", WALL_WALK, method="post",
                                data=lambda o: {"answer": "ok"})],
    "evidence-download": [Case(lambda o: f"/walkthroughs/evidence/{_evidence(o).pk}/", WALL_PAGE)],
    # --- findings: department A's finding, filed by the office ------------------------------------
    "finding-list": [Case(lambda o: "/findings/", PAGE)],
    "finding-file": [Case(lambda o: "/findings/new/", OFFICE_PAGE),
                     Case(lambda o: f"/findings/new/?walkthrough={_walk(o).pk}", {**WALL_PAGE, "liaison_a": 403},
                          note="the walkthrough's own head (and the office) file from it")],
    "finding-bulk-assign": [Case(lambda o: "/findings/bulk-assign/", {**OFFICE_PAGE, "office": 302}, method="post",
                                 data=lambda o: {"finding": [_finding(o).pk]})],
    "finding-detail": [Case(lambda o: f"/findings/{_finding(o).pk}/", WALL_PAGE)],
    "finding-move": [Case(lambda o: f"/findings/{_finding(o).pk}/move/", {**WALL_WALK, "leader_a": 403}, method="post",
                          data=lambda o: {"to": "rectifying", "version": 1}, note="assigning is the office's move")],
    "finding-measures": [Case(lambda o: f"/findings/{_finding(o, rectifying=True).pk}/measures/", RECTIFY, method="post",
                              data=lambda o: {"measures": "整改措施", "version": 2})],
    "finding-evidence-add": [Case(lambda o: f"/findings/{_finding(o, rectifying=True).pk}/evidence/", RECTIFY, method="post")],
    "finding-appeal": [Case(lambda o: f"/findings/{_finding(o, rectifying=True).pk}/appeal/",
                            {**RECTIFY, "leader_a": 302}, method="post", data=lambda o: {"note": "事项不属于本单位职责", "version": 2},
                            note="申诉: the department's liaison or head, while it is being rectified; the office decides")],
    "finding-comment": [Case(lambda o: f"/findings/{_finding(o).pk}/comments/", {**WALL_WALK, "liaison_a": 302}, method="post",
                             data=lambda o: {"body": "请尽快整改"})],
    "finding-rewalk": [Case(lambda o: f"/findings/{_finding(o).pk}/rewalk/", {**OFFICE_PAGE, "office": 302}, method="post")],
    "finding-evidence-download": [Case(lambda o: f"/findings/evidence/{_finding_evidence(o).pk}/", WALL_PAGE)],
    "finding-proposal": [Case(lambda o: f"/findings/proposals/{_walk(o).pk}/materials/", WALL_WALK, method="post",
                              data=lambda o: {"decision": "discard"})],
    # --- dashboard and reports ---------------------------------------------------------------------
    "dashboard": [Case(lambda o: "/dashboard/", PAGE, note="the office sees the city; a department its own figures")],
    "dashboard-export": [Case(lambda o: "/dashboard/export/ranking.xlsx", PAGE)],
    "report-list": [Case(lambda o: "/reports/", PAGE)],
    "report-detail": [Case(lambda o: f"/reports/{_report(o).pk}/", WALL_PAGE)],
    "report-download": [Case(lambda o: f"/reports/{_report(o, done=True).pk}/download/", WALL_PAGE)],
    "v1:report-list": [
        Case(lambda o: "/api/v1/reports/", API_READ),
        Case(lambda o: "/api/v1/reports/", {"anon": 401, "office": 202, "leader_a": 202, "liaison_a": 202, "leader_b": 403, "api_a": 403},
             method="post", data=lambda o: {"kind": "department", "department": o["department_a"].pk}),
    ],
    "v1:report-detail": [Case(lambda o: f"/api/v1/reports/{_report(o).pk}/", {**API_READ, "leader_b": 404})],
    "v1:report-download": [Case(lambda o: f"/api/v1/reports/{_report(o, done=True).pk}/download/", {**API_READ, "leader_b": 404})],
    # --- notifications: each person their own ------------------------------------------------------------
    "notification-list": [Case(lambda o: "/notifications/", PAGE)],
    "notification-open": [Case(lambda o: f"/notifications/{_notification(o).pk}/",
                               {"anon": 302, "office": 404, "leader_a": 404, "liaison_a": 302, "leader_b": 404, "api_a": 403},
                               note="its recipient is marked read and sent to the finding; anyone else's is a 404")],
    "notification-read-all": [Case(lambda o: "/notifications/read/", {**PAGE, **{r: 302 for r in ("office", "leader_a", "liaison_a", "leader_b")}},
                                   method="post", note="marks one's own read, back to the list")],
    # --- 局长陪您办: the public page reaches nothing else; the office handles what arrives -------------
    "public-request": [Case(lambda o: "/public/", PUBLIC, note="open to everyone, signed in or not")],
    "public-status": [Case(lambda o: f"/public/status/?code={_public(o).code}", PUBLIC,
                           note="the code shows that request's status, nothing else")],
    "public-request-list": [Case(lambda o: "/public-requests/", OFFICE_PAGE)],
    "public-request-detail": [Case(lambda o: f"/public-requests/{_public(o).pk}/", OFFICE_PAGE)],
    "public-request-act": [Case(lambda o: f"/public-requests/{_public(o).pk}/close/", {**OFFICE_PAGE, "office": 302},
                                method="post", data=lambda o: {"reply": "已办结"})],
    # --- the admin: the office only (representative pages; the admin's own routes are exempt) ----
    "admin:index": [Case(lambda o: "/admin/", ADMIN)],
    "admin:services_serviceitem_changelist": [Case(lambda o: "/admin/services/serviceitem/", ADMIN)],
    "admin:services_catalogimport_add": [Case(lambda o: "/admin/services/catalogimport/add/", ADMIN)],
    "admin:accounts_user_changelist": [Case(lambda o: "/admin/accounts/user/", ADMIN)],
    "admin:webhooks_endpoint_changelist": [Case(lambda o: "/admin/webhooks/endpoint/", ADMIN)],
    "admin:webhooks_delivery_changelist": [Case(lambda o: "/admin/webhooks/delivery/", ADMIN)],
    "admin:accounts_apitoken_add": [Case(lambda o: "/admin/accounts/apitoken/add/", ADMIN)],
    # --- API ---------------------------------------------------------------------------------------
    "v1:api-schema": [Case(lambda o: "/api/v1/schema/", PUBLIC, note="the contract is public")],
    "v1:api-docs": [Case(lambda o: "/api/v1/docs/", {"anon": 401, "office": 200, "leader_a": 403, "liaison_a": 403, "leader_b": 403,
                                                      "api_a": 200}, note="the office's and systems' documentation")],
    "v1:auth-token": [Case(lambda o: "/api/v1/auth/token/", {role: 400 for role in ROLES}, method="post", data=lambda o: {},
                           note="open to all; empty body → 400 with field messages")],
    "v1:department-list": [Case(lambda o: "/api/v1/departments/", API_READ)],
    "v1:department-detail": [
        Case(lambda o: f"/api/v1/departments/{o['department_b'].pk}/", API_READ),
        Case(lambda o: "/api/v1/departments/999999/", {**{r: 404 for r in ROLES}, "anon": 401}),
    ],
    "v1:service-item-list": [
        Case(lambda o: "/api/v1/service-items/", API_READ),
        Case(lambda o: "/api/v1/service-items/", API_OFFICE_WRITE, method="post", data=_item_payload),
    ],
    "v1:service-item-detail": [
        Case(lambda o: f"/api/v1/service-items/{o['item_b'].pk}/", API_READ),
        Case(lambda o: f"/api/v1/service-items/{o['item_b'].pk}/", API_OFFICE_PATCH, method="patch",
             data=lambda o: {"name": "改名"}),
        Case(lambda o: "/api/v1/service-items/999999/", {**{r: 404 for r in ROLES}, "anon": 401}),
    ],
}

# Routes that are not ours to test one by one, with the reason.
EXEMPT_NAMESPACES = {"admin": "Django's admin: every model admin is office-only through OfficeManaged; representative pages above"}
EXEMPT_NAMES = {
    "v1:api-root": "no root view (router.include_root_view is False)",
}

# Routes registered by each app's own matrix module.
from tests.matrix_walkthrough_api import MATRIX as _WALKTHROUGH_API  # noqa: E402

from tests.matrix_findings_api import MATRIX as _FINDINGS_API  # noqa: E402
from tests.matrix_system_api import MATRIX as _SYSTEM_API  # noqa: E402

MATRIX.update(_WALKTHROUGH_API)
MATRIX.update(_FINDINGS_API)
MATRIX.update(_SYSTEM_API)
