"""schemathesis over the whole API, from its own OpenAPI schema: no 500s, no response that breaks
the schema — authenticated as the office, a department's leader and its liaison, with real data behind it."""
import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accounts import actions as account_actions
from findings import actions as finding_actions
from inspections import actions as walk_actions
from tests.conftest import make_item

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def api(live_server, transactional_db, office, leader_a, liaison_a, department_a, department_b):
    item = make_item(department_a, "FZ-1", name="食品经营许可")
    make_item(department_b, "FZ-2", name="施工许可")
    walk = walk_actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                         identity="applicant", channel="window", scheduled_for=timezone.localdate())
    walk = walk_actions.walkthrough_transition(walkthrough=walk, to="in_progress", actor=leader_a)
    walk_actions.event_add(walkthrough=walk, actor=leader_a, kind="queueing", note="排队")
    finding = finding_actions.finding_file(actor=leader_a, walkthrough=walk, category="hotline", title="热线无人接听")
    finding_actions.finding_transition(finding=finding, to="rectifying", actor=office)
    tokens = {
        "office": account_actions.api_token_create(user=office, name="fuzz", created_by=None)[1],
        "leader": account_actions.api_token_create(user=leader_a, name="fuzz", created_by=None)[1],
        # the department's liaison: measures, evidence, appeals — the rectification side
        "liaison": account_actions.api_token_create(user=liaison_a, name="fuzz", created_by=None)[1],
    }
    # Over real HTTP against the live server: the schema it serves is the one tested.
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json"), tokens


@pytest.mark.parametrize("who", ["office", "leader", "liaison"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation(api, live_server, who, mode):
    """Every operation of the schema, valid and invalid input: failures are collected and shown together."""
    schema, tokens = api
    base_url = live_server.url
    headers = {"Authorization": f"Token {tokens[who]}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @FUZZ
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # schemathesis raises a failure group describing the case
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations >= 15
    assert not failures, "\n\n".join(failures)
