from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from core.views import healthz

admin.site.site_header = "casework"
admin.site.site_title = "casework"

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("communes/", include("geography.urls")),
    path("households/", include("households.urls")),
    path("reviews/", include("povertyreview.urls")),
    path("allowances/", include("beneficiaries.urls")),
    path("payments/", include("disbursements.urls")),
    path("support/", include("support.urls")),
    path("notifications/", include("notifications.urls")),
    path("privacy/", include("privacy.urls")),
    path("reports/", include("reports.urls")),
    # The API for other systems (api/): versioned in the path; v1 is the first.
    path("api/v1/", include("api.urls")),
    # The administrator's pages of the API's system clients (their credentials).
    path("api-clients/", include("api.urls_pages")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
# Uploaded files (MEDIA_ROOT) are never served from a public /media/ address, not even with DEBUG:
# each app serves its documents through a view that checks the user's scope (core/documents.py).
