"""The campaign tally (``Tally``): the dashboard's counts, kept exact by the database.

Counting a million findings for every dashboard view is linear in the campaign's size; reading
the tally is not: it has a row per department, month, dimension and value, so it stops growing once
every department has used every value in a month, whatever the number of findings. Triggers on
the findings and walkthroughs tables keep it: every insert, update and delete adds the new rows'
counts and subtracts the old rows' in the same transaction, so the tally is exactly the tables'
at every commit — whoever wrote the rows, through whichever path (a page, the API, the admin,
``bulk_create``, a ``COPY``). Concurrent writers meet on the tally rows' unique keys
(``INSERT … ON CONFLICT DO UPDATE SET n = n + …``), which PostgreSQL and SQLite both serialise.

The dimensions a whole-city view reads without departments (severity, category, days to close)
are also counted in rows whose department is empty, so the office's unfiltered dashboard sums a
few hundred rows instead of every department's.

On PostgreSQL the triggers are per statement, over the statement's transition tables, so a bulk
load of 50,000 rows costs one grouped upsert, not 50,000. SQLite has row triggers only.

``rebuild()`` recounts it from the tables (the migration that creates it does, and
``manage.py rebuild_tally`` repairs it). A migration that renames or retypes a column read here
must reinstall the triggers (``install``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import connection, transaction

from core.workdays import local_date_sql, sqlite_shift, working_days_sql

TABLE = "findings_tally"
COLUMNS = "department_id, month, dimension, value, n, on_time, materials_cut, days_cut, visits_cut"
OPEN = "('open', 'rectifying', 'submitted')"  # models.OPEN_STATUSES: these can be overdue
CITY_DIMENSIONS = ("severity", "category", "closedays")
_SUMS = ("on_time", "materials_cut", "days_cut", "visits_cut")


@dataclass(frozen=True)
class Dimension:
    """What a row counts under: a value expression over the row ``r`` (NULL: not counted), one per
    dialect, and on the status dimension of findings the sums kept beside the count."""

    name: str
    postgresql: str
    sqlite: str
    sums: tuple[str, str, str, str] | None = None  # on_time, materials_cut, days_cut, visits_cut: PostgreSQL
    sqlite_sums: tuple[str, str, str, str] | None = None  # the same for SQLite


@dataclass(frozen=True)
class Source:
    table: str
    columns: tuple[str, ...]  # the columns read: an update that changes none leaves the tally alone
    month_postgresql: str
    month_sqlite: str
    dimensions: tuple[Dimension, ...]


def _zone() -> str:
    return settings.TIME_ZONE.replace("'", "")


def _shift() -> str:
    """SQLite has no time zones: the local date is taken at a fixed offset, checked to be fixed."""
    return sqlite_shift()


def _findings() -> Source:
    zone, shift = _zone(), _shift()
    closed = "r.status = 'closed'"

    def cut(field):
        return f"CASE WHEN {closed} THEN coalesce(r.{field}, 0) ELSE 0 END"

    return Source(
        table="findings_finding",
        columns=("department_id", "created_at", "status", "severity", "category", "closed_at", "due_date",
                 "materials_cut", "days_cut", "visits_cut"),
        month_postgresql=f"date_trunc('month', r.created_at AT TIME ZONE '{zone}')::date",
        month_sqlite=f"strftime('%Y-%m-01', r.created_at, {shift})",
        dimensions=(
            Dimension("status", "r.status", "r.status",
                      sums=(f"CASE WHEN {closed} AND (r.closed_at AT TIME ZONE '{zone}')::date <= r.due_date THEN 1 ELSE 0 END",
                            cut("materials_cut"), cut("days_cut"), cut("visits_cut")),
                      sqlite_sums=(f"CASE WHEN {closed} AND date(r.closed_at, {shift}) <= r.due_date THEN 1 ELSE 0 END",
                                   cut("materials_cut"), cut("days_cut"), cut("visits_cut"))),
            Dimension("severity", "r.severity", "r.severity"),
            Dimension("category", "r.category", "r.category"),
            # Working days from filing to closing, by the calendar (core/workdays.py: the working
            # days after the filing date up to the closing date): the median is read off this histogram.
            Dimension("closedays",
                      f"CASE WHEN {closed} AND r.closed_at IS NOT NULL THEN "
                      f"{working_days_sql('postgresql', local_date_sql('postgresql', 'r.created_at'), local_date_sql('postgresql', 'r.closed_at'))}::text END",
                      f"CASE WHEN {closed} AND r.closed_at IS NOT NULL THEN "
                      f"{working_days_sql('sqlite', local_date_sql('sqlite', 'r.created_at'), local_date_sql('sqlite', 'r.closed_at'))} END"),
            # The deadline of each finding not struck off: overdue is the sum over deadlines before today.
            Dimension("opendue", f"CASE WHEN r.status IN {OPEN} THEN to_char(r.due_date, 'YYYY-MM-DD') END",
                      f"CASE WHEN r.status IN {OPEN} THEN r.due_date END"),
        ),
    )


def _walkthroughs() -> Source:
    return Source(
        table="inspections_walkthrough",
        columns=("department_id", "scheduled_for", "mode", "status"),
        month_postgresql="date_trunc('month', r.scheduled_for)::date",
        month_sqlite="strftime('%Y-%m-01', r.scheduled_for)",
        dimensions=(Dimension("walk", "r.mode || ':' || r.status", "r.mode || ':' || r.status"),),
    )


def sources() -> tuple[Source, ...]:
    return (_findings(), _walkthroughs())


_ON_CONFLICT = {
    True: "ON CONFLICT (dimension, month, value) WHERE department_id IS NULL",
    False: "ON CONFLICT (dimension, department_id, month, value) WHERE department_id IS NOT NULL",
}
_ADD = ", ".join(f"{c} = t.{c} + excluded.{c}" for c in ("n", *_SUMS))
_ADD_SQLITE = ", ".join(f"{c} = {c} + excluded.{c}" for c in ("n", *_SUMS))  # a trigger's INSERT takes no alias


def _dimension_rows(source: Source, vendor: str, row_alias: str, city: bool) -> list[tuple[str, str, list[str]]]:
    out = []
    for d in source.dimensions:
        if city and d.name not in CITY_DIMENSIONS:
            continue
        value = d.postgresql if vendor == "postgresql" else d.sqlite
        sums = (d.sums if vendor == "postgresql" else d.sqlite_sums) or ("0", "0", "0", "0")
        out.append((d.name, _alias(value, row_alias), [_alias(s, row_alias) for s in sums]))
    return out


def _alias(sql: str, row: str) -> str:
    """The expressions are written over a row ``r``; SQLite's row triggers name it NEW or OLD."""
    return re.sub(r"\br\.", f"{row}.", sql)


# --- PostgreSQL: statement triggers over transition tables --------------------------------------

def _pg_rows(source: Source, table: str, sign: int) -> str:
    return f"SELECT {', '.join(source.columns)}, {sign} AS sign FROM {table}"


def _pg_apply(source: Source, rows: str, *, city: bool) -> str:
    """One grouped upsert of the rows' counts (signed: +1 new, -1 old) into the tally."""
    values = ",\n".join(f"('{name}', {value}, {', '.join(sums)})"
                        for name, value, sums in _dimension_rows(source, "postgresql", "r", city))
    department = "NULL::bigint" if city else "r.department_id"
    sums = ", ".join(f"sum(r.sign * d.{c})" for c in _SUMS)
    changed = " OR ".join(f"sum(r.sign * d.{c}) <> 0" for c in _SUMS)
    return f"""
        INSERT INTO {TABLE} AS t ({COLUMNS})
        SELECT {department}, {source.month_postgresql}, d.dimension, d.value, sum(r.sign), {sums}
        FROM ({rows}) AS r
        CROSS JOIN LATERAL (VALUES {values}) AS d(dimension, value, {', '.join(_SUMS)})
        WHERE d.value IS NOT NULL
        GROUP BY 3, 1, 2, 4
        HAVING sum(r.sign) <> 0 OR {changed}
        ORDER BY 3, 1, 2, 4
        {_ON_CONFLICT[city]} DO UPDATE SET {_ADD}
    """


def _pg_has_city(source: Source) -> bool:
    return any(d.name in CITY_DIMENSIONS for d in source.dimensions)


def _pg_install(source: Source) -> list[str]:
    events = {
        "insert": (_pg_rows(source, "new_rows", 1), "REFERENCING NEW TABLE AS new_rows"),
        "delete": (_pg_rows(source, "old_rows", -1), "REFERENCING OLD TABLE AS old_rows"),
        "update": (f"{_pg_rows(source, 'old_rows', -1)} UNION ALL {_pg_rows(source, 'new_rows', 1)}",
                   "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    }
    sql = []
    for event, (rows, referencing) in events.items():
        name = f"{source.table}_tally_{event}"
        body = _pg_apply(source, rows, city=False) + ";"
        if _pg_has_city(source):
            body += _pg_apply(source, rows, city=True) + ";"
        sql += [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {name} ON {source.table}",
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {source.table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"]
    dims = ", ".join(f"'{d.name}'" for d in source.dimensions)
    name = f"{source.table}_tally_truncate"
    sql += [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"DELETE FROM {TABLE} WHERE dimension IN ({dims}); RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {name} ON {source.table}",
            f"CREATE TRIGGER {name} AFTER TRUNCATE ON {source.table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"]
    return sql


def _pg_uninstall(source: Source) -> list[str]:
    sql = []
    for event in ("insert", "delete", "update", "truncate"):
        sql += [f"DROP TRIGGER IF EXISTS {source.table}_tally_{event} ON {source.table}",
                f"DROP FUNCTION IF EXISTS {source.table}_tally_{event}()"]
    return sql


# --- SQLite: row triggers -------------------------------------------------------------------------

def _sqlite_add(source: Source, row: str, *, city: bool, scan: str = "", sign: int = 1) -> str:
    """The upsert of the counts of ``row`` (NEW in a trigger; every row with ``scan``); ``sign=-1``
    takes them off instead (rows counted before: ``shift_closedays``)."""
    month = _alias(source.month_sqlite, row)
    department = "NULL" if city else f"{row}.department_id"
    selects = [f"SELECT {department} AS department_id, {month} AS month, '{name}' AS dimension, {value} AS value, "
               + ", ".join(f"{s} AS {c}" for s, c in zip(sums, _SUMS)) + f" {scan}"
               for name, value, sums in _dimension_rows(source, "sqlite", row, city)]
    if not selects:
        return ""
    return f"""
        INSERT INTO {TABLE} ({COLUMNS})
        SELECT department_id, month, dimension, value, {_signed('count(*)', sign)}, {', '.join(_signed(f'sum({c})', sign) for c in _SUMS)}
        FROM ({" UNION ALL ".join(selects)}) AS d
        WHERE value IS NOT NULL
        GROUP BY 3, 1, 2, 4
        {_ON_CONFLICT[city]} DO UPDATE SET {_ADD_SQLITE};
    """


def _signed(sql: str, sign: int) -> str:
    return sql if sign == 1 else f"{sign} * {sql}"


def _sqlite_subtract(source: Source, *, city: bool) -> str:
    """The old row's counts taken off the rows that hold them. An UPDATE, not an upsert: a row that
    is not there (the tally emptied first, as Django's flush between tests does) gets nothing, where
    an upsert would leave a negative row pointing at a department deleted meanwhile."""
    month = _alias(source.month_sqlite, "OLD")
    department = "NULL" if city else "OLD.department_id"
    return "".join(
        f"UPDATE {TABLE} SET n = n - 1, " + ", ".join(f"{c} = {c} - ({s})" for c, s in zip(_SUMS, sums))
        + f" WHERE dimension = '{name}' AND department_id IS {department} AND month = {month} AND value = {value};"
        for name, value, sums in _dimension_rows(source, "sqlite", "OLD", city)
    )


def _sqlite_install(source: Source) -> list[str]:
    def add():
        return _sqlite_add(source, "NEW", city=False) + _sqlite_add(source, "NEW", city=True)

    def subtract():
        return _sqlite_subtract(source, city=False) + _sqlite_subtract(source, city=True)

    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in source.columns)
    name = f"{source.table}_tally"
    return [
        f"DROP TRIGGER IF EXISTS {name}_insert",
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source.table} BEGIN {add()} END",
        f"DROP TRIGGER IF EXISTS {name}_delete",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source.table} BEGIN {subtract()} END",
        f"DROP TRIGGER IF EXISTS {name}_update",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {source.table} WHEN {changed} BEGIN "
        f"{subtract()} {add()} END",
    ]


def _sqlite_uninstall(source: Source) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {source.table}_tally_{event}" for event in ("insert", "delete", "update")]


# --- installing, and recounting -------------------------------------------------------------------

_VENDORS = {"postgresql": (_pg_install, _pg_uninstall), "sqlite": (_sqlite_install, _sqlite_uninstall)}


def _vendor(vendor: str):
    if vendor not in _VENDORS:
        raise NotImplementedError(f"The tally has no triggers for {vendor}.")
    return _VENDORS[vendor]


def install(schema_editor) -> None:
    make, _drop = _vendor(schema_editor.connection.vendor)
    for source in sources():
        for sql in make(source):
            schema_editor.execute(sql, params=None)


def uninstall(schema_editor) -> None:
    _make, drop = _vendor(schema_editor.connection.vendor)
    for source in sources():
        for sql in drop(source):
            schema_editor.execute(sql, params=None)


def _installed_triggers(cursor, vendor: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {row[0] for row in cursor.fetchall()}


def _expected_triggers(vendor: str) -> set[str]:
    events = ("insert", "delete", "update") + (("truncate",) if vendor == "postgresql" else ())
    return {f"{source.table}_tally_{event}" for source in sources() for event in events}


def _outdated_triggers(cursor, vendor: str) -> set[str]:
    """The triggers whose definition differs from what ``install`` writes now (the days-to-close
    count changed from calendar to working days with core/workdays.py, for one)."""
    expected = {}
    if vendor == "postgresql":
        for source in sources():
            for sql in _pg_install(source):
                if match := re.match(r"CREATE OR REPLACE FUNCTION (\w+)\(\) RETURNS trigger LANGUAGE plpgsql AS \$\$(.*)\$\$$", sql, re.S):
                    expected[match[1]] = match[2]
        cursor.execute("SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)", [list(expected)])
    else:
        for source in sources():
            for sql in _sqlite_install(source):
                if match := re.match(r"CREATE TRIGGER (\w+) ", sql):
                    expected[match[1]] = sql
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    found = dict(cursor.fetchall())
    return {name for name, text in expected.items() if found.get(name) != text}


def ensure_installed(*, using: str = "default") -> bool:
    """Reinstall the triggers if a migration lost them or they are not the current ones, and
    recount; True if it had to.

    SQLite cannot alter most columns in place: Django's schema editor rebuilds the table (a new table,
    the rows copied, the old one dropped), and the triggers go with the old table. Run after every
    ``migrate`` (``FindingsConfig.ready`` connects it to ``post_migrate``), so no migration of a
    counted table can leave the tally silently unkept, and a release that changes what is counted
    recounts it.
    """
    from django.db import connections

    conn = connections[using]
    if conn.vendor not in _VENDORS:
        return False
    if "core_calendarday" not in conn.introspection.table_names():
        return False  # a partial migrate: the triggers read the calendar, installed once it exists
    with conn.cursor() as cursor:
        missing = _expected_triggers(conn.vendor) - _installed_triggers(cursor, conn.vendor)
        outdated = _outdated_triggers(cursor, conn.vendor)
    if not missing and not outdated:
        return False
    with conn.schema_editor() as schema_editor:
        install(schema_editor)
    rebuild()
    return True


@transaction.atomic
def rebuild(dimensions: tuple[str, ...] | None = None) -> int:
    """Recount the tally from the tables (only these dimensions' rows when given); writers wait
    meanwhile. Returns the number of rows of the tally."""
    _vendor(connection.vendor)
    chosen = [replace(s, dimensions=tuple(d for d in s.dimensions if d.name in dimensions)) if dimensions else s
              for s in sources()]
    chosen = [s for s in chosen if s.dimensions]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # readers go on; writers wait for the recount
            cursor.execute(f"LOCK TABLE {', '.join(s.table for s in chosen)} IN SHARE MODE")
        if dimensions:
            cursor.execute(f"DELETE FROM {TABLE} WHERE dimension IN ({', '.join('%s' for _d in dimensions)})", list(dimensions))
        else:
            cursor.execute(f"DELETE FROM {TABLE}")
        for source in chosen:
            for city in (False, True):
                if connection.vendor == "postgresql":
                    if not city or _pg_has_city(source):
                        cursor.execute(_pg_apply(source, _pg_rows(source, source.table, 1), city=city))
                else:
                    sql = _sqlite_add(source, "r", city=city, scan=f"FROM {source.table} AS r")
                    if sql:
                        cursor.execute(sql)
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def _calendar_source() -> Source:
    findings = _findings()
    return replace(findings, dimensions=tuple(d for d in findings.dimensions if d.name == "closedays"))


def _shift_closedays(days, sign: int) -> None:
    """Add (``sign=1``) or take off (-1) the days-to-close counts of the closed findings whose
    span (filing date, closing date] reaches the days' range, as the calendar now says."""
    source, vendor = _calendar_source(), connection.vendor
    first, last = min(days).isoformat(), max(days).isoformat()
    literal = (lambda d: f"DATE '{d}'") if vendor == "postgresql" else (lambda d: f"'{d}'")
    where = (f"status = 'closed' AND closed_at IS NOT NULL AND {local_date_sql(vendor, 'created_at')} < {literal(last)} "
             f"AND {local_date_sql(vendor, 'closed_at')} >= {literal(first)}")
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            if sign < 0:  # writers wait until the edit commits: none is counted by the old calendar after this
                # One calendar edit at a time (this mode conflicts with itself; SHARE does not): two
                # edits over the same closed findings would each recount by half the new calendar.
                cursor.execute("LOCK TABLE core_calendarday IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(f"LOCK TABLE {source.table} IN SHARE MODE")
            rows = f"SELECT {', '.join(source.columns)}, {sign} AS sign FROM {source.table} WHERE {where}"
            for city in (False, True):
                cursor.execute(_pg_apply(source, rows, city=city))
        else:
            for city in (False, True):
                cursor.execute(_sqlite_add(source, "r", city=city, sign=sign,
                                           scan=f"FROM {source.table} AS r WHERE {_alias_columns(where)}"))


def _alias_columns(where: str) -> str:
    return re.sub(r"\b(status|closed_at|created_at)\b", r"r.\1", where)


def _kept() -> bool:
    return connection.vendor in _VENDORS and TABLE in connection.introspection.table_names()


def calendar_changing(days=None) -> None:
    """Days of the working calendar are about to change (core/workdays.py sends
    ``calendar_changing`` inside the writing transaction): the closed findings whose span reaches
    them are taken off the days-to-close counts, to be added back by ``calendar_edited``."""
    if days and _kept():
        _shift_closedays(days, -1)


def calendar_edited(days=None) -> None:
    """The working calendar changed (``calendar_changed``, in the same transaction): the findings
    taken off by ``calendar_changing`` are counted again by the new calendar — only the findings
    whose span reaches the days, so an edit in the admin costs little however big the campaign.
    A change of many days (``days`` None: a refill) recounts all the days to close."""
    if not _kept():
        return
    if days is None:
        rebuild(dimensions=("closedays",))
    elif days:
        _shift_closedays(days, 1)
