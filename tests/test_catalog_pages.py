"""Catalog pages in Chinese, for every signed-in role; anonymous visitors are sent to log in."""
import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from services.models import Material, Step
from tests.conftest import make_item


@pytest.fixture
def catalog(department_a, department_b):
    issuing = make_item(department_b, "P-1", name="建设工程规划许可证核发")
    item = make_item(department_a, "P-2", name="企业设立登记", high_frequency=True, enterprise_related=True)
    Material.objects.create(item=item, position=1, name="营业执照", source="government", issuing_item=issuing)
    Material.objects.create(item=item, position=2, name="<script>alert(1)</script>")
    Step.objects.create(item=item, position=1, name="受理")
    return item


def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录" in html and "用户名" in html and 'lang="zh-hans"' in html


@pytest.mark.parametrize("url_name", ["home", "catalog-list", "catalog-export-xlsx", "catalog-export-csv"])
def test_anonymous_is_sent_to_login(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["office", "leader_a", "liaison_a", "leader_b"])
def test_every_role_browses_the_catalog(client, catalog, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("catalog-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "服务事项目录" in html and "企业设立登记" in html and "高频涉企" in html
    detail = client.get(reverse("catalog-detail", args=[catalog.pk])).content.decode()
    assert "营业执照" in detail and "政府部门核发" in detail and "建设工程规划许可证核发" in detail
    # text from the catalog is escaped, never rendered as markup
    assert "<script>alert(1)</script>" not in detail and "&lt;script&gt;" in detail


def test_catalog_filters_and_htmx_partial(client, catalog, office, department_b):
    client.force_login(office)
    response = client.get(reverse("catalog-list"), {"department": department_b.pk})
    html = response.content.decode()
    assert "建设工程规划许可证核发" in html and "企业设立登记" not in html
    partial = client.get(reverse("catalog-list"), {"q": "企业"}, HTTP_HX_REQUEST="true").content.decode()
    assert "企业设立登记" in partial and "<html" not in partial
    assert "共 1 个事项" in partial


def test_missing_item_is_404(client, office, db):
    client.force_login(office)
    assert client.get(reverse("catalog-detail", args=[999999])).status_code == 404


def test_catalog_list_query_count_does_not_grow(client, office, department_a):
    client.force_login(office)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("catalog-list")).status_code == 200
        return len(ctx.captured_queries)

    make_item(department_a, "Q-0")
    few = count()
    for i in range(1, 40):
        item = make_item(department_a, f"Q-{i}")
        Material.objects.create(item=item, position=1, name="申请书")
    assert count() == few  # session, user, count, page of items, departments for the filter


def test_detail_query_count_does_not_grow_with_materials(client, office, catalog):
    client.force_login(office)
    url = reverse("catalog-detail", args=[catalog.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(3, 30):
        Material.objects.create(item=catalog, position=i, name=f"材料{i}", source="government", issuing_item=catalog)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_export_downloads(client, office, catalog):
    client.force_login(office)
    xlsx = client.get(reverse("catalog-export-xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv_text = client.get(reverse("catalog-export-csv")).content.decode("utf-8-sig")
    assert "实施编码" in csv_text and "企业设立登记" in csv_text


def test_language_switch_to_english(client, office, catalog):
    client.force_login(office)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("catalog-list")).content.decode()
    assert "Service catalog" in html and "Administrative licensing" in html


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


def test_dates_are_written_the_chinese_way(client, office, catalog):
    import datetime

    catalog.effective_date = datetime.date(2026, 11, 26)
    catalog.save()
    client.force_login(office)
    assert "2026年11月26日" in client.get(reverse("catalog-detail", args=[catalog.pk])).content.decode()


def test_navigation_by_role(client, office, leader_a, db):
    client.force_login(office)
    office_nav = client.get("/").context["nav"]
    client.force_login(leader_a)
    leader_nav = client.get("/").context["nav"]
    assert "/admin/" in [e["url"] for e in office_nav]
    assert "/admin/" not in [e["url"] for e in leader_nav]
    assert "/catalog/" in [e["url"] for e in leader_nav]
