"""Import and export of beneficiaries (rules.md §4.1). No ``app_name``: ``beneficiaries/urls.py``
adds these patterns to its own, so they are ``beneficiaries:import`` and ``beneficiaries:export``
(``?format=csv|xlsx&commune=CODE``)."""

from django.urls import path

from beneficiaries import views_io

urlpatterns = [
    path("import/", views_io.beneficiaries_import, name="import"),
    path("export/", views_io.beneficiaries_export, name="export"),
]
