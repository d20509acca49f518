"""Role-matrix entries for the API routes that are neither walkthroughs nor findings proper
(notifications, public requests, the certificate graph), merged into tests/role_matrix.py."""
from tests.role_matrix import ROLES, Case, _notification, _public

ANON = {"anon": 401}
# Public requests and the certificate graph: the office's alone, reads included (a request holds a
# citizen's name and phone number); API clients too get 403, as on the pages.
OFFICE_ONLY_READ = {**ANON, **{role: 403 for role in ROLES if role != "anon"}, "office": 200}
OFFICE_ONLY_ACT = OFFICE_ONLY_READ  # an action answers the changed object: 200
# Notifications: each person their own; API accounts (systems) have none.
PEOPLE = {**ANON, "office": 200, "leader_a": 200, "liaison_a": 200, "leader_b": 200, "api_a": 403}


def _request_url(o, suffix=""):
    return f"/api/v1/public-requests/{_public(o).pk}/{suffix}"


def _self_issued(o):
    """A certificate department A demands for item A that its own item A2 issues: a problem key."""
    from services.models import Material, MaterialSource
    from tests.conftest import make_item

    if "self_issued" not in o:
        issuer = make_item(o["department_a"], "MA-2", name="本局核发许可")
        Material.objects.create(item=o["item_a"], position=1, name="本局核发的许可证", source=MaterialSource.GOVERNMENT,
                                issuing_item=issuer)
        o["self_issued"] = f"self:{o['item_a'].pk}-{issuer.pk}"
    return o["self_issued"]


def _decided(o):
    """The self-issued problem, marked legitimate by the office: a decision to withdraw."""
    from services.certificate_actions import certificate_decide

    key = _self_issued(o)
    certificate_decide(actor=o["users"]["office"], problem=key, reason="换证须核验原许可证")
    return key


MATRIX: dict[str, list[Case]] = {
    # --- 局长陪您办: department A's item asked about by a citizen ---------------------------------------
    "v1:public-request-list": [Case(lambda o: "/api/v1/public-requests/", OFFICE_ONLY_READ,
                                    note="names and phone numbers: the office only, API clients included")],
    "v1:public-request-detail": [
        Case(lambda o: _request_url(o), OFFICE_ONLY_READ),
        Case(lambda o: "/api/v1/public-requests/999999/", {**OFFICE_ONLY_READ, "office": 404}),
    ],
    "v1:public-request-arrange": [
        Case(lambda o: _request_url(o, "arrange/"), OFFICE_ONLY_ACT, method="post",
             data=lambda o: {"leader": o["users"]["leader_a"].pk, "scheduled_for": _today()}),
    ],
    "v1:public-request-forward": [
        Case(lambda o: _request_url(o, "forward/"), OFFICE_ONLY_ACT, method="post",
             data=lambda o: {"category": "excess_materials", "title": "重复提交材料"}),
    ],
    "v1:public-request-close": [
        Case(lambda o: _request_url(o, "close/"), OFFICE_ONLY_ACT, method="post", data=lambda o: {"reply": "已办结"}),
    ],
    # --- notifications: liaison A's notification of department A's assignment ------------------------
    "v1:notification-list": [Case(lambda o: "/api/v1/notifications/", PEOPLE)],
    "v1:notification-read": [
        Case(lambda o: f"/api/v1/notifications/{_notification(o).pk}/read/",
             {**ANON, "office": 404, "leader_a": 404, "liaison_a": 200, "leader_b": 404, "api_a": 403}, method="post",
             note="its recipient marks it read; anyone else's is a 404"),
    ],
    "v1:notification-read-all": [Case(lambda o: "/api/v1/notifications/read-all/", PEOPLE, method="post")],
    # --- the certificate graph ------------------------------------------------------------------------
    "v1:certificate-problem-list": [Case(lambda o: "/api/v1/certificate-problems/", OFFICE_ONLY_READ)],
    "v1:certificate-problem-file": [
        Case(lambda o: "/api/v1/certificate-problems/file/", {**OFFICE_ONLY_READ, "office": 201}, method="post",
             data=lambda o: {"problem": _self_issued(o)}),
        Case(lambda o: "/api/v1/certificate-problems/file/", {**OFFICE_ONLY_READ, "office": 400}, method="post",
             data=lambda o: {"problem": f"self:{o['item_a'].pk}-{o['item_a'].pk}"},
             note="a problem no longer in the catalog: nothing filed"),
    ],
    "v1:certificate-problem-decide": [
        Case(lambda o: "/api/v1/certificate-problems/decide/", {**OFFICE_ONLY_READ, "office": 201}, method="post",
             data=lambda o: {"problem": _self_issued(o), "reason": "换证须核验原许可证"}),
        Case(lambda o: "/api/v1/certificate-problems/decide/", {**OFFICE_ONLY_READ, "office": 400}, method="post",
             data=lambda o: {"problem": _self_issued(o), "reason": " "}, note="a reason is required"),
    ],
    "v1:certificate-problem-withdraw": [
        Case(lambda o: "/api/v1/certificate-problems/withdraw/", OFFICE_ONLY_ACT, method="post",
             data=lambda o: {"problem": _decided(o)}),
        Case(lambda o: "/api/v1/certificate-problems/withdraw/", {**OFFICE_ONLY_READ, "office": 400}, method="post",
             data=lambda o: {"problem": _self_issued(o)}, note="not marked legitimate: nothing to withdraw"),
    ],
    "v1:certificate-problem-decisions": [Case(lambda o: "/api/v1/certificate-problems/decisions/", OFFICE_ONLY_READ)],
}


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()
