"""局长陪您办: the one page open without login — validated, rate-limited, revealing nothing else."""
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding
from inspections.models import Walkthrough
from public.models import PublicRequest
from tests.conftest import make_item


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def item(department_a):
    return make_item(department_a, "PUB-1", name="食品经营许可")


def valid(item, **extra):
    return {"kind": "accompany", "service_item": item.pk, "name": "池州小馆餐饮有限公司", "phone": "13805661234",
            "description": "想开一家餐馆，不清楚要准备哪些材料。", **extra}


def test_the_page_is_open_and_chinese(client, db):
    html = client.get(reverse("public-request")).content.decode()
    assert "局长陪您办" in html and "联系电话" in html and 'name="csrfmiddlewaretoken"' in html


def test_a_request_is_stored_and_tracked_by_its_code_only(client, item):
    response = client.post(reverse("public-request"), valid(item), REMOTE_ADDR="10.20.0.1")
    stored = PublicRequest.objects.get()
    assert response.status_code == 200 and stored.code in response.content.decode()
    status = client.get(reverse("public-status"), {"code": stored.code.lower()}).content.decode()
    assert "已收到" in status
    assert "池州小馆" not in status and "13805661234" not in status  # nothing but the status
    assert "没有该编号" in client.get(reverse("public-status"), {"code": "NOPE123456"}).content.decode()


@pytest.mark.parametrize("change,field", [
    ({"phone": "12345"}, "phone"),
    ({"phone": "1380566123x"}, "phone"),
    ({"description": "长" * 1001}, "description"),
    ({"name": ""}, "name"),
    ({"kind": "hack"}, "kind"),
    ({"service_item": "", "item_text": ""}, "item_text"),
    ({"preferred_date": "2026-02-30"}, "preferred_date"),
])
def test_bad_input_is_refused_and_nothing_stored(client, item, change, field):
    response = client.post(reverse("public-request"), valid(item, **change))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert PublicRequest.objects.count() == 0


def test_markup_is_stored_as_text_and_shown_escaped(client, item, office):
    client.post(reverse("public-request"), valid(item, description="<script>alert('x')</script> 请帮忙"))
    stored = PublicRequest.objects.get()
    office_client = Client()
    office_client.force_login(office)
    html = office_client.get(reverse("public-request-detail", args=[stored.pk])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_robots_filling_the_honeypot_store_nothing(client, item):
    response = client.post(reverse("public-request"), valid(item, website="http://spam.example"))
    assert response.status_code == 200 and PublicRequest.objects.count() == 0


def test_csrf_is_required(item):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("public-request"), valid(item)).status_code == 403
    assert PublicRequest.objects.count() == 0


def test_the_31st_request_from_one_address_is_refused_and_stores_nothing(client, item, settings):
    for i in range(30):
        response = client.post(reverse("public-request"), valid(item, name=f"企业{i}"), REMOTE_ADDR="10.30.0.1")
        assert response.status_code == 200
    assert PublicRequest.objects.count() == 30
    refused = client.post(reverse("public-request"), valid(item, name="第31个"), REMOTE_ADDR="10.30.0.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) == settings.PUBLIC_RATE_WINDOW
    assert PublicRequest.objects.count() == 30 and not PublicRequest.objects.filter(name="第31个").exists()
    # another address is not affected
    assert client.post(reverse("public-request"), valid(item), REMOTE_ADDR="10.30.0.2").status_code == 200


def test_status_lookups_are_limited_too(client, db):
    for _ in range(30):
        client.get(reverse("public-status"), {"code": "GUESS00000"}, REMOTE_ADDR="10.40.0.1")
    assert client.get(reverse("public-status"), {"code": "GUESS00001"}, REMOTE_ADDR="10.40.0.1").status_code == 429


def test_the_office_arranges_forwards_and_closes(client, office, leader_a, item):
    client.post(reverse("public-request"), valid(item))
    client.post(reverse("public-request"), valid(item, kind="lead", description="窗口要求提供已经取消的证明"))
    accompany, lead = PublicRequest.objects.order_by("id")
    staff = Client()
    staff.force_login(office)
    date = timezone.localdate() + timezone.timedelta(days=3)
    staff.post(reverse("public-request-act", args=[accompany.pk, "arrange"]),
               {"leader": leader_a.pk, "scheduled_for": date.isoformat()})
    accompany.refresh_from_db()
    walk = Walkthrough.objects.get()
    assert accompany.status == "arranged" and accompany.walkthrough == walk
    assert walk.mode == "accompany" and walk.leader == leader_a and walk.department == item.department
    staff.post(reverse("public-request-act", args=[lead.pk, "forward"]), {"category": "absurd_certificate", "title": "要求已取消的证明"})
    lead.refresh_from_db()
    finding = Finding.objects.get()
    assert lead.status == "forwarded" and lead.finding == finding and finding.department == item.department
    status = client.get(reverse("public-status"), {"code": lead.code}).content.decode()
    assert "已转交整改" in status and "要求已取消的证明" not in status
    staff.post(reverse("public-request-act", args=[lead.pk, "close"]), {"reply": "已整改，感谢您的反映。"})
    assert "感谢您的反映" in client.get(reverse("public-status"), {"code": lead.code}).content.decode()


def test_only_the_office_handles_requests(client, leader_a, liaison_a, item):
    Client().post(reverse("public-request"), valid(item))
    pk = PublicRequest.objects.get().pk
    for user in (leader_a, liaison_a):
        client.force_login(user)
        assert client.get(reverse("public-request-list")).status_code == 403
        assert client.get(reverse("public-request-detail", args=[pk])).status_code == 403
        assert client.post(reverse("public-request-act", args=[pk, "close"]), {"reply": "x"}).status_code == 403
    assert PublicRequest.objects.get().status == "received"


def test_the_item_picker_is_grouped_by_department_and_searchable(client, item, department_b):
    make_item(department_b, "PUB-2", name="建筑工程施工许可")
    html = client.get(reverse("public-request")).content.decode()
    assert f'<optgroup label="{item.department.name}">' in html and f'<optgroup label="{department_b.name}">' in html
    assert "data-searchable=" in html and "js/picker.js" in html
    # what the page offers is what it accepts: the thanks page with the tracking code
    response = client.post(reverse("public-request"), valid(item))
    assert response.status_code == 200 and PublicRequest.objects.get().code in response.content.decode()


def test_arranging_offers_the_preferred_date_and_says_what_was_arranged(client, office, leader_a, item):
    preferred = timezone.localdate() + timezone.timedelta(days=5)
    client.post(reverse("public-request"), valid(item, preferred_date=preferred.isoformat()))
    request_row = PublicRequest.objects.get()
    staff = Client()
    staff.force_login(office)
    page = staff.get(reverse("public-request-detail", args=[request_row.pk])).content.decode()
    assert f'name="scheduled_for" value="{preferred.isoformat()}"' in page  # the citizen's date, readable by <input type=date>
    response = staff.post(reverse("public-request-act", args=[request_row.pk, "arrange"]),
                          {"leader": leader_a.pk, "scheduled_for": preferred.isoformat()}, follow=True)
    text = response.content.decode()
    assert preferred.isoformat() in text and str(leader_a) in text and item.name in text and "池州小馆餐饮有限公司" in text
    assert Walkthrough.objects.get().scheduled_for == preferred
