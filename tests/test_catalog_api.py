"""``departments/`` and ``service-items/`` of API v1: shape, filters, pagination, who may write."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from services.models import Material, ServiceItem, ServiceItemRevision, Step
from tests.conftest import make_item

ITEMS = "/api/v1/service-items/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def items(department_a, department_b):
    made = [make_item(department_a, f"I-{i:03d}", high_frequency=i % 2 == 0) for i in range(12)]
    made.append(make_item(department_b, "J-001", name="建筑工程施工许可证核发", item_type="confirmation"))
    for item in made[:3]:
        Material.objects.create(item=item, position=1, name="营业执照", source="government", issuing_item=made[-1])
        Step.objects.create(item=item, position=1, name="受理")
    return made


def test_anonymous_gets_401(api, db):
    response = api.get(ITEMS)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_item_shape_and_chinese_text(api, items, leader_a):
    api.force_authenticate(leader_a)
    response = api.get(ITEMS, {"page_size": 1})
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    item = body["results"][0]
    for key in ["id", "code", "name", "item_type", "department", "legal_limit_days", "promised_limit_days", "limit_unit",
                "max_visits", "online_depth", "in_hall", "window_authorized", "has_authorization_letter", "fee",
                "intermediary", "high_frequency", "enterprise_related", "materials", "steps"]:
        assert key in item
    assert item["materials"][0]["name"] == "营业执照"
    assert "营业执照".encode() in response.content  # UTF-8 as is, no \u escapes


def test_filters(api, items, office, department_b):
    api.force_authenticate(office)
    assert [r["code"] for r in api.get(ITEMS, {"department": department_b.pk}).json()["results"]] == ["J-001"]
    assert len(api.get(ITEMS, {"high_frequency": "true"}).json()["results"]) == 6
    assert [r["code"] for r in api.get(ITEMS, {"search": "施工"}).json()["results"]] == ["J-001"]
    assert [r["code"] for r in api.get(ITEMS, {"item_type": "confirmation"}).json()["results"]] == ["J-001"]
    assert api.get(ITEMS, {"item_type": "nonsense"}).status_code == 400


def test_cursor_pagination_walks_every_item_once(api, items, office):
    api.force_authenticate(office)
    seen, url = [], f"{ITEMS}?page_size=5"
    while url:
        body = api.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(i.pk for i in items) and len(seen) == len(set(seen))


def test_page_size_is_capped_at_500(api, office, department_a):
    ServiceItem.objects.bulk_create(
        ServiceItem(code=f"B-{i}", name="x", item_type="licensing", department=department_a, legal_limit_days=1, promised_limit_days=1)
        for i in range(510)
    )
    api.force_authenticate(office)
    assert len(api.get(ITEMS, {"page_size": 1000}).json()["results"]) == 500


def test_list_query_count_is_fixed(api, items, office, department_a):
    api.force_authenticate(office)

    def count(page_size):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(ITEMS, {"page_size": page_size}).status_code == 200
        return len(ctx.captured_queries)

    small = count(2)
    assert count(50) == small  # items, materials (+ issuing item), steps
    assert small <= 4


def test_departments(api, items, leader_b):
    api.force_authenticate(leader_b)
    results = api.get("/api/v1/departments/").json()["results"]
    assert {"id", "code", "name", "level", "region"} == set(results[0])
    assert {r["region"] for r in results} == {"贵池区"}


@pytest.mark.parametrize("who", ["leader_a", "liaison_a", "leader_b"])
def test_only_the_office_writes(api, items, request, who, department_a):
    api.force_authenticate(request.getfixturevalue(who))
    assert api.post(ITEMS, {"code": "N-1", "name": "x", "item_type": "licensing", "department": department_a.pk,
                            "legal_limit_days": 1, "promised_limit_days": 1}, format="json").status_code == 403
    assert api.patch(f"{ITEMS}{items[0].pk}/", {"name": "改名"}, format="json").status_code == 403


def test_office_creates_and_patches_with_history(api, items, office, department_a):
    api.force_authenticate(office)
    response = api.post(ITEMS, {
        "code": "N-1", "name": "食品经营许可", "item_type": "licensing", "department": department_a.pk,
        "legal_limit_days": 10, "promised_limit_days": 5,
        "materials": [{"name": "申请书"}, {"name": "营业执照", "source": "government", "issuing_item": items[0].pk}],
        "steps": [{"name": "受理"}, {"name": "决定"}],
    }, format="json")
    assert response.status_code == 201, response.json()
    created = ServiceItem.objects.get(code="N-1")
    assert [m.position for m in created.materials.all()] == [1, 2]
    response = api.patch(f"{ITEMS}{created.pk}/", {"promised_limit_days": 3}, format="json")
    assert response.status_code == 200 and response.json()["revision"] == 2
    revision = ServiceItemRevision.objects.get(item=created, revision=2)
    assert revision.changed_fields == ["promised_limit_days"] and revision.actor == office and revision.source == "api"


@pytest.mark.parametrize("payload,field", [
    ({"promised_limit_days": 99}, "promised_limit_days"),
    ({"legal_limit_days": -1}, "legal_limit_days"),
    ({"online_depth": 4, "max_visits": 2}, "max_visits"),
    ({"item_type": "nonsense"}, "item_type"),
    ({"name": "长" * 201}, "name"),
    ({"effective_date": "2026-02-30"}, "effective_date"),
    ({"code": "I-000"}, "code"),  # taken by another item
])
def test_bad_input_is_a_400_with_the_field(api, items, office, payload, field):
    api.force_authenticate(office)
    target = items[1]
    response = api.patch(f"{ITEMS}{target.pk}/", payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    target.refresh_from_db()
    assert target.revision == 1 and target.promised_limit_days == 10


def test_unknown_item_is_404(api, office, db):
    api.force_authenticate(office)
    assert api.get(f"{ITEMS}999999/").status_code == 404


def test_schema_and_docs(api, office, db):
    api.force_authenticate(office)
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/service-items/" in paths and "/api/v1/departments/" in paths
    assert api.get("/api/v1/docs/").status_code == 200


def test_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "tokenAuth" in (tmp_path / "schema.yml").read_text()
