"""The input boundary (chizhou_walkthrough/middleware.py:InputBoundaryMiddleware, core/api.py:JSONParser):
NUL bytes, lone surrogates, dates out of range and over-deep or over-large JSON answer 400 — JSON
under /api/, a page elsewhere — and never 500, on every URL pattern of the role matrix."""
import json

import pytest
from django.test import override_settings

from tests.conftest import client_for
from tests.role_matrix import MATRIX, ROLES

# Query parameters the pages and the API read (forms, filters), each given the hostile value.
PARAMS = ("q", "code", "level", "month", "since", "until", "date", "status", "department", "region", "mode", "kind",
          "category", "item_type", "hf", "page", "page_size", "cursor", "updated_since", "year", "week", "day",
          "walkthrough", "question", "next", "format", "severity", "overdue", "leader", "to", "term")
HOSTILE = {
    "nul": "%00",
    "nul-inside": "a%00b",
    "year-1": "0001-01",
    "year-1-day": "0001-01-01",
    "year-9999": "9999-12",
    "year-9999-day": "9999-12-31",
    "datetime-9999": "9999-12-31T23:59:59%2B14:00",
    "slashes-9999": "9999/12/31",
    "us-9999": "12/31/9999",
    "chinese-0001": "0001%E5%B9%B41%E6%9C%881%E6%97%A5",  # 0001年1月1日
    "bad-utf8-surrogate": "%ED%A0%80",  # a surrogate as UTF-8 bytes: decoded as U+FFFD, never a 500
}


def _query(path: str, value: str) -> str:
    separator = "&" if "?" in path else "?"
    return path + separator + "&".join(f"{name}={value}" for name in PARAMS)


def _bodies(data: dict):
    """The case's JSON body with each string field, in turn, a lone surrogate or a NUL."""
    for key, value in data.items():
        if isinstance(value, str):
            yield {**data, key: "\ud800"}
            yield {**data, key: "x\x00y"}


CASES = [(name, i) for name, cases in MATRIX.items() for i in range(len(cases))]


@pytest.mark.parametrize("name,index", CASES, ids=[f"{n}[{i}]" for n, i in CASES])
def test_no_500_on_hostile_input(matrix_objects, name, index):
    case = MATRIX[name][index]
    path = case.path(matrix_objects)
    api = path.startswith("/api/")
    failures = []
    for role in ROLES:
        client = client_for(role, matrix_objects, api=api)
        client.raise_request_exception = False
        for label, value in HOSTILE.items():
            url = _query(path, value)
            data = case.data(matrix_objects) if case.data else None
            if api and data is not None:
                response = getattr(client, case.method)(url, json.dumps(data), content_type="application/json")
            else:
                response = getattr(client, case.method)(url, data or {})
            if response.status_code >= 500:
                failures.append(f"{case.method.upper()} {url} as {role} ({label}): {response.status_code}")
            elif response.status_code == 400:
                _assert_format(response, api, url)
        if api and case.method in ("post", "patch", "put") and case.data:
            for body in _bodies(case.data(matrix_objects)):
                response = getattr(client, case.method)(path, json.dumps(body), content_type="application/json")
                if response.status_code >= 500:
                    failures.append(f"{case.method.upper()} {path} as {role} with {body!r}: {response.status_code}")
                elif role != "anon":
                    assert response.status_code in (400, 403, 404), (path, role, body, response.status_code)
    assert not failures, "\n".join(failures)


def _assert_format(response, api: bool, url: str):
    if api:
        assert response["Content-Type"].startswith("application/json"), url
        assert "detail" in response.json() or response.json(), url
    else:
        assert response["Content-Type"].startswith("text/html"), url


# --- the cases the probe found ----------------------------------------------------------------------

@pytest.fixture
def office_client(matrix_objects):
    return client_for("office", matrix_objects, api=False)


@pytest.mark.parametrize("path", ["/public/status/?code=%00", "/public/status/?code=A%00B"])
def test_public_status_nul_anonymous(client, db, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/catalog/?q=%00", "/walkthroughs/?level=%00", "/catalog/export.csv?q=%00",
                                  "/catalog/export.xlsx?q=%00", "/findings/?q=%00"])
def test_nul_in_a_query_is_a_400_page(office_client, path):
    response = office_client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize("path", ["/walkthroughs/calendar/?month=0001-01", "/walkthroughs/calendar/?month=9999-12",
                                  "/dashboard/?since=9999-12-31", "/dashboard/?since=0001-01-01",
                                  "/dashboard/?until=9999-12-31", "/dashboard/export/ranking.xlsx?since=9999-12-31",
                                  "/dashboard/export/ranking.xlsx?until=0001-01-01", "/dashboard/?since=12/31/9999",
                                  "/dashboard/?until=9999/12/31"])
def test_a_date_out_of_range_is_a_400(office_client, path):
    assert office_client.get(path).status_code == 400


def test_an_htmx_request_gets_a_fragment(office_client):
    response = office_client.get("/findings/?q=%00", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response.content.decode().startswith('<p class="feedback error" role="alert">')


def test_a_nul_in_a_form_value(client, db):
    response = client.post("/public/", {"kind": "lead", "name": "某\x00企业", "phone": "13805661234"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/walkthroughs/calendar/?month=2999-12", "/walkthroughs/calendar/?month=1900-01",
                                  "/dashboard/?since=1900-01-01&until=2999-12-31"])
def test_the_ends_of_the_range_still_work(office_client, path):
    assert office_client.get(path).status_code == 200


def test_nul_in_a_walkthrough_moves_note(matrix_objects):
    from tests.role_matrix import _walk

    walk = _walk(matrix_objects)
    client = client_for("leader_a", matrix_objects, api=False)
    response = client.post(f"/walkthroughs/{walk.pk}/move/cancelled/", {"note": "取消\x00原因"})
    assert response.status_code == 400
    walk.refresh_from_db()
    assert walk.status == "planned"


def test_nul_in_a_query_under_the_api_is_json(matrix_objects):
    client = client_for("office", matrix_objects, api=True)
    response = client.get("/api/v1/findings/?status=%00")
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.fixture
def api_office(matrix_objects):
    return client_for("office", matrix_objects, api=True)


def _post_json(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_lone_surrogate_in_each_api_choice_field(matrix_objects, api_office):
    from tests.role_matrix import _finding, _walk

    objs = matrix_objects
    walk, finding = _walk(objs), _finding(objs)
    cases = [
        ("/api/v1/findings/", {"department": objs["department_a"].pk, "category": "\ud800", "title": "x"}),
        ("/api/v1/walkthroughs/", {"service_item": objs["item_a"].pk, "leader": objs["users"]["leader_a"].pk,
                                   "mode": "\ud800", "identity": "applicant", "channel": "window"}),
        (f"/api/v1/findings/{finding.pk}/transition/", {"to": "\ud800", "version": finding.version}),
        (f"/api/v1/walkthroughs/{walk.pk}/events/", {"kind": "\ud800"}),
    ]
    for path, body in cases:
        response = _post_json(api_office, path, body)
        assert response.status_code == 400, (path, response.status_code)
        assert response.json() == {"detail": "A value contains an invalid character."} or "字符" in response.json()["detail"], path


def test_json_nested_100000_deep(api_office):
    body = "[" * 100_000 + "]" * 100_000
    response = api_office.post("/api/v1/findings/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    body = '{"a":' * 100_000 + "1" + "}" * 100_000
    response = api_office.post("/api/v1/findings/", body, content_type="application/json")
    assert response.status_code == 400


def test_json_nested_just_too_deep(api_office):
    response = api_office.post("/api/v1/findings/", "[" * 40 + "]" * 40, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"] or "嵌套" in response.json()["detail"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10 * 1024 * 1024)
def test_a_20_mb_json_body_is_a_json_400(api_office):
    body = json.dumps({"title": "x" * (20 * 1024 * 1024)})
    response = api_office.post("/api/v1/findings/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_nul_in_a_json_string(api_office, matrix_objects):
    body = {"department": matrix_objects["department_a"].pk, "category": "excess_materials", "title": "a\x00b"}
    response = _post_json(api_office, "/api/v1/findings/", body)
    assert response.status_code == 400
