"""Moving models between apps keeps every table and row."""
import pytest
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

    from public.models import PublicRequest

    tables = connection.introspection.table_names()
    assert "public_publicrequest" in tables and "inspections_publicrequest" not in tables
    row = PublicRequest.objects.get(code="MOVE2345")
    assert (row.name, row.description, row.service_item_id) == ("张三", "办事难", item.pk)
    assert ServiceItem.objects.filter(pk=item.pk).exists()
