"""Change requests (``views_changes.py``). No ``app_name``: ``beneficiaries/urls.py`` adds these
patterns to its own, so they are ``beneficiaries:changes``, ``beneficiaries:change_detail`` …"""

from django.urls import path

from beneficiaries import views_changes

urlpatterns = [
    path("changes/", views_changes.change_list, name="changes"),
    path("changes/<uuid:request_uuid>/", views_changes.change_detail, name="change_detail"),
    path("changes/<uuid:request_uuid>/approve/", views_changes.change_approve, name="change_approve"),
    path("changes/<uuid:request_uuid>/reject/", views_changes.change_reject, name="change_reject"),
    path("changes/<uuid:request_uuid>/withdraw/", views_changes.change_withdraw, name="change_withdraw"),
]
