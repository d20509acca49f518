"""Role-matrix entries for the walkthrough API (merged into tests/role_matrix.py).

The matrix objects hold no walkthroughs; ``_walk`` plans them on first use (each case gets fresh
objects, so a case that moves one leaves the next case untouched).
"""
import datetime

from tests.role_matrix import API_READ, ROLES, Case

ANON = {"anon": 401}
# Writes to one walkthrough of department A, led by leader_a: its head and the office; the liaison
# sees it but may not write (403); leader_b does not see it (404); the API client is read-only.
WRITE_A = {**ANON, "office": 200, "leader_a": 200, "liaison_a": 403, "leader_b": 404, "api_a": 403}
CREATE_A = {**WRITE_A, "office": 201, "leader_a": 201}
REFUSED_A = {**WRITE_A, "office": 400, "leader_a": 400}  # a move or entry the lifecycle forbids
READ_A = {**API_READ, "leader_b": 404}
READ_B = {**ANON, "office": 200, "leader_a": 404, "liaison_a": 404, "leader_b": 200, "api_a": 404}
NOT_FOUND = {**{role: 404 for role in ROLES}, **ANON}


def _walk(o: dict, department: str, *, started: bool = False):
    """A planned (or started) walkthrough of ``item_<department>``, led by that department's head."""
    from inspections import actions

    key = f"walk_{department}_{'started' if started else 'planned'}"
    if key not in o:
        leader = o["users"][f"leader_{department}"]
        walkthrough = actions.walkthrough_plan(
            actor=leader, service_item=o[f"item_{department}"], leader=leader, mode="simulate",
            identity="applicant", channel="window", scheduled_for=datetime.date(2026, 3, 2),
        )
        if started:
            walkthrough = actions.walkthrough_transition(walkthrough=walkthrough, to="in_progress", actor=leader)
        o[key] = walkthrough
    return o[key]


def _url(o, department="a", suffix="", *, started=False):
    return f"/api/v1/walkthroughs/{_walk(o, department, started=started).pk}/{suffix}"


def _event(o):
    """An event on department A's started walkthrough (a fresh one per case)."""
    from inspections import actions

    if "event_a" not in o:
        o["event_a"] = actions.event_add(walkthrough=_walk(o, "a", started=True), actor=o["users"]["leader_a"],
                                         kind="queueing", note="排队")
    return o["event_a"]


def _evidence(o, department="a"):
    """A photo on a walkthrough of ``department``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections import actions
    from tests.role_matrix import _png

    key = f"evidence_{department}"
    if key not in o:
        walkthrough = _walk(o, department)
        o[key] = actions.evidence_add(walkthrough=walkthrough, actor=walkthrough.leader,
                                      upload=SimpleUploadedFile("p.png", _png(), content_type="image/png"))
    return o[key]


def _plan_payload(o):
    return {"service_item": o["item_a"].pk, "leader": o["users"]["leader_a"].pk, "mode": "simulate",
            "scheduled_for": "2026-03-02"}


MATRIX: dict[str, list[Case]] = {
    "v1:walkthrough-list": [
        Case(lambda o: "/api/v1/walkthroughs/", API_READ),
        Case(lambda o: "/api/v1/walkthroughs/", {**CREATE_A, "liaison_a": 403, "leader_b": 403}, method="post",
             data=_plan_payload,
             note="leader_a plans for itself, the office assigns leader_a; a liaison and another unit's head may not"),
    ],
    "v1:walkthrough-detail": [
        Case(lambda o: _url(o), READ_A, note="department A's walkthrough: leader_b is outside the wall"),
        Case(lambda o: _url(o, "b"), READ_B, note="department B's walkthrough: department A's people and client are outside"),
        Case(lambda o: _url(o), WRITE_A, method="patch", data=lambda o: {"summary": "窗口引导清楚"}),
        Case(lambda o: "/api/v1/walkthroughs/999999/", NOT_FOUND),
    ],
    "v1:walkthrough-start": [
        Case(lambda o: _url(o, suffix="start/"), WRITE_A, method="post", data=lambda o: {"note": "到大厅"}),
    ],
    "v1:walkthrough-complete": [
        Case(lambda o: _url(o, suffix="complete/"), REFUSED_A, method="post", data=lambda o: {},
             note="a planned walkthrough cannot be completed"),
        Case(lambda o: _url(o, suffix="complete/", started=True), WRITE_A, method="post", data=lambda o: {}),
    ],
    "v1:walkthrough-cancel": [
        Case(lambda o: _url(o, suffix="cancel/"), WRITE_A, method="post", data=lambda o: {"note": "改期"}),
    ],
    "v1:walkthrough-events": [
        Case(lambda o: _url(o, suffix="events/"), READ_A),
        Case(lambda o: _url(o, suffix="events/", started=True), CREATE_A, method="post",
             data=lambda o: {"kind": "consultation", "note": "咨询台"}),
        Case(lambda o: _url(o, suffix="events/"), REFUSED_A, method="post",
             data=lambda o: {"kind": "consultation"}, note="nothing is logged before the start"),
    ],
    "v1:walkthrough-event-correct": [
        Case(lambda o: _url(o, suffix=f"events/{_event(o).pk}/correct/", started=True), CREATE_A, method="post",
             data=lambda o: {"note": "排队二十分钟"}),
        Case(lambda o: _url(o, suffix=f"events/{_event(o).pk}/correct/", started=True), REFUSED_A, method="post",
             data=lambda o: {"withdraw": True}, note="a withdrawal needs its reason"),
        Case(lambda o: _url(o, suffix="events/999999/correct/", started=True), {**WRITE_A, "office": 404, "leader_a": 404},
             method="post", data=lambda o: {"note": "x"}, note="no such event on this walkthrough"),
    ],
    "v1:walkthrough-evidence": [
        Case(lambda o: _url(o, suffix="evidence/"), READ_A),
        Case(lambda o: _url(o, "b", suffix="evidence/"), READ_B),
        Case(lambda o: _url(o, suffix="evidence/", started=True), REFUSED_A, method="post",
             note="multipart without a file: 400 for who may attach; an upload itself in test_walkthrough_api_parity.py"),
    ],
    "v1:walkthrough-evidence-download": [
        Case(lambda o: _url(o, suffix=f"evidence/{_evidence(o).pk}/download/"), READ_A,
             note="the API client reads its department's files with its token"),
        Case(lambda o: _url(o, "b", suffix=f"evidence/{_evidence(o, 'b').pk}/download/"), READ_B),
        Case(lambda o: _url(o, suffix=f"evidence/{_evidence(o, 'b').pk}/download/"),
             {**READ_A, "office": 404, "leader_a": 404, "liaison_a": 404, "api_a": 404},
             note="department B's file asked for through department A's walkthrough"),
    ],
    "v1:walkthrough-answers": [
        Case(lambda o: _url(o, suffix="answers/"), READ_A),
        Case(lambda o: _url(o, "b", suffix="answers/"), READ_B),
    ],
    "v1:walkthrough-answer": [
        Case(lambda o: _url(o, suffix="answers/sim_materials/"), WRITE_A, method="post",
             data=lambda o: {"answer": "problem", "note": "要求提供已取消的证明"}),
        Case(lambda o: _url(o, suffix="answers/el_materials/"), REFUSED_A, method="post",
             data=lambda o: {"answer": "ok"}, note="an inspection question on a simulated case"),
    ],
}
