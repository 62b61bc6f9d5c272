from django.urls import path

from households import views, views_io

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_register, name="register"),
    path("new/code/", views.household_register_code, name="register_code"),
    path("arrivals/", views.arrivals, name="arrivals"),
    path("transfers/<uuid:transfer_uuid>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<uuid:transfer_uuid>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<uuid:transfer_uuid>/reject/", views.transfer_reject, name="transfer_reject"),
    path("transfers/<uuid:transfer_uuid>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("duplicates/<int:flag_id>/resolve/", views.duplicate_resolve, name="duplicate_resolve"),
    path("import/", views_io.import_page, name="import"),
    path("import/template/", views_io.import_template, name="import_template"),
    path("export/", views_io.export_view, name="export"),
    path("<uuid:household_uuid>/", views.household_detail, name="detail"),
    path("<uuid:household_uuid>/edit/", views.household_edit, name="edit"),
    path("<uuid:household_uuid>/head/", views.change_head, name="change_head"),
    path("<uuid:household_uuid>/split/", views.split, name="split"),
    path("<uuid:household_uuid>/transfer/", views.transfer, name="transfer"),
    path("<uuid:household_uuid>/members/new/", views.member_add, name="member_add"),
    path("<uuid:household_uuid>/members/<int:membership_id>/", views.member_row, name="member_row"),
    path("<uuid:household_uuid>/members/<int:membership_id>/move/", views.member_move, name="member_move"),
    path("<uuid:household_uuid>/members/<int:membership_id>/transfer/", views.member_transfer, name="member_transfer"),
    path("<uuid:household_uuid>/members/<int:membership_id>/death/", views.record_death, name="record_death"),
]
