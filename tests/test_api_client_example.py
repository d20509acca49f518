"""The example client in docs/ works against a live server and a real worker."""
import subprocess
import sys
from pathlib import Path

import pytest

from accounts import actions as account_actions
from findings import actions as finding_actions

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "api_client_example.py"


def test_sync_then_download_a_report(live_server, celery_worker, office, department_a, tmp_path):
    finding_actions.finding_file(actor=office, department=department_a, category="hotline", title="热线无人接听")
    _token, key = account_actions.api_token_create(user=office, name="example", created_by=None)
    state, out = tmp_path / "state.json", tmp_path / "notice.pdf"
    # a key may begin with "-", so it is given as --token=KEY
    args = [sys.executable, str(SCRIPT), "--base-url", live_server.url, f"--token={key}", "--state", str(state)]
    first = subprocess.run(args + ["--report", "department", "--department", str(department_a.pk), "--out", str(out)],
                           capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    assert "热线无人接听" in first.stdout and "1 findings changed" in first.stderr
    assert out.read_bytes().startswith(b"%PDF")
    finding_actions.finding_file(actor=office, department=department_a, category="guidance", title="引导不清")
    second = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert "引导不清" in second.stdout


def _example():
    import importlib.util

    spec = importlib.util.spec_from_file_location("api_client_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_verify_webhook_accepts_what_the_project_signs(db, department_a):
    """The documented verifier against a delivery signed by the project's own signing code."""
    import time

    from webhooks import delivery as sending
    from webhooks.events import Event, emit
    from webhooks.models import Delivery, Endpoint

    verify = _example().verify_webhook
    Endpoint.objects.create(name="hotline", url="https://hooks.example.org/in", events=[Event.FINDING_FILED])
    emit(Event.FINDING_FILED, department_id=department_a.pk, data={"title": "窗口无人"})
    delivery = Delivery.objects.select_related("event", "endpoint").get()
    body = sending.body_of(delivery.event)
    headers = sending.headers_for(delivery, body)
    secret = delivery.endpoint.secret
    assert verify(secret, headers, body)["data"] == {"title": "窗口无人"}
    assert verify(secret, {k.lower(): v for k, v in headers.items()}, body)["id"] == str(delivery.event_id)
    for wrong_secret, wrong_body in [("other", body), (secret, body.replace("窗口".encode(), "柜台".encode()))]:
        with pytest.raises(ValueError, match="signature"):
            verify(wrong_secret, headers, wrong_body)
    old = sending.headers_for(delivery, body, timestamp=int(time.time()) - 301)
    with pytest.raises(ValueError, match="timestamp"):
        verify(secret, old, body)
    assert verify(secret, old, body, tolerance=0)["type"] == "finding.filed"
    with pytest.raises(ValueError, match="missing"):
        verify(secret, {}, body)
