from django.urls import path

from disbursements import urls_io, views

app_name = "disbursements"

urlpatterns = [
    path("", views.run_list, name="list"),
    path("prepare/", views.run_prepare, name="prepare"),
    path("unpaid/", views.unpaid, name="unpaid"),
    path("<int:run_id>/", views.run_detail, name="detail"),
    path("<int:run_id>/progress/", views.run_progress, name="progress"),
    path("<int:run_id>/approve/", views.run_approve, name="approve"),
    path("<int:run_id>/prepare-again/", views.run_reprepare, name="reprepare"),
    path("<int:run_id>/cancel/", views.run_cancel, name="cancel"),
    path("<int:run_id>/send/", views.run_send, name="send"),
    *urls_io.urlpatterns,
]
