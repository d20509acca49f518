"""Version 1 of each mode's checklist: the founding notice's questions, as they were in the code
(inspections/checklists.py before checklist versions), in both languages; every existing walkthrough
is walked with it. Written out here so the migration does not depend on the code or the runtime
language."""
from django.db import migrations

# mode → [(code, section (Chinese), section (English), question (Chinese), question (English), category)]
QUESTIONS = {
    'simulate': [
        ('sim_online_smooth', '模拟办件（体验办）', 'Simulated case (体验办)', '网办流程是否通畅？', 'Is the online process smooth?', 'online_process_broken'),
        ('sim_window_authorized', '模拟办件（体验办）', 'Simulated case (体验办)', '窗口授权是否到位？', 'Is the window fully authorised to approve?', 'window_not_authorized'),
        ('sim_materials', '模拟办件（体验办）', 'Simulated case (体验办)', '材料是否可以精简？', 'Could the materials be reduced?', 'excess_materials'),
        ('sim_steps', '模拟办件（体验办）', 'Simulated case (体验办)', '环节设置是否可以再优化？', 'Could the steps be streamlined further?', 'excess_steps'),
        ('sim_time_limit', '模拟办件（体验办）', 'Simulated case (体验办)', '时限是否可以再压缩？', 'Could the time limit be compressed further?', 'time_limit'),
    ],
    'accompany': [
        ('acc_consultation', '陪同办事（全程办）', 'Accompanying an applicant (全程办)', '事前咨询：是否引导清楚？', 'Consultation before applying: was the applicant guided clearly?', 'guidance'),
        ('acc_forms', '陪同办事（全程办）', 'Accompanying an applicant (全程办)', '表格填写：表格是否好填？', 'Filling in forms: were the forms easy to fill in?', 'form_design'),
        ('acc_queueing', '陪同办事（全程办）', 'Accompanying an applicant (全程办)', '排队办理：等候是否合理有序？', 'Queueing and handling: was the wait reasonable and orderly?', 'hall_order'),
        ('acc_completion', '陪同办事（全程办）', 'Accompanying an applicant (全程办)', '事项是否在承诺时限内办结？', 'Was the item completed within the promised time?', 'time_limit'),
        ('acc_blockages', '陪同办事（全程办）', 'Accompanying an applicant (全程办)', '办事不便、效率不高等堵点问题是否已疏通？', 'Were inconveniences and inefficiencies (blockages) found and cleared?', 'pain_point_unresolved'),
        ('acc_online_from_login', '陪同办事（全程办）', 'Accompanying an applicant (全程办)', '网上办理：从注册登录开始，全流程是否顺畅？', 'Online: from registration and login on, did the whole path work?', 'online_process_broken'),
    ],
    'sit_at_window': [
        ('win_face_to_face', '坐窗口（亲身办）', 'At the window as staff (亲身办)', '能否为企业和群众提供全流程面对面服务？', 'Could applicants be served face to face through the whole process?', 'window_service'),
        ('win_process', '坐窗口（亲身办）', 'At the window as staff (亲身办)', '流程是否优化（有无流程不优）？', 'Is the process free of unnecessary steps (流程不优)?', 'process_not_streamlined'),
        ('win_operation', '坐窗口（亲身办）', 'At the window as staff (亲身办)', '运转是否顺畅（有无运转不畅）？', 'Does the work run smoothly between posts and departments (运转不畅)?', 'poor_coordination'),
        ('win_speed', '坐窗口（亲身办）', 'At the window as staff (亲身办)', '审批服务能否提速增效？', 'Could approval be faster?', 'time_limit'),
    ],
    'inspect': [
        ('el_materials', '事项流程要素', 'Process elements', '要件数量', 'Number of required materials', 'excess_materials'),
        ('el_time_limit', '事项流程要素', 'Process elements', '办理时限', 'Time limit', 'time_limit'),
        ('el_steps', '事项流程要素', 'Process elements', '环节', 'Steps', 'excess_steps'),
        ('el_visits', '事项流程要素', 'Process elements', '“跑动”次数', 'Number of visits (跑动次数)', 'excess_visits'),
        ('el_online', '事项流程要素', 'Process elements', '网上办事', 'Online handling', 'online_not_covered'),
        ('sup_hotline', '配套服务', 'Supporting services', '热线服务', 'Hotline service', 'hotline'),
        ('sup_online_query', '配套服务', 'Supporting services', '网上查询', 'Online enquiry', 'online_query'),
        ('sup_guidance', '配套服务', 'Supporting services', '咨询引导', 'Consultation and guidance', 'guidance'),
        ('sup_service_guide', '配套服务', 'Supporting services', '服务指南', 'Service guide', 'service_guide'),
        ('sup_hall_order', '配套服务', 'Supporting services', '办事秩序', 'Order in the hall', 'hall_order'),
        ('sup_first_inquiry', '配套服务', 'Supporting services', '首问负责', 'First-inquiry responsibility', 'first_inquiry'),
        ('sup_one_time_notice', '配套服务', 'Supporting services', '一次性告知', 'One-time notification', 'one_time_notice'),
        ('sup_forms', '配套服务', 'Supporting services', '表格设置', 'Form design', 'form_design'),
        ('sup_self_service', '配套服务', 'Supporting services', '自助办理', 'Self-service', 'self_service'),
        ('sup_complaints', '配套服务', 'Supporting services', '投诉监督', 'Complaints and supervision', 'complaint_channel'),
        ('int_services', '中介服务', 'Intermediary services', '中介服务：有无服务不优、行业垄断、乱收费等不规范行为？', 'Intermediary services: poor service, monopoly or arbitrary fees?', 'intermediary_irregular'),
        ('cert_absurd', '证明材料', 'Certificates', '有无奇葩证明？', 'Absurd certificates demanded?', 'absurd_certificate'),
        ('cert_circular', '证明材料', 'Certificates', '有无循环证明？', 'Circular certificates demanded?', 'circular_certificate'),
        ('cert_duplicate', '证明材料', 'Certificates', '有无重复证明？', 'Duplicate certificates demanded?', 'duplicate_certificate'),
    ],
}


def forward(apps, schema_editor):
    ChecklistTemplate = apps.get_model("inspections", "ChecklistTemplate")
    ChecklistQuestion = apps.get_model("inspections", "ChecklistQuestion")
    Walkthrough = apps.get_model("inspections", "Walkthrough")
    for mode, questions in QUESTIONS.items():
        template, _created = ChecklistTemplate.objects.get_or_create(
            mode=mode, version=1, defaults={"note": "《走流程》通知所列检查内容"})
        if not template.questions.exists():
            ChecklistQuestion.objects.bulk_create([
                ChecklistQuestion(template=template, code=code, section_zh=section_zh, section_en=section_en, text_zh=text_zh,
                                  text_en=text_en, category=category, order=(n + 1) * 10, required=False)
                for n, (code, section_zh, section_en, text_zh, text_en, category) in enumerate(questions)
            ])
        Walkthrough.objects.filter(mode=mode, checklist=None).update(checklist=template)


def backward(apps, schema_editor):
    apps.get_model("inspections", "Walkthrough").objects.update(checklist=None)
    apps.get_model("inspections", "ChecklistTemplate").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0007_checklist_templates'),
    ]

    operations = [migrations.RunPython(forward, backward)]
