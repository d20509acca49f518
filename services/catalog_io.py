"""Import and export of the service catalog as xlsx (items, materials, steps) and csv (items).

Offices keep their catalogs in spreadsheets. An import is all or nothing: every row is checked,
every rejected row is reported with its reason, and if any row is rejected the whole import is
rolled back. Rows are streamed from the file (openpyxl read-only mode, csv reader), never loaded
into memory as a whole, and are looked up and written a chunk (``CHUNK_ROWS``) at a time.
"""
from __future__ import annotations

import csv
import datetime
import io
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import Any, Callable

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import csv_row, csv_unescape, xlsx_row
from core.queue import enqueue_on_commit

from . import actions
from .models import (
    CaseType,
    CatalogImport,
    Department,
    ImportStatus,
    ItemType,
    LimitUnit,
    Material,
    MaterialForm,
    MaterialSource,
    Necessity,
    OnlineDepth,
    RevisionSource,
    ServedParty,
    ServiceItem,
    Step,
)

SHEET_ITEMS = gettext_lazy("Items")
SHEET_MATERIALS = gettext_lazy("Materials")
SHEET_STEPS = gettext_lazy("Steps")
MAX_ERRORS = 1000  # past this, the report says "and more" instead of growing without bound
CHUNK_ROWS = 500  # rows read, looked up and written together: a few queries per chunk, memory flat


class RowError(Exception):
    pass


# --- cell parsers -----------------------------------------------------------------------------

def _text(value: Any, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if required and not text:
        raise RowError(_("is required"))
    if len(text) > max_length:
        raise RowError(_("is longer than %(n)d characters") % {"n": max_length})
    return text


def _int(value: Any, *, minimum: int = 0, maximum: int = 3650, required: bool = True, default: int | None = None) -> int | None:
    if value is None or str(value).strip() == "":
        if required and default is None:
            raise RowError(_("is required"))
        return default
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RowError(_("is not a number: %(v)s") % {"v": value}) from None
    if number != number.to_integral_value():
        raise RowError(_("must be a whole number: %(v)s") % {"v": value})
    if number < minimum:
        raise RowError(_("may not be below %(n)d") % {"n": minimum})
    if number > maximum:
        raise RowError(_("may not be above %(n)d") % {"n": maximum})
    return int(number)


def _decimal(value: Any) -> Decimal:
    if value is None or str(value).strip() == "":
        return Decimal("0")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RowError(_("is not a number: %(v)s") % {"v": value}) from None
    if number < 0:
        raise RowError(_("may not be below %(n)d") % {"n": 0})
    if number >= Decimal("1e10"):
        raise RowError(_("is too large"))
    return number.quantize(Decimal("0.01"))


_TRUE = {"1", "true", "yes", "y", "是", "√", "✓", "有"}
_FALSE = {"0", "false", "no", "n", "否", "×", "无", ""}


def _bool(value: Any) -> bool:
    text = "" if value is None else str(value).strip().lower()
    if isinstance(value, bool):
        return value
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowError(_("is not yes/no: %(v)s") % {"v": value})


def _date(value: Any) -> datetime.date | None:
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip().replace("/", "-").replace("年", "-").replace("月", "-").rstrip("日")
    try:
        return datetime.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise RowError(_("is not a date (YYYY-MM-DD): %(v)s") % {"v": value}) from None


_ROMAN = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4}


def _choice(choices) -> Callable[[Any], Any]:
    """Accept a choice by its code, its Chinese label or its English label."""
    lookup: dict[str, Any] = {}
    for value, label in choices.choices:
        lookup[str(value).lower()] = value
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                lookup[str(label).strip().lower()] = value
    if choices is OnlineDepth:
        lookup.update({k.lower(): v for k, v in _ROMAN.items()})
        with translation.override("zh-hans"):
            for value, label in choices.choices:
                # "Ⅲ 网上预审/受理" is also written as just "网上预审/受理"
                lookup[str(label).split("·")[-1].strip().lower()] = value

    def parse(value: Any) -> Any:
        text = "" if value is None else str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if text.lower() in lookup:
            return lookup[text.lower()]
        # "Ⅳ 全程网办": take the leading numeral
        head = text.split()[0] if text else ""
        if choices is OnlineDepth and head in _ROMAN:
            return _ROMAN[head]
        raise RowError(_("is not one of the allowed values: %(v)s") % {"v": value or "—"})

    return parse


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translated header
    parse: Callable[[Any], Any]
    export: Callable[[Any], Any] = staticmethod(lambda v: v)  # type: ignore[assignment]
    required: bool = False


def _label_export(choices):
    def export(value):
        return str(choices(value).label) if value not in (None, "") else ""

    return export


def _bool_export(value: bool) -> str:
    return _("yes") if value else _("no")


ITEM_COLUMNS: list[Column] = [
    Column("code", gettext_lazy("implementation code"), lambda v: _text(v, max_length=64, required=True), required=True),
    Column("catalog_code", gettext_lazy("basic catalog code"), lambda v: _text(v, max_length=16)),
    Column("name", gettext_lazy("item name"), lambda v: _text(v, max_length=200, required=True), required=True),
    Column("item_type", gettext_lazy("item type"), _choice(ItemType), _label_export(ItemType), required=True),
    Column("served_party", gettext_lazy("served party"), _choice(ServedParty), _label_export(ServedParty)),
    Column("department", gettext_lazy("department code"), lambda v: _text(v, max_length=32, required=True), required=True),
    Column("case_type", gettext_lazy("case type"), _choice(CaseType), _label_export(CaseType)),
    Column("legal_limit_days", gettext_lazy("legal time limit"), lambda v: _int(v), required=True),
    Column("promised_limit_days", gettext_lazy("promised time limit"), lambda v: _int(v), required=True),
    Column("limit_unit", gettext_lazy("time-limit unit"), _choice(LimitUnit), _label_export(LimitUnit)),
    Column("max_visits", gettext_lazy("on-site visits"), lambda v: _int(v, maximum=20, default=1)),
    Column("online_depth", gettext_lazy("online depth"), _choice(OnlineDepth), _label_export(OnlineDepth)),
    Column("in_hall", gettext_lazy("in the service hall"), _bool, _bool_export),
    Column("window_authorized", gettext_lazy("window holds approval authority"), _bool, _bool_export),
    Column("has_authorization_letter", gettext_lazy("written authorisation letter"), _bool, _bool_export),
    Column("fee", gettext_lazy("fee (yuan)"), _decimal, lambda v: float(v)),
    Column("fee_basis", gettext_lazy("fee basis"), lambda v: _text(v, max_length=200)),
    Column("intermediary", gettext_lazy("intermediary services"), lambda v: _text(v, max_length=200)),
    Column("high_frequency", gettext_lazy("high frequency"), _bool, _bool_export),
    Column("enterprise_related", gettext_lazy("enterprise related"), _bool, _bool_export),
    Column("effective_date", gettext_lazy("effective date"), _date, lambda v: v.isoformat() if v else ""),
    Column("location", gettext_lazy("where to apply"), lambda v: _text(v, max_length=200)),
    Column("enquiry_phone", gettext_lazy("enquiry phone"), lambda v: _text(v, max_length=64)),
]

MATERIAL_COLUMNS: list[Column] = [
    Column("item", gettext_lazy("implementation code"), lambda v: _text(v, max_length=64, required=True), required=True),
    Column("position", gettext_lazy("position"), lambda v: _int(v, minimum=1, maximum=999), required=True),
    Column("name", gettext_lazy("material name"), lambda v: _text(v, max_length=200, required=True), required=True),
    Column("necessity", gettext_lazy("necessity"), _choice(Necessity), _label_export(Necessity)),
    Column("form", gettext_lazy("form"), _choice(MaterialForm), _label_export(MaterialForm)),
    Column("source", gettext_lazy("source"), _choice(MaterialSource), _label_export(MaterialSource)),
    Column("issuing_item", gettext_lazy("issued by item (code)"), lambda v: _text(v, max_length=64)),
    Column("copies", gettext_lazy("paper copies"), lambda v: _int(v, maximum=99, default=1)),
    Column("note", gettext_lazy("note"), lambda v: _text(v, max_length=200)),
]

STEP_COLUMNS: list[Column] = [
    Column("item", gettext_lazy("implementation code"), lambda v: _text(v, max_length=64, required=True), required=True),
    Column("position", gettext_lazy("position"), lambda v: _int(v, minimum=1, maximum=99), required=True),
    Column("name", gettext_lazy("step name"), lambda v: _text(v, max_length=100, required=True), required=True),
    Column("handler", gettext_lazy("handled by"), lambda v: _text(v, max_length=100)),
    Column("time_limit_days", gettext_lazy("time limit (days)"), lambda v: _int(v, required=False)),
]

ITEM_DEFAULTS = {
    "served_party": ServedParty.BOTH,
    "case_type": CaseType.PROMISED,
    "limit_unit": LimitUnit.WORKING_DAYS,
    "online_depth": OnlineDepth.INFORMATION,
    "in_hall": True,
}


def _header_map(columns: list[Column]) -> dict[str, Column]:
    """Headers are accepted in Chinese, in English, or as the field key."""
    mapping = {}
    for column in columns:
        mapping[column.key.lower()] = column
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                mapping[str(column.label).strip().lower()] = column
    return mapping


# --- reading ---------------------------------------------------------------------------------------

def _sniff_encoding(path: Path) -> str:
    # Excel on Chinese Windows saves csv as GB18030; everything else is UTF-8 (maybe with BOM).
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
            return "gb18030"
    return "utf-8-sig"


def _rows_csv(path: Path) -> Iterator[list[Any]]:
    with open(path, newline="", encoding=_sniff_encoding(path)) as fh:
        yield from csv.reader(fh)


def _sheet_names(kind) -> set[str]:
    names = set()
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            names.add(str(kind).strip().lower())
    return names


def _rows_xlsx(workbook, kind) -> Iterator[list[Any]] | None:
    wanted = _sheet_names(kind)
    for worksheet in workbook.worksheets:
        if worksheet.title.strip().lower() in wanted:
            return (list(row) for row in worksheet.iter_rows(values_only=True))
    return None


def _records(rows: Iterable[list[Any]], columns: list[Column], errors: "ErrorLog", sheet: str) -> Iterator[tuple[int, str, dict, str]]:
    """Yield (row number, item code, parsed values, problem) for every non-blank row.

    ``problem`` lists the cells that could not be parsed ("" when there are none). The caller logs
    it, so that a chunk of rows can be read ahead of its lookups and still be reported in row order.
    """
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        return
    mapping = _header_map(columns)
    index: dict[int, Column] = {}
    for i, cell in enumerate(header):
        column = mapping.get(str(cell or "").strip().lower())
        if column is not None:
            index[i] = column
    missing = [c for c in columns if c.required and c not in index.values()]
    if missing:
        errors.add(sheet, 1, "", _("missing columns: %(cols)s") % {"cols": "、".join(str(c.label) for c in missing)})
        return
    for number, row in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in row):
            continue  # blank line
        values, problems = {}, []
        for i, column in index.items():
            raw = csv_unescape(row[i] if i < len(row) else None)  # the export's ' before =, +, -, @
            try:
                values[column.key] = column.parse(raw)
            except RowError as exc:
                problems.append(f"{column.label}：{exc}")
        code = values.get("code") or values.get("item") or ""
        yield number, code, values, "；".join(problems)


def _chunks(iterable: Iterable) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


@dataclass
class ErrorLog:
    rows: list[dict] = field(default_factory=list)
    count: int = 0

    def add(self, sheet: str, row: int, code: str, message: str) -> None:
        self.count += 1
        if len(self.rows) < MAX_ERRORS:
            self.rows.append({"sheet": sheet, "row": row, "code": code, "message": message})

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    materials: int = 0
    steps: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class _Rollback(Exception):
    pass


# --- import -----------------------------------------------------------------------------------------

def catalog_import(*, path: str | Path, actor=None, source: str = RevisionSource.IMPORT) -> ImportResult:
    """Import a catalog file (.xlsx with sheets 事项/材料/环节, or .csv of items). All or nothing."""
    path = Path(path)
    suffix = path.suffix.lower()
    errors = ErrorLog()
    result = ImportResult()
    with translation.override(translation.get_language() or "zh-hans"):
        if suffix == ".csv":
            sheets = {"items": _rows_csv(path)}
            workbook = None
        elif suffix in (".xlsx", ".xlsm"):
            import openpyxl

            try:
                workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            except Exception:  # openpyxl raises many types for a file that is not a workbook
                result.errors = [{"sheet": "", "row": 0, "code": "", "message": _("The file is not a readable xlsx workbook.")}]
                result.error_count = 1
                return result
            sheets = {
                "items": _rows_xlsx(workbook, SHEET_ITEMS),
                "materials": _rows_xlsx(workbook, SHEET_MATERIALS),
                "steps": _rows_xlsx(workbook, SHEET_STEPS),
            }
            if sheets["items"] is None:
                workbook.close()
                result.errors = [{"sheet": "", "row": 0, "code": "", "message": _("The workbook has no sheet named “%(name)s”.") % {"name": SHEET_ITEMS}}]
                result.error_count = 1
                return result
        else:
            result.errors = [{"sheet": "", "row": 0, "code": "", "message": _("Only .xlsx and .csv files can be imported.")}]
            result.error_count = 1
            return result

        try:
            with transaction.atomic():
                _lock_catalog()
                codes = _import_items(sheets["items"], errors, result, str(SHEET_ITEMS))
                if sheets.get("materials") is not None:
                    _import_materials(sheets["materials"], errors, result, str(SHEET_MATERIALS))
                if sheets.get("steps") is not None:
                    _import_steps(sheets["steps"], errors, result, str(SHEET_STEPS))
                if errors:
                    raise _Rollback
                _record_revisions(codes, source=source, actor=actor)
        except _Rollback:
            result.created = result.updated = result.materials = result.steps = 0
        finally:
            if workbook is not None:
                workbook.close()
    result.errors = errors.rows
    result.error_count = errors.count
    return result


CATALOG_LOCK = 0x43415441  # "CATA": one catalog import at a time, across every machine


def _lock_catalog() -> None:
    """Two imports of the same file at once must not race on new codes: the second waits.
    PostgreSQL: a transaction-scoped advisory lock in the shared database. SQLite already
    serialises writers (transactions begin IMMEDIATE)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CATALOG_LOCK])


def _import_items(rows, errors: ErrorLog, result: ImportResult, sheet: str) -> dict[str, int]:
    """Check and write the items sheet. Returns its codes (code → first row)."""
    departments = dict(Department.objects.values_list("code", "id"))  # a few hundred rows at most
    # code → first row, for duplicates and for the revisions at the end: the one thing kept for the
    # whole file, some 110 bytes an item.
    seen: dict[str, int] = {}
    accepted: list[dict] = []
    for number, code, values, problem in _records(rows, ITEM_COLUMNS, errors, sheet):
        if problem:
            errors.add(sheet, number, code, problem)
            continue
        if code in seen:
            errors.add(sheet, number, code, _("duplicate implementation code (first in row %(row)d)") % {"row": seen[code]})
            continue
        seen[code] = number
        department_id = departments.get(values.pop("department"))
        if department_id is None:
            errors.add(sheet, number, code, _("unknown department code"))
            continue
        for key, default in ITEM_DEFAULTS.items():
            if values.get(key) in (None, ""):
                values[key] = default
        problems = _item_rules(values)
        if problems:
            errors.add(sheet, number, code, "；".join(problems))
            continue
        if errors:
            continue  # the import is already lost; keep checking rows but stop writing
        values["department_id"] = department_id
        accepted.append(values)
        if len(accepted) == CHUNK_ROWS:
            _write_items(accepted, result)
            accepted = []
    # Rows accepted before the first rejected one are written even though the import is lost: the
    # materials sheet is still checked, and its issuing items must be found as they were row by row.
    _write_items(accepted, result)
    return seen


def _write_items(rows: list[dict], result: ImportResult) -> None:
    """Create or update (by code) the items of one chunk."""
    if not rows:
        return
    existing = ServiceItem.objects.in_bulk([values["code"] for values in rows], field_name="code")
    new, changed, changed_fields = [], [], set()
    for values in rows:
        item = existing.get(values["code"])
        if item is None:
            new.append(ServiceItem(**values))
            continue
        differing = {key for key, value in values.items() if getattr(item, key) != value}
        for key in differing:
            setattr(item, key, values[key])
        if differing:
            changed.append(item)
            changed_fields |= differing
    ServiceItem.objects.bulk_create(new)
    # bulk_update costs Django time per item and field (a CASE branch each), so it is given only the
    # fields that differ. Every existing item still gets a new updated_at, as save() gave it.
    if changed:
        ServiceItem.objects.bulk_update(changed, sorted(changed_fields))
    if existing:
        ServiceItem.objects.filter(pk__in=[item.pk for item in existing.values()]).update(updated_at=timezone.now())
    result.created += len(new)
    result.updated += len(existing)


def _item_rules(values: dict) -> list[str]:
    problems = []
    legal, promised = values.get("legal_limit_days"), values.get("promised_limit_days")
    if legal is not None and promised is not None and promised > legal:
        problems.append(_("the promised time limit (%(p)d) exceeds the legal one (%(l)d)") % {"p": promised, "l": legal})
    if values.get("online_depth") == OnlineDepth.FULLY_ONLINE and values.get("max_visits"):
        problems.append(_("a fully online item (depth IV) requires zero on-site visits"))
    if values.get("case_type") == CaseType.ON_THE_SPOT and promised:
        problems.append(_("an item handled on the spot has a promised time limit of 0"))
    return problems


def _import_children(rows, columns, model, errors, sheet, build) -> int:
    """Check and write a materials or steps sheet, chunk by chunk. Returns the rows written."""
    # When the items sheet already failed, items it would have created are missing: don't
    # report their materials and steps as "unknown item" — that row's own error says it all.
    items_failed = bool(errors)
    # Items whose old children are deleted: the sheet holds an item's full list, which replaces what
    # the catalog had, and an item's rows may be spread over several chunks. One int per item.
    cleared: set[int] = set()
    written = 0
    for chunk in _chunks(_records(rows, columns, errors, sheet)):
        ids = _item_ids(_codes_named(chunk))
        chunk_items = {ids[code] for _, code, _, _ in chunk if code in ids}
        positions = _positions_written(model, cleared & chunk_items)
        to_clear, new = [], []
        for number, code, values, problem in chunk:
            if problem:
                errors.add(sheet, number, code, problem)
                continue
            del values["item"]
            item_id = ids.get(code)
            if item_id is None:
                if not items_failed:
                    errors.add(sheet, number, code, _("unknown service item"))
                continue
            try:
                obj = build(item_id, values, ids)
            except RowError as exc:
                errors.add(sheet, number, code, str(exc))
                continue
            if errors:
                continue
            if item_id not in cleared:
                to_clear.append(item_id)
                cleared.add(item_id)
            taken = positions.setdefault(item_id, set())
            if values["position"] in taken:
                errors.add(sheet, number, code, _("position %(n)d appears twice for this item") % {"n": values["position"]})
                continue
            taken.add(values["position"])
            new.append(obj)
        if to_clear:
            model.objects.filter(item_id__in=to_clear).delete()
        model.objects.bulk_create(new)
        written += len(new)
    return written


def _codes_named(chunk: list[tuple[int, str, dict, str]]) -> set[str]:
    """The item codes a chunk of rows names: each row's item and, for materials, the issuing item."""
    return {code for _, _, values, _ in chunk for code in (values.get("item"), values.get("issuing_item")) if code}


def _item_ids(codes: set[str]) -> dict[str, int]:
    """code → id of the catalog's items among ``codes``."""
    return dict(ServiceItem.objects.filter(code__in=codes).values_list("code", "id")) if codes else {}


def _positions_written(model, item_ids: set[int]) -> dict[int, set[int]]:
    """Positions this import already wrote, in earlier chunks, for items it has cleared."""
    positions: dict[int, set[int]] = {}
    if item_ids:
        for item_id, position in model.objects.filter(item_id__in=item_ids).values_list("item_id", "position"):
            positions.setdefault(item_id, set()).add(position)
    return positions


def _import_materials(rows, errors, result, sheet) -> None:
    def build(item_id, values, ids):
        issuing_code = values.pop("issuing_item", "")  # an optional column: the sheet may not have it
        for key, default in (("necessity", Necessity.REQUIRED), ("form", MaterialForm.PAPER), ("source", MaterialSource.APPLICANT)):
            values[key] = values.get(key) or default
        material = Material(item_id=item_id, **values)
        if issuing_code:
            material.issuing_item_id = ids.get(issuing_code)
            if material.issuing_item_id is None:
                raise RowError(_("the issuing item %(code)s is not in the catalog") % {"code": issuing_code})
            if material.source != MaterialSource.GOVERNMENT:
                raise RowError(_("only a material issued by a government department can name an issuing item"))
        return material

    result.materials = _import_children(rows, MATERIAL_COLUMNS, Material, errors, sheet, build)


def _import_steps(rows, errors, result, sheet) -> None:
    result.steps = _import_children(rows, STEP_COLUMNS, Step, errors, sheet, lambda item_id, values, ids: Step(item_id=item_id, **values))


def _record_revisions(codes: Iterable[str], *, source: str, actor) -> None:
    # Only reached when no row was rejected, so every code of the items sheet was written.
    for chunk in _chunks(sorted(codes)):
        actions.items_revision_record(items=ServiceItem.objects.filter(code__in=chunk), source=source, actor=actor)


# --- export -----------------------------------------------------------------------------------------

def _item_row(item: ServiceItem) -> list[Any]:
    row = []
    for column in ITEM_COLUMNS:
        value = item.department.code if column.key == "department" else getattr(item, column.key)
        row.append(column.export(value))
    return row


def catalog_export(*, out: io.IOBase, fmt: str, items=None) -> None:
    """Write the catalog to ``out`` (binary for xlsx, text for csv), streaming rows from the database."""
    items = (items if items is not None else ServiceItem.objects.all()).select_related("department").order_by("code")
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(csv_row([str(c.label) for c in ITEM_COLUMNS]))
        for item in items.iterator(chunk_size=2000):
            writer.writerow(csv_row(_item_row(item)))
        return
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(str(SHEET_ITEMS))
    sheet.append(xlsx_row(sheet, [str(c.label) for c in ITEM_COLUMNS]))
    for item in items.iterator(chunk_size=2000):
        sheet.append(xlsx_row(sheet, _item_row(item)))
    sheet = workbook.create_sheet(str(SHEET_MATERIALS))
    sheet.append(xlsx_row(sheet, [str(c.label) for c in MATERIAL_COLUMNS]))
    materials = Material.objects.filter(item__in=items.values("pk")).select_related("item", "issuing_item").order_by("item__code", "position")
    for m in materials.iterator(chunk_size=2000):
        sheet.append(xlsx_row(sheet, [
            m.item.code, m.position, m.name, str(Necessity(m.necessity).label),
            str(MaterialForm(m.form).label), str(MaterialSource(m.source).label),
            m.issuing_item.code if m.issuing_item else "", m.copies, m.note,
        ]))
    sheet = workbook.create_sheet(str(SHEET_STEPS))
    sheet.append(xlsx_row(sheet, [str(c.label) for c in STEP_COLUMNS]))
    steps = Step.objects.filter(item__in=items.values("pk")).select_related("item").order_by("item__code", "position")
    for s in steps.iterator(chunk_size=2000):
        sheet.append(xlsx_row(sheet, [s.item.code, s.position, s.name, s.handler, s.time_limit_days]))
    workbook.save(out)


# --- import jobs: a file uploaded in the admin, imported by the worker --------------------------------

IMPORT_TASK = "services.tasks.catalog_import_run"


def catalog_import_enqueue(*, catalog_import) -> None:
    """Hand an uploaded import to the worker once the upload is committed. With the broker down
    the row stays pending; the periodic sweep (services.tasks) enqueues it again."""
    enqueue_on_commit(IMPORT_TASK, catalog_import.pk)


def catalog_import_process(*, import_id: int) -> bool:
    """Run one uploaded import. Returns False when another worker already claimed it."""
    # Claim the job: only one worker's UPDATE finds it pending (or running but abandoned by a dead worker).
    claimed = CatalogImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    job = CatalogImport.objects.select_related("created_by").get(pk=import_id)
    try:
        try:
            path = job.file.path
        except NotImplementedError:  # remote storage has no local path
            path = _local_copy(job.file)
        result = catalog_import(path=path, actor=job.created_by)
    except Exception as exc:
        CatalogImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), errors=[{"sheet": "", "row": 0, "code": "", "message": str(exc)[:500]}]
        )
        raise
    CatalogImport.objects.filter(pk=import_id).update(
        status=ImportStatus.DONE if result.ok else ImportStatus.REJECTED,
        finished_at=timezone.now(),
        items_created=result.created,
        items_updated=result.updated,
        errors=result.errors,
    )
    return True


def _local_copy(field_file) -> str:
    """Remote storage (S3): copy the upload to a temporary file so it can be streamed from disk."""
    suffix = Path(field_file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as tmp, field_file.open("rb") as src:
        shutil.copyfileobj(src, tmp)
    return tmp.name
