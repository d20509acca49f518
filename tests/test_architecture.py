"""The layers of docs/architecture.md hold, and breaking them fails the build."""
from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from core.models import Evidence

ROOT = Path(__file__).resolve().parent.parent
LINT = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
APPS = ["core", "accounts", "webhooks", "services", "inspections", "findings", "public", "campaign", "chizhou_walkthrough"]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*LINT, "--config", str(cwd / ".importlinter")], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)})


def test_the_contracts_hold_on_the_tree():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree_copy(tmp_path):
    """The apps and the contracts, copied, so a test may add an import that breaks them."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


@pytest.mark.parametrize("module, statement, broken", [
    # The kernel reaching up into an app.
    ("core/probe.py", "from findings import models\n", "core.probe -> findings.models"),
    # The cycle this layering broke: walkthroughs importing findings.
    ("inspections/probe.py", "from findings.queries import findings_visible\n", "inspections.probe -> findings.queries"),
    # The catalog filing findings.
    ("services/probe.py", "from findings.actions import finding_file\n", "services.probe -> findings.actions"),
    # Two apps of the top layer importing each other.
    ("public/probe.py", "import campaign.demo_data\n", "public.probe -> campaign.demo_data"),
    # An action importing its task (the circle tasks.py <-> actions.py).
    ("findings/probe_actions.py", "", None),
])
def test_an_upward_import_fails_the_contracts(tree_copy, module, statement, broken):
    if broken is None:  # the tasks contract: make an action import its task
        actions = tree_copy / "findings" / "actions.py"
        actions.write_text(actions.read_text() + "\nfrom .tasks import finding_notify  # noqa: E402\n")
        broken = "findings.actions -> findings.tasks"
    else:
        (tree_copy / module).write_text(statement)
    result = _lint(tree_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and broken in result.stdout, result.stdout


def test_every_task_an_action_names_is_registered():
    from chizhou_walkthrough.celery import app
    from findings.actions import NOTIFY_TASK
    from findings.reports.actions import RENDER_TASK
    from services.catalog_io import IMPORT_TASK

    app.loader.import_default_modules()
    for name in (NOTIFY_TASK, RENDER_TASK, IMPORT_TASK):
        assert name in app.tasks, name


def test_every_evidence_model_is_the_one_abstract_model():
    """A model that stores an uploaded file with its content type is evidence: one base, no copied fields."""
    base_fields = {f.name for f in Evidence._meta.fields}
    evidence_models = [m for m in apps.get_models()
                       if {"file", "content_type", "original_name"} <= {f.name for f in m._meta.fields}]
    assert {m._meta.label for m in evidence_models} == {"inspections.Evidence", "findings.FindingEvidence"}
    for model in evidence_models:
        assert issubclass(model, Evidence), model
        source = inspect.getsource(model)
        for name in base_fields - {"id"}:
            assert f"{name} = models." not in source, f"{model.__name__} repeats {name}"


def test_the_architecture_diagram_is_drawn_from_the_code_as_it_is():
    result = subprocess.run([sys.executable, "tools/architecture_diagram.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    drawn = subprocess.run([sys.executable, "tools/architecture_diagram.py"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120).stdout
    assert "findings -->" in drawn and "inspections -->" in drawn
    assert not any(line.strip().startswith(f"{low} -->|") and line.strip().endswith(f" {high}")
                   for line in drawn.splitlines()
                   for i, low in enumerate(APPS) for high in APPS[i + 1:]
                   if (low, high) != ("public", "campaign")), "an arrow points up a layer"
