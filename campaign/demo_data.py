"""Demo data for 池州市「局长走流程」: regions, departments, a catalog of service items and demo accounts.

Plain Python structures, loaded by ``python manage.py load_demo_data``. Names, fields and typical
materials follow the national item catalog and Chizhou's own regions and departments; codes, credit
codes and phone numbers are made up. Time limits are typical statutory values, not authoritative.

Items refer to each other by a local ``key`` (``"amr_setup"`` …): a material issued by a government
department names the key of the item that issues it, which is the edge of the certificate graph.
Several certificate problems are planted on purpose, so the graph checks have something to find;
they are marked below with comments:

* [循环证明·3] 供水报装 → 建设工程规划许可证核发 → 不动产登记 → 供水报装
  (water company, 自然资源和规划局 twice, back to the water company);
* [循环证明·2] 住房公积金贷款 ⇄ 不动产抵押登记 (公积金中心 and 自然资源和规划局);
* [重复证明] the bundle 开办餐饮店: 营业执照 issued by 企业设立登记 and demanded again by
  食品经营许可, 公众聚集场所消防安全检查, 城镇污水排入排水管网许可 and 户外广告设置许可;
* [自证] a department demanding a certificate it issues itself (食品经营许可 and 企业变更登记 want
  the 营业执照 of the same 市场监管局, 医师执业注册 wants the 医疗机构执业许可证 of the same 卫健委,
  出租汽车经营许可 wants the 从业资格证 of the same 交通运输局, 竣工验收备案 wants the 消防验收意见 and
  施工许可证 of the same 住建局).
"""
from __future__ import annotations

from datetime import date

DEMO_PASSWORD = "Chizhou@2026"

# ---------------------------------------------------------------------------------------------
# Regions (地区): code, name, sort order
# ---------------------------------------------------------------------------------------------
REGIONS = [
    {"code": "city", "name": "池州市本级", "sort_order": 10},
    {"code": "guichi", "name": "贵池区", "sort_order": 20},
    {"code": "dongzhi", "name": "东至县", "sort_order": 30},
    {"code": "shitai", "name": "石台县", "sort_order": 40},
    {"code": "qingyang", "name": "青阳县", "sort_order": 50},
    {"code": "jiuhuashan", "name": "九华山风景区", "sort_order": 60},
    {"code": "cz-etdz", "name": "池州经济技术开发区", "sort_order": 70},
    {"code": "cz-hitech", "name": "池州高新技术产业开发区", "sort_order": 80},
]

# 行政区划代码 (12 digits) used in implementation codes.
AREA_CODES = {
    "city": "341700000000",
    "guichi": "341702000000",
    "dongzhi": "341721000000",
    "shitai": "341722000000",
    "qingyang": "341723000000",
}

# ---------------------------------------------------------------------------------------------
# Departments (部门). ``credit_code`` (统一社会信用代码, made up), ``hall`` and ``phone`` are not
# model fields: they feed the items' implementation code, location and enquiry phone.
# ---------------------------------------------------------------------------------------------
DEPARTMENTS = [
    # 市直部门
    {"code": "city-amr", "name": "池州市市场监督管理局", "level": "city", "region": "city",
     "credit_code": "11341700MB1532018K", "hall": "池州市政务服务中心二楼市场监管窗口", "phone": "0566-2021516"},
    {"code": "city-housing", "name": "池州市住房和城乡建设局", "level": "city", "region": "city",
     "credit_code": "11341700003127650G", "hall": "池州市政务服务中心三楼工程建设项目审批专区住建窗口",
     "phone": "0566-2032871"},
    {"code": "city-nrp", "name": "池州市自然资源和规划局", "level": "city", "region": "city",
     "credit_code": "11341700MB1964032T", "hall": "池州市政务服务中心三楼自然资源和规划窗口", "phone": "0566-2035562"},
    {"code": "city-eco", "name": "池州市生态环境局", "level": "city", "region": "city",
     "credit_code": "11341700003127782B", "hall": "池州市政务服务中心三楼生态环境窗口", "phone": "0566-2027309"},
    {"code": "city-hrss", "name": "池州市人力资源和社会保障局", "level": "city", "region": "city",
     "credit_code": "11341700003127547W", "hall": "池州市政务服务中心二楼人社窗口", "phone": "0566-2042217"},
    {"code": "city-health", "name": "池州市卫生健康委员会", "level": "city", "region": "city",
     "credit_code": "11341700003127608N", "hall": "池州市政务服务中心二楼卫健窗口", "phone": "0566-2023648"},
    {"code": "city-transport", "name": "池州市交通运输局", "level": "city", "region": "city",
     "credit_code": "11341700003127819E", "hall": "池州市政务服务中心二楼交通运输窗口", "phone": "0566-2029413"},
    {"code": "city-medsec", "name": "池州市医疗保障局", "level": "city", "region": "city",
     "credit_code": "11341700MB1737420Y", "hall": "池州市政务服务中心一楼医保窗口", "phone": "0566-2098120"},
    {"code": "city-police", "name": "池州市公安局", "level": "city", "region": "city",
     "credit_code": "11341700003127440R", "hall": "池州市政务服务中心一楼公安窗口", "phone": "0566-2046105"},
    {"code": "city-finance", "name": "池州市财政局", "level": "city", "region": "city",
     "credit_code": "11341700003127221C", "hall": "池州市政务服务中心二楼财政窗口", "phone": "0566-2024471"},
    {"code": "city-culture", "name": "池州市文化和旅游局", "level": "city", "region": "city",
     "credit_code": "11341700MB1520931H", "hall": "池州市政务服务中心二楼文旅窗口", "phone": "0566-2025386"},
    {"code": "city-urban", "name": "池州市城市管理局", "level": "city", "region": "city",
     "credit_code": "11341700MB1388176Q", "hall": "池州市政务服务中心三楼城管窗口", "phone": "0566-2036694"},
    {"code": "city-hpf", "name": "池州市住房公积金管理中心", "level": "city", "region": "city",
     "credit_code": "12341700485012663L", "hall": "池州市政务服务中心一楼住房公积金窗口", "phone": "0566-2038876"},
    {"code": "city-data", "name": "池州市数据资源管理局", "level": "city", "region": "city",
     "credit_code": "11341700MB1801395U", "hall": "池州市政务服务中心一楼综合受理窗口", "phone": "0566-2028345"},
    # 驻池单位
    {"code": "tax", "name": "国家税务总局池州市税务局", "level": "stationed", "region": "city",
     "credit_code": "11341700MB1893460D", "hall": "池州市政务服务中心一楼税务窗口", "phone": "0566-2051366"},
    {"code": "fire", "name": "池州市消防救援支队", "level": "stationed", "region": "city",
     "credit_code": "11341700MB1F95026P", "hall": "池州市政务服务中心三楼消防救援窗口", "phone": "0566-2047316"},
    {"code": "tobacco", "name": "池州市烟草专卖局", "level": "stationed", "region": "city",
     "credit_code": "11341700485010346F", "hall": "池州市政务服务中心二楼烟草专卖窗口", "phone": "0566-2052230"},
    # 公用企业
    {"code": "power", "name": "国网池州供电公司", "level": "utility", "region": "city",
     "credit_code": "91341700150320911A", "hall": "池州市政务服务中心一楼水电气网联合报装窗口", "phone": "0566-2061230"},
    {"code": "water", "name": "池州市供水有限公司", "level": "utility", "region": "city",
     "credit_code": "91341700150330758M", "hall": "池州市政务服务中心一楼水电气网联合报装窗口", "phone": "0566-2063306"},
    {"code": "gas", "name": "池州市燃气有限公司", "level": "utility", "region": "city",
     "credit_code": "91341700771102849X", "hall": "池州市政务服务中心一楼水电气网联合报装窗口", "phone": "0566-2065472"},
    # 县区对口部门
    {"code": "dongzhi-amr", "name": "东至县市场监督管理局", "level": "county", "region": "dongzhi",
     "credit_code": "11341721MB1A04257J", "hall": "东至县政务服务中心一楼市场监管窗口", "phone": "0566-7021563"},
    {"code": "qingyang-housing", "name": "青阳县住房和城乡建设局", "level": "county", "region": "qingyang",
     "credit_code": "11341723003305891V", "hall": "青阳县政务服务中心二楼住建窗口", "phone": "0566-5012786"},
    {"code": "guichi-amr", "name": "贵池区市场监督管理局", "level": "county", "region": "guichi",
     "credit_code": "11341702MB1486230S", "hall": "贵池区政务服务中心一楼市场监管窗口", "phone": "0566-3302158"},
    {"code": "shitai-hrss", "name": "石台县人力资源和社会保障局", "level": "county", "region": "shitai",
     "credit_code": "11341722003219678K", "hall": "石台县政务服务中心一楼人社窗口", "phone": "0566-6021472"},
]

# ---------------------------------------------------------------------------------------------
# Service items (政务服务事项)
# ---------------------------------------------------------------------------------------------
# Material tuples: (name, necessity, form, source, issuing item key or None)
REQ, OPT, DEF = "required", "optional", "deferrable"  # 必要 / 非必要 / 容缺后补
PAPER, ELEC, BOTH = "paper", "electronic", "both"  # 纸质 / 电子 / 纸质和电子
APP, GOV, INT, OTH = "applicant", "government", "intermediary", "other"  # 申请人自备 / 政府部门核发 / 中介机构出具 / 其他

# Item-type, party and unit shorthands (the model's choice codes).
LIC, CONF, PUB, FIL, PAY, OTHP, LEVY = (
    "licensing", "confirmation", "public_service", "filing", "payment", "other_power", "levy",
)
PERSON, LEGAL, ANY = "person", "legal", "both"

ITEM_DEFAULTS = {
    "served_party": LEGAL,
    "limit_unit": "working_days",
    "max_visits": 1,
    "online_depth": 3,
    "in_hall": True,
    "window_authorized": True,
    "has_authorization_letter": True,
    "fee": "0.00",
    "fee_basis": "",
    "intermediary": "",
    "high_frequency": False,
    "enterprise_related": True,
    "effective_date": date(2025, 1, 1),
    "deliver": False,  # add a 送达 step
}


def _item(key, dept, catalog_code, name, item_type, legal, promised, materials, **fields):
    return {
        "key": key,
        "department": dept,
        "catalog_code": catalog_code,
        "name": name,
        "item_type": item_type,
        "legal_limit_days": legal,
        "promised_limit_days": promised,
        "materials": materials,
        **fields,
    }


# The same certificate, written once.
LICENCE = ("营业执照", REQ, ELEC, GOV, "amr_setup")  # issued by 市场监管局「企业设立登记」
ID_PROOF = ("法定代表人（负责人）身份证明", REQ, ELEC, APP, None)
PREMISES = ("经营场所使用证明（产权证明或租赁合同）", REQ, PAPER, APP, None)

ITEMS = [
    # ===================================== 市市场监督管理局 =====================================
    _item("amr_setup", "city-amr", "000120103000", "企业设立登记", CONF, 3, 0, [
        ("公司登记（备案）申请书", REQ, ELEC, APP, None),
        ("法定代表人、股东、董事、监事身份证明", REQ, ELEC, APP, None),
        ("住所（经营场所）使用证明", REQ, ELEC, APP, None),
        ("公司章程", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0, high_frequency=True, effective_date=date(2024, 3, 1)),
    # [自证] 市场监管局 demands the 营业执照 it issued itself.
    _item("amr_change", "city-amr", "000120104000", "企业变更登记", CONF, 3, 0, [
        ("公司变更登记申请书", REQ, ELEC, APP, None),
        ("股东会决议或股东决定", REQ, ELEC, APP, None),
        ("修改后的公司章程或章程修正案", REQ, ELEC, APP, None),
        ("营业执照正、副本", REQ, PAPER, GOV, "amr_setup"),
    ], online_depth=4, max_visits=0, high_frequency=True, effective_date=date(2024, 3, 1)),
    # [重复证明][自证] 开办餐饮店: 营业执照 demanded again by the department that issued it.
    _item("amr_food", "city-amr", "000120110000", "食品经营许可", LIC, 10, 5, [
        ("食品经营许可申请书", REQ, ELEC, APP, None),
        LICENCE,
        ("经营场所平面布局图及设备布局、工艺流程图", REQ, PAPER, APP, None),
        ("食品安全管理制度", REQ, ELEC, APP, None),
        ("食品安全管理人员及从业人员健康证明", DEF, PAPER, OTH, None),
    ], high_frequency=True, deliver=True, effective_date=date(2025, 7, 1)),
    _item("amr_cancel", "city-amr", "000120105000", "企业注销登记", CONF, 3, 1, [
        ("企业注销登记申请书", REQ, ELEC, APP, None),
        ("清算报告或清算组确认文件", REQ, ELEC, APP, None),
        ("营业执照正、副本", REQ, PAPER, GOV, "amr_setup"),
        ("清税证明", REQ, ELEC, GOV, "tax_clear"),
    ], high_frequency=True),
    _item("amr_individual", "city-amr", "000120107000", "个体工商户登记", CONF, 3, 0, [
        ("个体工商户登记申请书", REQ, ELEC, APP, None),
        ("经营者身份证明", REQ, ELEC, APP, None),
        ("经营场所使用证明", REQ, ELEC, APP, None),
    ], served_party=PERSON, online_depth=4, max_visits=0, high_frequency=True),
    _item("amr_drug_retail", "city-amr", "000120301000", "药品零售许可", LIC, 15, 10, [
        ("药品经营许可证申请表", REQ, BOTH, APP, None),
        LICENCE,
        ("执业药师注册证及身份证明", REQ, PAPER, OTH, None),
        ("经营场所、仓库平面布局图及产权或租赁证明", REQ, PAPER, APP, None),
        ("药品质量管理文件目录", REQ, ELEC, APP, None),
    ], max_visits=2, deliver=True, effective_date=date(2025, 3, 1)),
    _item("amr_device_filing", "city-amr", "000120302000", "第二类医疗器械经营备案", FIL, 1, 0, [
        ("第二类医疗器械经营备案表", REQ, ELEC, APP, None),
        LICENCE,
        ("经营场所、库房地址的地理位置图、平面图及产权或租赁证明", REQ, ELEC, APP, None),
        ("经营质量管理制度、工作程序目录", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0),
    _item("amr_special_equipment", "city-amr", "000120401000", "特种设备使用登记", CONF, 15, 5, [
        ("特种设备使用登记表", REQ, BOTH, APP, None),
        ("产品合格证（含产品数据表）", REQ, PAPER, OTH, None),
        ("监督检验证明", REQ, PAPER, INT, None),
        ("使用单位营业执照", OPT, ELEC, GOV, "amr_setup"),
    ], intermediary="特种设备监督检验", high_frequency=True, effective_date=date(2024, 9, 1)),

    # ===================================== 县区市场监管局 =====================================
    _item("dongzhi_setup", "dongzhi-amr", "000120103000", "企业设立登记", CONF, 3, 0, [
        ("公司登记（备案）申请书", REQ, ELEC, APP, None),
        ("法定代表人、股东、董事、监事身份证明", REQ, ELEC, APP, None),
        ("住所（经营场所）使用证明", REQ, ELEC, APP, None),
        ("公司章程", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0, high_frequency=True),
    # A county window without delegated authority or a letter: a finding waiting to be made.
    _item("dongzhi_food", "dongzhi-amr", "000120110000", "食品经营许可", LIC, 10, 7, [
        ("食品经营许可申请书", REQ, BOTH, APP, None),
        ("营业执照", REQ, PAPER, GOV, "dongzhi_setup"),
        ("经营场所平面布局图及设备布局、工艺流程图", REQ, PAPER, APP, None),
        ("食品安全管理制度", REQ, PAPER, APP, None),
        ("食品安全管理人员及从业人员健康证明", REQ, PAPER, OTH, None),
        ("法定代表人身份证复印件", REQ, PAPER, APP, None),
    ], online_depth=2, max_visits=2, window_authorized=False, has_authorization_letter=False,
        high_frequency=True, deliver=True),
    _item("guichi_setup", "guichi-amr", "000120103000", "企业设立登记", CONF, 3, 0, [
        ("公司登记（备案）申请书", REQ, ELEC, APP, None),
        ("法定代表人、股东、董事、监事身份证明", REQ, ELEC, APP, None),
        ("住所（经营场所）使用证明", REQ, ELEC, APP, None),
        ("公司章程", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0, high_frequency=True),
    _item("guichi_food", "guichi-amr", "000120110000", "食品经营许可", LIC, 10, 5, [
        ("食品经营许可申请书", REQ, ELEC, APP, None),
        ("营业执照", REQ, ELEC, GOV, "guichi_setup"),
        ("经营场所平面布局图及设备布局、工艺流程图", REQ, ELEC, APP, None),
        ("食品安全管理制度", REQ, ELEC, APP, None),
    ], high_frequency=True),
    _item("guichi_individual", "guichi-amr", "000120107000", "个体工商户登记", CONF, 3, 0, [
        ("个体工商户登记申请书", REQ, ELEC, APP, None),
        ("经营者身份证明", REQ, ELEC, APP, None),
        ("经营场所使用证明", REQ, ELEC, APP, None),
    ], served_party=PERSON, online_depth=4, max_visits=0, high_frequency=True),

    # ===================================== 市住房和城乡建设局 =====================================
    _item("housing_construction_permit", "city-housing", "000114005000", "建筑工程施工许可证核发", LIC, 7, 3, [
        ("建筑工程施工许可证申请表", REQ, ELEC, APP, None),
        ("用地批准手续（国有建设用地使用权出让合同）", REQ, ELEC, GOV, "nrp_land_grant"),
        ("建设工程规划许可证", REQ, ELEC, GOV, "nrp_building_permit"),
        ("施工图设计文件审查合格书", REQ, ELEC, INT, None),
        ("施工合同", REQ, ELEC, APP, None),
    ], intermediary="施工图审查", high_frequency=True, deliver=True, effective_date=date(2024, 6, 1)),
    _item("housing_fire_design", "city-housing", "000114013000", "特殊建设工程消防设计审查", LIC, 15, 10, [
        ("消防设计审查申请表", REQ, ELEC, APP, None),
        ("消防设计文件", REQ, ELEC, INT, None),
        ("建设工程规划许可证", REQ, ELEC, GOV, "nrp_building_permit"),
        ("依法需要批准的临时性建筑的批准文件", OPT, PAPER, OTH, None),
    ], intermediary="消防设计文件技术服务", effective_date=date(2024, 6, 1)),
    _item("housing_fire_acceptance", "city-housing", "000114014000", "建设工程消防验收", LIC, 15, 10, [
        ("消防验收申请表", REQ, ELEC, APP, None),
        ("工程竣工验收报告", REQ, ELEC, APP, None),
        ("消防设施检测报告", REQ, ELEC, INT, None),
        ("涉及消防的建设工程竣工图纸", REQ, ELEC, APP, None),
    ], intermediary="消防设施检测", high_frequency=True, max_visits=2, deliver=True),
    # [自证] 住建局 demands its own 消防验收意见 and 施工许可证.
    _item("housing_completion_filing", "city-housing", "000114016000",
          "房屋建筑和市政基础设施工程竣工验收备案", FIL, 15, 5, [
              ("竣工验收备案表", REQ, ELEC, APP, None),
              ("工程竣工验收报告", REQ, ELEC, APP, None),
              ("建设工程消防验收意见书", REQ, ELEC, GOV, "housing_fire_acceptance"),
              ("建筑工程施工许可证", REQ, ELEC, GOV, "housing_construction_permit"),
              ("施工单位签署的工程质量保修书", REQ, PAPER, APP, None),
          ]),
    _item("housing_dev_qual", "city-housing", "000114020000", "房地产开发企业资质核定（二级）", LIC, 20, 10, [
        ("房地产开发企业资质申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("专业管理人员职称证书及劳动合同", REQ, ELEC, APP, None),
        ("企业质量管理制度", REQ, ELEC, APP, None),
    ], window_authorized=True, has_authorization_letter=False),
    _item("housing_presale", "city-housing", "000114024000", "商品房预售许可", LIC, 10, 5, [
        ("商品房预售许可申请表", REQ, ELEC, APP, None),
        ("房地产开发企业资质证书", REQ, ELEC, GOV, "housing_dev_qual"),
        ("不动产权证书（土地）", REQ, ELEC, GOV, "nrp_realestate"),
        ("建设工程规划许可证", REQ, ELEC, GOV, "nrp_building_permit"),
        ("建筑工程施工许可证", REQ, ELEC, GOV, "housing_construction_permit"),
        ("商品房预售方案", REQ, ELEC, APP, None),
    ], deliver=True, effective_date=date(2025, 3, 1)),
    _item("qingyang_construction_permit", "qingyang-housing", "000114005000", "建筑工程施工许可证核发", LIC, 7, 5, [
        ("建筑工程施工许可证申请表", REQ, PAPER, APP, None),
        ("用地批准手续（国有建设用地使用权出让合同）", REQ, PAPER, GOV, "nrp_land_grant"),
        ("建设工程规划许可证", REQ, PAPER, GOV, "nrp_building_permit"),
        ("施工图设计文件审查合格书", REQ, PAPER, INT, None),
        ("施工合同", REQ, PAPER, APP, None),
        ("建设资金已经落实承诺书", REQ, PAPER, APP, None),
    ], online_depth=2, max_visits=2, intermediary="施工图审查", high_frequency=True),
    _item("qingyang_sewage", "qingyang-housing", "000114028000", "城镇污水排入排水管网许可", LIC, 15, 7, [
        ("城镇污水排入排水管网许可申请表", REQ, PAPER, APP, None),
        ("营业执照", REQ, PAPER, GOV, "amr_setup"),
        ("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明", REQ, PAPER, APP, None),
        ("排水水质检测报告", REQ, PAPER, INT, None),
    ], online_depth=2, intermediary="排水水质检测", window_authorized=False, has_authorization_letter=False),

    # ===================================== 市自然资源和规划局 =====================================
    _item("nrp_land_grant", "city-nrp", "000140101000", "国有建设用地使用权出让", OTHP, 20, 15, [
        ("国有建设用地使用权出让申请", REQ, PAPER, APP, None),
        LICENCE,
        ("竞买（成交）确认书", REQ, PAPER, OTH, None),
        ("土地出让价款缴纳凭证", REQ, PAPER, OTH, None),
    ], in_hall=False, max_visits=2, online_depth=2, window_authorized=False, has_authorization_letter=False,
        effective_date=date(2024, 1, 1)),
    _item("nrp_land_plan", "city-nrp", "000140201000", "建设用地规划许可证核发", LIC, 20, 5, [
        ("建设用地规划许可申请表", REQ, ELEC, APP, None),
        ("国有建设用地使用权出让合同", REQ, ELEC, GOV, "nrp_land_grant"),
        ("建设项目批准、核准或备案文件", REQ, ELEC, OTH, None),
        LICENCE,
    ], high_frequency=True, deliver=True),
    # [循环证明·3] second edge: 建设工程规划许可证核发 demands the 不动产权证书 (land).
    _item("nrp_building_permit", "city-nrp", "000140202000", "建设工程规划许可证核发", LIC, 20, 5, [
        ("建设工程规划许可申请表", REQ, ELEC, APP, None),
        ("不动产权证书（土地）或用地证明", REQ, ELEC, GOV, "nrp_realestate"),
        ("建设用地规划许可证", REQ, ELEC, GOV, "nrp_land_plan"),
        ("建设工程设计方案", REQ, ELEC, APP, None),
    ], high_frequency=True, deliver=True, effective_date=date(2024, 6, 1)),
    # [循环证明·3] third edge: first registration of a new building demands the water company's
    # 供水接入证明, which closes the circle back to 供水报装.
    _item("nrp_realestate", "city-nrp", "000140301000", "不动产登记", CONF, 30, 5, [
        ("不动产登记申请书", REQ, PAPER, APP, None),
        ("申请人身份证明", REQ, ELEC, APP, None),
        ("权属来源证明材料", REQ, PAPER, APP, None),
        ("不动产买卖合同或其他相关合同", REQ, PAPER, APP, None),
        ("供水接入证明（新建房屋首次登记）", REQ, PAPER, GOV, "water_connect"),
        ("契税完税凭证", REQ, ELEC, GOV, "tax_deed"),
    ], served_party=ANY, fee="80.00",
        fee_basis="《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
        intermediary="房产测绘", high_frequency=True, location="池州市政务服务中心一楼不动产登记窗口"),
    # [循环证明·2] 不动产抵押登记 demands the 借款合同 of 住房公积金贷款 …
    _item("nrp_mortgage", "city-nrp", "000140302000", "不动产抵押登记", CONF, 30, 3, [
        ("不动产登记申请书", REQ, PAPER, APP, None),
        ("申请人身份证明", REQ, ELEC, APP, None),
        ("不动产权证书", REQ, ELEC, GOV, "nrp_realestate"),
        ("住房公积金借款合同（主债权合同）", REQ, PAPER, GOV, "hpf_loan"),
        ("抵押合同", REQ, PAPER, APP, None),
    ], served_party=ANY, fee="80.00",
        fee_basis="《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
        high_frequency=True, location="池州市政务服务中心一楼不动产登记窗口"),
    _item("nrp_realestate_query", "city-nrp", "000140305000", "不动产登记资料查询", PUB, 1, 0, [
        ("不动产登记资料查询申请书", REQ, ELEC, APP, None),
        ("查询人身份证明", REQ, ELEC, APP, None),
    ], served_party=ANY, online_depth=4, max_visits=0, enterprise_related=False,
        location="池州市政务服务中心一楼不动产登记窗口"),

    # ===================================== 市生态环境局 =====================================
    _item("eco_eia", "city-eco", "000117002000", "建设项目环境影响报告表审批", LIC, 30, 10, [
        ("建设项目环境影响评价审批申请", REQ, ELEC, APP, None),
        ("建设项目环境影响报告表", REQ, ELEC, INT, None),
        ("建设项目环评信息公开说明", OPT, ELEC, APP, None),
    ], intermediary="环评报告编制", high_frequency=True, deliver=True, effective_date=date(2024, 4, 1)),
    _item("eco_eia_book", "city-eco", "000117001000", "建设项目环境影响报告书审批", LIC, 60, 20, [
        ("建设项目环境影响评价审批申请", REQ, ELEC, APP, None),
        ("建设项目环境影响报告书", REQ, ELEC, INT, None),
        ("公众参与说明", REQ, ELEC, APP, None),
    ], intermediary="环评报告编制", max_visits=2, deliver=True, effective_date=date(2024, 4, 1)),
    _item("eco_discharge", "city-eco", "000117010000", "排污许可证核发", LIC, 20, 10, [
        ("排污许可证申请表", REQ, ELEC, APP, None),
        ("环境影响评价文件批复", REQ, ELEC, GOV, "eco_eia"),
        ("自行监测方案", REQ, ELEC, APP, None),
        LICENCE,
    ], online_depth=4, max_visits=0, high_frequency=True, effective_date=date(2024, 4, 1)),
    _item("eco_hazardous", "city-eco", "000117020000", "危险废物经营许可", LIC, 20, 15, [
        ("危险废物经营许可证申请书", REQ, PAPER, APP, None),
        LICENCE,
        ("环境影响评价文件批复", REQ, PAPER, GOV, "eco_eia"),
        ("排污许可证", REQ, PAPER, GOV, "eco_discharge"),
        ("专业技术人员职称证明及劳动合同", REQ, PAPER, APP, None),
        ("处置设施、设备及配套污染防治设施说明", REQ, PAPER, APP, None),
    ], in_hall=False, online_depth=2, max_visits=2, window_authorized=False, has_authorization_letter=False,
        location="池州市生态环境局行政审批科"),

    # ===================================== 市人力资源和社会保障局 =====================================
    _item("hrss_hr_service", "city-hrss", "000113010000", "人力资源服务许可", LIC, 20, 10, [
        ("人力资源服务许可申请书", REQ, ELEC, APP, None),
        LICENCE,
        ("经营场所使用证明", REQ, ELEC, APP, None),
        ("专职工作人员资质证明", REQ, ELEC, APP, None),
        ("人力资源服务工作制度", REQ, ELEC, APP, None),
    ], high_frequency=True),
    _item("hrss_dispatch", "city-hrss", "000113011000", "劳务派遣经营许可", LIC, 20, 10, [
        ("劳务派遣经营许可申请书", REQ, ELEC, APP, None),
        LICENCE,
        ("注册资本实缴证明（验资报告）", REQ, ELEC, INT, None),
        ("经营场所使用证明", REQ, ELEC, APP, None),
        ("劳务派遣管理制度", REQ, ELEC, APP, None),
    ], intermediary="验资", high_frequency=True),
    _item("hrss_social_reg", "city-hrss", "000113020000", "社会保险登记（单位）", CONF, 1, 0, [
        ("社会保险登记表", REQ, ELEC, APP, None),
        LICENCE,
    ], online_depth=4, max_visits=0, high_frequency=True),
    _item("hrss_employment", "city-hrss", "000113030000", "就业登记", PUB, 1, 0, [
        ("就业登记表", REQ, ELEC, APP, None),
        ("劳动者身份证明", REQ, ELEC, APP, None),
        ("劳动合同", OPT, ELEC, APP, None),
    ], served_party=ANY, online_depth=4, max_visits=0, high_frequency=True),
    _item("hrss_unemployment", "city-hrss", "000113040000", "失业保险金申领", PAY, 10, 3, [
        ("失业保险金申领登记表", REQ, ELEC, APP, None),
        ("身份证明", REQ, ELEC, APP, None),
        ("解除或终止劳动关系证明", REQ, ELEC, APP, None),
        ("社会保障卡或银行账户信息", REQ, ELEC, APP, None),
    ], served_party=PERSON, online_depth=4, max_visits=0, enterprise_related=False, high_frequency=True),
    _item("shitai_employment", "shitai-hrss", "000113030000", "就业登记", PUB, 1, 0, [
        ("就业登记表", REQ, PAPER, APP, None),
        ("劳动者身份证明", REQ, PAPER, APP, None),
        ("劳动合同", REQ, PAPER, APP, None),
        ("单位营业执照复印件", REQ, PAPER, GOV, "amr_setup"),
    ], served_party=ANY, online_depth=2, max_visits=1, high_frequency=True),
    _item("shitai_unemployment", "shitai-hrss", "000113040000", "失业保险金申领", PAY, 10, 7, [
        ("失业保险金申领登记表", REQ, PAPER, APP, None),
        ("身份证明", REQ, PAPER, APP, None),
        ("解除或终止劳动关系证明", REQ, PAPER, APP, None),
        ("社会保障卡或银行账户信息", REQ, PAPER, APP, None),
    ], served_party=PERSON, online_depth=3, max_visits=1, enterprise_related=False),

    # ===================================== 市卫生健康委员会 =====================================
    _item("health_public_place", "city-health", "000115020000", "公共场所卫生许可", LIC, 20, 5, [
        ("公共场所卫生许可申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("卫生检测（评价）报告", REQ, ELEC, INT, None),
        ("公共场所平面布局图", REQ, ELEC, APP, None),
        ("卫生管理制度", OPT, ELEC, APP, None),
    ], intermediary="公共场所卫生检测", high_frequency=True, effective_date=date(2025, 7, 1)),
    _item("health_institution", "city-health", "000115001000", "医疗机构执业登记", LIC, 45, 20, [
        ("医疗机构执业登记申请书", REQ, PAPER, APP, None),
        ("房屋产权证明或使用证明", REQ, PAPER, APP, None),
        ("建设工程消防验收意见书", REQ, PAPER, GOV, "housing_fire_acceptance"),
        ("医疗机构用房平面布局图", REQ, PAPER, APP, None),
        ("卫生技术人员名录及执业证书", REQ, PAPER, APP, None),
        ("医疗机构规章制度", REQ, PAPER, APP, None),
    ], max_visits=2, online_depth=2, window_authorized=True, has_authorization_letter=False,
        deliver=True),
    # [自证] 卫健委 demands the 医疗机构执业许可证 it issued itself.
    _item("health_physician", "city-health", "000115005000", "医师执业注册", LIC, 20, 5, [
        ("医师执业注册申请审核表", REQ, ELEC, APP, None),
        ("医师资格证书", REQ, ELEC, OTH, None),
        ("医疗机构执业许可证", REQ, ELEC, GOV, "health_institution"),
        ("近6个月内的健康体检证明", REQ, ELEC, OTH, None),
    ], served_party=PERSON, online_depth=4, max_visits=0, enterprise_related=False),

    # ===================================== 市交通运输局 =====================================
    _item("transport_freight", "city-transport", "000116010000", "道路货物运输经营许可", LIC, 20, 5, [
        ("道路货物运输经营申请表", REQ, ELEC, APP, None),
        ("负责人身份证明", REQ, ELEC, APP, None),
        ("拟投入车辆情况（机动车行驶证）", REQ, ELEC, OTH, None),
        ("驾驶人员从业资格证", REQ, ELEC, GOV, "transport_qualification"),
        ("安全生产管理制度文本", REQ, ELEC, APP, None),
    ], high_frequency=True, effective_date=date(2024, 10, 1)),
    # [自证] 交通运输局 demands the 从业资格证 it issued itself.
    _item("transport_taxi", "city-transport", "000116020000", "出租汽车经营许可", LIC, 20, 10, [
        ("出租汽车经营申请表", REQ, PAPER, APP, None),
        LICENCE,
        ("驾驶员从业资格证", REQ, PAPER, GOV, "transport_qualification"),
        ("经营场所、停车场地使用证明", REQ, PAPER, APP, None),
        ("拟投入车辆承诺书", REQ, PAPER, APP, None),
    ], max_visits=2, online_depth=2, window_authorized=False, has_authorization_letter=False),
    _item("transport_qualification", "city-transport", "000116030000", "道路运输从业人员从业资格", CONF, 10, 5, [
        ("道路运输从业人员从业资格申请表", REQ, ELEC, APP, None),
        ("身份证明", REQ, ELEC, APP, None),
        ("机动车驾驶证", REQ, ELEC, OTH, None),
        ("无犯罪记录证明", REQ, ELEC, GOV, "police_no_crime"),
    ], served_party=PERSON, enterprise_related=False, high_frequency=True),

    # ===================================== 市医疗保障局 =====================================
    _item("medsec_designated", "city-medsec", "000112010000", "医保定点医药机构申请", OTHP, 90, 60, [
        ("定点医药机构申请表", REQ, ELEC, APP, None),
        ("医疗机构执业许可证", OPT, ELEC, GOV, "health_institution"),
        ("药品经营许可证", OPT, ELEC, GOV, "amr_drug_retail"),
        ("医保信息系统建设情况说明", REQ, ELEC, APP, None),
        ("医保管理制度", REQ, ELEC, APP, None),
    ], limit_unit="calendar_days", max_visits=1, effective_date=date(2025, 1, 1)),
    _item("medsec_enroll", "city-medsec", "000112020000", "城乡居民基本医疗保险参保登记", PUB, 1, 0, [
        ("参保登记表", REQ, ELEC, APP, None),
        ("身份证明", REQ, ELEC, APP, None),
    ], served_party=PERSON, online_depth=4, max_visits=0, enterprise_related=False, high_frequency=True),
    _item("medsec_remote", "city-medsec", "000112030000", "异地就医备案", FIL, 1, 0, [
        ("异地就医备案表", REQ, ELEC, APP, None),
        ("参保人身份证明", REQ, ELEC, APP, None),
    ], served_party=PERSON, online_depth=4, max_visits=0, enterprise_related=False, high_frequency=True),

    # ===================================== 市公安局 =====================================
    _item("police_hukou", "city-police", "000111010000", "户口迁移（购房落户）", CONF, 20, 5, [
        ("户口迁移申请表", REQ, PAPER, APP, None),
        ("居民户口簿", REQ, PAPER, APP, None),
        ("不动产权证书", REQ, PAPER, GOV, "nrp_realestate"),
    ], served_party=PERSON, enterprise_related=False, high_frequency=True),
    _item("police_residence", "city-police", "000111020000", "居住证办理", PUB, 15, 7, [
        ("居住证申领登记表", REQ, PAPER, APP, None),
        ("居民身份证", REQ, PAPER, APP, None),
        ("居住证明（租赁合同或不动产权证书）", REQ, PAPER, APP, None),
        ("近期免冠照片", OPT, ELEC, APP, None),
    ], served_party=PERSON, enterprise_related=False, limit_unit="calendar_days", deliver=True),
    _item("police_no_crime", "city-police", "000111030000", "无犯罪记录证明", PUB, 3, 0, [
        ("无犯罪记录证明申请表", REQ, ELEC, APP, None),
        ("申请人身份证明", REQ, ELEC, APP, None),
    ], served_party=PERSON, online_depth=4, max_visits=0, enterprise_related=False, high_frequency=True),
    _item("police_seal", "city-police", "000111040000", "公章刻制备案", FIL, 1, 0, [
        ("印章刻制备案申请", REQ, ELEC, APP, None),
        LICENCE,
        ID_PROOF,
    ], online_depth=4, max_visits=0, high_frequency=True),

    # ===================================== 市财政局 =====================================
    _item("finance_bookkeeping", "city-finance", "000107010000", "代理记账机构设立审批", LIC, 10, 5, [
        ("代理记账资格申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("专职从业人员会计资格证明", REQ, ELEC, APP, None),
        ("主管代理记账业务负责人身份证明及职称证明", REQ, ELEC, APP, None),
        ("办公场所使用证明", REQ, ELEC, APP, None),
        ("代理记账业务内部规范", REQ, ELEC, APP, None),
    ], window_authorized=True, has_authorization_letter=False, high_frequency=True),

    # ===================================== 市文化和旅游局 =====================================
    _item("culture_travel_agency", "city-culture", "000118010000", "旅行社设立许可", LIC, 20, 10, [
        ("旅行社设立申请书", REQ, ELEC, APP, None),
        LICENCE,
        PREMISES,
        ("旅游服务质量保证金存缴证明", REQ, ELEC, OTH, None),
    ], high_frequency=True),
    _item("culture_entertainment", "city-culture", "000118020000", "娱乐场所经营许可", LIC, 20, 10, [
        ("娱乐场所经营许可申请表", REQ, PAPER, APP, None),
        LICENCE,
        PREMISES,
        ("公众聚集场所投入使用、营业前消防安全检查合格证", REQ, PAPER, GOV, "fire_check"),
        ("法定代表人、主要负责人无犯罪记录承诺书", REQ, PAPER, APP, None),
    ], max_visits=2, online_depth=2, window_authorized=False, has_authorization_letter=True,
        high_frequency=True),
    _item("culture_performance", "city-culture", "000118030000", "营业性演出审批", LIC, 3, 2, [
        ("营业性演出申请表", REQ, ELEC, APP, None),
        ("演出合同或协议", REQ, ELEC, APP, None),
        ("演员名单及身份证明", REQ, ELEC, APP, None),
        ("演出节目内容材料", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0),

    # ===================================== 市城市管理局 =====================================
    # [重复证明] 开办餐饮店: 营业执照 again.
    _item("urban_sewage", "city-urban", "000114028000", "城镇污水排入排水管网许可", LIC, 15, 5, [
        ("城镇污水排入排水管网许可申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明", REQ, ELEC, APP, None),
        ("排水水质检测报告", REQ, ELEC, INT, None),
        ("排水许可告知承诺书", OPT, ELEC, APP, None),
    ], intermediary="排水水质检测", high_frequency=True, effective_date=date(2025, 7, 1)),
    # [重复证明] 开办餐饮店: 营业执照 again.
    _item("urban_outdoor_ad", "city-urban", "000114030000", "户外广告设置许可", LIC, 20, 5, [
        ("户外广告设施设置申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("设置效果图及结构安全说明", REQ, ELEC, APP, None),
        ("设置场地使用权证明", REQ, ELEC, APP, None),
    ], high_frequency=True),
    _item("urban_road_dig", "city-urban", "000114031000", "城市道路占用、挖掘许可", LIC, 20, 5, [
        ("城市道路占用、挖掘申请表", REQ, PAPER, APP, None),
        ("建设工程规划许可证", REQ, PAPER, GOV, "nrp_building_permit"),
        ("施工方案及交通疏导方案", REQ, PAPER, APP, None),
        ("道路挖掘施工图", REQ, PAPER, APP, None),
    ], online_depth=3, max_visits=1),
    _item("urban_waste", "city-urban", "000114033000", "城市建筑垃圾处置核准", LIC, 20, 3, [
        ("建筑垃圾处置核准申请表", REQ, ELEC, APP, None),
        ("建筑垃圾处置方案", REQ, ELEC, APP, None),
        ("运输车辆行驶证及运输单位证明", REQ, ELEC, OTH, None),
    ], online_depth=4, max_visits=0),

    # ===================================== 市住房公积金管理中心 =====================================
    _item("hpf_withdraw", "city-hpf", "000121010000", "住房公积金提取（购房）", PUB, 5, 0, [
        ("住房公积金提取申请表", REQ, ELEC, APP, None),
        ("身份证明", REQ, ELEC, APP, None),
        ("不动产权证书或购房合同", REQ, ELEC, GOV, "nrp_realestate"),
    ], served_party=PERSON, online_depth=4, max_visits=0, enterprise_related=False, high_frequency=True),
    # [循环证明·2] … and 住房公积金贷款 demands the 不动产登记证明（抵押）of 不动产抵押登记.
    _item("hpf_loan", "city-hpf", "000121020000", "住房公积金贷款", PUB, 15, 10, [
        ("住房公积金个人贷款申请表", REQ, PAPER, APP, None),
        ("借款人及配偶身份证明", REQ, PAPER, APP, None),
        ("购房合同", REQ, PAPER, APP, None),
        ("婚姻状况证明", REQ, PAPER, OTH, None),
        ("不动产登记证明（抵押权）", REQ, PAPER, GOV, "nrp_mortgage"),
    ], served_party=PERSON, enterprise_related=False, max_visits=2, high_frequency=True, deliver=True),
    _item("hpf_open", "city-hpf", "000121030000", "单位住房公积金缴存登记", PUB, 1, 0, [
        ("单位住房公积金缴存登记表", REQ, ELEC, APP, None),
        LICENCE,
    ], online_depth=4, max_visits=0, high_frequency=True),

    # ===================================== 市数据资源管理局 =====================================
    _item("data_startup", "city-data", "000199010000", "企业开办“一件事”综合受理", PUB, 1, 0, [
        ("企业开办一表申请", REQ, ELEC, APP, None),
        ("股东及经办人身份证明", REQ, ELEC, APP, None),
        ("住所（经营场所）使用证明", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0, high_frequency=True, effective_date=date(2026, 1, 1)),
    _item("data_public_request", "city-data", "000199020000", "公共数据开放申请", PUB, 20, 10, [
        ("公共数据开放利用申请表", REQ, ELEC, APP, None),
        ("数据使用场景说明", REQ, ELEC, APP, None),
        ("数据安全承诺书", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0, effective_date=date(2026, 1, 1)),

    # ===================================== 国家税务总局池州市税务局 =====================================
    _item("tax_new", "tax", "000190010000", "新办纳税人“套餐式”服务（税务登记信息确认）", OTHP, 1, 0, [
        ("新办纳税人套餐式服务申请表", REQ, ELEC, APP, None),
        LICENCE,
        ID_PROOF,
    ], online_depth=4, max_visits=0, high_frequency=True),
    _item("tax_invoice", "tax", "000190020000", "发票领用", OTHP, 1, 0, [
        ("发票领用申请", REQ, ELEC, APP, None),
        ("经办人身份证明", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0, high_frequency=True),
    _item("tax_clear", "tax", "000190030000", "清税证明开具", OTHP, 1, 0, [
        ("清税申报表", REQ, ELEC, APP, None),
        ("经办人身份证明", REQ, ELEC, APP, None),
    ], online_depth=4, max_visits=0),
    _item("tax_deed", "tax", "000190040000", "契税申报缴纳", LEVY, 1, 0, [
        ("契税纳税申报表", REQ, ELEC, APP, None),
        ("不动产买卖合同", REQ, ELEC, APP, None),
        ("纳税人身份证明", REQ, ELEC, APP, None),
    ], served_party=ANY, online_depth=3, max_visits=1, high_frequency=True),

    # ===================================== 池州市消防救援支队 =====================================
    # [重复证明] 开办餐饮店: 营业执照 again.
    _item("fire_check", "fire", "000191010000", "公众聚集场所投入使用、营业前消防安全检查", LIC, 10, 5, [
        ("公众聚集场所投入使用、营业前消防安全检查申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("消防安全告知承诺书", REQ, ELEC, APP, None),
        ("场所平面布置图、消防设施平面图", REQ, ELEC, APP, None),
    ], high_frequency=True, deliver=True, effective_date=date(2024, 5, 1)),

    # ===================================== 池州市烟草专卖局 =====================================
    _item("tobacco_retail", "tobacco", "000192010000", "烟草专卖零售许可证核发", LIC, 20, 5, [
        ("烟草专卖零售许可证申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("经营场所使用证明", REQ, ELEC, APP, None),
        ("经营者身份证明", REQ, ELEC, APP, None),
    ], served_party=ANY, high_frequency=True),
    _item("tobacco_renew", "tobacco", "000192020000", "烟草专卖零售许可证延续", LIC, 20, 3, [
        ("烟草专卖零售许可证延续申请表", REQ, ELEC, APP, None),
        ("原烟草专卖零售许可证", REQ, PAPER, GOV, "tobacco_retail"),
        LICENCE,
    ], served_party=ANY),

    # ===================================== 公用企业：水电气 =====================================
    _item("power_low", "power", "000193010000", "用电报装（低压小微企业）", PUB, 15, 5, [
        ("用电申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("用电地址物业权属证明或租赁协议", DEF, ELEC, APP, None),
    ], online_depth=4, max_visits=0, high_frequency=True, effective_date=date(2025, 1, 1),
        steps=[("受理", "客户经理", 1), ("现场勘查", "客户经理", 1), ("外线施工", "施工班组", 2),
               ("装表接电", "装表接电班组", 1)]),
    _item("power_high", "power", "000193020000", "用电报装（高压）", PUB, 45, 30, [
        ("用电申请表", REQ, ELEC, APP, None),
        LICENCE,
        ("建设工程规划许可证", REQ, ELEC, GOV, "nrp_building_permit"),
        ("用电设备清单", REQ, ELEC, APP, None),
        ("受电工程设计文件", REQ, ELEC, INT, None),
    ], limit_unit="calendar_days", max_visits=1, intermediary="受电工程设计",
        steps=[("受理", "客户经理", 1), ("供电方案答复", "营销部", 10), ("设计审查", "营销部", 5),
               ("中间检查", "营销部", 3), ("竣工检验", "营销部", 5), ("装表接电", "装表接电班组", 5)]),
    # [循环证明·3] first edge: 供水报装 demands the 建设工程规划许可证.
    _item("water_connect", "water", "000193030000", "供水报装", PUB, 20, 8, [
        ("用水报装申请表", REQ, ELEC, APP, None),
        ("营业执照或身份证明", REQ, ELEC, GOV, "amr_setup"),
        ("建设工程规划许可证", REQ, ELEC, GOV, "nrp_building_permit"),
        ("用水设施设计图纸", REQ, ELEC, APP, None),
    ], online_depth=3, max_visits=1, high_frequency=True,
        steps=[("受理", "营业厅客户经理", 1), ("现场勘察", "工程技术部", 2), ("设计及预算", "工程技术部", 2),
               ("工程施工", "施工班组", 2), ("通水", "营业厅客户经理", 1)]),
    _item("gas_connect", "gas", "000193040000", "燃气报装", PUB, 20, 8, [
        ("用气报装申请表", REQ, ELEC, APP, None),
        ("营业执照或身份证明", REQ, ELEC, GOV, "amr_setup"),
        ("不动产权证书或租赁合同", OPT, ELEC, GOV, "nrp_realestate"),
        ("用气设备清单", REQ, ELEC, APP, None),
    ], online_depth=3, max_visits=1, high_frequency=True,
        steps=[("受理", "营业厅客户经理", 1), ("现场勘察", "工程技术部", 2), ("方案设计", "工程技术部", 2),
               ("工程施工", "施工班组", 2), ("通气点火", "营业厅客户经理", 1)]),
]

# 一件事一次办 bundles: name -> item keys, in the order an applicant meets them.
BUNDLES = {
    # [重复证明] every item after the first demands the 营业执照 the first one issues.
    "开办餐饮店": ["amr_setup", "amr_food", "fire_check", "urban_sewage", "urban_outdoor_ad"],
    "水电气网联合报装": ["power_low", "water_connect", "gas_connect"],
    "开办运输企业": ["amr_setup", "transport_qualification", "transport_freight"],
    "企业开办": ["data_startup", "amr_setup", "police_seal", "tax_new", "hrss_social_reg", "hpf_open"],
}


def _default_steps(item: dict) -> list[tuple[str, str, int]]:
    """受理 → 审查 → 决定 → 办结 (→ 送达): the step days add up to the promised limit."""
    promised = item["promised_limit_days"]
    if promised == 0:
        steps = [("受理", "窗口工作人员", 0), ("审查", "窗口工作人员", 0), ("决定", "窗口负责人", 0),
                 ("办结", "窗口工作人员", 0)]
    else:
        accept = 1 if promised >= 4 else 0
        decide = max(1, promised // 4) if promised >= 2 else 0
        review = promised - accept - decide
        steps = [("受理", "窗口工作人员", accept), ("审查", "科室负责人", review), ("决定", "分管领导", decide),
                 ("办结", "窗口工作人员", 0)]
    if item["deliver"]:
        steps.append(("送达", "窗口工作人员", 0))
    return steps


def _finish(items: list[dict]) -> None:
    """Fill defaults, the implementation code, location, phone, case type and steps."""
    depts = {d["code"]: d for d in DEPARTMENTS}
    for item in items:
        for field, value in ITEM_DEFAULTS.items():
            item.setdefault(field, value)
        dept = depts[item["department"]]
        # 实施编码: 基本编码 - 行政区划代码 - 000 - 统一社会信用代码 - 1 - 00
        item["code"] = f"{item['catalog_code']}-{AREA_CODES[dept['region']]}-000-{dept['credit_code']}-1-00"
        item.setdefault("location", dept["hall"])
        item.setdefault("enquiry_phone", dept["phone"])
        item.setdefault("case_type", "on_the_spot" if item["promised_limit_days"] == 0 else "promised")
        item.setdefault("steps", _default_steps(item))


_finish(ITEMS)

# ---------------------------------------------------------------------------------------------
# Demo accounts (演示账号): all with DEMO_PASSWORD
# ---------------------------------------------------------------------------------------------
DEMO_USERS = [
    {"username": "office", "role": "office", "department": None, "last_name": "王", "first_name": "主任",
     "is_staff": True, "is_superuser": False},
    {"username": "leader_amr", "role": "leader", "department": "city-amr", "last_name": "李", "first_name": "局长",
     "is_staff": False, "is_superuser": False},
    {"username": "liaison_amr", "role": "liaison", "department": "city-amr", "last_name": "张",
     "first_name": "联络员", "is_staff": False, "is_superuser": False},
    {"username": "leader_housing", "role": "leader", "department": "city-housing", "last_name": "陈",
     "first_name": "局长", "is_staff": False, "is_superuser": False},
    {"username": "liaison_housing", "role": "liaison", "department": "city-housing", "last_name": "刘",
     "first_name": "联络员", "is_staff": False, "is_superuser": False},
    {"username": "leader_dongzhi", "role": "leader", "department": "dongzhi-amr", "last_name": "赵",
     "first_name": "局长", "is_staff": False, "is_superuser": False},
    {"username": "api_hotline", "role": "api", "department": None, "last_name": "",
     "first_name": "12345热线接口", "is_staff": False, "is_superuser": False},
    {"username": "admin", "role": "office", "department": None, "last_name": "",
     "first_name": "系统管理员", "is_staff": True, "is_superuser": True},
]

# The heads and liaisons of the other departments: the people of the demo campaign (same password,
# not in the README's table). A walkthrough needs its department's head, a submitted rectification
# its liaison; four departments have a head who has not walked this period (the office chases them).
# (department, username suffix, head's surname and title, liaison's surname)
_CAMPAIGN_PEOPLE = [
    ("city-nrp", "nrp", "孙", "局长", "吴"),
    ("city-eco", "eco", "钱", "局长", "黄"),
    ("city-hrss", "hrss", "周", "局长", "徐"),
    ("city-health", "health", "郑", "主任", "马"),
    ("city-transport", "transport", "冯", "局长", "胡"),
    ("city-medsec", "medsec", "何", "局长", "林"),
    ("city-police", "police", "许", "副局长", "高"),
    ("city-finance", "finance", "曹", "局长", "罗"),
    ("city-culture", "culture", "杨", "局长", "梁"),
    ("city-urban", "urban", "朱", "局长", "宋"),
    ("city-hpf", "hpf", "秦", "主任", "唐"),
    ("city-data", "data", "汪", "局长", "董"),
    ("tax", "tax", "韩", "局长", "袁"),
    ("fire", "fire", "沈", "支队长", "邓"),
    ("tobacco", "tobacco", "吕", "局长", "萧"),
    ("power", "power", "施", "总经理", "蒋"),
    ("water", "water", "金", "总经理", "蔡"),
    ("gas", "gas", "魏", "总经理", "潘"),
    ("qingyang-housing", "qingyang", "姚", "局长", "田"),
    ("guichi-amr", "guichi", "方", "局长", "丁"),
    ("shitai-hrss", "shitai", "谢", "局长", "江"),
    ("dongzhi-amr", "dongzhi", None, None, "叶"),  # its head is leader_dongzhi, above
]
CAMPAIGN_USERS = [
    {"username": f"{role}_{suffix}", "role": role, "department": dept, "last_name": surname, "first_name": title,
     "is_staff": False, "is_superuser": False}
    for dept, suffix, head, head_title, liaison in _CAMPAIGN_PEOPLE
    for role, surname, title in (("leader", head, head_title), ("liaison", liaison, "联络员"))
    if surname is not None
]

ROLE_LABELS = {
    "office": "营商环境办公室",
    "leader": "局长（班子成员）",
    "liaison": "整改联络员",
    "api": "接口账号（只读）",
}

_DEPT_NAMES = {d["code"]: d["name"] for d in DEPARTMENTS}

# (username, role label, department name) for the README and the run script.
DEMO_ACCOUNTS = [
    (
        u["username"],
        ROLE_LABELS[u["role"]] + ("·系统管理员" if u["is_superuser"] else ""),
        _DEPT_NAMES[u["department"]] if u["department"] else "—",
    )
    for u in DEMO_USERS
]
