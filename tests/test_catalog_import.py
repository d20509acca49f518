"""Catalog import and export: all or nothing, every bad row named, streamed."""
import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from services.catalog_io import catalog_export, catalog_import
from services.models import Material, ServiceItem, ServiceItemRevision, Step
from tests.conftest import make_item

ITEM_HEADER = ["实施编码", "事项名称", "事项类型", "部门编码", "法定办结时限", "承诺办结时限", "时限单位", "到办事现场次数", "网上办理深度", "高频", "涉企"]


def workbook(path, items, materials=(), steps=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事项"
    ws.append(ITEM_HEADER)
    for row in items:
        ws.append(row)
    ws = wb.create_sheet("材料")
    ws.append(["实施编码", "序号", "材料名称", "必要性", "形式", "来源", "核发事项编码"])
    for row in materials:
        ws.append(row)
    ws = wb.create_sheet("环节")
    ws.append(["实施编码", "序号", "环节名称", "办理人", "时限（天）"])
    for row in steps:
        ws.append(row)
    wb.save(path)
    return path


def good_rows():
    return [
        ["A-001", "企业设立登记", "行政许可", "city-amr", 3, 1, "工作日", 1, "Ⅲ 网上预审/受理", "是", "是"],
        ["A-002", "食品经营许可", "licensing", "city-amr", 10, 5, "working_days", 0, 4, "否", "yes"],
    ]


def test_import_creates_items_materials_steps_and_history(tmp_path, department_a):
    path = workbook(
        tmp_path / "ok.xlsx",
        good_rows(),
        materials=[["A-001", 1, "申请书", "必要", "纸质", "申请人自备", None],
                   ["A-002", 1, "营业执照", "必要", "电子", "政府部门核发", "A-001"]],
        steps=[["A-001", 1, "受理", "窗口", 1], ["A-001", 2, "决定", "科长", None]],
    )
    result = catalog_import(path=path)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    first = ServiceItem.objects.get(code="A-001")
    assert first.online_depth == 3 and first.high_frequency and first.enterprise_related
    assert ServiceItem.objects.get(code="A-002").online_depth == 4
    certificate = Material.objects.get(item__code="A-002")
    assert certificate.issuing_item == first
    assert list(Step.objects.filter(item=first).values_list("name", flat=True)) == ["受理", "决定"]
    assert ServiceItemRevision.objects.filter(item=first, revision=1, source="import").exists()


def test_reimport_updates_by_code_and_records_what_changed(tmp_path, department_a):
    catalog_import(path=workbook(tmp_path / "1.xlsx", good_rows()))
    rows = good_rows()
    rows[0][5] = 0  # promised limit 1 → 0
    result = catalog_import(path=workbook(tmp_path / "2.xlsx", rows))
    assert result.ok and (result.created, result.updated) == (0, 2)
    item = ServiceItem.objects.get(code="A-001")
    assert item.promised_limit_days == 0 and item.revision == 2
    assert item.revisions.get(revision=2).changed_fields == ["promised_limit_days"]
    # the unchanged item gets no new revision
    assert ServiceItem.objects.get(code="A-002").revisions.count() == 1


def test_bad_rows_change_nothing_and_each_is_named(tmp_path, department_a):
    existing = make_item(department_a, "KEEP-1", name="原有事项", promised_limit_days=5)
    rows = good_rows() + [
        ["B-003", "未知部门事项", "行政许可", "no-such-dept", 10, 5, "工作日", 1, 1, "否", "否"],   # row 4
        [None, "缺编码事项", "行政许可", "city-amr", 10, 5, "工作日", 1, 1, "否", "否"],             # row 5
        ["B-005", "负时限事项", "行政许可", "city-amr", -3, 0, "工作日", 1, 1, "否", "否"],          # row 6
        ["B-006", "承诺超法定", "行政许可", "city-amr", 5, 8, "工作日", 1, 1, "否", "否"],            # row 7
        ["A-001", "重复编码", "行政许可", "city-amr", 5, 1, "工作日", 1, 1, "否", "否"],              # row 8
        ["KEEP-1", "原有事项改名", "行政许可", "city-amr", 20, 2, "工作日", 1, 1, "否", "否"],        # valid on its own
    ]
    result = catalog_import(path=workbook(tmp_path / "bad.xlsx", rows))
    assert not result.ok
    by_row = {e["row"]: e["message"] for e in result.errors}
    assert set(by_row) == {4, 5, 6, 7, 8}
    assert "部门" in by_row[4]
    assert "实施编码" in by_row[5] and "必填" in by_row[5]
    assert "法定办结时限" in by_row[6] and "0" in by_row[6]
    assert "承诺" in by_row[7] and "法定" in by_row[7]
    assert "重复" in by_row[8] and "2" in by_row[8]  # points at the first occurrence
    # nothing half-applied: no new item, the existing one untouched, no history written
    assert ServiceItem.objects.count() == 1
    existing.refresh_from_db()
    assert existing.name == "原有事项" and existing.promised_limit_days == 5
    assert ServiceItemRevision.objects.count() == 0
    assert (result.created, result.updated) == (0, 0)


def test_material_errors_roll_back_items_too(tmp_path, department_a):
    path = workbook(tmp_path / "m.xlsx", good_rows(),
                    materials=[["A-001", 1, "营业执照", "必要", "纸质", "政府部门核发", "NOPE"],
                               ["A-001", 1, "另一个", "必要", "纸质", "申请人自备", None],
                               ["ZZZ", 1, "无主材料", "必要", "纸质", "申请人自备", None]])
    result = catalog_import(path=path)
    messages = [(e["sheet"], e["row"]) for e in result.errors]
    assert ("材料", 2) in messages and ("材料", 4) in messages
    assert ServiceItem.objects.count() == 0 and Material.objects.count() == 0


def test_fully_online_with_visits_and_bad_enum_rejected(tmp_path, department_a):
    rows = [["C-1", "全程网办事项", "行政许可", "city-amr", 5, 1, "工作日", 2, "Ⅳ", "否", "否"],
            ["C-2", "类型不对", "随便什么", "city-amr", 5, 1, "工作日", 0, 1, "否", "否"],
            ["C-3", "日期不对", "行政许可", "city-amr", 5, 1, "月", 0, 1, "也许", "否"]]
    result = catalog_import(path=workbook(tmp_path / "e.xlsx", rows))
    assert {e["row"] for e in result.errors} == {2, 3, 4}
    assert ServiceItem.objects.count() == 0


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_import_in_utf8_or_gb18030(tmp_path, department_a, encoding):
    path = tmp_path / "items.csv"
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(ITEM_HEADER)
        writer.writerows(good_rows())
    result = catalog_import(path=path)
    assert result.ok, result.errors
    assert ServiceItem.objects.get(code="A-001").name == "企业设立登记"


def test_unreadable_or_unknown_files_are_rejected(tmp_path, department_a):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a workbook")
    assert not catalog_import(path=fake).ok
    other = tmp_path / "x.txt"
    other.write_text("x")
    assert not catalog_import(path=other).ok


def test_export_then_import_round_trips(tmp_path, department_a, department_b):
    issuing = make_item(department_b, "R-1", name="建设工程规划许可证核发")
    item = make_item(department_a, "R-2", name="施工许可", online_depth=2, high_frequency=True, fee="12.50")
    Material.objects.create(item=item, position=1, name="建设工程规划许可证", source="government", issuing_item=issuing)
    Step.objects.create(item=item, position=1, name="受理", handler="窗口")
    out = io.BytesIO()
    catalog_export(out=out, fmt="xlsx")
    path = tmp_path / "export.xlsx"
    path.write_bytes(out.getvalue())
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["事项", "材料", "环节"]
    # change a value in the file and import it back
    result = catalog_import(path=path)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 2)
    assert Material.objects.get(item=item).issuing_item == issuing
    item.refresh_from_db()
    assert str(item.fee) == "12.50" and item.online_depth == 2 and item.high_frequency


def test_management_command_imports_and_exports(tmp_path, department_a, capsys):
    path = workbook(tmp_path / "ok.xlsx", good_rows())
    call_command("import_catalog", str(path))
    assert ServiceItem.objects.count() == 2
    out_path = tmp_path / "out.csv"
    call_command("export_catalog", str(out_path))
    text = out_path.read_text(encoding="utf-8-sig")
    assert "企业设立登记" in text and "实施编码" in text
    bad = workbook(tmp_path / "bad.xlsx", [["Z", "x", "行政许可", "nope", 1, 1, "工作日", 1, 1, "否", "否"]])
    with pytest.raises(CommandError):
        call_command("import_catalog", str(bad))
    assert "第 2 行" in capsys.readouterr().err


def numbered_catalog(path, n):
    """n items, each with two materials and a step."""
    items = [[f"N-{k:04d}", f"事项{k}", "行政许可", "city-amr", 10, 5, "工作日", 1, 1, "否", "否"] for k in range(n)]
    materials = [[f"N-{k:04d}", p, f"材料{p}", "必要", "纸质", "申请人自备", None] for k in range(n) for p in (1, 2)]
    steps = [[f"N-{k:04d}", 1, "受理", "窗口", 1] for k in range(n)]
    return workbook(path, items, materials, steps)


def test_queries_grow_with_chunks_not_rows(tmp_path, department_a, monkeypatch):
    import sqlite3

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor == "sqlite":
        # Django assumes SQLite's old limit of 999 parameters a statement and splits a chunk's
        # INSERT into a dozen; with the limit this SQLite really has, a chunk is one INSERT, as on PostgreSQL.
        connection.ensure_connection()
        monkeypatch.setattr(connection.features, "max_query_params", connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    counts = {}
    for n in (50, 500):
        path = numbered_catalog(tmp_path / f"{n}.xlsx", n)
        with CaptureQueriesContext(connection) as queries:
            result = catalog_import(path=path)
        assert result.ok and (result.created, result.materials, result.steps) == (n, 2 * n, n)
        assert ServiceItemRevision.objects.count() == n
        counts[n] = len(queries)
        ServiceItem.objects.all().delete()
    # Row by row, the 450 more items cost some 7,000 more queries. Chunked, only the materials
    # (1,000 rows) fill a second chunk: its item lookup, DELETE and INSERT.
    assert counts[500] - counts[50] <= 3, counts


def test_an_items_rows_may_span_chunks(tmp_path, department_a, monkeypatch):
    monkeypatch.setattr("services.catalog_io.CHUNK_ROWS", 2)
    make_item(department_a, "A-001")
    Material.objects.create(item=ServiceItem.objects.get(code="A-001"), position=9, name="旧材料")
    materials = [["A-001", 1, "申请书", "必要", "纸质", "申请人自备", None],
                 ["A-002", 1, "身份证", "必要", "纸质", "申请人自备", None],
                 ["A-001", 2, "营业执照", "必要", "纸质", "申请人自备", None]]  # a later chunk: adds, does not clear again
    result = catalog_import(path=workbook(tmp_path / "ok.xlsx", good_rows(), materials))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.materials) == (1, 1, 3)
    assert list(Material.objects.filter(item__code="A-001").values_list("position", flat=True)) == [1, 2]

    twice = materials + [["A-002", 2, "户口簿", "必要", "纸质", "申请人自备", None],
                         ["A-001", 1, "又一个", "必要", "纸质", "申请人自备", None]]  # row 6: position 1 again, two chunks on
    result = catalog_import(path=workbook(tmp_path / "twice.xlsx", good_rows(), twice))
    assert [(e["sheet"], e["row"], e["code"]) for e in result.errors] == [("材料", 6, "A-001")]
    assert result.errors[0]["message"] == "该事项的序号 1 重复出现"
    assert Material.objects.filter(item__code="A-001").count() == 2  # the first import's, untouched


def test_a_materials_sheet_with_only_its_required_columns(tmp_path, department_a):
    """Optional columns may be left out of a sheet: no issuing item, form or source column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事项"
    ws.append(ITEM_HEADER)
    for row in good_rows():
        ws.append(row)
    ws = wb.create_sheet("材料")
    ws.append(["实施编码", "序号", "材料名称"])
    ws.append(["A-001", 1, "申请书"])
    wb.save(tmp_path / "short.xlsx")
    result = catalog_import(path=tmp_path / "short.xlsx")
    assert result.ok, result.errors
    material = Material.objects.get(item__code="A-001")
    assert (material.name, material.issuing_item) == ("申请书", None)
