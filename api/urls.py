from django.urls import path

from api import views

app_name = "api"
urlpatterns = [
    path("schema/", views.Schema.as_view(), name="schema"),
    path("docs/", views.SwaggerUI.as_view(), name="docs"),
    path("redoc/", views.Redoc.as_view(), name="redoc"),
    path("communes/", views.CommuneList.as_view(), name="commune_list"),
    path("communes/<str:code>/villages/", views.VillageList.as_view(), name="village_list"),
    path("households/", views.HouseholdList.as_view(), name="household_list"),
    path("households/<uuid:household_uuid>/", views.HouseholdDetail.as_view(), name="household_detail"),
    path("persons/<uuid:person_uuid>/", views.PersonDetail.as_view(), name="person_detail"),
]
