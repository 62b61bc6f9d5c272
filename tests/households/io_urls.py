"""A URL configuration for the import/export view tests only: the real pages beside stand-ins, so
these tests do not depend on the rest of the household pages (the project's urls wire the same
two views as households:import and households:export)."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.i18n import set_language

from households import views_io


def household_list_stand_in(request):
    return HttpResponse("household list")


def arrivals_stand_in(request):
    return HttpResponse("arrivals")


households_patterns = (
    [
        path("", household_list_stand_in, name="list"),
        path("arrivals/", arrivals_stand_in, name="arrivals"),
        path("import/", views_io.import_page, name="import"),
        path("export/", views_io.export_view, name="export"),
    ],
    "households",
)

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("communes/", include("geography.urls")),
    path("households/", include(households_patterns)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
