"""The finding taxonomy: stable codes (API and reports use them), translated labels,
grouped by the three experiences of the campaign and the checks of the inspect mode."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryGroup(models.TextChoices):
    WINDOW = "window", _("Window experience")
    ONLINE = "online", _("Online experience")
    PROCESS = "process", _("Process experience")
    ELEMENTS = "elements", _("Process elements")
    SUPPORTING = "supporting", _("Supporting services")
    CERTIFICATES = "certificates", _("Certificates")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    ITEM_NOT_IN_HALL = "item_not_in_hall", _("Item not in the service hall")
    WINDOW_NOT_AUTHORIZED = "window_not_authorized", _("Window lacks approval authority")
    WINDOW_SERVICE = "window_service", _("Window service not optimised")
    PROCESS_NOT_STREAMLINED = "process_not_streamlined", _("Process not streamlined")
    INTERMEDIARY_IRREGULAR = "intermediary_irregular", _("Intermediary services irregular")
    PAIN_POINT_UNRESOLVED = "pain_point_unresolved", _("Pain point unresolved")
    ONLINE_NOT_COVERED = "online_not_covered", _("Not available online")
    ONLINE_PROCESS_BROKEN = "online_process_broken", _("Online process not smooth")
    ONLINE_HARD_TO_USE = "online_hard_to_use", _("Online service hard to use")
    UNCLEAR_RESPONSIBILITY = "unclear_responsibility", _("Responsibilities unclear")
    POOR_COORDINATION = "poor_coordination", _("Poor coordination between departments")
    INCONSISTENT_LEVELS = "inconsistent_levels", _("City and county levels inconsistent")
    FUND_PROJECT_MANAGEMENT = "fund_project_management", _("Fund and project management irregular")
    POLICY_NOT_IMPLEMENTED = "policy_not_implemented", _("Policy for people and enterprises not implemented")
    EXCESS_MATERIALS = "excess_materials", _("Too many materials")
    TIME_LIMIT = "time_limit", _("Time limit too long or exceeded")
    EXCESS_STEPS = "excess_steps", _("Too many steps")
    EXCESS_VISITS = "excess_visits", _("Too many visits")
    HOTLINE = "hotline", _("Hotline service")
    ONLINE_QUERY = "online_query", _("Online enquiry")
    GUIDANCE = "guidance", _("Consultation and guidance")
    SERVICE_GUIDE = "service_guide", _("Service guide")
    HALL_ORDER = "hall_order", _("Order in the hall")
    FIRST_INQUIRY = "first_inquiry", _("First-inquiry responsibility")
    ONE_TIME_NOTICE = "one_time_notice", _("One-time notification")
    FORM_DESIGN = "form_design", _("Form design")
    SELF_SERVICE = "self_service", _("Self-service")
    COMPLAINT_CHANNEL = "complaint_channel", _("Complaints and supervision")
    ABSURD_CERTIFICATE = "absurd_certificate", _("Absurd certificate")
    CIRCULAR_CERTIFICATE = "circular_certificate", _("Circular certificate")
    DUPLICATE_CERTIFICATE = "duplicate_certificate", _("Duplicate certificate")
    OTHER = "other", _("Other")


_GROUPS = {
    CategoryGroup.WINDOW: ["item_not_in_hall", "window_not_authorized", "window_service", "process_not_streamlined",
                           "intermediary_irregular", "pain_point_unresolved"],
    CategoryGroup.ONLINE: ["online_not_covered", "online_process_broken", "online_hard_to_use"],
    CategoryGroup.PROCESS: ["unclear_responsibility", "poor_coordination", "inconsistent_levels",
                            "fund_project_management", "policy_not_implemented"],
    CategoryGroup.ELEMENTS: ["excess_materials", "time_limit", "excess_steps", "excess_visits"],
    CategoryGroup.SUPPORTING: ["hotline", "online_query", "guidance", "service_guide", "hall_order", "first_inquiry",
                               "one_time_notice", "form_design", "self_service", "complaint_channel"],
    CategoryGroup.CERTIFICATES: ["absurd_certificate", "circular_certificate", "duplicate_certificate"],
    CategoryGroup.OTHER: ["other"],
}
GROUP_OF: dict[str, str] = {code: group for group, codes in _GROUPS.items() for code in codes}


def grouped_choices():
    """For <select> with <optgroup>: [(group label, [(code, label), ...]), ...]."""
    return [(group.label, [(code, Category(code).label) for code in codes]) for group, codes in _GROUPS.items()]

