"""The bank's loan-list import. No ``app_name``: ``support/urls.py`` adds these patterns to its own,
so this is ``support:loans_import`` (``commune_code``: the commune whose list it is)."""

from django.urls import path

from support import views_io

urlpatterns = [
    path("loans/import/<str:commune_code>/", views_io.loans_import, name="loans_import"),
    path("loans/import/<str:commune_code>/template/", views_io.loans_template, name="loans_import_template"),
]
