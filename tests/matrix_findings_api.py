"""Role-matrix entries for the findings API (merged into tests/role_matrix.py).

The matrix objects hold no findings; ``_finding`` files department A's on first use (each case gets
fresh objects, so a case that moves it leaves the next case untouched).
"""
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


def _url(o, suffix=""):
    return f"/api/v1/findings/{_finding(o).pk}/{suffix}"


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
}
