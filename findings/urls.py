from django.urls import path

from accounts.decorators import page
from core.views import evidence_download

from . import queries, views

urlpatterns = [
    path("", views.finding_list, name="finding-list"),
    path("new/", views.finding_file, name="finding-file"),
    path("bulk-assign/", views.finding_bulk_assign, name="finding-bulk-assign"),
    path("<int:pk>/", views.finding_detail, name="finding-detail"),
    path("<int:pk>/move/", views.finding_move, name="finding-move"),
    path("<int:pk>/measures/", views.finding_measures, name="finding-measures"),
    path("<int:pk>/appeal/", views.finding_appeal, name="finding-appeal"),
    path("<int:pk>/evidence/", views.finding_evidence_add, name="finding-evidence-add"),
    path("<int:pk>/comments/", views.finding_comment, name="finding-comment"),
    path("<int:pk>/rewalk/", views.finding_rewalk, name="finding-rewalk"),
    path("evidence/<int:pk>/", page(evidence_download), {"visible": queries.evidence_visible},
         name="finding-evidence-download"),
    path("proposals/<int:walkthrough_pk>/<slug:key>/", views.proposal_decide, name="finding-proposal"),
]
