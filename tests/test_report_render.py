"""The four reports as PDFs (and the ledger as xlsx), from data made with the project's own actions.

Each PDF is checked for its Chinese text, its 公文 parts (GB/T 9704: 版头, 发文字号 on the numbered
kinds, 署名 over the seal's place, 版记 on the last page, page numbers "— N —" on every page), for
embedded fonts (the vendored CWSerif and CWSans only, never a system font), and for the department wall: a report made from department A's findings never shows department B's.
The first page of each is saved as tests/artifacts/report-<kind>.png for a person to look at.
"""
from __future__ import annotations

import datetime
import io
import os
import re
import shutil
import subprocess
import time
import tracemalloc
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import Role
from core.workdays import working_days_between
from findings import actions as finding_actions
from findings.models import Finding, FindingStatus, FindingTransition
from findings.reports.data import ReportInput
from findings.reports.render import render_ledger_xlsx, render_pdf
from inspections import actions as walk_actions
from inspections.models import Mode, Status, Walkthrough
from services.models import Material, Step
from tests.conftest import ARTIFACTS, make_item, make_user

# As the worker would print them (REPORT_NUMBER_FORMATS): the notice and the bulletin have their own 代字.
NUMBERS = {"department": "池营商办〔2026〕2号", "bulletin": "池营商办通〔2026〕3号"}


# --- helpers ---------------------------------------------------------------------------------------

def report_input(kind, *, findings=None, walkthroughs=None, walkthrough=None, department=None,
                 period_start=None, period_end=None) -> ReportInput:
    return ReportInput(
        kind=kind, findings=Finding.objects.all() if findings is None else findings,
        walkthroughs=Walkthrough.objects.all() if walkthroughs is None else walkthroughs,
        walkthrough=walkthrough, department=department, period_start=period_start, period_end=period_end,
        number=NUMBERS.get(kind, ""), issued_on=timezone.localdate(),
    )


def pdf_text(pdf: bytes) -> str:
    """The text of every page with all whitespace removed (CJK lines break anywhere)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_fonts_embedded(pdf: bytes, tmp_path) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    # name type... encoding emb sub uni object-id generation
    assert all(row[-5] == "yes" for row in rows), f"a font is not embedded:\n{out}"
    names = {re.sub(r"^[A-Z]{6}\+", "", row[0]) for row in rows}
    assert names <= {"CWSerif", "CWSerif-Bold", "CWSans", "CWSans-Bold"} and "CWSerif" in names, out


def save_first_page(pdf: bytes, kind: str, tmp_path, *, last_page: bool = True) -> None:
    """tests/artifacts/report-<kind>.png (and the PDF). With DOCS_IMAGES=1 the first and the last page are
    also written at 120 dpi to docs/img/report-<kind>.png and report-<kind>-last.png, the pictures
    docs/reports.md shows beside the standard's layout."""
    if shutil.which("pdftoppm") is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"report-{kind}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(ARTIFACTS / f"report-{kind}")], check=True, capture_output=True)
    if os.environ.get("DOCS_IMAGES") == "1":
        from PIL import Image

        last = len(PdfReader(io.BytesIO(pdf)).pages)
        for page_number, suffix in ((1, ""), (last, "-last"))[:2 if last_page else 1]:
            out = Path(__file__).resolve().parent.parent / "docs" / "img" / f"report-{kind}{suffix}"
            subprocess.run(["pdftoppm", "-png", "-r", "120", "-f", str(page_number), "-l", str(page_number), "-singlefile",
                            str(source), str(out)], check=True, capture_output=True)
            with Image.open(f"{out}.png") as page:  # 32 colours: black, greys and the red, a fraction of the bytes
                page.convert("RGB").quantize(32).save(f"{out}.png", optimize=True)


def rss_reset() -> int | None:
    """Reset this process's peak resident set (Linux: clear_refs 5) and return the current one, in bytes."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _proc_status("VmRSS")


def rss_peak() -> int:
    return _proc_status("VmHWM")


def _proc_status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(key)


def mb(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:.0f} MB"


def local_date(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


# --- a small campaign, made with the actions ------------------------------------------------------

def walk(*, leader, item, mode, identity="applicant", channel="window", scheduled_for=None, events=(), answers=(),
         observed=None, complete=True):
    """Plan, start, log, answer and (optionally) complete a walkthrough as its head would."""
    w = walk_actions.walkthrough_plan(actor=leader, service_item=item, leader=leader, mode=mode, identity=identity,
                                      channel=channel, scheduled_for=scheduled_for or timezone.localdate())
    if not events and not complete:
        return w
    w = walk_actions.walkthrough_transition(walkthrough=w, to=Status.IN_PROGRESS, actor=leader)
    # The head started two hours ago (the test runs in a moment; the timeline needs real gaps).
    started = timezone.now() - datetime.timedelta(hours=2)
    Walkthrough.objects.filter(pk=w.pk).update(started_at=started)
    w.refresh_from_db()
    for minutes, kind, note in events:
        walk_actions.event_add(walkthrough=w, actor=leader, kind=kind, note=note,
                               at=started + datetime.timedelta(minutes=minutes))
    for question, answer, note in answers:
        walk_actions.checklist_answer_set(walkthrough=w, actor=leader, question=question, answer=answer, note=note)
    if observed:
        w = walk_actions.walkthrough_update(walkthrough=w, actor=leader, data=observed)
    if complete:
        w = walk_actions.walkthrough_transition(walkthrough=w, to=Status.COMPLETED, actor=leader)
    return w


def assign(finding, office, *, overdue_by: int | None = None):
    finding = finding_actions.finding_transition(finding=finding, to=FindingStatus.RECTIFYING, actor=office,
                                                 note="请按期整改到位。")
    if overdue_by is not None:  # the deadline passed while the department did nothing
        Finding.objects.filter(pk=finding.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=overdue_by))
        finding.refresh_from_db()
    return finding


def close(finding, office, liaison, *, measures: str, ledger: dict):
    finding = finding_actions.finding_record_measures(finding=finding, actor=liaison, measures=measures)
    finding = finding_actions.finding_transition(finding=finding, to=FindingStatus.SUBMITTED, actor=liaison,
                                                 note="已完成整改，佐证材料已上传。")
    return finding_actions.finding_transition(finding=finding, to=FindingStatus.CLOSED, actor=office,
                                              note="经回头看核实，整改到位，同意销号。", ledger=ledger)


@pytest.fixture
def campaign(department_a, department_b, office, leader_a, liaison_a, leader_b):
    today = timezone.localdate()
    liaison_b = make_user("liaison_b", Role.LIAISON, department_b, last_name="赵", first_name="联络员")
    for user, (last, first) in ((leader_b, ("陈", "局长")), (liaison_a, ("张", "联络员"))):
        user.last_name, user.first_name = last, first
        user.save(update_fields=["last_name", "first_name"])

    registration = make_item(department_a, "340000-AMR-001", name="企业设立登记", promised_limit_days=3,
                             legal_limit_days=15, max_visits=1, high_frequency=True, enterprise_related=True)
    for position, name in enumerate(["设立登记申请书", "法定代表人身份证明", "住所使用证明"], start=1):
        Material.objects.create(item=registration, position=position, name=name)
    for position, name in enumerate(["受理", "审查", "决定", "送达"], start=1):
        Step.objects.create(item=registration, position=position, name=name)
    food = make_item(department_a, "340000-AMR-002", name="食品经营许可", promised_limit_days=10)
    permit = make_item(department_b, "340000-HUD-001", name="建筑工程施工许可证核发", promised_limit_days=7,
                       legal_limit_days=15)

    w1 = walk(
        leader=leader_a, item=registration, mode=Mode.INSPECT, identity="incognito",
        events=[(0, "consultation", "导办台工作人员告知需先网上预约"), (12, "queueing", "取号后等候35分钟"),
                (50, "submission", "窗口要求补充公司章程和股东会决议两份材料"), (70, "acceptance", "材料齐全后受理"),
                (95, "completion", "当场领取营业执照")],
        answers=[("el_materials", "problem", "实际要求5件，目录仅列3件"), ("el_time_limit", "ok", ""),
                 ("el_visits", "problem", "因一次性告知不到位跑了两次"), ("sup_one_time_notice", "problem", "未一次性告知所需材料"),
                 ("sup_hall_order", "ok", ""), ("cert_duplicate", "na", "")],
        observed={"observed_materials": 5, "observed_visits": 2, "observed_steps": 4, "elapsed_minutes": 95,
                  "queue_minutes": 35, "summary": "整体流程较顺畅，但材料清单与服务指南不一致，一次性告知不到位。"},
    )
    f_materials = finding_actions.finding_file(
        actor=leader_a, walkthrough=w1, category="excess_materials", severity="major", checklist_question="el_materials",
        title="企业设立登记窗口要求5件材料，目录仅列3件", description="窗口额外要求公司章程和股东会决议。")
    f_notice = finding_actions.finding_file(
        actor=leader_a, walkthrough=w1, category="one_time_notice", checklist_question="sup_one_time_notice",
        title="企业设立登记未一次性告知所需材料，申请人往返两次")
    w2 = walk(leader=leader_a, item=food, mode=Mode.SIMULATE, complete=False)
    w3 = walk(
        leader=leader_b, item=permit, mode=Mode.ACCOMPANY,
        events=[(0, "consultation", "陪同企业咨询施工许可办理要求"), (40, "submission", "窗口要求再次提交建设工程规划许可证")],
        answers=[("acc_consultation", "ok", ""), ("acc_completion", "problem", "超出承诺时限")],
        observed={"observed_materials": 6, "elapsed_days": 9},
    )
    f_permit = finding_actions.finding_file(
        actor=leader_b, walkthrough=w3, category="duplicate_certificate", severity="critical",
        title="施工许可重复要求提供建设工程规划许可证")
    w4 = walk_actions.walkthrough_plan(actor=leader_b, service_item=permit, leader=leader_b, mode=Mode.SIT_AT_WINDOW,
                                       identity="staff", channel="window", scheduled_for=today)
    walk_actions.walkthrough_transition(walkthrough=w4, to=Status.CANCELLED, actor=leader_b, note="改期")
    f_hotline = finding_actions.finding_file(actor=office, department=department_a, category="hotline",
                                             title="12345热线转办市场监管类诉求答复超时")
    f_dismissed = finding_actions.finding_file(actor=office, department=department_b, category="other",
                                               title="窗口空调温度过低")
    finding_actions.finding_transition(finding=f_dismissed, to=FindingStatus.DISMISSED, actor=office, note="不属于营商环境问题")

    close(assign(f_materials, office), office, liaison_a, measures="修订服务指南，取消公司章程和股东会决议两项材料。",
          ledger={"materials_cut": 2, "days_cut": 1, "visits_cut": 1})
    assign(f_notice, office, overdue_by=3)
    assign(f_permit, office, overdue_by=5)
    close(assign(finding_actions.finding_file(actor=office, department=department_b, category="excess_visits",
                                              title="施工许可需现场提交纸质图纸"), office),
          office, liaison_b, measures="图纸改为网上提交。", ledger={"materials_cut": 1, "visits_cut": 1})

    # An older walkthrough and finding, outside a recent period.
    old_day = today - datetime.timedelta(days=60)
    old_walk = walk(leader=leader_a, item=food, mode=Mode.SIMULATE, scheduled_for=old_day)
    old_finding = finding_actions.finding_file(actor=leader_a, walkthrough=old_walk, category="form_design",
                                               title="食品经营许可申请表重复填写企业基本信息")
    Finding.objects.filter(pk=old_finding.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(old_day, datetime.time(10))))
    # Closed findings took different times to close: filed some days before today.
    for finding, days in ((f_materials, 4), (f_notice, 9)):
        Finding.objects.filter(pk=finding.pk).update(created_at=timezone.now() - datetime.timedelta(days=days, hours=3))
    return {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "old_walk": old_walk, "f_materials": f_materials,
            "f_notice": f_notice, "f_permit": f_permit, "f_hotline": f_hotline, "f_dismissed": f_dismissed,
            "old_finding": old_finding, "registration": registration, "permit": permit, "liaison_b": liaison_b}


B_TITLES = ["施工许可重复要求提供建设工程规划许可证", "窗口空调温度过低", "施工许可需现场提交纸质图纸"]


# --- the four reports --------------------------------------------------------------------------------

def test_walkthrough_record(campaign, tmp_path):
    w1 = campaign["w1"]
    progress = []
    pdf = render_pdf(report_input("walkthrough", walkthrough=w1), progress=progress.append)
    save_first_page(pdf, "walkthrough", tmp_path)
    assert progress == sorted(progress) and progress[-1] == 100 and len(progress) >= 3
    text = pdf_text(pdf)
    for expected in ["池州市创建一流营商环境工作领导小组办公室", "局长走流程记录", "企业设立登记", "市市场监督管理局",
                     "李局长", "询问检查（检验办）", "暗访", "办理过程", "取号后等候35分钟", "实际与申报对比", "排队时间（分钟）",
                     "超出申报", "1小时35分钟", "事项流程要素", "配套服务", "有问题", "正常", "不适用", "未作答",
                     "企业设立登记窗口要求5件材料，目录仅列3件", "要件数量过多", "较重", "已销号", "整改中",
                     timezone.localdate().strftime("%Y年%-m月%-d日"), "—1—", "（印章）", "印发"]:
        assert compact(expected) in text, expected
    assert "〔" not in text and "文件" not in text  # a record, not a numbered 公文
    assert "施工许可" not in text  # another walkthrough's findings are not in this record
    assert_fonts_embedded(pdf, tmp_path)


def test_rectification_notice(campaign, department_a, tmp_path):
    pdf = render_pdf(report_input("department", department=department_a))
    save_first_page(pdf, "department", tmp_path)
    text = pdf_text(pdf)
    for expected in ["池州市创建一流营商环境工作领导小组办公室文件", "整改通知书", "市市场监督管理局：", NUMBERS["department"],
                     "附件：1．逾期未整改问题清单（1个）2．问题清单（1个）", "附件1逾期未整改问题清单", "附件2问题清单",
                     "抄送：市委办公室", "（印章）", "—1—", "—2—",
                     "企业设立登记未一次性告知所需材料，申请人往返两次", "已交办、尚未销号的问题1个",
                     "逾期", "一次性告知", "池州市创建一流营商环境工作领导小组办公室"]:
        assert compact(expected) in text, expected
    # 现予交办: a finding the office has not assigned, with no deadline, is not on the notice.
    assert compact("12345热线转办市场监管类诉求答复超时") not in text and "待交办" not in text
    # Struck-off findings are not on a notice, nor other departments' or other walkthroughs' closed ones.
    assert "企业设立登记窗口要求5件材料" not in text
    for title in B_TITLES:
        assert title not in text
    # The body, the 附件说明, the 署名, then the attachments (overdue first), the 版记 last.
    assert (text.index("现予交办") < text.index("附件：") < text.index("（印章）") < text.index("附件1逾期")
            < text.index("附件2问题清单") < text.index("抄送："))
    assert_fonts_embedded(pdf, tmp_path)


def test_bulletin(campaign, tmp_path):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=30), today
    pdf = render_pdf(report_input("bulletin", period_start=start, period_end=end))
    save_first_page(pdf, "bulletin", tmp_path)
    text = pdf_text(pdf)

    # The figures, computed here the slow and obvious way.
    findings = [f for f in Finding.objects.all() if start <= local_date(f.created_at) <= end]
    walks = [w for w in Walkthrough.objects.all() if start <= w.scheduled_for <= end]
    closed = [f for f in findings if f.status == FindingStatus.CLOSED]
    not_dismissed = [f for f in findings if f.status != FindingStatus.DISMISSED]
    planned = len([w for w in walks if w.status != Status.CANCELLED])
    completed = len([w for w in walks if w.status == Status.COMPLETED])
    # days to close in working days by the calendar (core/workdays.py), as the dashboard counts them
    days = sorted(working_days_between(local_date(f.created_at), local_date(f.closed_at)) for f in closed)
    median = (days[(len(days) - 1) // 2] + days[len(days) // 2]) / 2
    assert (len(findings), len(closed), planned, completed) == (6, 2, 3, 2)  # the old ones are outside the period

    for expected in ["督查通报", NUMBERS["bulletin"], "各县（区）人民政府，市直各有关单位：", f"本期共安排走流程{planned}次，已完成{completed}次",
                     f"本期共发现问题{len(findings)}个，已销号{len(closed)}个",
                     f"整改率{100 * len(closed) / len(not_dismissed):.1f}%", f"中位用时为{median:.1f}个工作日",
                     "图1", "图2", "事项流程要素", "证明材料", "逾期未整改问题", "各单位排名",
                     "施工许可重复要求提供建设工程规划许可证", "减少申请材料3件", "压缩办理时限1天", "减少跑动2次",
                     f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日",
                     "抄送：", "印发", "—1—"]:
        assert compact(expected) in text, expected
    assert "食品经营许可申请表重复填写" not in text  # filed before the period
    assert_fonts_embedded(pdf, tmp_path)


def test_bulletin_queries_do_not_grow_with_the_data(campaign, department_a, office, tmp_path):
    data = report_input("bulletin")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            render_pdf(data)
        return len(ctx.captured_queries)

    before = queries()
    item = make_item(department_a, "340000-AMR-900", name="事项900")
    Walkthrough.objects.bulk_create(
        Walkthrough(service_item=item, department=department_a, leader=campaign["w1"].leader, mode=mode,
                    scheduled_for=timezone.localdate(), status=Status.COMPLETED)
        for mode in [Mode.SIMULATE, Mode.INSPECT] * 20)
    Finding.objects.bulk_create(
        Finding(department=department_a, category=category, title=f"问题{i}", created_by=office,
                status=FindingStatus.CLOSED if i % 2 else FindingStatus.RECTIFYING, closed_at=timezone.now() if i % 2 else None,
                due_date=timezone.localdate() - datetime.timedelta(days=1), materials_cut=1)
        for i, category in enumerate(["hotline", "guidance", "absurd_certificate", "online_query"] * 15))
    after = queries()
    print(f"\nbulletin: {before} queries with the small campaign, {after} with 40 more walkthroughs and 60 more findings")
    assert before == after
    assert after <= 8  # by mode; headline aggregate; by category; median; overdue list; ranking ×2


def test_ledger_pdf_and_xlsx(campaign, tmp_path):
    progress = []
    pdf = render_pdf(report_input("ledger"), progress=progress.append)
    assert progress == sorted(progress) and progress[0] == 10 and progress[-1] == 100
    save_first_page(pdf, "ledger", tmp_path)
    text = pdf_text(pdf)
    titles = list(Finding.objects.values_list("title", flat=True))
    for expected in ["整改台账", "责任单位", "整改措施", "销号日期", *titles,
                     "修订服务指南，取消公司章程和股东会决议两项材料。", "待核实→已销号", "经回头看核实，整改到位，同意销号。",
                     "王主任", "不属于营商环境问题"]:
        assert compact(expected) in text, expected
    assert_fonts_embedded(pdf, tmp_path)

    out = io.BytesIO()
    progress = []
    render_ledger_xlsx(report_input("ledger"), out, progress=progress.append)
    assert progress == sorted(progress) and progress[-1] == 100
    ws = load_workbook(io.BytesIO(out.getvalue()))["整改台账"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "责任单位", "服务事项", "问题") and rows[0][-1] == "整改过程"
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert len(rows) == 1 + len(titles)
    assert {row[3] for row in rows[1:]} == set(titles)
    closed_row = next(row for row in rows if row[3] == "企业设立登记窗口要求5件材料，目录仅列3件")
    assert closed_row[8] == "已销号" and closed_row[11] is not None
    assert "待核实→已销号" in closed_row[12] and closed_row[12].count("\n") == 4  # filed, 3 moves, the measures


def test_ledger_for_a_department_and_period(campaign, department_a, tmp_path):
    today = timezone.localdate()
    data = report_input("ledger", department=department_a, period_start=today - datetime.timedelta(days=30))
    text = pdf_text(render_pdf(data))
    assert "市市场监督管理局" in text and "共3个问题" in text
    assert "食品经营许可申请表重复填写" not in text
    for title in B_TITLES:
        assert title not in text


@pytest.mark.parametrize("kind", ["walkthrough", "department", "bulletin", "ledger"])
def test_department_scoped_input_never_shows_another_department(campaign, department_a, kind):
    """What the worker hands over for a department's people: A's findings and walkthroughs only."""
    data = report_input(kind, findings=Finding.objects.filter(department=department_a),
                        walkthroughs=Walkthrough.objects.filter(department=department_a),
                        walkthrough=campaign["w1"] if kind == "walkthrough" else None,
                        department=department_a if kind == "department" else None)
    text = pdf_text(render_pdf(data))
    for title in B_TITLES:
        assert title not in text
    assert "市住房和城乡建设局" not in text
    assert "市市场监督管理局" in text
    if kind == "bulletin":  # no period: everything up to the issue date
        assert f"截至{timezone.localdate():%Y}年" in text


@pytest.mark.parametrize("kind", ["department", "bulletin", "ledger"])
def test_reports_with_nothing_to_show(db, department_a, kind):
    text = pdf_text(render_pdf(report_input(kind, department=department_a if kind == "department" else None)))
    expected = {"department": "你单位目前没有已交办、尚未销号的问题", "bulletin": "本期共发现问题0个，已销号0个，整改率—",
                "ledger": "没有符合条件的问题"}[kind]
    assert expected in text and "池州市创建一流营商环境工作领导小组办公室" in text


def test_walkthrough_outside_the_scope_is_not_rendered(campaign, department_a):
    data = report_input("walkthrough", walkthroughs=Walkthrough.objects.filter(department=department_a),
                        walkthrough=campaign["w3"])
    with pytest.raises(Walkthrough.DoesNotExist):
        render_pdf(data)


# --- a long ledger -------------------------------------------------------------------------------------

def test_a_long_ledger_streams(department_a, department_b, office, liaison_a, tmp_path):
    items = [make_item(department_a, "L-A"), make_item(department_b, "L-B")]
    now = timezone.now()
    findings = Finding.objects.bulk_create(
        Finding(department=items[i % 2].department, service_item=items[i % 2], category=["excess_materials", "hotline",
                "guidance", "time_limit"][i % 4], severity="minor", title=f"台账问题{i:04d}：窗口要求提供营业执照复印件",
                status=FindingStatus.CLOSED if i % 3 == 0 else FindingStatus.RECTIFYING,
                due_date=timezone.localdate() + datetime.timedelta(days=i % 20 - 5),
                measures="已修订服务指南，取消该项材料。" if i % 3 == 0 else "",
                closed_at=now if i % 3 == 0 else None, created_by=office)
        for i in range(600))  # past one 500-row chunk; the timing of 1,000 lives in bench/reports.py
    FindingTransition.objects.bulk_create(
        FindingTransition(finding=f, from_status=frm, to_status=to, actor=actor, note=note)
        for f in findings
        for frm, to, actor, note in [("open", "rectifying", office, "请按期整改。"),
                                     ("rectifying", "submitted", liaison_a, "已整改，请核实。")])
    data = report_input("ledger")

    # PDF: tracemalloc follows the Python side (query, stream, HTML) up to progress 60, then stops,
    # because under tracemalloc WeasyPrint's layout runs five times slower; the process's peak
    # resident memory (VmHWM, reset first) covers the whole render, WeasyPrint included.
    html_phase = {}

    def progress(percent):
        if percent >= 60 and not html_phase:
            html_phase.update(seconds=time.perf_counter() - started, peak=tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()

    rss_before = rss_reset()
    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        pdf = render_pdf(data, progress=progress)
    pdf_seconds = time.perf_counter() - started
    pdf_rss = rss_peak() - rss_before if rss_before is not None else None

    tracemalloc.start()
    started = time.perf_counter()
    out = io.BytesIO()
    render_ledger_xlsx(data, out)
    xlsx_seconds = time.perf_counter() - started
    xlsx_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"\nledger of 600 findings (2 moves each):"
          f"\n  PDF  {pages} pages, {len(pdf) / 1e6:.1f} MB, {pdf_seconds:.1f} s, {len(ctx.captured_queries)} queries;"
          f" HTML ready after {html_phase['seconds']:.1f} s with a Python heap peak of {html_phase['peak'] / 1e6:.1f} MB"
          f" (tracemalloc); peak RSS growth over the whole render {mb(pdf_rss)}"
          f"\n  xlsx {len(out.getvalue()) / 1e3:.0f} kB, {xlsx_seconds:.1f} s under tracemalloc,"
          f" Python heap peak {xlsx_peak / 1e6:.1f} MB")
    # the count; the findings (one cursor, read 500 at a time); their timelines (findings/timeline.py:
    # moves, measures, files, comments), four queries per chunk
    assert len(ctx.captured_queries) == 1 + 1 + 2 * 4
    ws = load_workbook(io.BytesIO(out.getvalue()), read_only=True)["整改台账"]
    assert sum(1 for _row in ws.iter_rows(values_only=True)) == 601
    reader = PdfReader(io.BytesIO(pdf))
    assert "台账问题0000" in reader.pages[0].extract_text() and "台账问题0599" in reader.pages[-1].extract_text()
    # GB/T 9704: "— N —" on every page; the 署名 and the 版记 on the last page only.
    texts = [compact(page.extract_text()) for page in reader.pages]
    assert pages > 2
    for n, page_text in enumerate(texts, start=1):
        assert f"—{n}—" in page_text, n
    assert [n for n, page_text in enumerate(texts) if "印发" in page_text] == [pages - 1]
    assert [n for n, page_text in enumerate(texts) if "（印章）" in page_text] == [pages - 1]


def test_the_bulletin_ranks_every_department_and_marks_the_idle_ones(campaign, department_a, region):
    from services.models import Department

    Department.objects.create(code="city-idle", name="市统计局", level="city", region=region)
    data = report_input("bulletin")
    data.departments = Department.objects.filter(is_active=True)
    text = pdf_text(render_pdf(data))
    assert compact("市统计局（未开展）") in text
    assert compact("市市场监督管理局（未开展）") not in text


# --- rare characters: the full GB18030 ideographs, never a box --------------------------------------

RARE_NAME = "王喆堃"
RARE_PLACE = "贵池区珺镕街道便民服务中心"


class _NotdefLog:
    """WeasyPrint's own report of a character no font has (it draws .notdef, a box, instead)."""

    def __init__(self):
        import logging

        self.messages = []
        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.messages.append(record.getMessage())
        self.logger = logging.getLogger("weasyprint")

    def __enter__(self):
        self.logger.addHandler(self.handler)
        return self.messages

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)


def _boxes(messages):
    return [m for m in messages if ".notdef" in m]


def test_rare_characters_in_names_print_as_themselves(region, office, tmp_path):
    """A department head named 王喆堃 and a place named with 珺 and 镕 (outside GB2312): no .notdef glyph,
    the text reads back, only the vendored fonts are embedded; the page is saved as a PNG to look at."""
    from services.models import Department

    place = Department.objects.create(code="jun-rong", name=RARE_PLACE, level="county", region=region)
    head = make_user("wang_zhekun", Role.LEADER, place, last_name="王", first_name="喆堃")
    item = make_item(place, "340000-JR-001", name="镕珺社区居民证明开具")
    w = walk(leader=head, item=item, mode=Mode.SIMULATE, events=[(5, "consultation", f"{RARE_NAME}局长到{RARE_PLACE}咨询")])
    finding_actions.finding_file(actor=head, walkthrough=w, category="one_time_notice", title=f"{RARE_PLACE}未一次性告知")

    for kind, data in [("walkthrough", report_input("walkthrough", walkthrough=w)),
                       ("ledger", report_input("ledger", department=place))]:
        with _NotdefLog() as messages:
            pdf = render_pdf(data)
        assert _boxes(messages) == [], messages
        text = pdf_text(pdf)
        assert RARE_PLACE in text, kind
        if kind == "walkthrough":
            assert RARE_NAME in text and "镕珺社区居民证明开具" in text
            save_first_page(pdf, "rare-names", tmp_path, last_page=False)
        assert_fonts_embedded(pdf, tmp_path)

    # The check can fail: a character the fonts do not have (U+4DB6, after GB18030-2005's Extension A) is
    # reported, and the old GB2312 subset had no 喆.
    from fontTools.ttLib import TTFont

    from findings.reports.render import _html_to_pdf

    with _NotdefLog() as messages:
        _html_to_pdf('<body class="report"><p>\u4db6</p></body>', lambda percent: None)
    assert _boxes(messages), messages
    assert ord("喆") not in TTFont(STATIC_FONTS / "NotoSansSC-Regular.otf").getBestCmap()


STATIC_FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"


@pytest.mark.parametrize("name", ["NotoSerifSC-Regular.otf", "NotoSerifSC-Bold.otf"])
def test_the_serif_fonts_cover_the_gb18030_ideographs(name):
    """Every CJK Unified Ideograph of GB18030-2005 (U+4E00–U+9FA5 and Extension A U+3400–U+4DB5), every
    character of GBK but one symbol, and the punctuation the reports print."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(STATIC_FONTS / name).getBestCmap()
    wanted = set(range(0x4E00, 0x9FA6)) | set(range(0x3400, 0x4DB6)) | {ord(c) for c in "〔〕“”‘’：；，。、（）—…·《》①②③"}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                wanted.add(ord(bytes((lead, trail)).decode("gbk")))
            except UnicodeDecodeError:
                pass
    wanted -= {0x2252}  # ≒, a GBK symbol Noto Serif CJK SC 2.001 does not draw (static/fonts/README.md)
    missing = sorted(cp for cp in wanted if cp not in cmap and not 0xE000 <= cp <= 0xF8FF)
    assert missing == [], [f"U+{cp:04X}" for cp in missing[:20]]
