"""The questions of each mode, straight from the campaign's founding notice
(its fourth paragraph: what each of the four modes checks).

Codes are stable: answers store them, findings link to them, and each names the finding category
a "problem" answer files under.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.categories import Category


@dataclass(frozen=True)
class Question:
    code: str
    section: object  # lazy label
    text: object  # lazy label
    category: str


def _q(code, section, text, category):
    return Question(code, section, text, category)


_SIMULATE = _("Simulated case (体验办)")
_ACCOMPANY = _("Accompanying an applicant (全程办)")
_WINDOW = _("At the window as staff (亲身办)")
_ELEMENTS = _("Process elements")
_SUPPORTING = _("Supporting services")
_INTERMEDIARY = _("Intermediary services")
_CERTIFICATES = _("Certificates")

SIMULATE = [
    _q("sim_online_smooth", _SIMULATE, _("Is the online process smooth?"), Category.ONLINE_PROCESS_BROKEN),
    _q("sim_window_authorized", _SIMULATE, _("Is the window fully authorised to approve?"), Category.WINDOW_NOT_AUTHORIZED),
    _q("sim_materials", _SIMULATE, _("Could the materials be reduced?"), Category.EXCESS_MATERIALS),
    _q("sim_steps", _SIMULATE, _("Could the steps be streamlined further?"), Category.EXCESS_STEPS),
    _q("sim_time_limit", _SIMULATE, _("Could the time limit be compressed further?"), Category.TIME_LIMIT),
]

ACCOMPANY = [
    _q("acc_consultation", _ACCOMPANY, _("Consultation before applying: was the applicant guided clearly?"), Category.GUIDANCE),
    _q("acc_forms", _ACCOMPANY, _("Filling in forms: were the forms easy to fill in?"), Category.FORM_DESIGN),
    _q("acc_queueing", _ACCOMPANY, _("Queueing and handling: was the wait reasonable and orderly?"), Category.HALL_ORDER),
    _q("acc_completion", _ACCOMPANY, _("Was the item completed within the promised time?"), Category.TIME_LIMIT),
    _q("acc_blockages", _ACCOMPANY, _("Were inconveniences and inefficiencies (blockages) found and cleared?"), Category.PAIN_POINT_UNRESOLVED),
    _q("acc_online_from_login", _ACCOMPANY, _("Online: from registration and login on, did the whole path work?"), Category.ONLINE_PROCESS_BROKEN),
]

SIT_AT_WINDOW = [
    _q("win_face_to_face", _WINDOW, _("Could applicants be served face to face through the whole process?"), Category.WINDOW_SERVICE),
    _q("win_process", _WINDOW, _("Is the process free of unnecessary steps (流程不优)?"), Category.PROCESS_NOT_STREAMLINED),
    _q("win_operation", _WINDOW, _("Does the work run smoothly between posts and departments (运转不畅)?"), Category.POOR_COORDINATION),
    _q("win_speed", _WINDOW, _("Could approval be faster?"), Category.TIME_LIMIT),
]

INSPECT = [
    _q("el_materials", _ELEMENTS, _("Number of required materials"), Category.EXCESS_MATERIALS),
    _q("el_time_limit", _ELEMENTS, _("Time limit"), Category.TIME_LIMIT),
    _q("el_steps", _ELEMENTS, _("Steps"), Category.EXCESS_STEPS),
    _q("el_visits", _ELEMENTS, _("Number of visits (跑动次数)"), Category.EXCESS_VISITS),
    _q("el_online", _ELEMENTS, _("Online handling"), Category.ONLINE_NOT_COVERED),
    _q("sup_hotline", _SUPPORTING, _("Hotline service"), Category.HOTLINE),
    _q("sup_online_query", _SUPPORTING, _("Online enquiry"), Category.ONLINE_QUERY),
    _q("sup_guidance", _SUPPORTING, _("Consultation and guidance"), Category.GUIDANCE),
    _q("sup_service_guide", _SUPPORTING, _("Service guide"), Category.SERVICE_GUIDE),
    _q("sup_hall_order", _SUPPORTING, _("Order in the hall"), Category.HALL_ORDER),
    _q("sup_first_inquiry", _SUPPORTING, _("First-inquiry responsibility"), Category.FIRST_INQUIRY),
    _q("sup_one_time_notice", _SUPPORTING, _("One-time notification"), Category.ONE_TIME_NOTICE),
    _q("sup_forms", _SUPPORTING, _("Form design"), Category.FORM_DESIGN),
    _q("sup_self_service", _SUPPORTING, _("Self-service"), Category.SELF_SERVICE),
    _q("sup_complaints", _SUPPORTING, _("Complaints and supervision"), Category.COMPLAINT_CHANNEL),
    _q("int_services", _INTERMEDIARY, _("Intermediary services: poor service, monopoly or arbitrary fees?"), Category.INTERMEDIARY_IRREGULAR),
    _q("cert_absurd", _CERTIFICATES, _("Absurd certificates demanded?"), Category.ABSURD_CERTIFICATE),
    _q("cert_circular", _CERTIFICATES, _("Circular certificates demanded?"), Category.CIRCULAR_CERTIFICATE),
    _q("cert_duplicate", _CERTIFICATES, _("Duplicate certificates demanded?"), Category.DUPLICATE_CERTIFICATE),
]

BY_MODE = {"simulate": SIMULATE, "accompany": ACCOMPANY, "sit_at_window": SIT_AT_WINDOW, "inspect": INSPECT}
BY_CODE = {q.code: q for questions in BY_MODE.values() for q in questions}


def questions_for(mode: str) -> list[Question]:
    return BY_MODE[mode]


def sections_for(mode: str) -> list[tuple[object, list[Question]]]:
    sections: dict[int, tuple[object, list[Question]]] = {}
    for q in BY_MODE[mode]:
        # section labels are module-level objects: the same object means the same section
        sections.setdefault(id(q.section), (q.section, []))[1].append(q)
    return list(sections.values())
