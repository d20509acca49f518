"""docs/api.md's ground rules that cut across resources: errors, throttling, pagination, sync."""
import datetime
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from findings import actions as finding_actions
from findings.models import Finding
from tests.conftest import make_user


def test_unknown_api_paths_answer_json_404(office):
    api = APIClient()
    api.force_authenticate(office)
    for path in ("/api/v1/findings/not-a-number/", "/api/v1/nothing-here/"):
        response = api.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert "detail" in response.json()
    assert "text/html" in APIClient().get("/no-such-page/")["Content-Type"]


def test_throttling_answers_429_with_retry_after(settings, office, db):
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute", "auth": "2/minute"}}
    api = APIClient()
    api.force_authenticate(office)
    statuses = [api.get("/api/v1/departments/").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    response = api.get("/api/v1/departments/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    # anonymous callers are counted per address (on what they may reach: the schema, token requests)
    anon = APIClient()
    codes = [anon.get("/api/v1/schema/", REMOTE_ADDR="10.9.9.9").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert anon.get("/api/v1/schema/", REMOTE_ADDR="10.9.9.10").status_code == 200
    guesses = [anon.post("/api/v1/auth/token/", {"username": "office", "password": f"guess{i}"}, format="json",
                         REMOTE_ADDR="10.9.9.11").status_code for i in range(3)]
    assert guesses == [401, 401, 429]
    cache.clear()


@pytest.mark.parametrize("path", ["/api/v1/departments/", "/api/v1/reports/", "/api/v1/service-items/",
                                  "/api/v1/walkthroughs/", "/api/v1/findings/"])
def test_list_query_counts_are_the_same_for_page_sizes_10_and_500(path, office, department_a):
    from findings.reports import actions as report_actions
    from services.models import Department, Region, ServiceItem

    region = Region.objects.create(code="r-many", name="多区", sort_order=9)
    Department.objects.bulk_create([Department(code=f"d-{i}", name=f"部门{i}", level="city", region=region) for i in range(30)])
    ServiceItem.objects.bulk_create([ServiceItem(code=f"S-{i}", name="x", item_type="licensing", department=department_a,
                                                 legal_limit_days=5, promised_limit_days=3) for i in range(30)])
    Finding.objects.bulk_create([Finding(department=department_a, category="hotline", title=f"t{i}", created_by=office)
                                 for i in range(30)])
    report_actions.report_request(actor=office, kind="department", department=department_a)
    api = APIClient()
    api.force_authenticate(office)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(path, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    assert count(10) == count(500)


@pytest.mark.django_db(transaction=True)
def test_sync_sees_every_change_once_while_another_thread_changes_findings(department_a):
    """One thread keeps changing findings; the client walks updated_since pages meanwhile. Every
    change made before the walk began is seen once; changes made meanwhile are seen at most once per change."""
    office = make_user("sync_office", "office")
    since = (timezone.now() - datetime.timedelta(seconds=1)).isoformat()  # before any of them exists
    findings = [finding_actions.finding_file(actor=office, department=department_a, category="hotline", title=f"同步{i}")
                for i in range(60)]
    stop = threading.Event()
    changed: list[tuple[int, datetime.datetime]] = []

    def writer():
        try:
            i = 0
            while not stop.is_set() and i < 40:
                f = findings[(i * 7) % len(findings)]
                finding_actions.comment_add(finding=Finding.objects.get(pk=f.pk), actor=office, body=f"第{i}次")
                changed.append((f.pk, Finding.objects.get(pk=f.pk).updated_at))
                i += 1
                time.sleep(0.01)
        finally:
            connection.close()

    api = APIClient()
    api.force_authenticate(office)
    thread = threading.Thread(target=writer)
    thread.start()
    seen: list[tuple[int, str]] = []
    url = f"/api/v1/findings/?updated_since={since}&page_size=7"
    while url:
        body = api.get(url).json()
        seen += [(row["id"], row["updated_at"]) for row in body["results"]]
        url = body["next"]
        time.sleep(0.02)
    stop.set()
    thread.join()
    ids = [pk for pk, _ in seen]
    assert set(ids) == {f.pk for f in findings}  # every finding seen
    assert len(seen) == len(set(seen))  # never the same version twice
    connection.close()


@pytest.mark.parametrize("path", [
    "/api/v1/findings/99999999999999999999999/", "/api/v1/walkthroughs/?leader=99999999999999999999999",
    "/api/v1/findings/?department=-1e300", "/api/v1/service-items/?department=18446744073709551616",
    "/api/v1/walkthroughs/?department=9223372036854775808", "/api/v1/reports/9999999999999999999/",
])
def test_ids_beyond_64_bits_are_400_or_404_never_500(path, office):
    api = APIClient()
    api.force_authenticate(office)
    assert api.get(path).status_code in (400, 404)
