from reports import urls_dashboards, urls_tables

app_name = "reports"

# Dashboards (commune, province, charts) and official tables (pages, PDF, XLSX, export jobs).
urlpatterns = [*urls_dashboards.urlpatterns, *urls_tables.urlpatterns]
