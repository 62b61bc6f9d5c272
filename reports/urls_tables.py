"""URLs of the official tables and their exports (part 2 of issue 8); merged by reports/urls.py."""

from django.urls import path

from reports import views_tables
from reports.models import OfficialTable

urlpatterns = [
    path("tables/", views_tables.tables_index, name="tables"),
    path("tables/poverty/", views_tables.table_page, {"table": OfficialTable.POVERTY}, name="table_poverty"),
    path("tables/allowances/", views_tables.table_page, {"table": OfficialTable.ALLOWANCES}, name="table_allowances"),
    path("tables/payments/", views_tables.table_page, {"table": OfficialTable.PAYMENTS}, name="table_payments"),
    path("tables/export/", views_tables.table_export, name="table_export"),
    path("exports/", views_tables.export_list, name="exports"),
    path("exports/<uuid:job_uuid>/", views_tables.export_download, name="export_download"),
]
