from support import urls_io, urls_pages

app_name = "support"

# Pages (programmes, records, distributions, donors, work list) and the bank's loan-list import.
urlpatterns = [*urls_pages.urlpatterns, *urls_io.urlpatterns]
