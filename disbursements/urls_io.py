"""Downloads of a run for the payer and the upload of the payer's report (rules.md §4.2, §4.3).
No ``app_name``: ``disbursements/urls.py`` adds these patterns to its own, so they are
``disbursements:export`` (``fmt`` csv or xlsx), ``disbursements:bank_files`` (ZIP),
``disbursements:bank_file`` (one bank's CSV), ``disbursements:pain001`` (ISO 20022 bank file), ``disbursements:cash_pdf`` and ``disbursements:reconcile``."""

from django.urls import path

from disbursements import views_io

urlpatterns = [
    path("<int:run_id>/export.<str:fmt>", views_io.export, name="export"),
    path("<int:run_id>/bank.zip", views_io.bank_files, name="bank_files"),
    path("<int:run_id>/bank-<str:bin>.csv", views_io.bank_file, name="bank_file"),
    path("<int:run_id>/pain001.xml", views_io.pain001, name="pain001"),
    path("<int:run_id>/cash.pdf", views_io.cash_pdf, name="cash_pdf"),
    path("<int:run_id>/reconcile/", views_io.reconcile_run, name="reconcile"),
]
