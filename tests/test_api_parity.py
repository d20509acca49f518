"""Every write a person can make on a page, a system can make through /api/v1/ — with the same action
function (docs/api.md, "Page actions and their API twins").

``PAGE_WRITES`` is the table: each page route that changes something ↔ the API operations that do the
same, and the action function both call. The test finds the page routes that take a POST by sending
one to every page route, so a new form without an API twin fails here until it has one (or a reason
in ``NOT_FOR_SYSTEMS``).
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import pytest
from django.urls import get_resolver, resolve, reverse

from tests.role_matrix import MATRIX


@dataclass(frozen=True)
class Twin:
    method: str  # the API operation's HTTP method
    route: str  # its URL name in the v1 namespace
    action: str  # the action function the API operation calls
    page_action: str = ""  # the one the page calls, when it wraps ``action`` (defaults to ``action``)


PAGE_WRITES: dict[str, list[Twin]] = {
    "login": [Twin("post", "auth-token", "authenticate")],
    "walkthrough-plan": [Twin("post", "walkthrough-list", "walkthrough_plan")],
    "walkthrough-transition": [Twin("post", "walkthrough-start", "walkthrough_transition"),
                               Twin("post", "walkthrough-complete", "walkthrough_transition"),
                               Twin("post", "walkthrough-cancel", "walkthrough_transition")],
    "walkthrough-event-add": [Twin("post", "walkthrough-events", "event_add")],
    "walkthrough-event-correct": [Twin("post", "walkthrough-event-correct", "event_correct")],
    "walkthrough-evidence-add": [Twin("post", "walkthrough-evidence", "evidence_add")],
    "walkthrough-observed": [Twin("patch", "walkthrough-detail", "walkthrough_update")],
    "walkthrough-answer": [Twin("post", "walkthrough-answer", "checklist_answer_set")],
    "finding-file": [Twin("post", "finding-list", "finding_file")],
    "finding-bulk-assign": [Twin("post", "finding-bulk-assign", "finding_bulk_assign")],
    "finding-move": [Twin("post", "finding-transition", "finding_transition")],
    "finding-measures": [Twin("post", "finding-measures", "finding_record_measures"),
                         Twin("post", "finding-measures", "finding_submit")],
    # The page files the appeal and its files in one form; over the API the move, then the files.
    "finding-appeal": [Twin("post", "finding-transition", "finding_transition", page_action="finding_appeal"),
                       Twin("post", "finding-evidence", "finding_evidence_add", page_action="finding_appeal")],
    "finding-evidence-add": [Twin("post", "finding-evidence", "finding_evidence_add")],
    "finding-comment": [Twin("post", "finding-comments", "comment_add")],
    "finding-rewalk": [Twin("post", "finding-rewalk", "walkthrough_plan")],
    "finding-proposal": [Twin("post", "finding-proposals", "finding_file"),
                         Twin("post", "finding-proposals", "proposal_discard")],
    # The page asks first: a POST without confirm=1 answers the confirmation page (departments, category) and
    # writes nothing; the POST with confirm=1 files. The API's file is that second POST (a system confirms by calling).
    "certificate-file-finding": [Twin("post", "certificate-problem-file", "certificate_problem_file")],
    "certificate-decide": [Twin("post", "certificate-problem-decide", "certificate_decide")],
    "certificate-withdraw": [Twin("post", "certificate-problem-withdraw", "certificate_decision_withdraw")],
    "report-list": [Twin("post", "report-list", "report_request")],
    "notification-open": [Twin("post", "notification-read", "notification_read")],  # opening it marks it read
    "notification-read-all": [Twin("post", "notification-read-all", "notifications_read_all")],
    "public-request-act": [Twin("post", "public-request-arrange", "request_arrange"),
                           Twin("post", "public-request-forward", "request_forward"),
                           Twin("post", "public-request-close", "request_close")],
}

# Page writes that are a person's own and have no meaning for a system, with the reason.
NOT_FOR_SYSTEMS = {
    "logout": "ends the browser session; a system's token is revoked in the admin (docs/api.md, Authentication)",
    "password_change": "a person's own password, typed by that person; a system holds a token instead",
    "set_language": "the pages' language; the API follows Accept-Language",
    "public-request": "the citizens' form of the public page (no account, rate-limited, with a honeypot); a system "
                      "reports a problem by filing a finding",
}

# Page routes that answer GET and also change something while doing so (not found by the POST probe).
GET_WRITES = {"notification-open"}


@pytest.mark.django_db
def test_every_page_route_that_takes_a_post_is_in_the_table(client, office):
    """POST to every page route as the office (ids that do not exist: nothing is changed): anything
    but 405 takes a POST and must have a twin."""
    client.force_login(office)
    takes_post = set()
    for route in _all_page_patterns():
        name = route.name
        assert name in MATRIX, f"{name} is not in the role matrix"
        if name == "logout":  # would end this test's session; the matrix shows it takes a POST
            takes_post.add(name)
            continue
        response = client.post(_page_path(name), {})
        if response.status_code != 405:
            takes_post.add(name)
        client.force_login(office)
    missing = takes_post - set(PAGE_WRITES) - set(NOT_FOR_SYSTEMS)
    assert not missing, f"page writes without an API twin (add one, or a reason in NOT_FOR_SYSTEMS): {sorted(missing)}"
    stale = (set(PAGE_WRITES) | set(NOT_FOR_SYSTEMS)) - takes_post - GET_WRITES
    assert not stale, f"in the table but no longer a page write: {sorted(stale)}"


def _source(function) -> str:
    return inspect.getsource(inspect.unwrap(function))


def _calls(source: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\s*[,)(]", source) is not None


def _api_handler(route: str, method: str):
    """The viewset method (or APIView method) that serves ``method`` on the v1 route ``route``."""
    for attempt in ({}, {"pk": 1}, {"pk": 1, "question": "sim_materials"}, {"pk": 1, "event_id": 1}):
        try:
            path = reverse(f"v1:{route}", kwargs=attempt)
            break
        except Exception:  # noqa: BLE001 - try the next shape of arguments
            continue
    else:
        raise AssertionError(f"v1:{route} does not exist")
    view = resolve(path).func
    if hasattr(view, "actions"):  # a viewset: the method's action
        action = view.actions.get(method)
        assert action, f"v1:{route} does not take {method.upper()}"
        cls, handler = view.cls, getattr(view.cls, action)
    else:
        cls, handler = view.view_class, getattr(view.view_class, method, None)
        assert handler, f"v1:{route} does not take {method.upper()}"
    # with the view's own helpers it calls (self._move(…) and the like)
    source = _source(handler)
    for helper in sorted(set(re.findall(r"self\.(_\w+)\(", source))):
        if callable(getattr(cls, helper, None)):
            source += _source(getattr(cls, helper))
    return source


@pytest.mark.parametrize("page", sorted(PAGE_WRITES))
def test_each_twin_calls_the_same_action_function(page):
    page_view = resolve(_page_path(page)).func
    page_source = _source(page_view.view_class if hasattr(page_view, "view_class") else page_view)
    for twin in PAGE_WRITES[page]:
        api_source = _api_handler(twin.route, twin.method)
        if twin.route == "auth-token":  # DRF's token view: authentication by the same backend as the login page
            assert "authenticate" in api_source or "ObtainToken" in api_source
            continue
        assert _calls(api_source, twin.action), f"v1:{twin.route} {twin.method.upper()} does not call {twin.action}"
        page_action = twin.page_action or twin.action
        assert _calls(page_source, page_action), f"the page {page} does not call {page_action}"
        if page_action != twin.action:
            wrapper = _find_action(page_action)
            assert _calls(_source(wrapper), twin.action), f"{page_action} does not go through {twin.action}"


def _page_path(name: str) -> str:
    route = next(p for p in _all_page_patterns() if p.name == name)
    text = re.sub(r"<int:[a-z_]+>", "1", str(route.full))
    return "/" + re.sub(r"<(?:str|slug):[a-z_]+>", "x", text)


@dataclass
class _Named:
    name: str
    full: str


def _all_page_patterns() -> list[_Named]:
    out = []
    for pattern in get_resolver().url_patterns:
        if hasattr(pattern, "url_patterns"):
            prefix = str(pattern.pattern)
            if prefix.startswith(("api/", "admin/")):
                continue
            out += [_Named(p.name, prefix + str(p.pattern)) for p in pattern.url_patterns if p.name]
        elif pattern.name:
            out.append(_Named(pattern.name, str(pattern.pattern)))
    return out


def _find_action(name: str):
    from findings import actions as finding_actions
    from inspections import actions as walk_actions

    for module in (finding_actions, walk_actions):
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(f"no action function {name}")


def test_the_table_names_only_operations_in_the_published_schema(client):
    """Each twin is in the OpenAPI document other systems generate their clients from."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    for twins in PAGE_WRITES.values():
        for twin in twins:
            path = _api_path(twin.route)
            assert (twin.method, path) in operations, f"{twin.method.upper()} {path} is not in the schema"


def _api_path(route: str) -> str:
    """The schema's path of a v1 route: /api/v1/findings/{id}/measures/ and the like."""
    for kwargs in ({}, {"pk": 1}, {"pk": 1, "question": "q"}, {"pk": 1, "event_id": 2}):
        try:
            path = reverse(f"v1:{route}", kwargs=kwargs)
        except Exception:  # noqa: BLE001
            continue
        path = path.replace("/1/", "/{id}/", 1)
        path = path.replace("/answers/q/", "/answers/{question}/").replace("/events/2/", "/events/{event_id}/")
        return path
    raise AssertionError(f"v1:{route} does not exist")
