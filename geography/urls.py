from django.urls import path

from geography import views

app_name = "geography"
urlpatterns = [
    path("", views.commune_list, name="commune_list"),
    path("<str:code>/", views.commune_detail, name="commune_detail"),
    path("<str:code>/villages/new/", views.village_create_view, name="village_create"),
]
