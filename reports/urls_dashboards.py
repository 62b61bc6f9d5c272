from django.urls import path

from reports import views_dashboards

urlpatterns = [
    path("", views_dashboards.home, name="home"),
    path("communes/<str:code>/", views_dashboards.commune_dashboard, name="commune"),
    path("provinces/<str:code>/", views_dashboards.province_dashboard, name="province"),
]
