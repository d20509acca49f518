"""What the people of the demo campaign write: notes at the window, checklist answers, findings,
rectification measures, comments, reasons. Plain data for ``campaign/demo_campaign.py``.

Texts may name ``{item}`` (the service item), ``{hall}`` (where it is handled), ``{phone}`` (its
enquiry phone), ``{promised}`` (its promised days), ``{minutes}`` (the queue), ``{window}`` (a
window number), ``{extra}`` (a material outside the catalog), ``{cert}`` (a certificate) and
``{other}`` (another department); ``fill`` puts them in.
"""
from __future__ import annotations

import string


class _Context(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def fill(text: str, context: dict) -> str:
    return string.Formatter().vformat(text, (), _Context(context))


# --- at the window: one note per tap --------------------------------------------------------------

EVENT_NOTES = {
    "consultation": [
        "在{hall}导服台咨询，导服人员答复清楚，指引到{window}号窗口。",
        "导服台人员需翻看资料后才答复，等了约5分钟。",
        "咨询时被告知可以先在网上预审，现场再核验原件。",
        "导服人员主动询问办理事项，并提供了一次性告知单。",
    ],
    "form_filling": [
        "现场填写申请表，共3页，企业名称、地址等信息需手工重复填写。",
        "使用大厅自助填表机，扫描营业执照后信息自动带出，约3分钟填完。",
        "申请表无填写示范，第二栏填写有误，重新领表。",
        "窗口提供了示范文本，对照填写顺利。",
    ],
    "queueing": [
        "取号后前面还有6人，等候约{minutes}分钟。",
        "叫号屏显示当前等候3人，叫号顺畅。",
        "综合窗口排队较长，专业窗口空闲，未见分流引导。",
        "取号机故障，由导服人员人工登记排号。",
    ],
    "submission": [
        "向{window}号窗口递交材料，窗口逐项核对原件。",
        "提交材料时窗口要求再复印一份身份证。",
        "材料一次性提交，窗口当场扫描留档，原件退还。",
    ],
    "acceptance": [
        "窗口当场受理，出具受理通知书，告知{promised}个工作日内办结。",
        "窗口审核后当场受理，并告知可通过短信查询进度。",
        "窗口要求补充材料后才能受理，出具了补正告知书。",
    ],
    "approval": [
        "首席事务代表现场审批签字。",
        "窗口负责人现场审核通过。",
    ],
    "completion": [
        "当场办结，领取证照。",
        "办结，结果通过邮寄送达，免费寄递。",
        "办结，电子证照同步推送到皖事通。",
    ],
    "registration": [
        "在安徽政务服务网注册法人账号，需人脸识别，一次通过。",
        "使用皖事通注册，短信验证码约1分钟才收到。",
    ],
    "login": [
        "皖事通扫码登录顺利。",
        "登录后跳转部门业务系统，需要再次实名认证。",
    ],
    "upload": [
        "上传材料4份，单个文件限制2MB，扫描件需压缩后才能上传。",
        "上传顺利，系统自动识别材料类型。",
        "营业执照可直接调用电子证照，无需上传。",
    ],
    "note": [
        "大厅负一层信号弱，以下几步恢复网络后补传。",
        "申请人表示此前已来过一次，因材料不全被退回。",
        "窗口工作人员态度热情，主动帮助核对材料。",
    ],
}

# A head at the window as staff (亲身办), and a head checking by questioning (检验办).
SIT_NOTES = {
    "consultation": ["以窗口工作人员身份接待申请人咨询，对方询问需要准备哪些材料。",
                     "接待一位第二次来办的申请人，上次因材料不全被退回。"],
    "submission": ["接收申请人递交的材料，逐项核对原件。", "接收材料，发现有一份需要到其他部门开具的证明。"],
    "acceptance": ["在业务系统录入受理信息，同一信息需在两个系统分别录入。", "受理完成，打印受理通知书交申请人。"],
    "approval": ["按授权当场审批。"],
    "completion": ["当场办结，出件。"],
}
INSPECT_NOTES = {
    "consultation": ["以普通群众身份向窗口询问办理流程和所需材料。", "向导服台询问该事项在哪个窗口办理。"],
    "note": ["核对大厅公示的办事指南与网上指南是否一致。", "拨打办事指南上的咨询电话{phone}，测试接听情况。",
             "查看大厅“好差评”评价器和意见箱。", "在自助终端查询办事指南并试打印。"],
}
ACCOMPANY_FIRST = "陪同{applicant}的办事人员到{hall}办理，全程跟随。"
APPLICANTS = ["池州市秋浦河文旅发展有限公司", "池州市杏花村食品有限公司", "安徽九华新材料科技有限公司",
              "池州市长江物流有限公司", "东至县尧渡餐饮店", "池州市平天湖建设工程有限公司"]

OFFLINE_NOTE = "大厅负一层没有信号，这几步在手机上先记下，出大厅后补传。"

# The taps of a walk at the window and online, in order (inspections.models WINDOW_EVENTS / ONLINE_EVENTS).
WINDOW_TAPS = ["consultation", "form_filling", "queueing", "submission", "acceptance"]
ON_THE_SPOT_TAPS = ["approval", "completion"]
ONLINE_TAPS = ["registration", "login", "form_filling", "upload", "submission"]

# --- checklists: a problem answer's note, the finding filed from it and its rectification ----------
# question code → [(finding title, answer note, rectification measures, ledger cuts)]

QUESTION_PROBLEMS = {
    # simulate
    "sim_online_smooth": [
        ("网上申报上传材料后无法提交",
         "在安徽政务服务网申报，上传材料后点击提交提示“系统繁忙”，重试三次未成功，只能改到窗口办理。",
         "已联系省平台运维修复上传接口，单个文件大小上限由2MB调整为10MB；安排专人每日巡检网上申报通道并留痕。", {}),
        ("网上申报页面与窗口要求不一致",
         "网上申报只要求上传3份材料，窗口受理时却要求补交纸质件2份。",
         "统一网上与窗口的材料清单，纸质件改为容缺后补；修订网上办事指南。", {"materials_cut": 1}),
    ],
    "sim_window_authorized": [
        ("窗口无审批权限，需回局机关签字",
         "窗口受理后需送局机关业务科室审核签字，当天无法出件，申请人需第二次到大厅领取。",
         "已将该事项审批权限授权至首席事务代表，窗口即审即办；授权书已在大厅公示。", {"visits_cut": 1, "days_cut": 1}),
    ],
    "sim_materials": [
        ("要求提供目录外材料「{extra}」",
         "窗口要求额外提供{extra}，办事指南和事项目录均未列明。",
         "取消{extra}要求，改由部门间数据共享核验；修订办事指南并对窗口人员开展专题培训。", {"materials_cut": 1}),
        ("身份证明已电子核验仍要求提交复印件",
         "申请人身份已通过皖事通实名核验，窗口仍要求提交身份证复印件两份。",
         "取消复印件要求，统一以电子证照核验；在窗口张贴“免提交”清单。", {"materials_cut": 1}),
    ],
    "sim_steps": [
        ("受理与审查分两次排队",
         "受理后需到另一窗口排队审查，两个环节可以合并。",
         "合并受理与审查环节，实行“一窗受理、一次审查”，流程图已更新。", {"days_cut": 1}),
    ],
    "sim_time_limit": [
        ("承诺时限仍有压缩空间",
         "实际审查工作量不大，承诺{promised}个工作日仍有压缩空间。",
         "承诺时限压缩2个工作日，已报数据资源管理局更新事项目录。", {"days_cut": 2}),
    ],
    # accompany
    "acc_consultation": [
        ("导服台答复不一致，申请人往返两个窗口",
         "陪同申请人在导服台咨询，两名导服人员对是否需要预约说法不一，申请人在两个窗口间往返。",
         "统一导服口径，编制常见问题答复手册；导服岗实行首问负责、全程引导。", {}),
    ],
    "acc_forms": [
        ("申请表需重复填写营业执照已有信息",
         "申请表需手工填写企业名称、统一社会信用代码、地址等营业执照已有的信息，共4页。",
         "申请表改为系统调用电子营业执照自动带出，精简为1页；提供填写示范。", {}),
    ],
    "acc_queueing": [
        ("排队等候时间过长",
         "取号后等候{minutes}分钟，叫号屏两次故障，高峰时段未增开窗口。",
         "高峰时段弹性增开综合窗口2个；叫号系统已升级并设专人巡检。", {}),
    ],
    "acc_completion": [
        ("未在承诺时限内办结",
         "承诺{promised}个工作日办结，实际超出2个工作日，期间未主动告知申请人进度。",
         "建立临期预警机制，系统在时限前2日自动提醒；超期件逐件说明原因并告知申请人。", {"days_cut": 2}),
    ],
    "acc_blockages": [
        ("审批所需{cert}需申请人自行到其他部门开具",
         "审批需要的{cert}须申请人到{other}开具后再送回窗口，申请人为此多跑一次。",
         "与{other}建立数据共享，由窗口内部调取，申请人无需再提供。", {"materials_cut": 1, "visits_cut": 1}),
    ],
    "acc_online_from_login": [
        ("皖事通登录后跳转部门系统需二次注册",
         "用皖事通登录后跳转部门业务系统，需要重新注册账号并再次实名认证。",
         "部门业务系统已接入统一身份认证平台，实现一次登录、全网通办。", {}),
    ],
    # sit at the window
    "win_face_to_face": [
        ("窗口人员需离岗到后台查询，申请人无人接待",
         "以窗口工作人员身份办理时发现，查询档案需离开窗口到后台，申请人需在窗口等候约15分钟。",
         "档案查询系统部署到窗口终端，窗口人员无需离岗。", {}),
    ],
    "win_process": [
        ("受理后纸质材料流转科室，信息重复录入",
         "窗口受理后纸质材料需送科室，科室在业务系统中再次录入申请信息。",
         "打通受理系统与业务系统，受理信息自动推送，取消纸质流转。", {"days_cut": 1}),
    ],
    "win_operation": [
        ("与{other}数据不通，需申请人提供纸质证明",
         "受理时无法查询{other}的数据，只能要求申请人提供纸质证明。",
         "已与{other}签订数据共享协议，窗口可在线核验。", {"materials_cut": 1}),
    ],
    "win_speed": [
        ("可当场办结的事项仍按承诺件办理",
         "审核要点简单，具备当场办结条件，目前仍按{promised}个工作日的承诺件办理。",
         "调整为即办件，符合条件的当场办结。", {"days_cut": 3}),
    ],
    # inspect: process elements
    "el_materials": [
        ("申请材料可进一步精简",
         "申请材料中有2项可通过电子证照或部门共享获取，仍要求申请人提交。",
         "精简申请材料2项，改为共享获取；办事指南已更新。", {"materials_cut": 2}),
    ],
    "el_time_limit": [
        ("承诺时限长于省内同类地区",
         "承诺{promised}个工作日，省内同类事项多数地区已压缩至更短。",
         "对标先进地区压缩承诺时限，已在安徽政务服务网更新。", {"days_cut": 2}),
    ],
    "el_steps": [
        ("办理环节多于公布的流程",
         "实际办理比公布的流程多一个“科室复核”环节。",
         "取消科室复核环节，实行受审分离、一审一核。", {"days_cut": 1}),
    ],
    "el_visits": [
        ("申请人需两次到现场",
         "受理和领证需分两次到现场，未提供免费寄递。",
         "开通证照免费寄递服务，实现“最多跑一次”。", {"visits_cut": 1}),
    ],
    "el_online": [
        ("事项未开通网上办理",
         "该事项在安徽政务服务网只有办事指南，没有网上申报入口。",
         "已开通网上申报，实现全程网办。", {"visits_cut": 1}),
    ],
    # inspect: supporting services
    "sup_hotline": [
        ("咨询电话无人接听",
         "工作时间拨打咨询电话{phone}三次，均无人接听。",
         "咨询电话实行专人值守，忙时转接12345热线；每周抽查接听情况。", {}),
    ],
    "sup_online_query": [
        ("网上办件进度查询显示“暂无数据”",
         "用受理编号在网上查询办件进度，显示“暂无数据”。",
         "修复办件信息回传接口，办件进度实时同步到网上查询。", {}),
    ],
    "sup_guidance": [
        ("导服人员对事项不熟悉",
         "导服人员不清楚该事项在哪个窗口办理，让申请人自己去问。",
         "开展导服人员业务培训，编制事项窗口分布图并张贴。", {}),
    ],
    "sup_service_guide": [
        ("办事指南材料清单与窗口要求不一致",
         "网上办事指南列明4项材料，窗口实际要求6项。",
         "办事指南与窗口要求逐项核对统一，已在网上和大厅同步更新。", {"materials_cut": 1}),
    ],
    "sup_hall_order": [
        ("窗口工作人员在岗看手机",
         "暗访时看到两名窗口工作人员在岗看手机，申请人等候无人接待。",
         "对相关人员批评教育并纳入月度考核；大厅巡查由每日一次增加为两次。", {}),
    ],
    "sup_first_inquiry": [
        ("非本窗口事项答复“不归我们管”",
         "询问其他部门事项时，窗口人员答复“不归我们管”，未作指引。",
         "落实首问负责制，非本窗口事项由首问窗口负责引导到位。", {}),
    ],
    "sup_one_time_notice": [
        ("材料不全时未一次性告知，申请人往返补正",
         "材料不全时只口头告知缺一项，补正时又被告知缺另一项，申请人往返两次。",
         "推行书面一次性告知单，补正事项一次列清，告知单留档备查。", {"visits_cut": 1}),
    ],
    "sup_forms": [
        ("申请表无示范文本",
         "申请表无示范文本，多处栏目含义不清。",
         "编制示范文本，放在窗口和网上下载区。", {}),
    ],
    "sup_self_service": [
        ("自助终端无法打印",
         "大厅自助终端打印功能故障，提示“打印机缺纸”，已持续多日。",
         "自助终端纳入每日巡检，耗材由专人补充。", {}),
    ],
    "sup_complaints": [
        ("差评未回访，意见箱长期未开启",
         "“好差评”系统中有2条差评未回访，大厅意见箱积灰，长期未开启。",
         "差评实行24小时内回访、整改、反馈闭环；意见箱每周开启一次并登记。", {}),
    ],
    "int_services": [
        ("指定中介机构出具报告，收费不透明",
         "窗口建议申请人到指定的一家中介机构出具报告，收费标准未公示。",
         "取消指定中介，在中介超市公开选取；收费标准在大厅公示。", {}),
    ],
    "cert_absurd": [
        ("要求申请人开具“无违法记录证明”",
         "窗口要求申请人到派出所开具“无违法记录证明”，该证明无法律依据。",
         "取消该证明，改为申请人书面承诺，事后抽查核验。", {"materials_cut": 1, "visits_cut": 1}),
    ],
    "cert_circular": [
        ("办理需要的证明与其他部门互为前置",
         "办理本事项需要{other}出具的证明，而{other}开具该证明又要求先取得本事项的结果。",
         "与{other}协商，改为并联办理、内部核验，打破互为前置。", {"materials_cut": 1}),
    ],
    "cert_duplicate": [
        ("营业执照已共享仍要求提交复印件",
         "营业执照可通过电子证照库调取，窗口仍要求提交复印件并加盖公章。",
         "取消营业执照复印件，统一调用电子证照。", {"materials_cut": 1}),
    ],
}

# The notes of answers that were fine.
OK_NOTES = ["", "", "", "符合要求。", "与办事指南一致。", "现场核实无问题。"]
NA_NOTES = ["本事项不涉及。", "", "本次未涉及该环节。"]

# Findings a head files from a walk without a checklist question: the rest of the taxonomy.
# (category, title, description, measures, ledger cuts)
FREE_FINDINGS = [
    ("item_not_in_hall", "「{item}」未进驻政务服务大厅",
     "该事项仍需到局机关业务科室办理，大厅窗口只收件不受理。",
     "事项已整体进驻市政务服务中心，实行窗口受理、窗口出件。", {"visits_cut": 1}),
    ("online_hard_to_use", "网上申报页面字段说明不清",
     "网上申报页面“经营场所类型”等字段无说明，申请人反复被退回修改。",
     "逐项补充字段说明和填写示例，增加在线客服入口。", {}),
    ("unclear_responsibility", "受理窗口与审批科室职责不清",
     "窗口称需科室答复，科室称应由窗口答复，申请人在两处之间被来回推诿。",
     "明确窗口与科室职责清单，窗口对外负总责。", {}),
    ("inconsistent_levels", "县级办理要求比市级多两项材料",
     "同一事项，县级窗口比市级多要求提交两项材料，标准不统一。",
     "按市级标准统一材料清单，县级多出的两项材料已取消。", {"materials_cut": 2}),
    ("policy_not_implemented", "惠企政策“免申即享”未落实",
     "符合条件的企业仍需自行申请并提交证明材料，未实现“免申即享”。",
     "通过数据比对主动筛选符合条件的企业，实行免申即享、直达快享。", {"materials_cut": 2}),
    ("fund_project_management", "项目资金申报审核进度不公开",
     "企业申报后无法查询审核进度，也未告知审核时限。",
     "在网上公开审核进度和时限，逾期自动提醒。", {}),
    ("window_service", "午休时段窗口无人值守",
     "12:00至13:30窗口无人，未实行午间错时延时服务。",
     "实行午间轮岗、错时延时服务，并在大厅公示。", {}),
    ("other", "大厅停车位不足",
     "政务服务中心停车位不足，办事群众停车难，排队进场约20分钟。",
     "协调周边单位错时开放停车位120个，设置引导标识。", {}),
]

# What makes an observed figure exceed the catalog, as the head notes it in the summary.
EXTRA_MATERIALS = ["房屋租赁备案证明", "社区出具的场所证明", "法定代表人签字的承诺书原件", "验资报告",
                   "近三个月社保缴纳证明", "房产证复印件（加盖公章）"]
# The departments a department's items depend on (``{other}``), and what each of those issues (``{cert}``).
PARTNERS = {
    "city-amr": ["tax", "city-police"], "city-housing": ["city-nrp", "fire"], "city-nrp": ["city-housing", "tax"],
    "city-eco": ["city-nrp", "city-housing"], "city-hrss": ["city-medsec", "tax"], "city-health": ["city-amr", "city-medsec"],
    "city-transport": ["city-police", "city-amr"], "city-medsec": ["city-health", "city-hrss"],
    "city-police": ["city-nrp", "city-hrss"], "city-culture": ["city-police", "fire"], "city-urban": ["city-housing", "city-nrp"],
    "city-hpf": ["city-nrp", "city-hrss"], "city-data": ["city-amr", "tax"], "tax": ["city-amr", "city-nrp"],
    "fire": ["city-housing", "city-amr"], "power": ["city-nrp", "city-urban"], "water": ["city-housing", "city-urban"],
    "gas": ["city-housing", "city-urban"], "dongzhi-amr": ["tax", "city-police"], "guichi-amr": ["tax", "city-police"],
    "qingyang-housing": ["city-nrp", "fire"], "shitai-hrss": ["city-medsec", "tax"], "city-finance": ["tax", "city-amr"],
    "tobacco": ["city-amr", "city-police"],
}
ISSUES = {
    "tax": "清税证明", "city-police": "户籍证明", "city-nrp": "不动产权证书", "fire": "消防验收意见书",
    "city-housing": "建筑工程施工许可证", "city-medsec": "医保参保证明", "city-amr": "营业执照副本",
    "city-hrss": "社保缴纳证明", "city-health": "医疗机构执业许可证", "city-urban": "城镇污水排入排水管网许可证",
}

# --- the walkthrough's summary, by mode --------------------------------------------------------------

MODE_OPENINGS = {
    "simulate": "以申请人身份模拟办理「{item}」，",
    "accompany": "陪同企业办事人员全程办理「{item}」，",
    "sit_at_window": "到窗口以工作人员身份亲身受理「{item}」，",
    "inspect": "以检验办方式对「{item}」逐项检查，",
}
SUMMARY_NONE = [
    "全程顺畅，材料、环节与办事指南一致，未发现问题。",
    "整体顺畅，窗口服务规范，未发现需整改的问题。",
]
SUMMARY_SOME = [
    "发现问题{n}个，已逐一登记并要求相关科室立即研究整改。",
    "整体较顺畅，但发现问题{n}个，已登记交办。",
    "发现问题{n}个，其中部分属于跨部门协同问题，建议营商办统筹推进。",
]

# --- people talking -----------------------------------------------------------------------------------

ASSIGN_NOTES = ["", "", "请按期整改，整改前后对比照片一并上传。", "请分管领导亲自抓，按期反馈。",
                "该问题群众反映较多，请优先整改。"]
COMMENTS_OFFICE = [
    "请于期限内完成整改，并上传整改前后的对比材料。",
    "该问题在县区同类窗口也可能存在，请一并梳理。",
    "整改情况将纳入本月督查通报。",
]
COMMENTS_LIAISON = [
    "已召开专题会议研究整改方案，明确责任科室和完成时限。",
    "整改方案已报分管领导审定，正在推进。",
    "已与窗口负责人核实情况，属实，正在整改。",
]
COMMENTS_LIAISON_LATE = [
    "涉及省级系统调整，已向省厅报送需求，正在等待排期。",
    "需与相关部门联合发文，文件正在会签中，申请延期一周。",
]
COMMENTS_LEADER = [
    "已责成窗口科室立即整改，整改结果我亲自把关。",
    "局党组会已专题研究，下周组织回头看。",
]
REJECT_REASONS = [
    "整改佐证只有制度文件，未见窗口实际执行情况，请补充近一周的办件记录和现场照片。",
    "办事指南已修改，但安徽政务服务网上的指南尚未同步更新，请一并整改后再提交。",
]
REJECT_TIME_LIMIT = "整改措施未写明时限压缩后的具体天数，请补充。"
RESUBMIT_MEASURES = "（补充）网上办事指南已同步更新，附近一周办件记录及现场照片。"
# 申诉复核: the department's reasons, and the office's two kinds of decision.
APPEAL_REASONS = [
    "该事项已于今年调整至市数据资源局办理，我单位不再承担受理职责，申请撤销该问题。",
    "现场要求提供的材料系上位法明确规定的法定要件，并非额外增加，附相关条款截图。",
    "当日窗口实际开放，系企业所在楼层电梯检修导致误认为暂停服务，附当日值班记录。",
]
UPHOLD_REASONS = [
    "经复核，该事项受理职责仍在你单位，维持原认定，请按新的期限整改到位。",
    "经复核，上位法未将该材料列为必要要件，维持原认定。",
]
ACCEPT_REASONS = [
    "经复核，该事项职责已依法划转，申诉成立，问题撤销，已转交市数据资源局关注。",
]

DISMISS_REASONS = [
    "经核实，该材料要求系国家层面规定，不属于我市整改权限，已转报省级主管部门。",
    "与同一事项已交办的问题重复，合并处理。",
    "经调取大厅监控核实，当日系全省系统故障所致，不属于部门问题。",
]
CLOSE_NOTES = ["经核实整改到位，予以销号。", "整改到位，予以销号。", "整改成效明显，相关做法在全市推广，予以销号。"]
CLOSE_AFTER_REWALK = "回头看暗访确认整改到位，予以销号。"
CANCEL_REASONS = [
    "局长临时参加市政府常务会议，改期进行。",
    "政务服务中心系统升级，当日暂停受理，改期再走。",
    "陪同的申请人临时改约，另行安排。",
]
STILL_OPEN = "已受理，等审批结果出来、领到证后再完成本次记录。"
CANCEL_IN_PROGRESS = "窗口业务系统故障，当天无法受理，中止本次走流程，改期再走。"
CORRECTION_REASON = "点早了，按实际受理时间更正。"
WITHDRAW_REASON = "误点，重复记录。"
REWALK_SUMMARY = "回头看：以暗访方式复查「{item}」，此前发现的问题已整改到位，窗口执行情况良好。"

# --- findings the office files directly ---------------------------------------------------------------
# (department code, item key or None, category, severity, title, description, fate)

OFFICE_FINDINGS = [
    ("city-police", "police_no_crime", "hotline", "minor", "12345热线反映：无犯罪记录证明咨询电话长期占线",
     "12345热线本月转来3件同类诉求，反映无犯罪记录证明咨询电话长期占线，群众无法咨询。", "closed"),
    ("city-finance", "finance_bookkeeping", "online_process_broken", "major",
     "代理记账机构设立审批网上申报入口失效",
     "营商办日常巡查发现，代理记账机构设立审批在安徽政务服务网的申报入口点击后跳转错误页面。", "overdue"),
    ("tobacco", "tobacco_retail", "excess_visits", "minor", "烟草专卖零售许可需现场勘验后再次到窗口领证",
     "企业反映：现场勘验后仍需到窗口领证，未提供邮寄送达。", "rectifying"),
]

# --- 局长陪您办: requests from the public page ----------------------------------------------------------
# kind, item key or None, item text, name, phone, description, days ago, preferred in days (from
# submission), what the office does (None, "arrange", "forward", "close"), and its details.

PUBLIC_REQUESTS = [
    dict(kind="accompany", item="amr_food", text="", name="池州秋浦人家餐饮有限公司", phone="13905661287",
         description="准备在秋浦西路开一家餐馆，第一次办食品经营许可，想请局长陪同办理，看看哪些材料可以少交。",
         days_ago=2, preferred=9, handle=None),
    dict(kind="lead", item=None, text="二手房过户后水电气过户", name="陈女士", phone="13866501432",
         description="二手房不动产登记办完后，水、电、气过户还要分别跑三个营业厅，每个都要房产证复印件。",
         days_ago=1, preferred=None, handle=None),
    dict(kind="accompany", item="housing_construction_permit", text="", name="安徽九华建工集团有限公司",
         phone="0566-2218876", description="新建厂房项目申请施工许可，此前咨询了两次仍不清楚联审要求，请局长陪同办理。",
         days_ago=44, preferred=8, handle="arrange", leader="leader_housing", walk="completed"),
    dict(kind="accompany", item="tax_invoice", text="", name="池州市皖江物流有限公司", phone="13705667720",
         description="新办企业第一次领用发票，希望局长陪同走一遍，看看能不能当天领到。",
         days_ago=4, preferred=6, handle="arrange", leader="leader_tax", walk="planned"),
    dict(kind="lead", item="hpf_withdraw", text="", name="王先生", phone="15855663091",
         description="提取住房公积金买房，窗口要求再交一份购房合同复印件，可是网上已经传过了。",
         days_ago=52, preferred=None, handle="forward", category="excess_materials",
         title="公积金购房提取要求重复提交购房合同", fate="closed"),
    dict(kind="lead", item="urban_road_dig", text="", name="池州市通达市政工程有限公司", phone="0566-3365120",
         description="申请城市道路挖掘许可，前后跑了三次：第一次缺交警意见，第二次缺管线图，每次只告诉一样。",
         days_ago=9, preferred=None, handle="forward", category="one_time_notice",
         title="道路挖掘许可未一次性告知，企业跑了三次", fate="rectifying"),
    dict(kind="lead", item=None, text="小区门口占道经营", name="李先生", phone="13956602218",
         description="小区门口早市占道经营，车辆进出困难。",
         days_ago=30, preferred=None, handle="close",
         reply="您反映的问题属于城市管理日常执法事项，已转12345热线交城管部门处理，感谢您的支持。"),
    dict(kind="accompany", item="amr_setup", text="", name="池州市青禾农业科技有限公司", phone="18956678803",
         description="想请局长陪同办理公司设立登记。", days_ago=20, preferred=5, handle="close",
         reply="经电话联系，您已通过皖事通全程网办完成设立登记，本次不再安排陪同。欢迎继续提出意见建议。"),
]
