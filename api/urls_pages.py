"""The administrator's pages of the API's system clients (``api/pages.py``), outside /api/v1/: pages of
the product, with the session and the login page, not the API's JSON."""

from django.urls import path

from api import pages

app_name = "api_clients"
urlpatterns = [
    path("", pages.client_list, name="list"),
    path("new/", pages.client_create, name="create"),
    path("<int:client_id>/rotate/", pages.client_rotate, name="rotate"),
    path("<int:client_id>/revoke/", pages.client_revoke, name="revoke"),
]
