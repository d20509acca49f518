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
