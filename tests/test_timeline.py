"""One timeline per finding: filing, measures edits, evidence, comments, reassignment, the appeal and
every move — in order, each with its actor — the same on the page, in the API's history and in the
ledger."""
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from findings import actions, timeline
from findings.models import Finding, MeasuresRevision
from findings.reports import actions as report_actions
from findings.reports import render
from tests.conftest import api_client, make_user
from accounts.models import Role


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(buffer, "PNG")
    return SimpleUploadedFile("现场照片.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def lived(office, liaison_a, leader_a, department_a, department_b):
    """A finding that went through every kind of step."""
    liaison_b = make_user("liaison_b", Role.LIAISON, department_b)
    f = actions.finding_file(actor=office, department=department_b, category="excess_materials", title="多要一份证明")
    f = actions.finding_reassign(finding=f, actor=office, department=department_a, note="事项归属市监局")
    f = actions.finding_transition(finding=f, to="rectifying", actor=office, note="请按期整改")
    actions.comment_add(finding=f, actor=leader_a, body="请尽快核实该材料的法律依据")
    f = actions.finding_transition(finding=Finding.objects.get(pk=f.pk), to="appealed", actor=leader_a, note="该材料系法定要件")
    actions.finding_evidence_add(finding=f, actor=leader_a, upload=_png())
    f = actions.finding_transition(finding=Finding.objects.get(pk=f.pk), to="rectifying", actor=office, note="维持原认定")
    f = actions.finding_record_measures(finding=f, actor=liaison_a, measures="取消该证明")
    f = actions.finding_record_measures(finding=f, actor=liaison_a, measures="取消该证明，改为部门间核验")
    f = actions.finding_record_measures(finding=f, actor=liaison_a, measures="取消该证明，改为部门间核验")  # unchanged
    f = actions.finding_transition(finding=f, to="submitted", actor=liaison_a)
    assert liaison_b  # another department's liaison: never on this timeline
    return Finding.objects.get(pk=f.pk)


EXPECTED = [
    ("filed", "open", "open", "office"),
    ("reassign", "open", "open", "office"),
    ("move", "open", "rectifying", "office"),
    ("comment", "rectifying", "rectifying", "leader_a"),
    ("move", "rectifying", "appealed", "leader_a"),
    ("evidence", "appealed", "appealed", "leader_a"),
    ("move", "appealed", "rectifying", "office"),
    ("measures", "rectifying", "rectifying", "liaison_a"),
    ("measures", "rectifying", "rectifying", "liaison_a"),
    ("move", "rectifying", "submitted", "liaison_a"),
]


def test_every_step_is_on_the_timeline_in_order_with_its_actor(lived):
    entries = timeline.finding_timeline(timeline.timeline_prefetch(Finding.objects.filter(pk=lived.pk)).get())
    assert [(e.kind, e.from_status, e.to_status, e.actor.username) for e in entries] == EXPECTED
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert MeasuresRevision.objects.filter(finding=lived).count() == 2  # the unchanged save kept no copy


def test_the_api_history_is_the_same_timeline(lived, liaison_a):
    rows = api_client(liaison_a).get(f"/api/v1/findings/{lived.pk}/history/").json()
    assert [(r["kind"], r["from"], r["to"], r["by"]) for r in rows] == EXPECTED
    assert rows[1]["note"].startswith("Reassigned") or "改派" in rows[1]["note"] or "市监局" in rows[1]["note"]
    assert rows[3]["note"] == "请尽快核实该材料的法律依据"
    assert rows[5]["note"] == "现场照片.png" and rows[5]["evidence"].endswith("/download/")
    assert rows[8]["note"] == "取消该证明，改为部门间核验"


def test_the_page_shows_the_timeline(client, lived, liaison_a):
    client.force_login(liaison_a)
    html = client.get(f"/findings/{lived.pk}/").content.decode()
    steps = re.findall(r'<li class="step step-(\w+)">', html)
    assert steps == [kind for kind, *_rest in EXPECTED]
    assert "请尽快核实该材料的法律依据" in html and "现场照片.png" in html and "取消该证明，改为部门间核验" in html


def test_the_ledger_shows_the_timeline(lived, office):
    ledger = report_actions.report_input(report_actions.report_request(actor=office, kind="ledger"))
    row = next(render._ledger_rows(render._ledger_findings(ledger)))
    assert len(row.history) == len(EXPECTED)
    labels = ["登记", "改派", "已发现→整改中", "评论", "申诉（", "上传材料", "复核：维持原认定", "填写整改措施", "填写整改措施",
              "整改中→待核实"]
    for line, label in zip(row.history, labels):
        assert label in line, (label, line)


def test_the_timeline_costs_the_same_queries_however_long(office, liaison_a, department_a, client):
    short = actions.finding_file(actor=office, department=department_a, category="hotline", title="短")
    short = actions.finding_transition(finding=short, to="rectifying", actor=office)
    long = actions.finding_file(actor=office, department=department_a, category="hotline", title="长")
    long = actions.finding_transition(finding=long, to="rectifying", actor=office)
    for i in range(8):
        actions.comment_add(finding=long, actor=liaison_a, body=f"进展{i}")
        long = actions.finding_record_measures(finding=Finding.objects.get(pk=long.pk), actor=liaison_a, measures=f"措施{i}")
        actions.finding_evidence_add(finding=long, actor=liaison_a, upload=_png())
    client.force_login(liaison_a)
    counts = []
    for finding in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/findings/{finding.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    api = api_client(liaison_a)
    counts = []
    for finding in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/api/v1/findings/{finding.pk}/history/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
