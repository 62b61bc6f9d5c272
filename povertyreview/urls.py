from django.urls import path

from povertyreview import views, views_io, views_pdf

app_name = "povertyreview"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("open/", views.campaign_open, name="open"),
    path("in-year/new/", views.regular_open, name="regular_open"),
    path("results/", views.results, name="results"),
    path("results/target/", views.target_set, name="target"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/advance/", views.campaign_advance, name="advance"),
    path("<int:campaign_id>/households/", views.assessment_list, name="assessments"),
    path("<int:campaign_id>/households/add/", views.household_add, name="household_add"),
    path("<int:campaign_id>/households/<int:assessment_id>/", views.survey, name="survey"),
    path("<int:campaign_id>/meetings/", views.meeting_list, name="meetings"),
    path("<int:campaign_id>/meetings/<int:village_id>/new/", views.meeting_record, name="meeting_record"),
    path("<int:campaign_id>/meetings/minutes/<int:meeting_id>/", views.meeting_minutes, name="meeting_minutes"),
    path("<int:campaign_id>/complaints/", views.complaint_list, name="complaints"),
    path("<int:campaign_id>/complaints/new/", views.complaint_register, name="complaint_register"),
    path("<int:campaign_id>/complaints/<int:complaint_id>/resolve/", views.complaint_resolve, name="complaint_resolve"),
    path("<int:campaign_id>/approve/", views.campaign_approve, name="approve"),
    path("<int:campaign_id>/what-if/", views.whatif, name="whatif"),
    # Import of survey results (§4.4) and export of the classification (§4.5): views_io.py
    path("<int:campaign_id>/import/", views_io.survey_import, name="import"),
    path("<int:campaign_id>/import/template/", views_io.survey_template, name="import_template"),
    path("<int:campaign_id>/export.<str:fmt>", views_io.classification_export, name="export"),
    # Printable documents (WeasyPrint): views_pdf.py
    path("<int:campaign_id>/posting.pdf", views_pdf.posting_pdf, name="posting_pdf"),
    path("<int:campaign_id>/decision.pdf", views_pdf.decision_pdf, name="decision_pdf"),
]
