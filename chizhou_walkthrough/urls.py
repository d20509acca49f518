from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from accounts.decorators import page
from accounts.forms import LoginForm
from accounts.permissions import DEFAULT as DEFAULT_PERMISSIONS
from accounts.permissions import ReadsTheApiDocs
from public import api as public_api
from public import views as public
from findings import api as findings_api
from findings import certificate_api, certificate_views, dashboard_views
from findings import notification_api, notification_views
from findings.reports import api as reports_api
from inspections import api as inspections_api
from services import api as services_api
from services import views as services_views

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("departments", services_api.DepartmentViewSet, basename="department")
router.register("service-items", services_api.ServiceItemViewSet, basename="service-item")
router.register("walkthroughs", inspections_api.WalkthroughViewSet, basename="walkthrough")
router.register("findings", findings_api.FindingViewSet, basename="finding")
router.register("reports", reports_api.ReportViewSet, basename="report")
router.register("public-requests", public_api.PublicRequestViewSet, basename="public-request")
router.register("notifications", notification_api.NotificationViewSet, basename="notification")
router.register("certificate-problems", certificate_api.CertificateProblemViewSet, basename="certificate-problem")

api_v1 = [
    path("", include(router.urls)),
    path("auth/token/", accounts_api.ObtainTokenApi.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no inline
    # script; Swagger UI (React) does set inline styles, allowed on this page alone.
    path("docs/", csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(
        url_name="v1:api-schema", permission_classes=[*DEFAULT_PERMISSIONS, ReadsTheApiDocs])), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", page(auth_views.PasswordChangeView.as_view()), name="password_change"),
    path("accounts/password/done/", page(auth_views.PasswordChangeDoneView.as_view()), name="password_change_done"),
    path("catalog/", services_views.item_list, name="catalog-list"),
    path("catalog/<int:pk>/", services_views.item_detail, name="catalog-detail"),
    path("catalog/certificates/", certificate_views.certificate_graph, name="certificate-graph"),
    path("catalog/certificates/file/", certificate_views.certificate_file_finding, name="certificate-file-finding"),
    path("catalog/certificates/decide/", certificate_views.certificate_decide_legitimate, name="certificate-decide"),
    path("catalog/certificates/withdraw/", certificate_views.certificate_decision_withdraw_page, name="certificate-withdraw"),
    path("catalog/export.xlsx", services_views.catalog_download, {"fmt": "xlsx"}, name="catalog-export-xlsx"),
    path("catalog/export.csv", services_views.catalog_download, {"fmt": "csv"}, name="catalog-export-csv"),
    path("walkthroughs/", include("inspections.urls")),
    path("findings/", include("findings.urls")),
    path("reports/", include("findings.reports.urls")),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export/<slug:table>.xlsx", dashboard_views.dashboard_export, name="dashboard-export"),
    path("notifications/", notification_views.notification_list, name="notification-list"),
    path("notifications/<int:pk>/", notification_views.notification_open, name="notification-open"),
    path("notifications/read/", notification_views.notification_read_all, name="notification-read-all"),
    path("public/", public.public_request, name="public-request"),
    path("public/status/", public.public_status, name="public-status"),
    path("public-requests/", public.office_request_list, name="public-request-list"),
    path("public-requests/<int:pk>/", public.office_request_detail, name="public-request-detail"),
    path("public-requests/<int:pk>/<slug:action>/", public.office_request_act, name="public-request-act"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
]

admin.site.site_header = admin.site.site_title = _("Walkthrough campaign · administration")
admin.site.index_title = _("Chizhou business-environment office")

handler404 = "chizhou_walkthrough.views.not_found"
handler500 = "chizhou_walkthrough.views.server_error"
