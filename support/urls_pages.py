"""The support pages. No ``app_name``: ``support/urls.py`` adds these patterns to its own, so they
are ``support:list`` (the programmes, the app's main page), ``support:records``, ``support:worklist``,
``support:totals`` and so on."""

from django.urls import path

from support import views, views_distributions, views_programmes, views_records

urlpatterns = [
    # Programmes (the main page) and the province's donors.
    path("", views_programmes.programme_list, name="list"),
    path("programmes/new/", views_programmes.programme_new, name="programme_new"),
    path("programmes/<int:programme_id>/", views_programmes.programme_detail, name="programme"),
    path("programmes/<int:programme_id>/edit/", views_programmes.programme_edit, name="programme_edit"),
    path("donors/", views_programmes.donor_list, name="donors"),
    path("donors/new/", views_programmes.donor_new, name="donor_new"),
    path("donors/<int:donor_id>/edit/", views_programmes.donor_edit, name="donor_edit"),
    # Support records of households: ?programme=<id>&household=<uuid> on "new".
    path("records/", views_records.record_list, name="records"),
    path("records/new/", views_records.record_new, name="record_new"),
    path("records/<uuid:record_uuid>/", views_records.record_detail, name="record"),
    path("records/<uuid:record_uuid>/deliver/", views_records.record_deliver, name="record_deliver"),
    path("records/<uuid:record_uuid>/cancel/", views_records.record_cancel, name="record_cancel"),
    path("records/<uuid:record_uuid>/evidence/", views_records.record_evidence, name="record_evidence"),
    path(
        "records/<uuid:record_uuid>/evidence/<int:evidence_id>/",
        views_records.record_evidence_file,
        name="record_evidence_file",
    ),
    path("records/<uuid:record_uuid>/visit/", views_records.record_visit, name="record_visit"),
    path("records/<uuid:record_uuid>/balance/", views_records.loan_balance, name="loan_balance"),
    # Distributions of a programme.
    path(
        "programmes/<int:programme_id>/distributions/new/",
        views_distributions.distribution_new,
        name="distribution_new",
    ),
    path("distributions/<int:distribution_id>/", views_distributions.distribution_detail, name="distribution"),
    path(
        "distributions/<int:distribution_id>/recipients/",
        views_distributions.distribution_recipients,
        name="distribution_recipients",
    ),
    path(
        "distributions/<int:distribution_id>/recipients/<int:record_id>/remove/",
        views_distributions.distribution_remove,
        name="distribution_remove",
    ),
    path(
        "distributions/<int:distribution_id>/deliver/",
        views_distributions.distribution_deliver,
        name="distribution_deliver",
    ),
    path(
        "distributions/<int:distribution_id>/close/", views_distributions.distribution_close, name="distribution_close"
    ),
    path(
        "distributions/<int:distribution_id>/evidence/",
        views_distributions.distribution_evidence,
        name="distribution_evidence",
    ),
    path(
        "distributions/<int:distribution_id>/evidence/<int:evidence_id>/",
        views_distributions.distribution_evidence_file,
        name="distribution_evidence_file",
    ),
    path(
        "distributions/<int:distribution_id>/receipts.pdf",
        views_distributions.distribution_receipts,
        name="distribution_receipts",
    ),
    # The officer's work list and the totals (commune or province).
    path("worklist/", views.worklist, name="worklist"),
    path("totals/", views.totals, name="totals"),
]
