from django.urls import path

from beneficiaries import urls_changes, urls_io, views

app_name = "beneficiaries"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_file, name="file"),
    path("monthly/", views.monthly_total, name="monthly"),
    path("<uuid:case_uuid>/", views.case_detail, name="detail"),
    # The officer's acts
    path("<uuid:case_uuid>/verify/", views.case_verify, name="verify"),
    path("<uuid:case_uuid>/payment/", views.case_payment, name="payment"),
    path("<uuid:case_uuid>/health-card/", views.case_health_card, name="health_card"),
    path("<uuid:case_uuid>/documents/new/", views.case_document, name="document"),
    path("<uuid:case_uuid>/documents/<int:document_id>/", views.case_document_file, name="document_file"),
    # The chair's decisions
    path("<uuid:case_uuid>/decide/", views.case_decide, name="decide"),
    path("<uuid:case_uuid>/refuse/", views.case_refuse, name="refuse"),
    path("<uuid:case_uuid>/suspend/", views.case_suspend, name="suspend"),
    path("<uuid:case_uuid>/resume/", views.case_resume, name="resume"),
    path("<uuid:case_uuid>/terminate/", views.case_terminate, name="terminate"),
    path("<uuid:case_uuid>/transfer/", views.case_transfer, name="transfer"),
    # Changes that move money (payment above too): requests the chair approves, urls_changes.py
    path("<uuid:case_uuid>/categories/", views.case_categories, name="categories"),
    path("<uuid:case_uuid>/months/", views.case_months, name="months"),
    path("<uuid:case_uuid>/birth-date/", views.case_birth_date, name="birth_date"),
    *urls_io.urlpatterns,
    *urls_changes.urlpatterns,
]
