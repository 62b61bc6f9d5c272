from django.urls import path, re_path
from oauth2_provider import views as oauth2_views

from api.views import cases, docs, errors, households, poverty, reports, runs, spdci, support, units

app_name = "api"
urlpatterns = [
    path("schema/", docs.Schema.as_view(), name="schema"),
    # The system clients' tokens (client credentials; django-oauth-toolkit, rules in api/oauth.py).
    path("oauth/token/", oauth2_views.TokenView.as_view(), name="oauth_token"),
    path("oauth/revoke/", oauth2_views.RevokeTokenView.as_view(), name="oauth_revoke"),
    path("docs/", docs.SwaggerUI.as_view(), name="docs"),
    path("redoc/", docs.Redoc.as_view(), name="redoc"),
    path("communes/", units.CommuneList.as_view(), name="commune_list"),
    path("communes/<str:code>/villages/", units.VillageList.as_view(), name="village_list"),
    path("households/", households.HouseholdList.as_view(), name="household_list"),
    path("households/<uuid:household_uuid>/", households.HouseholdDetail.as_view(), name="household_detail"),
    path("households/<uuid:household_uuid>/members/", households.HouseholdMembers.as_view(), name="household_members"),
    path("persons/<uuid:person_uuid>/", households.PersonDetail.as_view(), name="person_detail"),
    path("persons/<uuid:person_uuid>/death/", households.PersonDeath.as_view(), name="person_death"),
    path("communes/<str:code>/poverty-list/", poverty.PovertyList.as_view(), name="poverty_list"),
    path("cases/", cases.CaseList.as_view(), name="case_list"),
    path("cases/<uuid:case_uuid>/", cases.CaseDetail.as_view(), name="case_detail"),
    path("households/<uuid:household_uuid>/support/", support.HouseholdSupport.as_view(), name="household_support"),
    path("runs/", runs.RunList.as_view(), name="run_list"),
    path("runs/<int:run_id>/", runs.RunDetail.as_view(), name="run_detail"),
    path("runs/<int:run_id>/lines/", runs.RunLineList.as_view(), name="run_lines"),
    path("runs/<int:run_id>/report/", runs.RunReport.as_view(), name="run_report"),
    path("reports/communes/<str:code>/<int:year>/<int:month>/", reports.CommuneReport.as_view(), name="commune_report"),
    path(
        "reports/provinces/<str:code>/<int:year>/<int:month>/",
        reports.ProvinceReport.as_view(),
        name="province_report",
    ),
    # The SPDCI social-registry API, under its own paths (registry/sync/…) as its spec names them.
    path("spdci/registry/sync/search", spdci.SyncSearch.as_view(), name="spdci_sync_search"),
    path("spdci/registry/sync/txn/status", spdci.SyncTxnStatus.as_view(), name="spdci_sync_txn_status"),
    # Last (add routes above it): any other URL under /api/v1/ is a problem-details 404, not the
    # site's HTML page.
    re_path(r"^(?P<path>(?s:.*))$", errors.not_found, name="not_found"),
]
