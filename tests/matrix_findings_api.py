"""Role-matrix entries for the findings API (merged into tests/role_matrix.py).

The matrix objects hold no findings; ``_finding`` files department A's on first use (each case gets
fresh objects, so a case that moves it leaves the next case untouched).
"""
from django.utils import timezone

from tests.role_matrix import API_READ, ROLES, Case

ANON = {"anon": 401}
# Department A's finding: its people, its API client and the office see it; leader_b does not (404).
READ_A = {**API_READ, "leader_b": 404}
# open → rectifying is the office's move; department A's people see the finding but may not make it,
# and the API client never writes.
ASSIGN_A = {**ANON, "office": 200, "leader_a": 403, "liaison_a": 403, "leader_b": 404, "api_a": 403}
# Filing without a walkthrough: the office only.
FILE_DIRECT = {**ANON, "office": 201, "leader_a": 403, "liaison_a": 403, "leader_b": 403, "api_a": 403}
NOT_FOUND = {**{role: 404 for role in ROLES}, **ANON}


def _finding(o: dict):
    """Department A's open finding, filed directly by the office."""
    from findings import actions

    if "finding_a" not in o:
        o["finding_a"] = actions.finding_file(actor=o["users"]["office"], category="window_service", severity="minor",
                                              title="窗口人员不熟悉业务", department=o["department_a"])
    return o["finding_a"]


def _evidence(o: dict):
    """A photo on department A's rectifying finding, added by its liaison."""
    from findings import actions
    from tests.role_matrix import _png

    from django.core.files.uploadedfile import SimpleUploadedFile

    if "finding_evidence_a" not in o:
        o["finding_evidence_a"] = actions.finding_evidence_add(
            finding=_rectifying(o), actor=o["users"]["liaison_a"],
            upload=SimpleUploadedFile("p.png", _png(), content_type="image/png"))
    return o["finding_evidence_a"]


def _url(o, suffix=""):
    return f"/api/v1/findings/{_finding(o).pk}/{suffix}"


def _rectifying(o: dict):
    """Department A's finding about item A, assigned (rectifying, version 2)."""
    from findings import actions

    if "rectifying_a" not in o:
        finding = actions.finding_file(actor=o["users"]["office"], category="excess_materials", title="多要了一份证明",
                                       department=o["department_a"], service_item=o["item_a"])
        o["rectifying_a"] = actions.finding_transition(finding=finding, to="rectifying", actor=o["users"]["office"])
    return o["rectifying_a"]


def _completed_walk(o: dict):
    """Department A's walkthrough, led by leader_a and completed with more visits than the catalog allows:
    it proposes a finding ("visits")."""
    from inspections import actions

    if "completed_walk_a" not in o:
        leader = o["users"]["leader_a"]
        walk = actions.walkthrough_plan(actor=leader, service_item=o["item_a"], leader=leader, mode="simulate",
                                        identity="applicant", channel="window", scheduled_for=timezone.localdate())
        walk = actions.walkthrough_transition(walkthrough=walk, to="in_progress", actor=leader)
        walk = actions.walkthrough_update(walkthrough=walk, actor=leader, data={"observed_visits": 9})
        o["completed_walk_a"] = actions.walkthrough_transition(walkthrough=walk, to="completed", actor=leader)
    return o["completed_walk_a"]


# Rectification (measures): the department's liaison alone, while it is under way.
RECTIFY_A = {**ANON, "office": 403, "leader_a": 403, "liaison_a": 200, "leader_b": 404, "api_a": 403}
# Comments: whoever sees the finding, except API clients.
COMMENT_A = {**ANON, "office": 201, "leader_a": 201, "liaison_a": 201, "leader_b": 404, "api_a": 403}
# Office-only writes on department A's finding (leader_b cannot see it: 404 before 403).
OFFICE_ON_A = {**ANON, "office": 201, "leader_a": 403, "liaison_a": 403, "leader_b": 404, "api_a": 403}
# Proposals of leader_a's walkthrough: its head and the office; department A's liaison and API client see the
# walkthrough but may not file from it (403); leader_b cannot see it (404).
PROPOSALS_A = {**ANON, "office": 200, "leader_a": 200, "liaison_a": 403, "leader_b": 404, "api_a": 403}


MATRIX: dict[str, list[Case]] = {
    "v1:finding-list": [
        Case(lambda o: "/api/v1/findings/", API_READ),
        Case(lambda o: "/api/v1/findings/", FILE_DIRECT, method="post",
             data=lambda o: {"category": "hotline", "title": "热线无人接听", "department": o["department_a"].pk},
             note="only the office files without a walkthrough; heads file from their own walkthroughs"),
    ],
    "v1:finding-detail": [
        Case(lambda o: _url(o), READ_A, note="department A's finding: leader_b is outside the wall"),
        Case(lambda o: "/api/v1/findings/999999/", NOT_FOUND),
    ],
    "v1:finding-transition": [
        Case(lambda o: _url(o, "transition/"), ASSIGN_A, method="post", data=lambda o: {"to": "rectifying", "version": 1}),
    ],
    "v1:finding-history": [
        Case(lambda o: _url(o, "history/"), READ_A),
    ],
    "v1:finding-measures": [
        Case(lambda o: f"/api/v1/findings/{_rectifying(o).pk}/measures/", RECTIFY_A, method="post",
             data=lambda o: {"measures": "已取消该证明", "version": 2}),
    ],
    "v1:finding-evidence-download": [
        Case(lambda o: f"/api/v1/findings/{_rectifying(o).pk}/evidence/{_evidence(o).pk}/download/", READ_A,
             note="the API client reads its department's files with its token"),
        Case(lambda o: f"/api/v1/findings/{_finding(o).pk}/evidence/{_evidence(o).pk}/download/", NOT_FOUND,
             note="a file asked for through another finding than its own"),
    ],
    "v1:finding-evidence": [
        Case(lambda o: _url(o, "evidence/"), READ_A),
        Case(lambda o: f"/api/v1/findings/{_rectifying(o).pk}/evidence/", {**RECTIFY_A, "liaison_a": 400}, method="post",
             note="the matrix sends an empty multipart body: the liaison passes the permission check and is told the "
                  "file is missing (400); the office attaches only while the finding is open"),
    ],
    "v1:finding-comments": [
        Case(lambda o: _url(o, "comments/"), READ_A),
        Case(lambda o: _url(o, "comments/"), COMMENT_A, method="post", data=lambda o: {"body": "请尽快整改"}),
    ],
    "v1:finding-bulk-assign": [
        Case(lambda o: "/api/v1/findings/bulk-assign/", {**FILE_DIRECT, "office": 200, "leader_b": 403}, method="post",
             data=lambda o: {"ids": [_finding(o).pk]}, note="the office only (as the page)"),
    ],
    "v1:finding-rewalk": [
        Case(lambda o: f"/api/v1/findings/{_rectifying(o).pk}/rewalk/", OFFICE_ON_A, method="post",
             data=lambda o: {"leader": o["users"]["leader_a"].pk, "scheduled_for": timezone.localdate().isoformat()}),
    ],
    "v1:finding-proposals": [
        Case(lambda o: f"/api/v1/findings/proposals/?walkthrough={_completed_walk(o).pk}", PROPOSALS_A),
        Case(lambda o: "/api/v1/findings/proposals/", {**PROPOSALS_A, "office": 204, "leader_a": 204}, method="post",
             data=lambda o: {"walkthrough": _completed_walk(o).pk, "key": "visits", "decision": "discard"}),
        Case(lambda o: "/api/v1/findings/proposals/", {**PROPOSALS_A, "office": 201, "leader_a": 201}, method="post",
             data=lambda o: {"walkthrough": _completed_walk(o).pk, "key": "visits", "decision": "confirm"}),
    ],
}
