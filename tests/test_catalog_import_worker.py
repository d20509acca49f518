"""The admin's import page hands the file to a real Celery worker process."""
import pytest
from django.urls import reverse

from services.models import CatalogImport, ImportStatus, ServiceItem
from tests.conftest import wait_for
from tests.test_catalog_import import good_rows, workbook

pytestmark = pytest.mark.slow


def upload(client, path):
    with open(path, "rb") as fh:
        return client.post(reverse("admin:services_catalogimport_add"), {"file": fh})


def finished(pk):
    job = CatalogImport.objects.get(pk=pk)
    return job if job.status not in (ImportStatus.PENDING, ImportStatus.RUNNING) else None


def test_upload_is_imported_by_the_worker(client, celery_worker, tmp_path, department_a, office):
    client.force_login(office)
    response = upload(client, workbook(tmp_path / "ok.xlsx", good_rows()))
    assert response.status_code == 302
    job = CatalogImport.objects.get()
    assert job.created_by == office and job.original_name == "ok.xlsx"
    job = wait_for(lambda: finished(job.pk), message="the worker to import")
    assert job.status == ImportStatus.DONE, (job.errors, celery_worker.output)
    assert (job.items_created, job.items_updated) == (2, 0)
    assert ServiceItem.objects.filter(code__in=["A-001", "A-002"]).count() == 2
    assert "catalog_import_run[" in celery_worker.output
    # the result page lists it in Chinese
    page = client.get(reverse("admin:services_catalogimport_change", args=[job.pk])).content.decode()
    assert "已导入" in page


def test_bad_upload_is_rejected_with_rows_named(client, celery_worker, tmp_path, department_a, office):
    client.force_login(office)
    rows = good_rows() + [["X-9", "未知部门", "行政许可", "nope", 5, 1, "工作日", 1, 1, "否", "否"]]
    upload(client, workbook(tmp_path / "bad.xlsx", rows))
    job = wait_for(lambda: finished(CatalogImport.objects.get().pk), message="the worker to reject")
    assert job.status == ImportStatus.REJECTED
    assert [e["row"] for e in job.errors] == [4]
    assert ServiceItem.objects.count() == 0
    page = client.get(reverse("admin:services_catalogimport_change", args=[job.pk])).content.decode()
    assert "部门编码不存在" in page and "已拒绝" in page


def test_a_claimed_import_is_not_run_twice(transactional_db, tmp_path, department_a, office):
    from django.core.files import File

    from services import catalog_io

    with open(workbook(tmp_path / "ok.xlsx", good_rows()), "rb") as fh:
        job = CatalogImport.objects.create(file=File(fh, name="ok.xlsx"), original_name="ok.xlsx", created_by=office)
    assert catalog_io.catalog_import_process(import_id=job.pk) is True
    assert catalog_io.catalog_import_process(import_id=job.pk) is False  # a redelivered task finds it claimed
    assert ServiceItem.objects.count() == 2


@pytest.mark.parametrize("who", ["leader_a", "liaison_a"])
def test_only_the_office_reaches_the_import_page(client, db, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:services_catalogimport_add"))
    assert response.status_code in (302, 403)


def test_non_spreadsheet_upload_is_refused_at_once(client, db, office, tmp_path):
    client.force_login(office)
    fake = tmp_path / "evil.xlsx"
    fake.write_bytes(b"<html>not a workbook</html>")
    response = upload(client, fake)
    assert response.status_code == 200 and "不是可读取的 xlsx" in response.content.decode()
    assert CatalogImport.objects.count() == 0
