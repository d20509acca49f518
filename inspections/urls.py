from django.urls import path

from accounts.decorators import page
from core.views import evidence_download

from . import queries, views

urlpatterns = [
    path("", views.walkthrough_list, name="walkthrough-list"),
    path("calendar/", views.walkthrough_calendar, name="walkthrough-calendar"),
    path("new/", views.walkthrough_plan, name="walkthrough-plan"),
    path("<int:pk>/", views.walkthrough_detail, name="walkthrough-detail"),
    path("<int:pk>/move/<str:to>/", views.walkthrough_transition, name="walkthrough-transition"),
    path("<int:pk>/events/", views.walkthrough_event_add, name="walkthrough-event-add"),
    path("<int:pk>/events/<int:event_pk>/correct/", views.walkthrough_event_correct, name="walkthrough-event-correct"),
    path("<int:pk>/evidence/", views.walkthrough_evidence_add, name="walkthrough-evidence-add"),
    path("<int:pk>/observed/", views.walkthrough_observed, name="walkthrough-observed"),
    path("<int:pk>/checklist/<str:question>/", views.walkthrough_answer, name="walkthrough-answer"),
    path("evidence/<int:pk>/", page(evidence_download), {"visible": queries.evidence_visible},
         name="evidence-download"),
]
