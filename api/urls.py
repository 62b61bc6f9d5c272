from django.urls import path, re_path

from api.views import docs, errors, households, units

app_name = "api"
urlpatterns = [
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.SwaggerUI.as_view(), name="docs"),
    path("redoc/", docs.Redoc.as_view(), name="redoc"),
    path("communes/", units.CommuneList.as_view(), name="commune_list"),
    path("communes/<str:code>/villages/", units.VillageList.as_view(), name="village_list"),
    path("households/", households.HouseholdList.as_view(), name="household_list"),
    path("households/<uuid:household_uuid>/", households.HouseholdDetail.as_view(), name="household_detail"),
    path("households/<uuid:household_uuid>/members/", households.HouseholdMembers.as_view(), name="household_members"),
    path("persons/<uuid:person_uuid>/", households.PersonDetail.as_view(), name="person_detail"),
    path("persons/<uuid:person_uuid>/death/", households.PersonDeath.as_view(), name="person_death"),
    # Last: any other URL under /api/v1/ is a problem-details 404 (not the site's HTML page).
    re_path(r"^(?P<path>.*)$", errors.not_found, name="not_found"),
]
