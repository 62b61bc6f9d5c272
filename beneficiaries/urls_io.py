"""Import and export of beneficiaries (rules.md §4.1). No ``app_name``: ``beneficiaries/urls.py``
adds these patterns to its own, so they are ``beneficiaries:import`` and ``beneficiaries:export``
(``?format=csv|xlsx&commune=CODE``), and the imported lists awaiting the chair's confirmation:
``beneficiaries:import_batches``, ``import_batch`` and its ``import_batch_confirm`` and
``import_batch_reject`` (POST)."""

from django.urls import path

from beneficiaries import views_batches, views_io

urlpatterns = [
    path("import/", views_io.beneficiaries_import, name="import"),
    path("import/template/", views_io.import_template, name="import_template"),
    path("export/", views_io.beneficiaries_export, name="export"),
    path("imports/", views_batches.import_batch_list, name="import_batches"),
    path("imports/<uuid:batch_uuid>/", views_batches.import_batch_detail, name="import_batch"),
    path("imports/<uuid:batch_uuid>/confirm/", views_batches.import_batch_confirm, name="import_batch_confirm"),
    path("imports/<uuid:batch_uuid>/reject/", views_batches.import_batch_reject, name="import_batch_reject"),
]
