from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("accesses/", views.access_log, name="access_log"),
    path("report/", views.subject_report, name="subject_report"),
]
