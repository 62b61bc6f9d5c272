from django.urls import path

from povertyreview import views, views_io, views_pdf

app_name = "povertyreview"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    # Import of survey results (§4.4) and export of the classification (§4.5): views_io.py
    path("<int:campaign_id>/import/", views_io.survey_import, name="import"),
    path("<int:campaign_id>/export.<str:fmt>", views_io.classification_export, name="export"),
    # Printable documents (WeasyPrint): views_pdf.py
    path("<int:campaign_id>/posting.pdf", views_pdf.posting_pdf, name="posting_pdf"),
    path("<int:campaign_id>/decision.pdf", views_pdf.decision_pdf, name="decision_pdf"),
]
