from django.urls import path

from api.views import docs, households, spdci, units

app_name = "api"
urlpatterns = [
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.SwaggerUI.as_view(), name="docs"),
    path("redoc/", docs.Redoc.as_view(), name="redoc"),
    path("communes/", units.CommuneList.as_view(), name="commune_list"),
    path("communes/<str:code>/villages/", units.VillageList.as_view(), name="village_list"),
    path("households/", households.HouseholdList.as_view(), name="household_list"),
    path("households/<uuid:household_uuid>/", households.HouseholdDetail.as_view(), name="household_detail"),
    path("persons/<uuid:person_uuid>/", households.PersonDetail.as_view(), name="person_detail"),
    # The SPDCI social-registry API, under its own paths (registry/sync/…) as its spec names them.
    path("spdci/registry/sync/search", spdci.SyncSearch.as_view(), name="spdci_sync_search"),
    path("spdci/registry/sync/txn/status", spdci.SyncTxnStatus.as_view(), name="spdci_sync_txn_status"),
]
