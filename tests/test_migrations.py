"""Moving models between apps keeps every table and row."""
import pytest

from findings import tally
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("public", None), ("inspections", "0004_publicrequest")]


@pytest.mark.django_db(transaction=True)
def test_public_requests_move_to_their_own_app_with_every_row(department_a):
    from services.models import ServiceItem
    from tests.conftest import make_item

    item = make_item(department_a, "迁移测试事项")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE[1:]).apps
    OldRequest = old.get_model("inspections", "PublicRequest")
    OldRequest.objects.create(kind="lead", code="MOVE2345", service_item_id=item.pk, name="张三", phone="13800000000",
                              description="办事难")
    assert "inspections_publicrequest" in connection.introspection.table_names()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    tally.ensure_installed()  # as `migrate` does after it (post_migrate): SQLite's table rebuilds touch the triggers

    from public.models import PublicRequest

    tables = connection.introspection.table_names()
    assert "public_publicrequest" in tables and "inspections_publicrequest" not in tables
    row = PublicRequest.objects.get(code="MOVE2345")
    assert (row.name, row.description, row.service_item_id) == ("张三", "办事难", item.pk)
    assert ServiceItem.objects.filter(pk=item.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_notice_counter_continues_after_the_numbers_printed_before(office):
    """Reports made before numbering per kind printed 池营商办〔year〕<id>号: the notice's counter of that
    year continues after the highest id, so no number on paper is issued again."""
    import datetime

    from django.conf import settings
    from django.db import transaction

    executor = MigrationExecutor(connection)
    target = [("findings", "0014_report_part")]
    executor.migrate(target)
    old = executor.loader.project_state(target).apps
    OldReport = old.get_model("findings", "Report")
    when = datetime.datetime(2026, 5, 6, 10, 0, tzinfo=datetime.UTC)
    made = [OldReport.objects.create(kind="department", scope="all", request_key=f"k{i}", status="done", finished_at=when)
            for i in range(3)]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    tally.ensure_installed()  # as `migrate` does after it (post_migrate): SQLite's table rebuilds touch the triggers

    from findings.reports.numbers import document_number_take

    with transaction.atomic():
        serial, number = document_number_take(issuer=settings.REPORT_ISSUER, kind="department",
                                              on=datetime.date(2026, 11, 29))
    assert serial == made[-1].pk + 1 and number.endswith(f"〔2026〕{made[-1].pk + 1}号")
    from findings.models import DocumentNumber

    assert not DocumentNumber.objects.filter(year=2025).exists()  # a year without old numbers starts at 1
